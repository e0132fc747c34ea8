/**
 * Launch latency of command tasks: RunTask → TASK_RUNNING (at the master), for the TypeScript
 * and the native command executor, on a real agent with an acking master Probe; then the cost of
 * isolation (issue 12): the native executor's launch latency and throughput under
 * `cgroups/cpu,cgroups/mem` against `posix/cpu,posix/mem`, in the same run (cgroups where this
 * machine gives them: root and cgroups mounted).
 *
 *   node dist/bench/command-executor.js [--tasks N] [--throughput-tasks N] [--json]
 */
import { existsSync } from 'node:fs';
import { NATIVE_COMMAND_EXECUTOR_PATH, TYPESCRIPT_COMMAND_EXECUTOR_PATH, type AgentFlags } from '../actors/agent';
import { Cgroups, detectCgroups } from '../actors/agent/cgroups';
import { chooseIsolator } from '../actors/agent/isolator';
import { captureLogger } from '../lib/logging';
import { percentile } from './figures';
import { RealCluster } from '../spec/actors/agent/real-master';
import { eventually } from '../spec/support/runtime';

/** Tasks launched one after another per executor kind (unless --tasks says otherwise). */
const DEFAULT_TASKS = 20;
/** Tasks of the throughput run per isolation (unless --throughput-tasks says otherwise), and how many run at once. */
const DEFAULT_THROUGHPUT_TASKS = 200;
const THROUGHPUT_IN_FLIGHT = 20;
/** Throughput runs per isolation (alternating); the best of them is reported. */
const THROUGHPUT_ROUNDS = 2;
/** Containers the isolator-alone measure prepares and cleans up. */
const ISOLATOR_COST_CONTAINERS = 100;
/** The isolation every executor-kind measure runs under, so that runs on different machines compare. */
const BASELINE_ISOLATION = 'posix/cpu,posix/mem';

