/**
 * Run by state-memory.spec.ts in a Node of its own with a 1 MB young generation (so that what
 * outlives ~50 agents' rendering is promoted): `node state-memory-child.js <path> <agents>`
 * serves the master's `<path>` (e.g. `/state-summary`) once at that many agents, every agent
 * offered to the frameworks, and prints `{"promotedBytesPerAgent": n}`: what V8's young
 * collections moved to the old generation during the request (`v8.GCProfiler`: each scavenge's
 * old and large-object spaces after it less before it; a full collection in between does not
 * count against it), per agent.
 */
import { GCProfiler } from 'node:v8';
import { admittedAgents, drive, serveState, startAgents, startFrameworks, startScaleMaster } from '../../../bench/scale-cluster';

const FRAMEWORKS = 5;
/** Wall time allowed for the agents to be admitted, and then offered. */
const DRIVE_BUDGET_MS = 60_000;

const OLD_SPACES: ReadonlySet<string> = new Set(['old_space', 'large_object_space']);

interface SpaceUse { readonly spaceName: string; readonly spaceUsedSize: number }

function oldUse(spaces: readonly SpaceUse[]): number {
  return spaces.filter((space) => OLD_SPACES.has(space.spaceName)).reduce((sum, space) => sum + space.spaceUsedSize, 0);
}

async function main(path: string, agents: number): Promise<void> {
  const cluster = await startScaleMaster(13, { validateLocalMessages: true });
  await startAgents(cluster, agents);
  const admitted = await drive(cluster.clock, () => admittedAgents(cluster) >= agents, { stepMs: 10, budgetMs: DRIVE_BUDGET_MS });
  if (!admitted.done) throw new Error(`${admittedAgents(cluster)} of ${agents} agents admitted`);
  startFrameworks(cluster, FRAMEWORKS);
  const held = (): number => cluster.frameworks.reduce((sum, framework) => sum + framework.held.length, 0);
  const offered = await drive(cluster.clock, () => held() >= agents, { stepMs: 100, budgetMs: DRIVE_BUDGET_MS });
  if (!offered.done) throw new Error(`${held()} of ${agents} agents offered`);
  const profiler = new GCProfiler();
  profiler.start();
  await serveState(cluster, { method: 'GET', path, query: {}, headers: {}, body: Buffer.alloc(0) });
  const promoted = profiler.stop().statistics.filter((gc) => gc.gcType === 'Scavenge')
    .reduce((sum, gc) => sum + oldUse(gc.afterGC.heapSpaceStatistics) - oldUse(gc.beforeGC.heapSpaceStatistics), 0);
  process.stdout.write(`${JSON.stringify({ promotedBytesPerAgent: Math.round(promoted / agents) })}\n`);
  process.exit(0);
}

main(process.argv[2] ?? '/state-summary', Number(process.argv[3] ?? 2_000)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
