/**
 * `npm run bench:throughput [-- --agents N] [-- --frameworks F] [-- --warmup W] [-- --tasks T] [-- --agents-thread] [-- --json]`:
 * bench:scale's throughput phase alone. The same cluster (the real master, allocator and N
 * agents, simulated executors, one process, the virtual clock, local messages checked as a link
 * checks them), the same frameworks and short tasks, with none of bench:scale's other phases:
 * N agents register, F frameworks are offered every agent, W short tasks run untimed (V8
 * compiles their paths), then T are measured as bench:scale measures its sustained run. It runs
 * with the master bins' Node flags (`MASTER_NODE_FLAGS`; it starts itself again with them when
 * they are missing).
 *
 * What `npm run bench:ab` runs side by side for two builds: short, and the same work at the same
 * moments in both, so that the two meet the same machine (bench:scale's whole run, side by side,
 * drifted apart by its phases and its ratios moved by ±30%).
 *
 * Prints `main_thread_cpu_per_task_us`, `cpu_per_task_us`, `tasks_per_s` and `launch_p50_ms`
 * (the last line is JSON with `--json`, with the Node flags it ran with as `node_flags`).
 */
import { spawnSync } from 'node:child_process';
import { MASTER_NODE_FLAGS } from '../actors/master/constants';
import { DEFAULT_FRAMEWORKS, DEFAULT_TASKS_AGENTS, measureRegistration, measureThroughput, offerEveryAgent, SCALE_SEED, skippedThroughput, type ThroughputFigures } from './scale';
import { type ScaleCluster, startScaleMaster } from './scale-cluster';

/** Defaults: bench:scale's throughput N and frameworks; a warm-up and a measured run short enough for several rounds. */
export const THROUGHPUT_DEFAULTS = { agents: DEFAULT_TASKS_AGENTS, frameworks: DEFAULT_FRAMEWORKS, warmup: 20_000, tasks: 40_000, agentsThread: false } as const;
/** Wall-clock budget of each step: registration, offers, each run of tasks (ms). */
export const THROUGHPUT_STEP_BUDGET_MS = 240_000;

export interface ThroughputOptions {
  readonly agents: number;
  readonly frameworks: number;
  readonly warmup: number;
  readonly tasks: number;
  /** The agents and their executors on a worker thread of their own (`--agents-thread`; bench/agents-thread.ts). */
  readonly agentsThread: boolean;
}

/** The figures of the measured run. */
export interface ThroughputResult {
  readonly main_thread_cpu_per_task_us: number | null;
  readonly cpu_per_task_us: number | null;
  readonly tasks_per_s: number | null;
  readonly launch_p50_ms: number | null;
  readonly note?: string;
}

/**
 * The whole number after `name` in `argv` (`10000` or `10k`), at least `least`; `fallback` when
 * `name` is not there. Throws naming the flag and what it got. (bench:ab's counts too.)
 */
export function countFlag(argv: readonly string[], name: string, fallback: number, least: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const text = argv[at + 1] ?? '';
  const value = Number(text.replace(/k$/i, '000'));
  if (!Number.isSafeInteger(value) || value < least) throw new Error(`${name} takes a whole number of at least ${least} (got '${text}')`);
  return value;
}

/**
 * Throws naming the first of `argv` that is neither one of `valued` (each followed by its value)
 * nor one of `switches`, with `usage`: a mistyped flag ran the whole benchmark as if not given.
 */
export function refuseUnknownFlags(argv: readonly string[], valued: readonly string[], switches: readonly string[], usage: string): void {
  for (let at = 0; at < argv.length; at++) {
    const flag = argv[at] as string;
    if (valued.includes(flag)) at++;
    else if (!switches.includes(flag)) throw new Error(`unknown flag '${flag}'\n${usage}`);
  }
}

/** How to call bench:throughput. */
export const THROUGHPUT_USAGE = 'usage: npm run bench:throughput -- [--agents N] [--frameworks F] [--warmup W] [--tasks T] [--agents-thread] [--json]';

