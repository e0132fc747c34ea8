import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_AB_ROUNDS, figuresOf, parseAbOptions, ratios } from '../../bench/ab';
import { DEFAULT_STATE_TASKS, DEFAULT_TASKS, DEFAULT_TASKS_AGENTS } from '../../bench/scale';

/** The checkout these specs run from (dist/spec/bench → the root): a build `--base` can name. */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const AB_SCRIPT = path.join(ROOT, 'dist', 'bench', 'ab.js');

describe('bench:ab (two builds side by side)', function () {
  this.timeout(120_000);

  it('reads its flags, and names the one that is wrong', () => {
    expect(parseAbOptions(['--base', ROOT])).to.deep.equal({ base: ROOT, rounds: DEFAULT_AB_ROUNDS, agents: DEFAULT_TASKS_AGENTS, tasks: DEFAULT_TASKS, frameworks: 100, stateTasks: DEFAULT_STATE_TASKS, cold: false });
    expect(parseAbOptions(['--base', ROOT, '--rounds', '5', '--agents', '1k', '--tasks', '500', '--frameworks', '7', '--state-tasks', '20', '--cold'])).to.deep.include({ rounds: 5, agents: 1_000, tasks: 500, frameworks: 7, stateTasks: 20, cold: true });
    expect(() => parseAbOptions([])).to.throw(/--base <dir> is required/);
    expect(() => parseAbOptions(['--base', '--rounds'])).to.throw(/--base <dir> is required/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-spec-'));
    try {
      expect(() => parseAbOptions(['--base', empty])).to.throw(new RegExp(`--base ${empty}: no .*dist/bench/scale\\.js \\(build it first`));
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    expect(() => parseAbOptions(['--base', ROOT, '--rounds', '0'])).to.throw(/--rounds takes a positive whole number \(got '0'\)/);
    expect(() => parseAbOptions(['--base', ROOT, '--agents', 'x'])).to.throw(/--agents takes a positive whole number/);
  });

  it('reads the sustained run\'s figures, or the cold ones when asked or when the build has no second run', () => {
    const row = (value: number | null): Array<{ value: number | null }> => [{ value }];
    const both = {
      main_thread_cpu_per_task_us: row(120), cpu_per_task_us: row(150), tasks_per_s: row(8000),
      main_thread_cpu_per_task_us_cold: row(140), cpu_per_task_us_cold: row(190), tasks_per_s_cold: row(6000),
    };
    expect(figuresOf(both, false)).to.deep.equal({ figures: { main_thread_cpu_per_task_us: 120, cpu_per_task_us: 150, tasks_per_s: 8000 }, hasCold: true });
    expect(figuresOf(both, true)).to.deep.equal({ figures: { main_thread_cpu_per_task_us: 140, cpu_per_task_us: 190, tasks_per_s: 6000 }, hasCold: true });
    // A build with one run: its figures are its one run's; a null (over budget) is left out.
    const old = { main_thread_cpu_per_task_us: row(160), cpu_per_task_us: row(null), tasks_per_s: row(5000) };
    expect(figuresOf(old, true)).to.deep.equal({ figures: { main_thread_cpu_per_task_us: 160, tasks_per_s: 5000 }, hasCold: false });
  });

  it('gives each figure\'s ratio (this build over the base) per round and their median, skipping a round missing it', () => {
    const result = ratios([
      { base: { main_thread_cpu_per_task_us: 100, tasks_per_s: 5000 }, head: { main_thread_cpu_per_task_us: 90, tasks_per_s: 5500 } },
      { base: { main_thread_cpu_per_task_us: 200, tasks_per_s: 4000 }, head: { main_thread_cpu_per_task_us: 190, tasks_per_s: 4000 } },
      { base: { main_thread_cpu_per_task_us: 150 }, head: { main_thread_cpu_per_task_us: 165 } },
    ]);
    expect(result.main_thread_cpu_per_task_us).to.deep.equal({ perRound: [0.9, 0.95, 1.1], median: 0.95 });
    expect(result.tasks_per_s).to.deep.equal({ perRound: [1.1, 1], median: 1.1 });
    expect(result.cpu_per_task_us.perRound).to.deep.equal([]);
    expect(result.cpu_per_task_us.median).to.be.NaN;
  });

  it('runs both builds side by side and prints the ratios (this checkout against itself, 30 agents)', () => {
    const run = spawnSync(process.execPath, [AB_SCRIPT, '--base', ROOT, '--agents', '30', '--tasks', '200', '--frameworks', '5', '--state-tasks', '20', '--rounds', '1', '--json'], { encoding: 'utf8', timeout: 110_000 });
    expect(run.status, run.stderr).to.equal(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^bench:ab — this build over .*, 30 agents, 200 tasks, second \(sustained\) run of the short tasks, 1 rounds side by side/);
    const summary = JSON.parse(lines[lines.length - 1] ?? '') as { cold: boolean; rounds: Array<{ base: Record<string, number>; head: Record<string, number> }>; ratios: Record<string, { perRound: number[] }> };
    expect(summary.cold).to.equal(false);
    expect(summary.rounds).to.have.length(1);
    for (const key of ['main_thread_cpu_per_task_us', 'cpu_per_task_us', 'tasks_per_s']) {
      expect(summary.rounds[0]?.base[key], key).to.be.greaterThan(0);
      expect(summary.rounds[0]?.head[key], key).to.be.greaterThan(0);
      expect(summary.ratios[key]?.perRound[0], key).to.be.greaterThan(0);
    }
    expect(run.stderr).to.match(/^round 1 of 1 \(base -> this build\): main-thread CPU\/task [\d.]+ -> [\d.]+ µs/m);
  });
});
