/**
 * `npm run bench:registry [-- --json] [-- --agents N]`: the registry on this machine's disk
 * (fsync and all), through a real master on one in-process host and the wall clock.
 *
 * - `boot_ms`: N agents (default 10,000) send RegisterAgent at once to a fresh master; the time
 *   until every one has its AgentRegistered, i.e. is durably admitted. Changes queued during a
 *   write go into the next one, so this takes a handful of writes.
 * - `one_by_one_ms`: then 1,000 more agents register one after another (each waits for its
 *   reply), on top of the N already admitted: one fsynced append each.
 * - `append_ms` vs `rewrite_ms` (the baseline, measured in the same run): the cost of one write
 *   with N agents admitted, as the registry writes now (one appended log line) and as it wrote
 *   before (the whole registry rewritten and fsynced, O(registry) per change).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Actor, UPID } from '../lib/actor';
import { nodeDisk, writeFileAtomically } from '../lib/disk';
import { createLogger } from '../lib/logging';
import { ActorHost } from '../lib/process';
import { Resources } from '../lib/resources';
import { defaultMasterFlags, registryPathOf, startMaster } from '../actors/master';

const DEFAULT_AGENTS = 10_000;
/** Agents that register one after another, after the boot storm. */
const ONE_BY_ONE_AGENTS = 1_000;
/** Writes timed for the append-versus-rewrite comparison. */
const TIMED_WRITES = 50;
const AGENT_RESOURCES = Resources.parse('cpus:8;mem:32768;disk:100000;ports:[31000-32000]').toJSON();

/** Agents (many actors, one counter): each registers when told, and counts its reply. */
class BenchAgent extends Actor {
  constructor(id: string, private readonly registered: () => void) {
    super(id);
    this.install('AgentRegistered', () => this.registered());
    this.install('Ping', (from) => this.send(from, 'Pong', {}));
  }

  register(master: UPID, index: number): void {
    this.send(master, 'RegisterAgent', {
      agent: { hostname: `agent-${index}.bench`, port: 5051, resources: AGENT_RESOURCES }, version: 'bench',
    });
  }
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const agents = argument('--agents', DEFAULT_AGENTS);
  const json = process.argv.includes('--json');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-registry-'));
  const host = new ActorHost({ listen: false, address: 'bench:5050', logger: createLogger('bench-registry', 'error'), seed: 1 });
  try {
    const flags = { ...defaultMasterFlags(workDir), hostname: 'bench' };
    const master = await startMaster({ flags, host });

    let registered = 0;
    let waiting: { count: number; resolve: () => void } | undefined;
    const onRegistered = (): void => {
      registered++;
      if (waiting !== undefined && registered >= waiting.count) waiting.resolve();
    };
    const until = (count: number): Promise<void> => (registered >= count ? Promise.resolve() : new Promise((resolve) => { waiting = { count, resolve }; }));
    const spawnAgents = (from: number, count: number): BenchAgent[] => Array.from({ length: count }, (_, offset) => {
      const agent = new BenchAgent(`slave(${from + offset})`, onRegistered);
      host.spawn(agent);
      return agent;
    });

    const storm = spawnAgents(0, agents);
    const bootStart = performance.now();
    storm.forEach((agent, index) => agent.register(master.pid, index));
    await until(agents);
    const bootMs = performance.now() - bootStart;
    const bootWrites = master.registry.writes;

    const oneByOne = spawnAgents(agents, ONE_BY_ONE_AGENTS);
    const oneStart = performance.now();
    for (const [offset, agent] of oneByOne.entries()) {
      agent.register(master.pid, agents + offset);
      await until(agents + offset + 1);
    }
    const oneByOneMs = performance.now() - oneStart;

    // One write with N agents admitted: now (an appended line) and before (the whole registry rewritten).
    const logPath = path.join(workDir, 'append-bench.log');
    const appendStart = performance.now();
    for (let write = 0; write < TIMED_WRITES; write++) {
      await nodeDisk.appendFile(logPath, `${JSON.stringify({ seq: write + 1, ops: [{ type: 'remove', agentId: `x-${write}` }] })}\n`);
    }
    const appendMs = (performance.now() - appendStart) / TIMED_WRITES;
    const whole = master.registry.snapshot();
    const rewriteStart = performance.now();
    for (let write = 0; write < TIMED_WRITES; write++) {
      await writeFileAtomically(path.join(workDir, 'rewrite-bench.json'), `${JSON.stringify(structuredClone(whole), null, 1)}\n`);
    }
    const rewriteMs = (performance.now() - rewriteStart) / TIMED_WRITES;

    const figures = {
      agents, boot_ms: Math.round(bootMs), boot_writes: bootWrites,
      one_by_one_agents: ONE_BY_ONE_AGENTS, one_by_one_ms: Math.round(oneByOneMs), one_by_one_per_agent_ms: +(oneByOneMs / ONE_BY_ONE_AGENTS).toFixed(3),
      append_ms: +appendMs.toFixed(3), rewrite_ms: +rewriteMs.toFixed(3), rewrite_over_append: +(rewriteMs / appendMs).toFixed(1),
      registry_bytes: fs.statSync(registryPathOf(flags)).size + fs.statSync(`${registryPathOf(flags)}.log`).size,
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(figures)}\n`);
    } else {
      process.stdout.write([
        `registry on ${workDir} (real files, fsync), one master, wall clock`,
        `boot storm: ${agents} agents admitted in ${figures.boot_ms} ms (${bootWrites} registry writes)`,
        `one by one: ${ONE_BY_ONE_AGENTS} more agents in ${figures.one_by_one_ms} ms (${figures.one_by_one_per_agent_ms} ms each, with ${agents} admitted)`,
        `one write with ${agents + ONE_BY_ONE_AGENTS} agents admitted: append ${figures.append_ms} ms; whole-registry rewrite (before) ${figures.rewrite_ms} ms; ratio ${figures.rewrite_over_append}x`,
        '',
      ].join('\n'));
    }
    await master.stop();
  } finally {
    await host.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

void main().catch((error: Error) => {
  process.stderr.write(`bench:registry: ${error.message}\n`);
  process.exit(1);
});
