/** A hostile review of mesos-local's own flags. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const BIN = path.join(__dirname, '../../bin/mesos-local.js');

describe('bin/mesos-local flags (hostile review 2)', () => {
  it('refuses --agents past MAX_LOCAL_AGENTS at once, naming the flag (100000000 made a million work dirs, deaf to SIGTERM)', () => {
    const run = spawnSync(process.execPath, [BIN, '--port', '0', '--agents', '100000000'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr.trim()).to.equal("error: option '--agents <n>' argument '100000000' is invalid. '100000000' is more than the 1000 agents mesos-local starts (each listens on a port of its own)");
    expect(run.stdout).to.equal(''); // refused before a work dir was made
  });

  it('refuses an empty --work_dir (it ran the master in ./master of wherever mesos-local was started)', () => {
    const run = spawnSync(process.execPath, [BIN, '--port', '0', '--agents', '0', '--work_dir', ''], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr.trim()).to.equal("error: option '--work_dir <dir>' argument '' is invalid. must not be empty (leave --work_dir out for a temporary work dir)");
  });
});
