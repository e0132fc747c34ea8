/**
 * Launch latency of command tasks: RunTask → TASK_RUNNING (at the master), for the TypeScript
 * and the native command executor, on a real agent with an acking master Probe.
 *
 *   node dist/bench/command-executor.js [--tasks N] [--json]
 */
import { existsSync } from 'node:fs';
import { NATIVE_COMMAND_EXECUTOR_PATH, TYPESCRIPT_COMMAND_EXECUTOR_PATH } from '../actors/agent';
import { RealCluster } from '../spec/actors/agent/real-master';
import { eventually } from '../spec/support/runtime';

/** Tasks launched one after another per executor kind (unless --tasks says otherwise). */
const DEFAULT_TASKS = 20;

async function measure(path: string, tasks: number): Promise<number[]> {
  const cluster = await RealCluster.start({ commandExecutorPath: path });
  const latencies: number[] = [];
  try {
    for (let index = 0; index < tasks; index++) {
      const taskId = `T${index}`;
      const started = process.hrtime.bigint();
      cluster.runTask(RealCluster.commandTask(taskId, 'true'));
      await eventually(() => cluster.master.states(taskId).includes('TASK_RUNNING'), 10_000, 'TASK_RUNNING');
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      await eventually(() => cluster.master.states(taskId).includes('TASK_FINISHED'), 10_000, 'TASK_FINISHED');
    }
  } finally {
    await cluster.stop();
  }
  return latencies.sort((a, b) => a - b);
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? NaN;
}

async function main(): Promise<void> {
  const tasksFlag = process.argv.indexOf('--tasks');
  const tasks = tasksFlag > 0 ? Number(process.argv[tasksFlag + 1]) : DEFAULT_TASKS;
  const results: Record<string, number> = {};
  for (const [name, path] of [['typescript', TYPESCRIPT_COMMAND_EXECUTOR_PATH], ['native', NATIVE_COMMAND_EXECUTOR_PATH]] as const) {
    if (!existsSync(path)) {
      process.stdout.write(`${name}: not built, skipped\n`);
      continue;
    }
    const sorted = await measure(path, tasks);
    results[`${name}_launch_to_running_p50_ms`] = percentile(sorted, 0.5);
    results[`${name}_launch_to_running_p99_ms`] = percentile(sorted, 0.99);
    process.stdout.write(`${name}: launch → TASK_RUNNING p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms over ${tasks} tasks\n`);
  }
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(results)}\n`);
}

void main().then(() => process.exit(0));
