/**
 * `npm run bench:cluster [-- --json] [-- --tasks N] [-- --window W]`: real processes on this
 * machine. Starts `mesos-local` with one agent (a child process); a framework in this process
 * launches N command tasks (`true`) twice, and for each run measures tasks/s from the first
 * accept to the last TASK_FINISHED, and the launch → TASK_RUNNING latency of every task (accept
 * sent → RUNNING received), p50 and p99:
 * - windowed (the headline figures): at most W tasks launched and not yet finished, as a
 *   framework with bounded concurrency runs; when the window has room and no offer is out, it
 *   revives to get the agent re-offered at once instead of at the next allocation interval;
 * - burst: all N tasks in one accept. Its latency is mostly queueing: the agent starts the
 *   executors one after another (a fork costs it ~1.8 ms), so the median task waits for N/2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Resources } from '../lib/resources';
import { ascending, percentile } from './figures';
import { isTerminalState, type Offer, type TaskInfo, type TaskStatus } from '../lib/protocol';
import { fitInto } from '../actors/framework/offers';
import { Scheduler, type SchedulerOptions } from '../actors/framework/scheduler';
import { startClientHost } from '../bin/client';

export const DEFAULT_TASKS = 500;
/** Tasks in flight (launched, not yet finished) in the windowed run. */
export const DEFAULT_WINDOW = 20;
const TASK_RESOURCES = Resources.parse('cpus:0.01;mem:1');
/** Declared (not detected) agent resources: room for every task at once. */
const AGENT_RESOURCES = 'cpus:64;mem:65536;disk:65536;ports:[31000-32000]';

class Launcher extends Scheduler {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private launched = 0;
  private finished = 0;
  /** Tasks seen in a terminal state. */
  private readonly terminal = new Set<string>();
  /** True after a revive, until offers come. */
  private awaitingOffers = false;
  firstAcceptNs = 0n;
  lastFinishedNs = 0n;
  /** Per task: when its launch was sent. */
  readonly launchedAt = new Map<string, bigint>();
  readonly runningAfterMs: number[] = [];
  readonly failures: string[] = [];

  constructor(options: SchedulerOptions, private readonly total: number, private readonly window: number) {
    super(options);
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
  }

  protected override resourceOffers(offers: Offer[]): void {
    this.awaitingOffers = false;
    for (const offer of offers) {
      const tasks = this.tasksFor(offer);
      if (tasks.length === 0) {
        this.decline(offer.id, { refuseSeconds: 0 });
        continue;
      }
      const now = process.hrtime.bigint();
      if (this.firstAcceptNs === 0n) this.firstAcceptNs = now;
      for (const task of tasks) this.launchedAt.set(task.taskId, now);
      this.launch(offer.id, tasks, { refuseSeconds: 0 });
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    const now = process.hrtime.bigint();
    if (status.state === 'TASK_RUNNING') {
      const at = this.launchedAt.get(status.taskId);
      if (at !== undefined) this.runningAfterMs.push(Number(now - at) / 1e6);
    }
    // A retried update can arrive twice: count each task's terminal state once.
    if (!isTerminalState(status.state) || this.terminal.has(status.taskId)) return;
    this.terminal.add(status.taskId);
    if (status.state !== 'TASK_FINISHED') this.failures.push(`${status.taskId}: ${status.state} ${status.message ?? ''}`);
    if (++this.finished === this.total) {
      this.lastFinishedNs = now;
      this.resolveDone();
    } else if (this.launched < this.total && !this.awaitingOffers && this.inFlight() <= this.window / 2) {
      this.awaitingOffers = true;
      this.revive();
    }
  }

  private inFlight(): number {
    return this.launched - this.finished;
  }

  /** As many tasks as fit in the offer, the window and what is left to launch. */
  private tasksFor(offer: Offer): TaskInfo[] {
    let available = Resources.fromJSON(offer.resources);
    const tasks: TaskInfo[] = [];
    while (this.launched < this.total && this.inFlight() < this.window) {
      const picked = fitInto(available, TASK_RESOURCES, offer.allocationRole);
      if (!picked) break;
      available = available.subtract(picked);
      const taskId = `${this.framework.name}-${this.launched++}`;
      tasks.push({ name: taskId, taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: 'true' } });
    }
    return tasks;
  }
}

