/**
 * A hostile review of `--isolation` against Mesos' containerizer (`MesosContainerizer::create`,
 * src/slave/containerizer/mesos/containerizer.cpp): an empty flag, and an isolator named twice.
 */
import { expect } from 'chai';
import { captureLogger } from '../../../lib/logging';
import { chooseIsolator } from '../../../actors/agent/isolator';
import type { CgroupsLayout } from '../../../actors/agent/cgroups';

const V1: CgroupsLayout = { version: 1, hierarchies: new Map([['cpu', '/x/cpu'], ['cpuacct', '/x/cpuacct'], ['memory', '/x/memory'], ['pids', '/x/pids'], ['freezer', '/x/freezer']]) };

describe('agent --isolation (hostile review 3)', () => {
  it('takes an empty --isolation as no isolator, as Mesos does, and warns that executors run unconfined (it said only "as --isolation names it")', () => {
    for (const empty of ['', ',', ' , ']) {
      const captured = captureLogger();
      expect(chooseIsolator(empty, { log: captured.logger, layout: V1, isRoot: true }).names, JSON.stringify(empty)).to.deep.equal([]);
      expect(captured.records.map((line) => [line.level, line.msg])).to.deep.equal([
        [40, 'isolation: none (--isolation is empty, as in Mesos): executors run unconfined, their cpus and mem neither capped nor enforced; leave the flag out for the best this machine allows'],
      ]);
    }
  });

  it('refuses an isolator named twice, as Mesos ("Duplicate entries found in --isolation flag"); it was taken once', () => {
    const log = captureLogger().logger;
    expect(() => chooseIsolator('posix/cpu,posix/mem,posix/cpu', { log, layout: V1, isRoot: false })).to.throw("--isolation: 'posix/cpu' is named twice (as in Mesos, name each isolator once)");
  });
});
