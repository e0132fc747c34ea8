/** A hostile review of mesos-execute's `--name` against Mesos' (src/cli/execute.cpp: the name is required, and is the task's id too). */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { taskFlagsError } from '../../bin/mesos-execute';

const BIN = path.join(__dirname, '../../bin/mesos-execute.js');

describe('bin/mesos-execute --name (hostile review 3)', () => {
  it('refuses an empty --name before it looks for a master, one line and exit 2 (it was taken, and the task had an empty id)', () => {
    // No master listens on port 1: the refusal comes before any attempt to reach one.
    const run = spawnSync(process.execPath, [BIN, '--master', '127.0.0.1:1', '--name', '', '--command', 'true', '--master_timeout', '1secs'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr.trim()).to.equal('error: --name is empty: the task needs a name (it is its id too)');
    expect(run.status).to.equal(2); // a usage error, as every bin's
  });

  it('refuses a --name that cannot be a task id (the master would answer TASK_ERROR), naming the rule', () => {
    const flags = (name: string) => ({ name, command: 'true' });
    expect(taskFlagsError(flags('..'), false)).to.equal("--name '..' is the task's id too, and not a valid one: '..' is disallowed");
    expect(taskFlagsError(flags('a/b'), false)).to.equal("--name 'a/b' is the task's id too, and not a valid one: 'a/b' contains invalid characters");
    expect(taskFlagsError(flags('hello world'), false)).to.equal(undefined);
  });
});