/** What one run measured. */
export interface RunFigures {
  tasks_per_s: number;
  running_p50_ms: number;
  running_p99_ms: number;
  failed: number;
}

/**
 * The user the benches' frameworks name: this machine's own. An agent runs a framework's tasks
 * as its user (`--switch_user`, on by default), so a made-up one ('bench', until 2026-12-05)
 * failed every task of bench:cluster and bench:http with "no user 'bench' on this machine".
 */
export const BENCH_USER = os.userInfo().username;

/** Runs `total` tasks through a fresh (actor) framework, at most `window` in flight. */
export async function run(master: string, name: string, total: number, window: number): Promise<RunFigures> {
  const host = await startClientHost('127.0.0.1');
  const launcher = new Launcher({ master, framework: { name, user: BENCH_USER } }, total, window);
  host.spawn(launcher);
  await launcher.done;
  const seconds = Number(launcher.lastFinishedNs - launcher.firstAcceptNs) / 1e9;
  const running = ascending(launcher.runningAfterMs);
  if (launcher.failures.length > 0) console.log(`${name} failures: ${launcher.failures.slice(0, 5).join('; ')}`);
  launcher.stop();
  await host.stop();
  return {
    tasks_per_s: Number((total / seconds).toFixed(1)),
    running_p50_ms: Number(percentile(running, 0.5).toFixed(1)),
    running_p99_ms: Number(percentile(running, 0.99).toFixed(1)),
    failed: launcher.failures.length,
  };
}

/** Starts `mesos-local` with one agent of `AGENT_RESOURCES` in `workDir`; resolves with its master's address. */
export async function startLocalCluster(workDir: string): Promise<{ child: ChildProcess; master: string }> {
  const bin = path.resolve(__dirname, '../bin/mesos-local.js');
  const child = spawn(process.execPath, [bin, '--port', '0', '--agents', '1', '--resources', AGENT_RESOURCES, '--work_dir', workDir, '--log_level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const master = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const master = /master master@(\S+)/.exec(output)?.[1];
      if (master && output.includes('web UI')) resolve(master);
    });
    child.once('exit', (code) => reject(new Error(`mesos-local exited with ${code}`)));
  });
  return { child, master };
}

/** The number after `--name` on the command line, or `fallback`. */
export function numberFlag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const total = numberFlag('--tasks', DEFAULT_TASKS);
  const window = numberFlag('--window', DEFAULT_WINDOW);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-'));
  const { child, master } = await startLocalCluster(workDir);
  const windowed = await run(master, 'windowed', total, window);
  const burst = await run(master, 'burst', total, total);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  fs.rmSync(workDir, { recursive: true, force: true });
  const show = (label: string, figures: RunFigures): void => console.log(
    `${label.padEnd(22)} ${String(figures.tasks_per_s).padStart(7)} tasks/s   launch -> RUNNING p50 ${figures.running_p50_ms} ms, p99 ${figures.running_p99_ms} ms` +
    (figures.failed ? `   (${figures.failed} failed)` : ''));
  console.log(`${total} tasks of 'true' on one agent (targets: >= 50 tasks/s, p50 <= 100 ms)`);
  show(`windowed (${window} in flight)`, windowed);
  show('burst (one accept)', burst);
  if (json) {
    console.log(JSON.stringify({
      tasks: total, window, ...windowed,
      burst_tasks_per_s: burst.tasks_per_s, burst_running_p50_ms: burst.running_p50_ms, burst_running_p99_ms: burst.running_p99_ms,
      failed: windowed.failed + burst.failed,
    }));
  }
}

if (require.main === module) void main().then(() => process.exit(0), (error: Error) => { console.error(error); process.exit(1); });
