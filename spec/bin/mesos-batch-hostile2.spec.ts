/** A hostile review of mesos-batch's flags. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const BIN = path.join(__dirname, '../../bin/mesos-batch.js');

describe('bin/mesos-batch flags (hostile review 2)', () => {
  it('refuses --task_resources and its old spelling --task-resources both given (one was dropped silently)', () => {
    const args = ['--master', '127.0.0.1:1', '--name', 'x', '--command', 'true', '--tasks', '1', '--task_resources', 'cpus:1', '--task-resources', 'cpus:2'];
    const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr.trim()).to.equal('mesos-batch: --task_resources and --task-resources are one flag, given twice: as in Mesos, a flag may be given once');
  });
});
