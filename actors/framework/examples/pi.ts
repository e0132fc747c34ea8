#!/usr/bin/env node
/**
 * The custom-executor example: estimates π with `tasks` tasks of `samples` darts each, run by
 * a custom executor (pi-executor.ts, one process per agent, reused across tasks) that reports
 * each task's count to the scheduler with a framework message.
 *
 *   node dist/actors/framework/examples/pi.js --master 127.0.0.1:5050 --tasks 8 --samples 1000000
 */
import * as path from 'node:path';
import { Resources } from '../../../lib/resources';
import { isTerminalState, type ExecutorInfo, type Offer, type TaskInfo, type TaskStatus } from '../../../lib/protocol';
import { fitInto } from '../offers';
import { Scheduler, type SchedulerOptions } from '../scheduler';
import type { PiResult } from './pi-executor';
import { createCommand, flag, parseCount, parseHostPort } from '../../../lib/flags';
import { addCredentialOptions, credentialFrom, fail, requireMaster, startClientHost, useHttpCredential, type CredentialOptions } from '../../../bin/client';
import { addTlsOptions, tlsFromOptions } from '../../../bin/tls';
import type { TlsFlags } from '../../../lib/process/tls';

/** Resources of the executor itself (counted once per agent) and of each task. */
export const PI_EXECUTOR_RESOURCES = Resources.parse('cpus:0.1;mem:64');
export const PI_TASK_RESOURCES = Resources.parse('cpus:0.1;mem:16');
/** The executor id: one executor per agent runs all of this framework's tasks there. */
export const PI_EXECUTOR_ID = 'pi-executor';

export interface PiOptions extends SchedulerOptions {
  tasks: number;
  samples: number;
}

/** How the estimate came out. */
export interface PiEstimate {
  estimate: number;
  samples: number;
  failedTasks: number;
}

export class PiScheduler extends Scheduler {
  /** Resolves when every task is terminal and every result is in. */
  readonly done: Promise<PiEstimate>;
  private resolveDone!: (estimate: PiEstimate) => void;
  private launched = 0;
  private readonly results = new Map<string, PiResult>();
  private readonly terminal = new Map<string, TaskStatus['state']>();

  constructor(private readonly pi: PiOptions) {
    super(pi);
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
  }

  /** The executor: this same Node.js runs pi-executor.js beside this file. */
  static executorInfo(): ExecutorInfo {
    const script = path.join(__dirname, 'pi-executor.js');
    return { executorId: PI_EXECUTOR_ID, name: 'pi', command: { value: `exec "${process.execPath}" "${script}"` }, resources: PI_EXECUTOR_RESOURCES.toJSON() };
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const tasks = this.tasksFor(offer);
      if (tasks.length === 0) this.decline(offer.id, { refuseSeconds: this.launched < this.pi.tasks ? 0 : 3600 });
      else this.launch(offer.id, tasks, { refuseSeconds: 0 });
    }
  }

  protected override frameworkMessage(_agentId: string, _executorId: string, data: string): void {
    const result = JSON.parse(data) as PiResult;
    this.results.set(result.taskId, result);
    this.finishIfDone();
  }

  protected override statusUpdate(status: TaskStatus): void {
    if (isTerminalState(status.state)) this.terminal.set(status.taskId, status.state);
    this.finishIfDone();
  }

  private tasksFor(offer: Offer): TaskInfo[] {
    let available = Resources.fromJSON(offer.resources);
    // The executor's own resources are taken once, by the first task on an agent without it.
    if (!(offer.executorIds ?? []).includes(PI_EXECUTOR_ID)) {
      const forExecutor = fitInto(available, PI_EXECUTOR_RESOURCES, offer.allocationRole);
      if (!forExecutor) return [];
      available = available.subtract(forExecutor);
    }
    const tasks: TaskInfo[] = [];
    for (let picked = fitInto(available, PI_TASK_RESOURCES, offer.allocationRole); picked && this.launched < this.pi.tasks; picked = fitInto(available, PI_TASK_RESOURCES, offer.allocationRole)) {
      available = available.subtract(picked);
      const taskId = `pi-${this.launched++}`;
      tasks.push({ name: taskId, taskId, agentId: offer.agentId, resources: picked.toJSON(), executor: PiScheduler.executorInfo(), data: JSON.stringify({ samples: this.pi.samples }) });
    }
    return tasks;
  }

  private finishIfDone(): void {
    if (this.terminal.size < this.pi.tasks) return;
    const finished = [...this.terminal].filter(([, state]) => state === 'TASK_FINISHED').map(([taskId]) => taskId);
    if (!finished.every((taskId) => this.results.has(taskId))) return;
    const inside = finished.reduce((sum, taskId) => sum + (this.results.get(taskId)?.inside ?? 0), 0);
    const samples = finished.length * this.pi.samples;
    this.resolveDone({ estimate: samples > 0 ? (4 * inside) / samples : NaN, samples, failedTasks: this.pi.tasks - finished.length });
  }
}

async function main(): Promise<void> {
  const program = addTlsOptions(addCredentialOptions(createCommand('pi', 'Estimate π with a custom executor.')))
    .addOption(flag('--master <host:port>', 'the master').argParser(parseHostPort).makeOptionMandatory())
    .addOption(flag('--tasks <n>', 'tasks').argParser(parseCount).default(4))
    .addOption(flag('--samples <n>', 'darts per task').argParser(parseCount).default(1_000_000))
    .parse(process.argv);
  const options = program.opts<TlsFlags & { master: string; tasks: number; samples: number } & CredentialOptions>();
  if (options.tasks === 0 || options.samples === 0) fail('pi', '--tasks and --samples must be at least 1', 2);
  const credential = credentialFrom('pi', options);
  useHttpCredential(credential);
  const tls = tlsFromOptions('pi', options);
  await requireMaster('pi', options.master, undefined, tls);
  const host = await startClientHost('127.0.0.1', 'warn', tls);
  const scheduler = new PiScheduler({ master: options.master, ...(credential !== undefined ? { credential } : {}), framework: { name: 'pi', user: process.env.USER ?? 'root' }, tasks: options.tasks, samples: options.samples });
  host.spawn(scheduler);
  const result = await scheduler.done;
  process.stdout.write(`π ≈ ${result.estimate.toFixed(6)} from ${result.samples} samples${result.failedTasks ? ` (${result.failedTasks} tasks failed)` : ''}\n`);
  scheduler.stop();
  await host.stop();
  process.exit(result.failedTasks === 0 ? 0 : 1);
}

if (require.main === module) void main();
