import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { LOCK_TAKEOVER_WAIT_MS, lockSteps, lockWorkDir, workDirLockFile, WorkDirInUseError, type Holder, type LockOutcome, type Taker } from '../../lib/work-dir-lock';
import { procStatFields, procStatIndex } from '../../lib/proc-stat';

/** A child process that runs until killed, and resolves once it has started. */
async function sleeper(): Promise<ChildProcess> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
  return child;
}

/** `pid`'s start time as the lock writes it (field 22 of `/proc/<pid>/stat`). */
function startTime(pid: number): string {
  return procStatFields(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[procStatIndex(22)] as string;
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
    const lock = lockWorkDir(dir, 'agent');
    expect(lock.path).to.equal(path.join(dir, '.agent.lock'));
    expect(fs.readFileSync(lock.path, 'utf8')).to.equal(`${process.pid} ${startTime(process.pid)}\n`);
    expect(lockWorkDir(dir, 'agent').path).to.equal(lock.path);
    expect(fs.readdirSync(dir), 'nothing left aside').to.deep.equal(['.agent.lock']);
    lock.release();
    expect(fs.existsSync(lock.path)).to.equal(false);
  });

  it('refuses a dir a live process holds, naming it (two agents on one work dir took one agent id, and lost a task\'s end)', async () => {
    const holder = await sleeper();
    children.push(holder);
    fs.writeFileSync(workDirLockFile(dir, 'agent'), `${holder.pid} ${startTime(holder.pid as number)}\n`);
    expect(() => lockWorkDir(dir, 'agent')).to.throw(WorkDirInUseError, `--work_dir ${dir} is in use by process ${holder.pid}; stop that process, or give another --work_dir`);
    // A master and an agent may share a dir (their files do not meet), as in Mesos.
    lockWorkDir(dir, 'master').release();
  });

  it('takes over a lock whose process is gone, or whose pid another process has since (its start time differs), or that names nobody', async () => {
    const gone = spawn('true', [], { stdio: 'ignore' });
    await new Promise((resolve) => gone.once('exit', resolve));
    const reused = await sleeper();
    children.push(reused);
    for (const text of [`${gone.pid} 1\n`, `${reused.pid} 1\n`, 'garbled', '']) {
      fs.writeFileSync(workDirLockFile(dir, 'agent'), text);
      const lock = lockWorkDir(dir, 'agent');
      expect(fs.readFileSync(lock.path, 'utf8'), JSON.stringify(text)).to.equal(`${process.pid} ${startTime(process.pid)}\n`);
      lock.release();
    }
  });

  it('takes over a lock whose process is a zombie: exited, not yet reaped (agent-recovery walkthrough: a restart after kill -9 was refused)', async () => {
    // `sleep 0` exits at once; its parent, the shell exec'd into `sleep 60`, never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(parent);
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))));
    const state = (): string | undefined => procStatFields(fs.readFileSync(`/proc/${zombie}/stat`, 'utf8'))?.[0];
    for (let tries = 0; tries < 200 && state() !== 'Z'; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(state(), 'a zombie').to.equal('Z');
    fs.writeFileSync(workDirLockFile(dir, 'agent'), `${zombie} ${startTime(zombie)}\n`);
    const lock = lockWorkDir(dir, 'agent');
    expect(fs.readFileSync(lock.path, 'utf8')).to.equal(`${process.pid} ${startTime(process.pid)}\n`);
    lock.release();
  });

  it('of processes taking one dir at once, one holds it, from a stale lock too (two took a stale lock over together, and a lock read while still empty was taken over)', async function () {
    this.timeout(60_000);
    const module = path.resolve(__dirname, '../../lib/work-dir-lock.js');
    const taker = `
      const { lockWorkDir } = require(${JSON.stringify(module)});
      const start = Number(process.argv[1]);
      while (Date.now() < start) { /* all at once */ }
      // The holder keeps it until the test closes its stdin (a child started late still finds it held).
      try { lockWorkDir(${JSON.stringify(dir)}, 'agent'); process.stdout.write('held'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0)); }
      catch (error) { process.stdout.write(error.name); process.exit(0); }`;
    for (const stale of [false, true, true]) {
      if (stale) fs.writeFileSync(workDirLockFile(dir, 'agent'), '999999999 1\n');
      const start = Date.now() + 700;
      const takers = [0, 1, 2, 3, 4, 5].map(() => spawn(process.execPath, ['-e', taker, String(start)], { stdio: ['pipe', 'pipe', 'ignore'] }));
      const exited = takers.map((child) => new Promise((resolve) => child.once('exit', resolve)));
      const outcomes = await Promise.all(takers.map((child) => new Promise<string>((resolve) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); resolve(out); });
        child.once('exit', () => resolve(out));
      })));
      for (const child of takers) child.stdin.end();
      await Promise.all(exited);
      expect(outcomes.filter((outcome) => outcome === 'held'), `stale: ${stale}: ${outcomes.join(', ')}`).to.have.length(1);
      expect(outcomes.filter((outcome) => outcome !== 'held')).to.deep.equal(Array(5).fill('WorkDirInUseError'));
      expect(fs.readdirSync(dir), 'nothing left aside').to.deep.equal([]);
    }
  });

  it('of takers interleaved step by step, some dying midway, no two live ones hold it at once, and one holds it when the others are done (property, seeded: CI saw two real processes take a stale lock over together)', () => {
    const file = workDirLockFile(dir, 'agent');
    /** Pids of the made-up takers; the stale lock's holder is another, never alive. */
    const FIRST_PID = 900_000;
    const DEAD_PID = 800_000;
    /** Steps after which the run is called stuck (each taker takes a few dozen). */
    const MAX_STEPS = 100_000;
    const run = fc.record({
      takers: fc.integer({ min: 2, max: 5 }),
      before: fc.constantFrom('none', 'dead holder', 'garbled'),
      picks: fc.array(fc.nat(), { minLength: 0, maxLength: 300 }),
      deaths: fc.array(fc.option(fc.nat(40), { freq: 3 }), { minLength: 5, maxLength: 5 }),
    });
    fc.assert(fc.property(run, ({ takers, before, picks, deaths }) => {
      for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name));
      if (before === 'dead holder') fs.writeFileSync(file, `${DEAD_PID} 1\n`);
      if (before === 'garbled') fs.writeFileSync(file, 'garbled');
      const live = new Set<number>();
      const all = Array.from({ length: takers }, (_, index) => {
        const me: Taker = { pid: FIRST_PID + index, text: `${FIRST_PID + index} 1\n` };
        live.add(me.pid);
        // A clock that never moves: a taker waits for a takeover under way as long as it takes (the scheduler runs every taker).
        return { me, steps: lockSteps(file, me, (holder: Holder) => live.has(holder.pid), { now: () => 0, waitBoundMs: 0 }), taken: 0, dieAt: deaths[index] ?? null, outcome: undefined as LockOutcome | undefined };
      });
      let running = all.slice();
      for (let step = 0; running.length > 0; step++) {
        expect(step, 'stuck').to.be.below(MAX_STEPS);
        const taker = running[(picks[step] ?? step) % running.length] as (typeof all)[number];
        if (taker.dieAt !== null && taker.taken === taker.dieAt) {
          live.delete(taker.me.pid);
          running = running.filter((other) => other !== taker);
          continue;
        }
        taker.taken++;
        const next = taker.steps.next();
        if (next.done === true) {
          taker.outcome = next.value;
          running = running.filter((other) => other !== taker);
        }
        const holders = all.filter((other) => other.outcome?.held === true && live.has(other.me.pid));
        expect(holders.map((holder) => holder.me.pid), 'live holders').to.have.length.at.most(1);
        for (const holder of holders) expect(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : 'no lock file', 'the lock names its live holder').to.equal(holder.me.text);
      }
      const survivors = all.filter((taker) => live.has(taker.me.pid));
      if (survivors.length === takers) {
        const holders = survivors.filter((taker) => taker.outcome?.held === true);
        expect(holders, 'one holder when nobody died').to.have.length(1);
        const holder = (holders[0] as (typeof all)[number]).me.pid;
        for (const taker of survivors) if (taker.outcome?.held === false) expect(taker.outcome.pid, 'the others name the holder').to.equal(holder);
        expect(fs.readdirSync(dir), 'nothing left aside').to.deep.equal([path.basename(file)]);
      }
      for (const taker of survivors) {
        if (taker.outcome?.held === false) expect(taker.outcome.pid, 'a refusal names a taker, never the stale holder').to.be.within(FIRST_PID, FIRST_PID + takers - 1);
      }
    }), { seed: 20261206, numRuns: 400 });
  });

  it('waits for another\'s takeover under way LOCK_TAKEOVER_WAIT_MS at most, then names that taker (one stopped midway held every other for ever)', () => {
    const file = workDirLockFile(dir, 'agent');
    fs.writeFileSync(file, '800000 1\n');
    const stopped: Taker = { pid: 900_001, text: '900001 1\n' };
    const alive = (holder: Holder): boolean => holder.pid === stopped.pid || holder.pid === 900_002;
    // The first taker makes its takeover marker, then stops (SIGSTOP, a debugger) for good.
    const first = lockSteps(file, stopped, alive);
    for (let step = 0; step < 20 && fs.readdirSync(dir).length < 2; step++) first.next();
    expect(fs.readdirSync(dir), 'the lock and the stopped taker\'s marker').to.have.length(2);
    let now = 0;
    let waits = 0;
    const second = lockSteps(file, { pid: 900_002, text: '900002 1\n' }, alive, { now: () => now, waitBoundMs: LOCK_TAKEOVER_WAIT_MS });
    let outcome: LockOutcome | undefined;
    for (let step = 0; step < 100_000 && outcome === undefined; step++) {
      const next = second.next();
      if (next.done === true) outcome = next.value;
      else if (next.value !== undefined) {
        waits++;
        now += 1;
      }
    }
    expect(outcome).to.deep.equal({ held: false, pid: stopped.pid });
    expect(waits, 'a wait a millisecond').to.be.within(LOCK_TAKEOVER_WAIT_MS, LOCK_TAKEOVER_WAIT_MS + 1);
  });

  it('takes over a lock naming its own pid with another start time: a dead process\' whose pid it has now (it held it without rewriting it, and a third took it over too)', () => {
    const file = workDirLockFile(dir, 'agent');
    const me: Taker = { pid: 900_001, text: '900001 1\n' };
    fs.writeFileSync(file, '900001 999\n');
    const steps = lockSteps(file, me, (holder) => holder.pid === me.pid && holder.startTime === '1');
    let next = steps.next();
    while (next.done !== true) next = steps.next();
    expect(next.value).to.deep.equal({ held: true });
    expect(fs.readFileSync(file, 'utf8'), 'the lock names this process').to.equal(me.text);
  });
});