/** Reads the flags (a count as `10000` or `10k`); throws naming the one that is wrong. */
export function parseThroughputOptions(argv: readonly string[]): ThroughputOptions {
  refuseUnknownFlags(argv, ['--agents', '--frameworks', '--warmup', '--tasks'], ['--json', '--agents-thread'], THROUGHPUT_USAGE);
  return {
    agents: countFlag(argv, '--agents', THROUGHPUT_DEFAULTS.agents, 1),
    frameworks: countFlag(argv, '--frameworks', THROUGHPUT_DEFAULTS.frameworks, 1),
    warmup: countFlag(argv, '--warmup', THROUGHPUT_DEFAULTS.warmup, 0),
    tasks: countFlag(argv, '--tasks', THROUGHPUT_DEFAULTS.tasks, 1),
    agentsThread: argv.includes('--agents-thread'),
  };
}

/** Runs the probe in this process (registration and offers as bench:scale makes them); `progress` hears each step. */
export async function runThroughput(options: ThroughputOptions, progress: (text: string) => void = () => undefined): Promise<ThroughputResult> {
  const cluster = await startScaleMaster(SCALE_SEED, { agentsThread: options.agentsThread });
  try {
    return await runOn(cluster, options, progress);
  } finally {
    await cluster.agentsThread?.stop();
  }
}

async function runOn(cluster: ScaleCluster, options: ThroughputOptions, progress: (text: string) => void): Promise<ThroughputResult> {
  const failed = (note: string): ThroughputResult => resultOf(skippedThroughput(note));
  const registered = await measureRegistration(cluster, options.agents, THROUGHPUT_STEP_BUDGET_MS, progress);
  if (registered.value === null) return failed(`registration ${registered.note ?? 'over budget'}`);
  const notOffered = await offerEveryAgent(cluster, options.agents, options.frameworks, THROUGHPUT_STEP_BUDGET_MS, progress);
  if (notOffered !== undefined) return failed(notOffered);
  if (options.warmup > 0) {
    const warm = await measureThroughput(cluster, options.warmup, THROUGHPUT_STEP_BUDGET_MS, (text) => progress(`warm-up: ${text}`));
    if (warm.tasksPerSecond === null) return failed(`warm-up: ${warm.note ?? 'did not finish'}`);
    await cluster.clock.settle();
  }
  return resultOf(await measureThroughput(cluster, options.tasks, THROUGHPUT_STEP_BUDGET_MS, (text) => progress(`measured: ${text}`)));
}

/** A run's figures under the names bench:throughput prints (bench:scale's keys). */
function resultOf(figures: ThroughputFigures): ThroughputResult {
  return {
    main_thread_cpu_per_task_us: figures.mainThreadCpuPerTaskUs, cpu_per_task_us: figures.cpuPerTaskUs,
    tasks_per_s: figures.tasksPerSecond, launch_p50_ms: figures.launchP50Ms,
    ...(figures.note !== undefined ? { note: figures.note } : {}),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseThroughputOptions(argv);
  const result = await runThroughput(options, (text) => process.stderr.write(`[throughput] ${text}\n`));
  for (const [key, value] of Object.entries(result)) process.stdout.write(`${key.padEnd(28)} ${value}\n`);
  // The Node flags it ran with: the master bins' (see below), and any given to node.
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ...result, node_flags: process.execArgv })}\n`);
}

if (require.main === module) {
  if (MASTER_NODE_FLAGS.some((flag) => !process.execArgv.includes(flag))) {
    // Measured as the master runs: with its bins' Node flags.
    const again = spawnSync(process.execPath, [...process.execArgv, ...MASTER_NODE_FLAGS, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(again.status ?? 1);
  }
  main().then(() => process.exit(0), (error: Error) => {
    process.stderr.write(`bench:throughput: ${error.message}\n`);
    process.exit(1);
  });
}
