/** The TypeScript command executor's task never outlives the executor's process, however it ends. */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventually, processExists } from '../../support/runtime';

describe('the command executor process: its task goes with it', function () {
  this.timeout(20_000);
  let sandbox: string;
  beforeEach(() => { sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'command-executor-exit-')); });
  afterEach(() => {
    const pid = readPid();
    if (pid !== undefined) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone, as it should be */ }
    fs.rmSync(sandbox, { recursive: true, force: true });
  });

  function readPid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(sandbox, 'pid'), 'utf8'));
      return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  it("a process that exits with its task started (before its executor's mailbox took the task in) SIGKILLs the task's group (a SIGTERM then left `sh -c sleep` running)", async () => {
    const module = path.resolve(__dirname, '../../../actors/agent/command-executor.js');
    const script = `
      const { startTask } = require(${JSON.stringify(module)});
      const task = { name: 't', taskId: 't', agentId: 'a', resources: [], command: { value: 'echo $$ > pid; sleep 60' } };
      startTask(task, ${JSON.stringify(sandbox)}).then(() => {
        const wait = setInterval(() => { if (require('node:fs').existsSync(${JSON.stringify(path.join(sandbox, 'pid'))})) { clearInterval(wait); process.exit(0); } }, 10);
      });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).to.equal(0);
    const pid = readPid();
    expect(pid, 'the task wrote its pid').to.be.a('number');
    await eventually(() => !processExists(pid as number), 5_000, 'the task to be gone with the process that started it');
  });
});
