/**
 * Run by task-memory.spec.ts in a Node of its own (the master's V8 flags):
 * `node task-memory-child.js agents <agents>` starts that many agents, and prints
 * `{"bytesPerAgent": n}`: how much the heap grew, after full collections before they started and
 * after they were all admitted, per agent (the agent actors and their records, the master's,
 * the allocator's and the registry's books of them).
 * `node task-memory-child.js <long|short> <agents>` starts that many agents and 100 frameworks
 * (the scale bench's cluster), runs one task per agent (long ones that keep running, or short ones
 * that end at once), and prints `{"bytesPerTask": n}`: how much the heap grew, after full
 * collections before and after, per task. Everything of a task is in it: the master's books, the
 * agent's records, the simulated executor actor and the launcher's, the retained history of an
 * ended one.
 */
import { heapUsedAfterCollection } from '../../bench/heap';
import { admittedAgents, drive, onEveryFramework, startAgents, startFrameworks, startScaleMaster, type ScaleFramework } from '../../bench/scale-cluster';

const FRAMEWORKS = 100;
/** Wall time allowed for each phase (admission, registration, the tasks). */
const DRIVE_BUDGET_MS = 60_000;

/** Prints the figure the spec reads (`{"<key>": bytes per item}`, its last line) and ends the run. */
function report(key: 'bytesPerAgent' | 'bytesPerTask', grownBytes: number, items: number): never {
  process.stdout.write(`${JSON.stringify({ [key]: Math.round(grownBytes / items) })}\n`);
  process.exit(0);
}

async function main(mode: 'agents' | 'long' | 'short', agents: number): Promise<void> {
  const cluster = await startScaleMaster(13, { validateLocalMessages: true });
  await cluster.clock.settle();
  const beforeAgents = heapUsedAfterCollection();
  await startAgents(cluster, agents);
  const admitted = await drive(cluster.clock, () => admittedAgents(cluster) >= agents, { stepMs: 10, budgetMs: DRIVE_BUDGET_MS });
  if (!admitted.done) throw new Error(`${admittedAgents(cluster)} of ${agents} agents admitted`);
  if (mode === 'agents') {
    await cluster.clock.settle();
    report('bytesPerAgent', heapUsedAfterCollection() - beforeAgents, agents);
  }
  startFrameworks(cluster, FRAMEWORKS);
  await drive(cluster.clock, () => cluster.frameworks.every((framework) => framework.isRegistered), { stepMs: 100, budgetMs: DRIVE_BUDGET_MS });
  await onEveryFramework(cluster, (framework) => { framework.mode = 'idle'; framework.declineHeld(0); });
  await cluster.clock.settle();
  const before = heapUsedAfterCollection();
  const tasks = Math.floor(agents / FRAMEWORKS) * FRAMEWORKS;
  await onEveryFramework(cluster, (framework) => { framework.mode = mode; framework.tasksPerOffer = 1; framework.remaining = tasks / FRAMEWORKS; framework.revive(); });
  const count = (framework: ScaleFramework): number => (mode === 'long' ? framework.longRunning : framework.shortFinished);
  const ran = await drive(cluster.clock, () => cluster.frameworks.reduce((sum, framework) => sum + count(framework), 0) >= tasks, { stepMs: 100, budgetMs: DRIVE_BUDGET_MS });
  if (!ran.done) throw new Error(`the ${mode} tasks did not all ${mode === 'long' ? 'run' : 'end'}`);
  await onEveryFramework(cluster, (framework) => { framework.mode = 'idle'; framework.declineHeld(0); });
  await cluster.clock.settle();
  report('bytesPerTask', heapUsedAfterCollection() - before, tasks);
}

const mode = process.argv[2];
if (mode !== 'agents' && mode !== 'long' && mode !== 'short') throw new Error('usage: task-memory-child.js <agents|long|short> <agents>');
main(mode, Number(process.argv[3] ?? 2_000)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
