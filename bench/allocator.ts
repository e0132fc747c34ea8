/**
 * Allocator benchmark mirroring Mesos' `HierarchicalAllocator_BENCHMARK_Test.DeclineOffers`:
 * agents of `cpus:24;mem:4096;disk:4096;ports:[31000-32000]`, each already running 16
 * tasks of one framework (round-robin), and frameworks (role `*`) that decline every
 * offer with a long filter. Reports the time to add the agents and the median time of
 * one allocation run, with the number of offers it made.
 *
 * Usage: `npm run bench:allocator [-- --json] [-- --rounds N] [-- --quick]`
 * With `--json`, the last line is `{"cases":[{agents, frameworks, add_agents_ms,
 * allocation_run_ms, offers}, ...]}`.
 */
import { performance } from 'node:perf_hooks';
import { Resources } from '../lib/resources';
import { median } from './figures';
import { HierarchicalAllocatorCore, MAX_REFUSE_SECONDS, createSeededRandom, type Allocation } from '../actors/allocator';

/** Agent counts measured (Mesos' benchmark uses the same scale). */
const AGENT_COUNTS = [1_000, 10_000, 50_000];

/** Framework counts measured. */
const FRAMEWORK_COUNTS = [100, 1_000];

/** Allocation runs timed per case by default; the median is reported. */
const DEFAULT_ROUNDS = 5;

/** Seed of the agent shuffle, fixed so runs are comparable. */
const SEED = 20_240_601;

/** Resources of every agent (as in Mesos' benchmark). */
const AGENT_RESOURCES = 'cpus:24;mem:4096;disk:4096;ports:[31000-32000]';

/** Resources of the 16 tasks already running on every agent (as in Mesos' benchmark). */
const USED_RESOURCES = 'cpus:16;mem:2014;disk:1024';

/** One measured case. */
interface CaseResult {
  agents: number;
  frameworks: number;
  add_agents_ms: number;
  allocation_run_ms: number;
  offers: number;
}

/** Mesos' `fragment([31000-32000], 16)`: 15 single ports, then a range to the end. */
function usedPorts(): Resources {
  const ranges = Array.from({ length: 16 }, (_, index) => ({ begin: 31_000 + index * 2, end: 31_000 + index * 2 }));
  ranges[15] = { begin: ranges[15].begin, end: 32_000 };
  return Resources.ranges('ports', ranges);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function runCase(agentCount: number, frameworkCount: number, rounds: number): CaseResult {
  const core = new HierarchicalAllocatorCore({ random: createSeededRandom(SEED) });
  const frameworkIds = Array.from({ length: frameworkCount }, (_, index) => `framework-${index}`);
  frameworkIds.forEach((id) => core.addFramework(id, { roles: ['*'] }));
  const total = Resources.parse(AGENT_RESOURCES);
  const used = Resources.parse(USED_RESOURCES).add(usedPorts());

  const addStart = performance.now();
  for (let index = 0; index < agentCount; index++) {
    core.addAgent(`agent-${index}`, total, { used: [{ frameworkId: frameworkIds[index % frameworkCount], resources: used }] });
  }
  const addAgentsMs = performance.now() - addStart;

  const times: number[] = [];
  const offerCounts: number[] = [];
  let offers: Allocation[] = [];
  for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
    const nowMs = roundIndex * 1_000;
    for (const offer of offers) {
      core.recoverResources(offer.frameworkId, offer.agentId, offer.resources, { refuseSeconds: MAX_REFUSE_SECONDS, nowMs });
    }
    const start = performance.now();
    offers = core.allocate(nowMs);
    times.push(performance.now() - start);
    offerCounts.push(offers.length);
  }
  return {
    agents: agentCount,
    frameworks: frameworkCount,
    add_agents_ms: round(addAgentsMs),
    allocation_run_ms: round(median(times)),
    offers: median(offerCounts),
  };
}

function printTable(results: readonly CaseResult[], rounds: number): void {
  const header = ['agents', 'frameworks', 'add agents (ms)', `allocation run (ms, median of ${rounds})`, 'offers'];
  const rows = results.map((result) => [
    String(result.agents),
    String(result.frameworks),
    result.add_agents_ms.toFixed(1),
    result.allocation_run_ms.toFixed(1),
    String(result.offers),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padStart(widths[column])).join('  ');
  console.log(line(header));
  rows.forEach((row) => console.log(line(row)));
}

function main(argv: readonly string[]): void {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const roundsIndex = argv.indexOf('--rounds');
  const rounds = roundsIndex >= 0 ? Number(argv[roundsIndex + 1]) : DEFAULT_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`--rounds needs a positive integer`);
  }
  const results: CaseResult[] = [];
  for (const agents of quick ? AGENT_COUNTS.slice(0, 2) : AGENT_COUNTS) {
    for (const frameworks of FRAMEWORK_COUNTS) {
      results.push(runCase(agents, frameworks, rounds));
      if (!json) {
        console.log(`measured ${agents} agents x ${frameworks} frameworks`);
      }
    }
  }
  printTable(results, rounds);
  if (json) {
    console.log(JSON.stringify({ cases: results }));
  }
}

main(process.argv.slice(2));
