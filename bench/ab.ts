/**
 * `npm run bench:ab -- --base <dir> [--rounds R] [--agents N] [--tasks T] [--frameworks F] [--state-tasks S] [--cold] [--json]`: bench:scale's
 * throughput figures of two builds, measured side by side: this checkout's and the one in
 * `<dir>` (a checkout built with `npm ci && npx tsc`, e.g. `git worktree add /tmp/base <commit>`;
 * its `dist/bench/scale.js` is run). Each round starts `bench:scale --agents N --tasks-agents N`
 * of both at the same moment, each in its own processes, and reads their JSON.
 *
 * Why side by side: on a shared machine one build's CPU per task moved by a third between runs
 * minutes apart (2026-12-05: 140-200 µs on the main thread for the same build), far more than a
 * change being weighed; two runs at the same time meet the same machine, and the ratio of their
 * figures moved by ±4% (the same build against itself, 3 rounds). Each run then has about one
 * core of the two: its own figures are slower than a run alone, and only the ratios are read.
 *
 * Per round and as the median of the rounds: the main thread's CPU per task
 * (`main_thread_cpu_per_task_us`), every thread's (`cpu_per_task_us`) and `tasks_per_s`, this
 * build over the base's (below 1: this build spends less). A build from before 2026-12-05 has no
 * second (sustained) run of the short tasks: its figures are of its one run, and this build's
 * `*_cold` figures are compared with them instead (`--cold` compares the cold ones always).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_FRAMEWORKS, DEFAULT_STATE_TASKS, DEFAULT_TASKS, DEFAULT_TASKS_AGENTS } from './scale';

/** Rounds run when `--rounds` is not given. */
export const DEFAULT_AB_ROUNDS = 3;
/** Wall time one round may take before both runs are killed and the comparison fails (a 10k round takes ~2 minutes). */
export const AB_ROUND_LIMIT_MS = 15 * 60_000;

/** The figures compared, each as bench:scale names its sustained and its cold form. */
const FIGURES = [
  { label: 'main-thread CPU/task', key: 'main_thread_cpu_per_task_us', cold: 'main_thread_cpu_per_task_us_cold', unit: 'µs' },
  { label: 'CPU/task (all threads)', key: 'cpu_per_task_us', cold: 'cpu_per_task_us_cold', unit: 'µs' },
  { label: 'tasks/s', key: 'tasks_per_s', cold: 'tasks_per_s_cold', unit: '' },
] as const;

export interface AbOptions {
  /** The directory of the other build (holding `dist/bench/scale.js`). */
  readonly base: string;
  readonly rounds: number;
  readonly agents: number;
  readonly tasks: number;
  readonly frameworks: number;
  /** bench:scale's `--state-tasks` (long tasks of its state phase: a small N cannot run the default 5,000). */
  readonly stateTasks: number;
  /** Compare the first (cold) run's figures even where both builds have a sustained run. */
  readonly cold: boolean;
}

/** One build's figures of one round (undefined: the run did not give it). */
export type Figures = Partial<Record<(typeof FIGURES)[number]['key'], number>>;

/** bench:scale's JSON as far as this reads it: rows of `{ value }` by key. */
type ScaleJson = Record<string, ReadonlyArray<{ readonly value: number | null }> | undefined>;

function flagValue(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : argv[at + 1];
}

