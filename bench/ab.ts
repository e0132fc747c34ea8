/**
 * `npm run bench:ab -- --base <dir> [--rounds R] [--agents N] [--frameworks F] [--warmup W] [--tasks T] [--agents-thread] [--json]`:
 * the task throughput of two builds, measured side by side: this checkout's and the one in
 * `<dir>` (a checkout built with `npm ci && npx tsc`, e.g. `git worktree add /tmp/base <commit>`,
 * from 2026-12-05 on: it needs `dist/bench/throughput.js`). Each round starts `bench:throughput`
 * (bench:scale's throughput phase alone) of both builds at the same moment, each in a process of
 * its own, with the same flags, and reads their JSON.
 *
 * Why side by side: on a shared machine one build's CPU per task moved by a third between runs
 * minutes apart (2026-12-05: 140-200 µs on the main thread for the same build), more than most
 * changes weighed; two short runs doing the same work at the same moments meet the same machine,
 * and the ratio of their figures moves far less (the spread of the same build against itself is
 * in the README's "The sustained run and side-by-side measurement"). Each run then has about one
 * core of the two: its own figures are slower than a run alone, and only the ratios are read.
 *
 * Per round and as the median of the rounds: the main thread's CPU per task
 * (`main_thread_cpu_per_task_us`), every thread's (`cpu_per_task_us`) and `tasks_per_s`, this
 * build's over the base's (below 1 for CPU: this build spends less).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { median } from './figures';
import { countFlag, refuseUnknownFlags, THROUGHPUT_DEFAULTS } from './throughput';

/** Rounds run when `--rounds` is not given. */
export const DEFAULT_AB_ROUNDS = 5;
/** Wall time one round may take before both runs are killed and the comparison fails (a round at the defaults took ~25 s, 2026-12-05). */
export const AB_ROUND_LIMIT_MS = 10 * 60_000;

/** The figures compared. */
const FIGURES = [
  { label: 'main-thread CPU/task', key: 'main_thread_cpu_per_task_us', unit: ' µs' },
  { label: 'CPU/task (all threads)', key: 'cpu_per_task_us', unit: ' µs' },
  { label: 'tasks/s', key: 'tasks_per_s', unit: '' },
] as const;
type FigureKey = (typeof FIGURES)[number]['key'];

export interface AbOptions {
  /** The directory of the other build (holding `dist/bench/throughput.js`). */
  readonly base: string;
  readonly rounds: number;
  readonly agents: number;
  readonly frameworks: number;
  readonly warmup: number;
  readonly tasks: number;
  /** `--agents-thread`, given to both builds' bench:throughput (a base from before 2026-12-06 refuses it). */
  readonly agentsThread: boolean;
}

/** One build's figures of one round (a figure missing: the run did not give it). */
export type Figures = Partial<Record<FigureKey, number>>;

function flagValue(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : argv[at + 1];
}

function probeOf(build: string): string {
  return path.resolve(build, 'dist', 'bench', 'throughput.js');
}

/** Reads the flags; throws naming the one that is wrong. */
export function parseAbOptions(argv: readonly string[]): AbOptions {
  refuseUnknownFlags(argv, ['--base', '--rounds', '--agents', '--frameworks', '--warmup', '--tasks'], ['--json', '--agents-thread'],
    'usage: npm run bench:ab -- --base <dir> [--rounds R] [--agents N] [--frameworks F] [--warmup W] [--tasks T] [--agents-thread] [--json]');
  const base = flagValue(argv, '--base');
  if (base === undefined || base.startsWith('--')) throw new Error('--base <dir> is required: a directory holding another build (its dist/bench/throughput.js)');
  if (!existsSync(probeOf(base))) throw new Error(`--base ${base}: no ${probeOf(base)} (a build from 2026-12-05 on, built: npm ci && npx tsc)`);
  // Refused now, not in the first round: a base from before 2026-12-06 does not know the flag.
  if (argv.includes('--agents-thread') && !readFileSync(probeOf(base), 'utf8').includes('--agents-thread')) {
    throw new Error(`--agents-thread: the base's ${probeOf(base)} does not take it (a build from before 2026-12-06)`);
  }
  return {
    base,
    rounds: countFlag(argv, '--rounds', DEFAULT_AB_ROUNDS, 1),
    agents: countFlag(argv, '--agents', THROUGHPUT_DEFAULTS.agents, 1),
    frameworks: countFlag(argv, '--frameworks', THROUGHPUT_DEFAULTS.frameworks, 1),
    warmup: countFlag(argv, '--warmup', THROUGHPUT_DEFAULTS.warmup, 0),
    tasks: countFlag(argv, '--tasks', THROUGHPUT_DEFAULTS.tasks, 1),
    agentsThread: argv.includes('--agents-thread'),
  };
}

