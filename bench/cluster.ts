/**
 * `npm run bench:cluster [-- --json] [-- --tasks N]`: real processes on this machine. Starts
 * `mesos-local` with one agent (a child process), then a framework in this process launches N
 * command tasks (`true`), as many per offer as fit, and measures:
 * - tasks/s from the first accept to the last TASK_FINISHED;
 * - launch → TASK_RUNNING latency per task (accept sent → RUNNING received), p50 and p99.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Resources } from '../lib/resources';
import { isTerminalState, type Offer, type TaskInfo, type TaskStatus } from '../lib/protocol';
import { fitInto } from '../actors/framework/offers';
import { Scheduler, type SchedulerOptions } from '../actors/framework/scheduler';
import { startClientHost } from '../bin/client';

const DEFAULT_TASKS = 500;
const TASK_RESOURCES = Resources.parse('cpus:0.01;mem:1');
/** Declared (not detected) agent resources: room for every task at once. */
const AGENT_RESOURCES = 'cpus:64;mem:65536;disk:65536;ports:[31000-32000]';

class Launcher extends Scheduler {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private launched = 0;
  private finished = 0;
  firstAcceptNs = 0n;
  lastFinishedNs = 0n;
  /** Per task: when its launch was sent, and when it was seen RUNNING. */
  readonly launchedAt = new Map<string, bigint>();
  readonly runningAfterMs: number[] = [];
  readonly failures: string[] = [];

  constructor(options: SchedulerOptions, private readonly total: number) {
    super(options);
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      let available = Resources.fromJSON(offer.resources);
      const tasks: TaskInfo[] = [];
      for (let picked = fitInto(available, TASK_RESOURCES, offer.allocationRole); picked && this.launched < this.total; picked = fitInto(available, TASK_RESOURCES, offer.allocationRole)) {
        available = available.subtract(picked);
        const taskId = `bench-${this.launched++}`;
        tasks.push({ name: taskId, taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: 'true' } });
      }
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
    if (!isTerminalState(status.state)) return;
    if (status.state !== 'TASK_FINISHED') this.failures.push(`${status.taskId}: ${status.state} ${status.message ?? ''}`);
    if (++this.finished === this.total) {
      this.lastFinishedNs = now;
      this.resolveDone();
    }
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function startLocalCluster(workDir: string): Promise<{ child: ChildProcess; master: string }> {
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

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const tasksFlag = process.argv.indexOf('--tasks');
  const total = tasksFlag > 0 ? Number(process.argv[tasksFlag + 1]) : DEFAULT_TASKS;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-'));
  const { child, master } = await startLocalCluster(workDir);
  const host = await startClientHost('127.0.0.1');
  const launcher = new Launcher({ master, framework: { name: 'bench', user: 'bench' } }, total);
  host.spawn(launcher);
  await launcher.done;
  const seconds = Number(launcher.lastFinishedNs - launcher.firstAcceptNs) / 1e9;
  const running = [...launcher.runningAfterMs].sort((a, b) => a - b);
  const result = {
    tasks: total,
    tasks_per_s: Number((total / seconds).toFixed(1)),
    running_p50_ms: Number(percentile(running, 0.5).toFixed(1)),
    running_p99_ms: Number(percentile(running, 0.99).toFixed(1)),
    failed: launcher.failures.length,
  };
  launcher.stop();
  await host.stop();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  fs.rmSync(workDir, { recursive: true, force: true });
  console.log(`${total} tasks in ${seconds.toFixed(2)} s: ${result.tasks_per_s} tasks/s (target >= 50)`);
  console.log(`launch -> TASK_RUNNING: p50 ${result.running_p50_ms} ms, p99 ${result.running_p99_ms} ms (target p50 <= 100)`);
  if (launcher.failures.length > 0) console.log(`failures: ${launcher.failures.slice(0, 5).join('; ')}`);
  if (json) console.log(JSON.stringify(result));
}

void main().then(() => process.exit(0), (error: Error) => { console.error(error); process.exit(1); });