function positiveFlag(argv: readonly string[], name: string, fallback: number): number {
  const text = flagValue(argv, name);
  if (text === undefined) return fallback;
  const value = Number(text.replace(/k$/i, '000'));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} takes a positive whole number (got '${text}')`);
  return value;
}

/** Reads the flags; throws naming the one that is wrong. */
export function parseAbOptions(argv: readonly string[]): AbOptions {
  const base = flagValue(argv, '--base');
  if (base === undefined || base.startsWith('--')) throw new Error('--base <dir> is required: a directory holding another build (its dist/bench/scale.js)');
  const script = baseScript(base);
  if (!existsSync(script)) throw new Error(`--base ${base}: no ${script} (build it first: npm ci && npx tsc)`);
  return {
    base,
    rounds: positiveFlag(argv, '--rounds', DEFAULT_AB_ROUNDS),
    agents: positiveFlag(argv, '--agents', DEFAULT_TASKS_AGENTS),
    tasks: positiveFlag(argv, '--tasks', DEFAULT_TASKS),
    frameworks: positiveFlag(argv, '--frameworks', DEFAULT_FRAMEWORKS),
    stateTasks: positiveFlag(argv, '--state-tasks', DEFAULT_STATE_TASKS),
    cold: argv.includes('--cold'),
  };
}

function baseScript(base: string): string {
  return path.resolve(base, 'dist', 'bench', 'scale.js');
}

/**
 * The figures of one run's JSON: the sustained run's, or the cold run's when `cold` is set or
 * the build has no sustained run (`hasCold` false: a build from before there were two).
 */
export function figuresOf(json: ScaleJson, cold: boolean): { figures: Figures; hasCold: boolean } {
  const hasCold = json.tasks_per_s_cold !== undefined;
  const figures: Figures = {};
  for (const figure of FIGURES) {
    const value = json[cold && hasCold ? figure.cold : figure.key]?.[0]?.value;
    if (typeof value === 'number') figures[figure.key] = value;
  }
  return { figures, hasCold };
}

/** The median of `values` (the upper of the two middle ones for an even count); NaN for none. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Each figure's ratio (this build over the base) per round, and their median. */
export function ratios(rounds: ReadonlyArray<{ readonly base: Figures; readonly head: Figures }>): Record<(typeof FIGURES)[number]['key'], { perRound: number[]; median: number }> {
  const out = {} as Record<(typeof FIGURES)[number]['key'], { perRound: number[]; median: number }>;
  for (const figure of FIGURES) {
    const perRound = rounds.flatMap(({ base, head }) => {
      const a = base[figure.key];
      const b = head[figure.key];
      return a !== undefined && b !== undefined && a > 0 ? [Math.round((b / a) * 1000) / 1000] : [];
    });
    out[figure.key] = { perRound, median: median(perRound) };
  }
  return out;
}

/**
 * Runs `script` (bench:scale) with `args`; resolves with the JSON it printed last. `kill` ends it
 * and its children (bench:scale runs each N in a child of its own): it leads a process group.
 */
function runScale(script: string, args: readonly string[], label: string): { done: Promise<ScaleJson>; kill: () => void } {
  const child = spawn(process.execPath, [script, ...args], { cwd: path.dirname(path.dirname(path.dirname(script))), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let exited = false;
  child.on('exit', () => { exited = true; });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const done = new Promise<ScaleJson>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const last = stdout.trimEnd().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`${label}: bench:scale ended with ${code ?? signal}: ${stderr.trimEnd().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as ScaleJson);
      } catch {
        reject(new Error(`${label}: bench:scale printed no JSON last (${last.slice(0, 200)})`));
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
async function round(options: AbOptions): Promise<{ base: Figures; head: Figures; baseHasCold: boolean }> {
  const args = ['--agents', String(options.agents), '--tasks-agents', String(options.agents), '--tasks', String(options.tasks), '--frameworks', String(options.frameworks), '--state-tasks', String(options.stateTasks), '--json'];
  const runs = [runScale(baseScript(options.base), args, 'base'), runScale(path.join(__dirname, 'scale.js'), args, 'this build')];
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a round took over ${AB_ROUND_LIMIT_MS / 60_000} minutes (AB_ROUND_LIMIT_MS): both runs killed`)), AB_ROUND_LIMIT_MS);
  });
  try {
    const [baseJson, headJson] = await Promise.race([Promise.all(runs.map((run) => run.done)), limit]);
    const base = figuresOf(baseJson, options.cold);
    // A base with one run of the short tasks is weighed against this build's first run.
    const head = figuresOf(headJson, options.cold || !base.hasCold);
    return { base: base.figures, head: head.figures, baseHasCold: base.hasCold };
  } finally {
    clearTimeout(timer);
    for (const run of runs) run.kill();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseAbOptions(argv);
  const rounds: Array<{ base: Figures; head: Figures }> = [];
  let cold = options.cold;
  for (let index = 0; index < options.rounds; index++) {
    const result = await round(options);
    cold ||= !result.baseHasCold;
    rounds.push(result);
    const cells = FIGURES.map((figure) => `${figure.label} ${result.base[figure.key] ?? '?'} -> ${result.head[figure.key] ?? '?'}${figure.unit !== '' ? ` ${figure.unit}` : ''}`);
    process.stderr.write(`round ${index + 1} of ${options.rounds} (base -> this build): ${cells.join(', ')}\n`);
  }
  const summary = ratios(rounds);
  const which = cold ? 'first (cold) run of the short tasks' : 'second (sustained) run of the short tasks';
  const lines = [`bench:ab — this build over ${options.base}, ${options.agents} agents, ${options.tasks} tasks, ${which}, ${options.rounds} rounds side by side (ratios; below 1 for CPU: this build spends less)`];
  for (const figure of FIGURES) lines.push(`${figure.key.padEnd(28)} median ${summary[figure.key].median}   rounds ${summary[figure.key].perRound.join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ options, cold, rounds, ratios: summary })}\n`);
}

if (require.main === module) {
  main().then(() => process.exit(0), (error: Error) => {
    process.stderr.write(`bench:ab: ${error.message}\n`);
    process.exit(1);
  });
}
