/**
 * Run by task-memory.spec.ts in a Node of its own (the master's V8 flags):
 * `node task-memory-child.js agents <agents>` starts that many agents, and prints
 * `{"bytesPerAgent": n}`: how much the heap's objects grew, after full collections before they
 * started and after they were all admitted, per agent (the agent actors and their records, the
 * master's, the allocator's and the registry's books of them).
 * `node task-memory-child.js <long|short> <agents>` starts that many agents and 100 frameworks
 * (the scale bench's cluster), runs one task per agent (long ones that keep running, or short ones
 * that end at once), and prints `{"bytesPerTask": n}`: how much the heap's objects grew, after full
 * collections before and after, per task. Everything of a task is in it: the master's books, the
 * agent's records, the simulated executor actor and the launcher's, the retained history of an
 * ended one.
 *
 * Both first make the same run on a cluster of their own (another seed, kept alive), so that what
 * V8 compiles and the feedback it gathers for that work is made before the measured run, and
 * weigh objects only (`objectHeapAfterCollection`, without the code spaces): the figure is what
 * the measured cluster holds, not when the JIT chose to optimize what.
 */
import { objectHeapAfterCollection } from '../../bench/heap';
import { admittedAgents, drive, onEveryFramework, startAgents, startFrameworks, startScaleMaster, type ScaleCluster, type ScaleFramework } from '../../bench/scale-cluster';

const FRAMEWORKS = 100;
/** Wall time allowed for each phase (admission, registration, the tasks). */
const DRIVE_BUDGET_MS = 60_000;
/** The measured cluster's seed. */
const MEASURED_SEED = 13;
/** The warm-up cluster's: another, so that no agent id or other seeded string of the measured run is made before it. */
const WARM_UP_SEED = 31;

type Mode = 'agents' | 'long' | 'short';

/** Every cluster run, reachable until the process ends (the warm-up's collected during the measured run would be counted against it). */
const clusters: ScaleCluster[] = [];

/** Prints the figure the spec reads (`{"<key>": bytes per item}`, its last line) and ends the run. */
function report(key: 'bytesPerAgent' | 'bytesPerTask', grownBytes: number, items: number): never {
  process.stdout.write(`${JSON.stringify({ [key]: Math.round(grownBytes / items) })}\n`);
  process.exit(0);
}

/** One run of `mode` on a cluster of its own: the heap's objects it grew by, and over how many items (agents or tasks). */
async function run(seed: number, mode: Mode, agents: number): Promise<{ readonly grownBytes: number; readonly items: number }> {
  const cluster = await startScaleMaster(seed, { validateLocalMessages: true });
  clusters.push(cluster);
  await cluster.clock.settle();
  const beforeAgents = objectHeapAfterCollection();
  await startAgents(cluster, agents);
  const admitted = await drive(cluster.clock, () => admittedAgents(cluster) >= agents, { stepMs: 10, budgetMs: DRIVE_BUDGET_MS });
  if (!admitted.done) throw new Error(`${admittedAgents(cluster)} of ${agents} agents admitted`);
  if (mode === 'agents') {
    await cluster.clock.settle();
    return { grownBytes: objectHeapAfterCollection() - beforeAgents, items: agents };
  }
  startFrameworks(cluster, FRAMEWORKS);
  await drive(cluster.clock, () => cluster.frameworks.every((framework) => framework.isRegistered), { stepMs: 100, budgetMs: DRIVE_BUDGET_MS });
  await onEveryFramework(cluster, (framework) => { framework.mode = 'idle'; framework.declineHeld(0); });
  await cluster.clock.settle();
  const before = objectHeapAfterCollection();
  const tasks = Math.floor(agents / FRAMEWORKS) * FRAMEWORKS;
  await onEveryFramework(cluster, (framework) => { framework.mode = mode; framework.tasksPerOffer = 1; framework.remaining = tasks / FRAMEWORKS; framework.revive(); });
  const count = (framework: ScaleFramework): number => (mode === 'long' ? framework.longRunning : framework.shortFinished);
  const ran = await drive(cluster.clock, () => cluster.frameworks.reduce((sum, framework) => sum + count(framework), 0) >= tasks, { stepMs: 100, budgetMs: DRIVE_BUDGET_MS });
  if (!ran.done) throw new Error(`the ${mode} tasks did not all ${mode === 'long' ? 'run' : 'end'}`);
  await onEveryFramework(cluster, (framework) => { framework.mode = 'idle'; framework.declineHeld(0); });
  await cluster.clock.settle();
  return { grownBytes: objectHeapAfterCollection() - before, items: tasks };
}

async function main(mode: Mode, agents: number): Promise<void> {
  await run(WARM_UP_SEED, mode, agents);
  const measured = await run(MEASURED_SEED, mode, agents);
  report(mode === 'agents' ? 'bytesPerAgent' : 'bytesPerTask', measured.grownBytes, measured.items);
}

const mode = process.argv[2];
if (mode !== 'agents' && mode !== 'long' && mode !== 'short') throw new Error('usage: task-memory-child.js <agents|long|short> <agents>');
main(mode, Number(process.argv[3] ?? 4_000)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
