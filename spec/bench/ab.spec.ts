import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MASTER_NODE_FLAGS } from '../../actors/master/constants';
import { DEFAULT_AB_ROUNDS, figuresOf, parseAbOptions, ratios } from '../../bench/ab';
import { parseThroughputOptions, runThroughput, THROUGHPUT_DEFAULTS } from '../../bench/throughput';

/** The checkout these specs run from (dist/spec/bench → the root): a build `--base` can name. */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const AB_SCRIPT = path.join(ROOT, 'dist', 'bench', 'ab.js');
const THROUGHPUT_SCRIPT = path.join(ROOT, 'dist', 'bench', 'throughput.js');

describe('bench:throughput (bench:scale\'s throughput phase alone)', function () {
  this.timeout(120_000);

  it('reads its flags, and names the one that is wrong', () => {
    expect(parseThroughputOptions([])).to.deep.equal(THROUGHPUT_DEFAULTS);
    expect(parseThroughputOptions(['--agents', '2k', '--frameworks', '7', '--warmup', '0', '--tasks', '500'])).to.deep.equal({ agents: 2_000, frameworks: 7, warmup: 0, tasks: 500, agentsThread: false });
    expect(parseThroughputOptions(['--agents-thread']).agentsThread).to.equal(true);
    expect(() => parseThroughputOptions(['--tasks', '0'])).to.throw(/--tasks takes a whole number of at least 1 \(got '0'\)/);
    expect(() => parseThroughputOptions(['--warmup', '-1'])).to.throw(/--warmup takes a whole number of at least 0/);
  });

  it('runs the warm-up and then the measured tasks, each counted on its own (30 agents, 5 frameworks)', async () => {
    const said: string[] = [];
    const result = await runThroughput({ agents: 30, frameworks: 5, warmup: 100, tasks: 200, agentsThread: false }, (text) => said.push(text));
    expect(result.note, said.join('\n')).to.equal(undefined);
    for (const key of ['main_thread_cpu_per_task_us', 'cpu_per_task_us', 'tasks_per_s', 'launch_p50_ms'] as const) expect(result[key], key).to.be.greaterThan(0);
    expect(said.filter((text) => /^warm-up: 100 of 100 short tasks finished \(0 failed\)/.test(text)), said.join('\n')).to.have.length(1);
    expect(said.filter((text) => /^measured: 200 of 200 short tasks finished \(0 failed\)/.test(text)), said.join('\n')).to.have.length(1);
  });

  it('starts itself again with the master bins\' Node flags when run without them, and prints JSON last', () => {
    const run = spawnSync(process.execPath, [THROUGHPUT_SCRIPT, '--agents', '20', '--frameworks', '2', '--warmup', '0', '--tasks', '40', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).to.equal(0);
    const json = JSON.parse(run.stdout.trimEnd().split('\n').pop() ?? '') as { tasks_per_s: number; node_flags: string[] };
    expect(json.tasks_per_s).to.be.greaterThan(0);
    expect(json.node_flags).to.include.members([...MASTER_NODE_FLAGS]);
  });
});

describe('bench:ab (two builds side by side)', function () {
  this.timeout(120_000);

  it('reads its flags, and names the one that is wrong', () => {
    expect(parseAbOptions(['--base', ROOT])).to.deep.equal({ base: ROOT, rounds: DEFAULT_AB_ROUNDS, ...THROUGHPUT_DEFAULTS });
    expect(parseAbOptions(['--base', ROOT, '--rounds', '2', '--agents', '1k', '--tasks', '500', '--warmup', '0', '--frameworks', '7'])).to.deep.include({ rounds: 2, agents: 1_000, tasks: 500, warmup: 0, frameworks: 7 });
    expect(() => parseAbOptions([])).to.throw(/--base <dir> is required/);
    expect(() => parseAbOptions(['--base', '--rounds'])).to.throw(/--base <dir> is required/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-spec-'));
    try {
      expect(() => parseAbOptions(['--base', empty])).to.throw(new RegExp(`--base ${empty}: no .*dist/bench/throughput\\.js \\(a build from 2026-12-05 on`));
      // A base whose probe does not know --agents-thread is refused at once, not in the first round (review).
      fs.mkdirSync(path.join(empty, 'dist', 'bench'), { recursive: true });
      fs.writeFileSync(path.join(empty, 'dist', 'bench', 'throughput.js'), "refuseUnknownFlags(argv, ['--agents'], ['--json'])\n");
      expect(() => parseAbOptions(['--base', empty, '--agents-thread'])).to.throw(/--agents-thread: the base's .* does not take it/);
      expect(parseAbOptions(['--base', ROOT, '--agents-thread']).agentsThread).to.equal(true);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    expect(() => parseAbOptions(['--base', ROOT, '--rounds', '0'])).to.throw(/--rounds takes a whole number of at least 1 \(got '0'\)/);
    expect(() => parseAbOptions(['--base', ROOT, '--agents', 'x'])).to.throw(/--agents takes a whole number/);
  });

  it('reads a probe\'s figures, leaving out what it did not give', () => {
    expect(figuresOf({ main_thread_cpu_per_task_us: 120, cpu_per_task_us: 150, tasks_per_s: 8000, launch_p50_ms: 3 })).to.deep.equal({ main_thread_cpu_per_task_us: 120, cpu_per_task_us: 150, tasks_per_s: 8000 });
    expect(figuresOf({ main_thread_cpu_per_task_us: null, cpu_per_task_us: 150, note: 'over budget' })).to.deep.equal({ cpu_per_task_us: 150 });
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
    const run = spawnSync(process.execPath, [AB_SCRIPT, '--base', ROOT, '--agents', '30', '--frameworks', '5', '--warmup', '100', '--tasks', '200', '--rounds', '1', '--json'], { encoding: 'utf8', timeout: 110_000 });
    expect(run.status, run.stderr).to.equal(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^bench:ab — this build over .*: 30 agents, 5 frameworks, 200 tasks after 100, 1 rounds side by side/);
    const summary = JSON.parse(lines[lines.length - 1] ?? '') as { rounds: Array<{ base: Record<string, number>; head: Record<string, number> }>; ratios: Record<string, { perRound: number[] }> };
    expect(summary.rounds).to.have.length(1);
    for (const key of ['main_thread_cpu_per_task_us', 'cpu_per_task_us', 'tasks_per_s']) {
      expect(summary.rounds[0]?.base[key], key).to.be.greaterThan(0);
      expect(summary.rounds[0]?.head[key], key).to.be.greaterThan(0);
      expect(summary.ratios[key]?.perRound[0], key).to.be.greaterThan(0);
    }
    expect(run.stderr).to.match(/^round 1 of 1 \(base -> this build\): main-thread CPU\/task [\d.]+ -> [\d.]+ µs/m);
  });
});