/** The figures of a probe's JSON (a null or missing one is left out). */
export function figuresOf(json: Readonly<Record<string, unknown>>): Figures {
  const figures: Figures = {};
  for (const { key } of FIGURES) {
    const value = json[key];
    if (typeof value === 'number') figures[key] = value;
  }
  return figures;
}

/** Each figure's ratio (this build's over the base's) per round, to 3 places, and their median; a round missing it is skipped. */
export function ratios(rounds: ReadonlyArray<{ readonly base: Figures; readonly head: Figures }>): Record<FigureKey, { perRound: number[]; median: number }> {
  const out = {} as Record<FigureKey, { perRound: number[]; median: number }>;
  for (const { key } of FIGURES) {
    const perRound = rounds.flatMap(({ base, head }) => {
      const a = base[key];
      const b = head[key];
      return a !== undefined && b !== undefined && a > 0 ? [Math.round((b / a) * 1000) / 1000] : [];
    });
    out[key] = { perRound, median: median(perRound) };
  }
  return out;
}

/**
 * Runs `probe` (bench:throughput) with `args`; resolves with the JSON it printed last. `kill`
 * ends it and the copy of itself it may start (it leads a process group).
 */
function runProbe(probe: string, args: readonly string[], label: string): { done: Promise<Record<string, unknown>>; kill: () => void } {
  const child = spawn(process.execPath, [probe, ...args], { cwd: path.dirname(path.dirname(path.dirname(probe))), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let exited = false;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const done = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      exited = true;
      const last = stdout.trimEnd().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`${label}: bench:throughput ended with ${code ?? signal}: ${stderr.trimEnd().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`${label}: bench:throughput printed no JSON last (${last.slice(0, 200)})`));
      }
    });
  });
  const kill = (): void => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  };
  return { done, kill };
}

/** One round: both builds at once. */
async function round(options: AbOptions): Promise<{ base: Figures; head: Figures }> {
  const args = ['--agents', String(options.agents), '--frameworks', String(options.frameworks), '--warmup', String(options.warmup), '--tasks', String(options.tasks), ...(options.agentsThread ? ['--agents-thread'] : []), '--json'];
  const runs = [runProbe(probeOf(options.base), args, 'base'), runProbe(path.join(__dirname, 'throughput.js'), args, 'this build')];
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a round took over ${AB_ROUND_LIMIT_MS / 60_000} minutes (AB_ROUND_LIMIT_MS): both runs killed`)), AB_ROUND_LIMIT_MS);
  });
  try {
    const [base, head] = await Promise.race([Promise.all(runs.map((run) => run.done)), limit]);
    return { base: figuresOf(base), head: figuresOf(head) };
  } finally {
    clearTimeout(timer);
    for (const run of runs) run.kill();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseAbOptions(argv);
  const rounds: Array<{ base: Figures; head: Figures }> = [];
  for (let index = 0; index < options.rounds; index++) {
    const result = await round(options);
    rounds.push(result);
    const cells = FIGURES.map(({ label, key, unit }) => `${label} ${result.base[key] ?? '?'} -> ${result.head[key] ?? '?'}${unit}`);
    process.stderr.write(`round ${index + 1} of ${options.rounds} (base -> this build): ${cells.join(', ')}\n`);
  }
  const summary = ratios(rounds);
  const lines = [`bench:ab — this build over ${options.base}: ${options.agents} agents, ${options.frameworks} frameworks, ${options.tasks} tasks after ${options.warmup}, ${options.rounds} rounds side by side (ratios; below 1 for CPU: this build spends less)`];
  for (const { key } of FIGURES) lines.push(`${key.padEnd(28)} median ${summary[key].median}   rounds ${summary[key].perRound.join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ options, rounds, ratios: summary })}\n`);
}

if (require.main === module) {
  main().then(() => process.exit(0), (error: Error) => {
    process.stderr.write(`bench:ab: ${error.message}\n`);
    process.exit(1);
  });
}