async function measure(path: string, tasks: number, flags: Partial<AgentFlags> = { isolation: BASELINE_ISOLATION }): Promise<number[]> {
  const cluster = await RealCluster.start({ commandExecutorPath: path, ...flags });
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

/** `tasks` `true` tasks, `THROUGHPUT_IN_FLIGHT` at a time, until all have finished: tasks per second. */
async function throughput(path: string, tasks: number, flags: Partial<AgentFlags>): Promise<number> {
  const cluster = await RealCluster.start({ commandExecutorPath: path, resources: 'cpus:64;mem:65536;disk:1024', ...flags });
  try {
    const started = process.hrtime.bigint();
    let launched = 0;
    const finished = (): number => cluster.master.updates().filter((update) => update.status.state === 'TASK_FINISHED').length;
    while (finished() < tasks) {
      while (launched < tasks && launched - finished() < THROUGHPUT_IN_FLIGHT) cluster.runTask(RealCluster.commandTask(`P${launched++}`, 'true'));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return tasks / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await cluster.stop();
  }
}

/** Latencies (sorted) of `tasks` tasks on each of several agents, one task on each in turn. */
async function interleaved(flagsList: ReadonlyArray<Partial<AgentFlags>>, tasks: number): Promise<number[][]> {
  const clusters: RealCluster[] = [];
  try {
    for (const flags of flagsList) clusters.push(await RealCluster.start({ commandExecutorPath: NATIVE_COMMAND_EXECUTOR_PATH, ...flags }));
    const latencies = clusters.map(() => [] as number[]);
    for (let index = 0; index < tasks; index++) {
      for (const [which, cluster] of clusters.entries()) {
        const taskId = `I${index}`;
        const started = process.hrtime.bigint();
        cluster.runTask(RealCluster.commandTask(taskId, 'true'));
        await eventually(() => cluster.master.states(taskId).includes('TASK_RUNNING'), 10_000, 'TASK_RUNNING');
        latencies[which]?.push(Number(process.hrtime.bigint() - started) / 1e6);
        await eventually(() => cluster.master.states(taskId).includes('TASK_FINISHED'), 10_000, 'TASK_FINISHED');
      }
    }
    return latencies.map((list) => list.sort((a, b) => a - b));
  } finally {
    for (const cluster of clusters) await cluster.stop();
  }
}

/** The cgroups isolator alone: mean prepare and cleanup of `containers` containers, one after another (ms). */
async function isolatorCost(containers: number): Promise<{ prepareMs: number; cleanupMs: number }> {
  const isolator = chooseIsolator('cgroups/cpu,cgroups/mem,cgroups/pids', { log: captureLogger().logger, root: `mesos-bench-${process.pid}/isolator` });
  let prepareNs = 0n;
  let cleanupNs = 0n;
  try {
    for (let index = 0; index < containers; index++) {
      const started = process.hrtime.bigint();
      await isolator.prepare(`c${index}`, { cpus: 0.2, memBytes: 96 * 1024 * 1024 }, '/tmp');
      const prepared = process.hrtime.bigint();
      await isolator.cleanup(`c${index}`);
      prepareNs += prepared - started;
      cleanupNs += process.hrtime.bigint() - prepared;
    }
  } finally {
    await isolator.release();
    await new Cgroups(detectCgroups() as NonNullable<ReturnType<typeof detectCgroups>>, `mesos-bench-${process.pid}`).removeRoot();
  }
  return { prepareMs: Number(prepareNs) / 1e6 / containers, cleanupMs: Number(cleanupNs) / 1e6 / containers };
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

async function main(): Promise<void> {
  const tasks = option('--tasks', DEFAULT_TASKS);
  const throughputTasks = option('--throughput-tasks', DEFAULT_THROUGHPUT_TASKS);
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
  // The cost of isolation: the native executor under posix (nothing made per launch) and under
  // cgroups, on two agents side by side, one task on each in turn (so that the machine's noise
  // falls on both alike); then each agent's throughput, twice, alternating.
  const cgroups = process.getuid?.() === 0 && detectCgroups() !== undefined;
  if (!cgroups) process.stdout.write('cgroups: not available here (needs root and cgroups), only posix measured\n');
  const isolations = [['posix', BASELINE_ISOLATION], ...(cgroups ? [['cgroups', 'cgroups/cpu,cgroups/mem']] : [])] as const;
  const latencies = await interleaved(isolations.map(([, isolation]) => ({ isolation, cgroupsRoot: `mesos-bench-${process.pid}` })), tasks);
  const rates = isolations.map(() => [] as number[]);
  for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
    for (const [index, [, isolation]] of isolations.entries()) rates[index]?.push(await throughput(NATIVE_COMMAND_EXECUTOR_PATH, throughputTasks, { isolation, cgroupsRoot: `mesos-bench-${process.pid}` }));
  }
  for (const [index, [name, isolation]] of isolations.entries()) {
    const sorted = latencies[index] ?? [];
    const perSecond = Math.max(...(rates[index] ?? []));
    results[`isolation_${name}_launch_to_running_p50_ms`] = percentile(sorted, 0.5);
    results[`isolation_${name}_launch_to_running_p99_ms`] = percentile(sorted, 0.99);
    results[`isolation_${name}_tasks_per_s`] = perSecond;
    process.stdout.write(`isolation ${isolation}: launch → TASK_RUNNING p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms; ${perSecond.toFixed(1)} tasks/s (best of ${THROUGHPUT_ROUNDS}: ${throughputTasks} tasks, ${THROUGHPUT_IN_FLIGHT} in flight)\n`);
  }
  if (cgroups) {
    const direct = await isolatorCost(ISOLATOR_COST_CONTAINERS);
    results.isolation_cgroups_prepare_ms = direct.prepareMs;
    results.isolation_cgroups_cleanup_ms = direct.cleanupMs;
    const costMs = (results.isolation_cgroups_launch_to_running_p50_ms ?? NaN) - (results.isolation_posix_launch_to_running_p50_ms ?? NaN);
    results.isolation_cgroups_cost_per_launch_ms = costMs;
    results.isolation_cgroups_over_posix_tasks_per_s = (results.isolation_cgroups_tasks_per_s ?? NaN) / (results.isolation_posix_tasks_per_s ?? NaN);
    process.stdout.write(`cgroups isolator per container: prepare ${direct.prepareMs.toFixed(2)} ms + cleanup ${direct.cleanupMs.toFixed(2)} ms (mean of ${ISOLATOR_COST_CONTAINERS}; goal < 2 ms)\n`);
    process.stdout.write(`cgroups end to end (p50 against posix, interleaved): ${costMs >= 0 ? '+' : ''}${costMs.toFixed(2)} ms per launch; throughput cgroups/posix ${results.isolation_cgroups_over_posix_tasks_per_s.toFixed(2)}x\n`);
  }
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(results)}\n`);
}

void main().then(() => process.exit(0));
