import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockWorkDir, WORK_DIR_LOCK_FILE, WorkDirInUseError } from '../../lib/work-dir-lock';

/** A child process that runs until killed, and resolves once it has started. */
async function sleeper(): Promise<ChildProcess> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
  return child;
}

/** `pid`'s start time as the lock writes it (field 22 of `/proc/<pid>/stat`). */
function startTime(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
}

describe('lib/work-dir-lock: one process per work dir', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'work-dir-lock-')); });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes a free dir, names this process in it, takes it again in this process, and releases it', () => {
    const lock = lockWorkDir(dir);
    expect(lock.path).to.equal(path.join(dir, WORK_DIR_LOCK_FILE));
    expect(fs.readFileSync(lock.path, 'utf8')).to.equal(`${process.pid} ${startTime(process.pid)}\n`);
    expect(lockWorkDir(dir).path).to.equal(lock.path);
    lock.release();
    expect(fs.existsSync(lock.path)).to.equal(false);
  });

  it('refuses a dir a live process holds, naming it (two agents on one work dir took one agent id, and lost a task\'s end)', async () => {
    const holder = await sleeper();
    children.push(holder);
    fs.writeFileSync(path.join(dir, WORK_DIR_LOCK_FILE), `${holder.pid} ${startTime(holder.pid as number)}\n`);
    expect(() => lockWorkDir(dir)).to.throw(WorkDirInUseError, `--work_dir ${dir} is in use by process ${holder.pid}; stop that process, or give another --work_dir`);
  });

  it('takes over a lock whose process is gone, or whose pid another process has since (its start time differs), or that names nobody', async () => {
    const gone = spawn('true', [], { stdio: 'ignore' });
    await new Promise((resolve) => gone.once('exit', resolve));
    const reused = await sleeper();
    children.push(reused);
    for (const text of [`${gone.pid} 1\n`, `${reused.pid} 1\n`, 'garbled', '']) {
      fs.writeFileSync(path.join(dir, WORK_DIR_LOCK_FILE), text);
      const lock = lockWorkDir(dir);
      expect(fs.readFileSync(lock.path, 'utf8'), JSON.stringify(text)).to.equal(`${process.pid} ${startTime(process.pid)}\n`);
      lock.release();
    }
  });
});
