/**
 * `npm run chaos`: runs seeded chaos simulations (chaos.ts) one after another, on one or more
 * worker threads, and reports every failure with its seed and the command that replays it.
 *
 *   npm run chaos -- --seeds 500 --steps 300            # seeds 1..500
 *   npm run chaos -- --seeds 200 --base-seed 1000       # seeds 1000..1199
 *   npm run chaos -- --seed 1234 --steps 300            # replay one seed (prints its events on failure)
 *   npm run chaos -- --seed 1234 --trace run.trace      # ... and write its message trace for mesos-trace
 *
 * A run depends on its seed and step count only, never on the worker, the order, or the
 * machine's load, so `--jobs` changes the speed and nothing else (`--digests` prints each run's
 * event-log and trace hashes, to check that). Exits 1 if any seed failed, 2 on bad flags.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createCommand, parseCount } from '../../lib/flags';
import { replayFlags } from './chaos';
import { ChaosPool, runSeed, type SeedResult, type SeedSettings } from './chaos-pool';

/** Steps per seed unless `--steps` says otherwise (the same as the test suite's). */
export const DEFAULT_STEPS = 100;
/** Seeds run unless `--seeds` says otherwise. */
export const DEFAULT_SEEDS = 100;
/** The first seed unless `--base-seed` says otherwise. */
export const DEFAULT_BASE_SEED = 1;

/** What to run, from the command line. */
interface ChaosCliFlags {
  seeds: number;
  steps: number;
  baseSeed: number;
  seed?: number;
  jobs: number;
  trace?: string;
  digests?: boolean;
  quiet?: boolean;
  registryFaults: boolean;
  masters: number;
  agentRecovery?: boolean;
  credentials?: boolean;
  operatorView?: boolean;
  httpFrameworks?: boolean;
  fetch?: boolean;
  reservations?: boolean;
  volumes?: boolean;
  taskGroups?: boolean;
  quota?: boolean;
  updateFramework?: boolean;
  operatorRemovals?: boolean;
  operationFeedback?: boolean;
  drainAgents?: boolean;
}

/** Runs `seeds` on `jobs` worker threads (in this thread for one job or one seed), calling `report` in seed order. */
async function runAll(seeds: readonly number[], flags: ChaosCliFlags, report: (result: SeedResult) => void): Promise<void> {
  const settings: SeedSettings = { steps: flags.steps, hashTrace: flags.digests === true, registryFaults: flags.registryFaults, masters: flags.masters, agentRecovery: flags.agentRecovery === true, credentials: flags.credentials === true, operatorView: flags.operatorView === true, httpFrameworks: flags.httpFrameworks === true, fetch: flags.fetch === true, reservations: flags.reservations === true, volumes: flags.volumes === true, taskGroups: flags.taskGroups === true, quota: flags.quota === true, updateFramework: flags.updateFramework === true, operationFeedback: flags.operationFeedback === true, operatorRemovals: flags.operatorRemovals === true, drainAgents: flags.drainAgents === true };
  if (flags.jobs <= 1 || seeds.length <= 1) {
    for (const seed of seeds) report(await runSeed(seed, settings, flags.trace));
    return;
  }
  const pool = new ChaosPool(Math.min(flags.jobs, seeds.length));
  try {
    const results = seeds.map((seed) => pool.run(seed, settings));
    for (const result of results) report(await result);
  } finally {
    await pool.close();
  }
}

function parseFlags(argv: string[]): ChaosCliFlags {
  const program = createCommand('chaos', 'Run seeded chaos simulations of the whole cluster and report failures with their seeds.')
    .option('--seeds <n>', 'how many seeds to run', parseCount, DEFAULT_SEEDS)
    .option('--steps <n>', 'random steps per seed', parseCount, DEFAULT_STEPS)
    .option('--base-seed <s>', 'the first seed (then +1, +2, ...)', parseCount, DEFAULT_BASE_SEED)
    .option('--seed <s>', 'run this one seed (a replay); overrides --seeds and --base-seed', parseCount)
    .option('--jobs <n>', 'worker threads (default: the cores available)', parseCount, availableParallelism())
    .option('--trace <file>', "with --seed: write the run's message trace there (read it with mesos-trace)")
    .option('--digests', "print each seed's event-log and message-trace sha256 (to compare runs)")
    .option('--quiet', 'print failures and the summary only')
    .option('--masters <n>', 'masters contending in a simulated ZooKeeper: the leader crashes, is cut off from ZooKeeper, loses its session (default 1: one master, restarted)', parseCount, 1)
    .option('--agent-recovery', 'frameworks checkpoint; half the agent crashes are of the agent process alone, which restarts and takes its executors back')
    .option('--credentials', 'the master authenticates agents and frameworks: each authenticates with every master it registers with, and drops may take the authentication messages')
    .option('--operator-view', 'exploratory: an operator view built from the v1 event stream must agree with the master after each step')
    .option('--http-frameworks', 'some frameworks (drawn from the seed) speak the v1 scheduler HTTP API; their streams break or go silent, their calls or answers are lost, a SUBSCRIBE may reach a standby (307)')
    .option('--fetch', 'a share of the commands (drawn from the seed) have URIs the simulated launcher fetches first: some fail, some outlast the executor registration timeout (http://fetch.sim/<delayMs>/<ok|fail>/<name>)')
    .option('--reservations', 'frameworks reserve and unreserve resources of their offers (a task maybe launched on a reservation in the same ACCEPT) and an operator reserves and unreserves resources of agents (/master/reserve, /master/unreserve, v1 RESERVE_RESOURCES, UNRESERVE_RESOURCES); checked: master, allocator and agents agree on every reservation, nothing reserved to another role is held, totals are declared resources with reservations applied')
    .option('--volumes', 'implies --reservations: frameworks CREATE persistent volumes of reserved disk they are offered, launch tasks on whole volumes and DESTROY them (maybe unreserving their disk), now and then an operation the master must refuse; an operator creates and destroys volumes (/master/create-volumes, /master/destroy-volumes, v1 CREATE_VOLUMES, DESTROY_VOLUMES); checked besides: persistence ids unique in a role on an agent, volumes used whole, a task\'s volumes kept while it runs, master and agents agree on volumes as on reservations')
    .option('--task-groups', 'frameworks (actor and v1 HTTP, JSON or protobuf) now and then launch a task group (LAUNCH_GROUP: 2-3 tasks on a DEFAULT executor of their own), now and then invalid on purpose (every task TASK_ERROR); with --volumes they GROW and SHRINK offered volumes too; checked: a group all-or-nothing at the master, its tasks under its executor, none left running once a sibling failed or was killed, a volume resized keeps its id')
    .option('--quota', "an operator sets, changes and removes roles' quotas (v1 UPDATE_QUOTA: guarantees and limits, now and then with force) and sets their weights (UPDATE_WEIGHTS); checked: what a 200 answered holds in the leading master's registry, its GET_QUOTA and GET_WEIGHTS and its allocator, across restarts and failovers")
    .option('--operation-feedback', 'implies --http-frameworks and --reservations: the v1 HTTP frameworks give most of their RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME and SHRINK_VOLUME operations an id, acknowledge each UPDATE_OPERATION_STATUS with a uuid at once, late or never, and reconcile operations now and then; the agents\' statuses and the master\'s acknowledgements may be dropped; with --agent-recovery, an agent now and then dies right after checkpointing its resources, before it journals the operations they carry out; checked: nothing heard finished after a refusal or in two terminal states, no uuid for another\'s operation; after each step, a connected agent no fault touched lately holds the operations pending at the master on it; at quiescence nothing pending at the leading master on a connected agent, agents and master agree on the unacknowledged operations, every operation applied known finished (or ended with its agent, or forgotten in a failover before its agent had it)')
    .option('--update-framework', "frameworks (actor ones) add a spare role to their own and take it away again (UPDATE_FRAMEWORK) while tasks under it run; checked besides every invariant: no valid update refused, no offer held of a role its framework no longer has")
    .option('--operator-removals', "an operator marks agents gone (v1 MARK_AGENT_GONE: registered ones, unreachable ones, unknown ids) and tears frameworks down (v1 TEARDOWN, POST /master/teardown); checked: a gone agent is never registered again at any master, is in the registry's gone list and not in the allocator, and is shut down; a torn-down framework is completed at the master that did it and never active at a later one, and its scheduler stops; unknown ids are refused (404, 400)")
    .option('--drain-agents', "an operator drains agents (v1 DRAIN_AGENT, with or without max_grace_period, now and then mark_gone), deactivates and reactivates them (DEACTIVATE_AGENT, REACTIVATE_AGENT): registered ones, unreachable ones, unknown ids; a drop may take DrainAgent; checked: a deactivated agent is inactive at the master and in the allocator, has no offer out and gets no new task; what a 200 answered holds in the registry and at every later leader, across agent restarts; at quiescence no connected agent is still DRAINING, a reactivated one is active, one drained with mark_gone is gone for good; unknown ids are refused (400)")
    .option('--no-registry-faults', "never fail or slow the registry's writes (replays a seed found before those faults existed)")
    .parse(argv);
  const flags = program.opts<ChaosCliFlags>();
  if (flags.trace !== undefined && flags.seed === undefined) program.error('--trace needs --seed');
  if (flags.jobs < 1) program.error('--jobs must be at least 1');
  if (flags.masters < 1) program.error('--masters must be at least 1');
  return flags;
}

async function main(argv: string[]): Promise<void> {
  const flags = parseFlags(argv);
  const seeds = flags.seed !== undefined ? [flags.seed] : Array.from({ length: flags.seeds }, (_, index) => flags.baseSeed + index);
  const failed: number[] = [];
  const fetches = { fetched: 0, failed: 0, aborted: 0 };
  const reservations = {
    frameworkReserves: 0, frameworkUnreserves: 0, grew: 0, shrank: 0, frameworkCreates: 0, frameworkDestroys: 0, frameworkTasksOnVolumes: 0, frameworkInvalidOnPurpose: 0,
    operatorAnswers: {} as Record<string, number>,
  };
  const taskGroups = { groups: 0, invalidGroups: 0, grows: 0, shrinks: 0, httpGroups: 0, httpResizes: 0 };
  const quotaAnswers: Record<string, number> = {};
  const removalAnswers: Record<string, number> = {};
  const drainAnswers: Record<string, number> = {};
  const drains = { drained: 0, gone: 0, offeredAgain: 0 };
  const feedback = { sent: 0, applied: 0, reliable: 0, unreliable: 0, acknowledged: 0 };
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  await runAll(seeds, flags, (result) => {
    for (const outcome of ['fetched', 'failed', 'aborted'] as const) fetches[outcome] += result.fetches?.[outcome] ?? 0;
    for (const key of ['groups', 'invalidGroups', 'grows', 'shrinks', 'httpGroups', 'httpResizes'] as const) taskGroups[key] += result.taskGroups?.[key] ?? 0;
    for (const [status, count] of Object.entries(result.quotaAnswers ?? {})) quotaAnswers[status] = (quotaAnswers[status] ?? 0) + count;
    for (const [status, count] of Object.entries(result.removalAnswers ?? {})) removalAnswers[status] = (removalAnswers[status] ?? 0) + count;
    for (const [status, count] of Object.entries(result.drainAnswers ?? {})) drainAnswers[status] = (drainAnswers[status] ?? 0) + count;
    for (const key of ['drained', 'gone', 'offeredAgain'] as const) drains[key] += result.drains?.[key] ?? 0;
    for (const key of ['sent', 'applied', 'reliable', 'unreliable', 'acknowledged'] as const) feedback[key] += result.operationFeedback?.[key] ?? 0;
    if (result.reservations !== undefined) {
      for (const key of ['frameworkReserves', 'frameworkUnreserves', 'grew', 'shrank', 'frameworkCreates', 'frameworkDestroys', 'frameworkTasksOnVolumes', 'frameworkInvalidOnPurpose'] as const) {
        reservations[key] += result.reservations[key];
      }
      for (const [status, count] of Object.entries(result.reservations.operatorAnswers)) reservations.operatorAnswers[status] = (reservations.operatorAnswers[status] ?? 0) + count;
    }
    if (!result.passed) {
      failed.push(result.seed);
      process.stdout.write(`FAIL seed ${result.seed} (${(result.wallMs / 1000).toFixed(1)} s)\n${result.failure ?? ''}\n\n`);
    } else if (flags.quiet !== true) {
      const digests = flags.digests === true ? ` events ${result.eventsDigest ?? '?'} trace ${result.traceDigest ?? '?'}` : '';
      process.stdout.write(`ok   seed ${result.seed} (${(result.wallMs / 1000).toFixed(2)} s)${digests}\n`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart); // every thread of this process, workers included
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (flags.fetch === true) process.stdout.write(`fetches of the passed seeds: ${fetches.fetched} fetched (executor started), ${fetches.failed} failed, ${fetches.aborted} aborted\n`);
  if (flags.reservations === true || flags.volumes === true) {
    const answers = Object.entries(reservations.operatorAnswers).sort().map(([status, count]) => `${count} ${status}`).join(', ') || 'none';
    process.stdout.write(`reservations of the passed seeds: frameworks sent ${reservations.frameworkReserves} RESERVE and ${reservations.frameworkUnreserves} UNRESERVE; operator answers: ${answers}; an agent's reservations at the master grew ${reservations.grew} times, shrank ${reservations.shrank} times\n`);
  }
  if (flags.volumes === true) {
    process.stdout.write(`volumes of the passed seeds: frameworks sent ${reservations.frameworkCreates} CREATE and ${reservations.frameworkDestroys} DESTROY, launched ${reservations.frameworkTasksOnVolumes} tasks on volumes, sent ${reservations.frameworkInvalidOnPurpose} operations invalid on purpose\n`);
  }
  if (flags.taskGroups === true) {
    process.stdout.write(`task groups of the passed seeds: frameworks launched ${taskGroups.groups} groups (${taskGroups.invalidGroups} invalid on purpose)${flags.volumes === true ? `, sent ${taskGroups.grows} GROW_VOLUME and ${taskGroups.shrinks} SHRINK_VOLUME` : ''}${flags.httpFrameworks === true ? `; the v1 HTTP frameworks ${taskGroups.httpGroups} of the groups${flags.volumes === true ? ` and ${taskGroups.httpResizes} of the resizes` : ''}` : ''}\n`);
  }
  if (flags.quota === true) {
    process.stdout.write(`quotas and weights of the passed seeds: the operator's calls answered ${Object.entries(quotaAnswers).sort().map(([status, count]) => `${count} ${status}`).join(', ') || 'none'}\n`);
  }
  if (flags.operatorRemovals === true) {
    process.stdout.write(`operator removals of the passed seeds, answers by call: ${Object.entries(removalAnswers).sort().map(([answer, count]) => `${answer}: ${count}`).join(', ') || 'none'}\n`);
  }
  if (flags.drainAgents === true) {
    process.stdout.write(`agent draining of the passed seeds, answers by call: ${Object.entries(drainAnswers).sort().map(([answer, count]) => `${answer}: ${count}`).join(', ') || 'none'}; ` +
      `agents found DRAINED ${drains.drained}, gone after a drain with mark_gone ${drains.gone}, offered again after a reactivation ${drains.offeredAgain}\n`);
  }
  if (flags.operationFeedback === true) {
    process.stdout.write(`operation feedback of the passed seeds: frameworks sent ${feedback.sent} operations with ids (masters applied ${feedback.applied}), heard ${feedback.reliable} statuses with a uuid and ${feedback.unreliable} without, acknowledged ${feedback.acknowledged}\n`);
  }
  if (flags.trace !== undefined) process.stdout.write(`message trace written to ${flags.trace} (read it with: npx mesos-trace ${flags.trace})\n`);
  process.stdout.write(
    `${seeds.length} seeds run, ${seeds.length - failed.length} passed, ${failed.length} failed, ` +
    `${(seeds.length / seconds).toFixed(2)} seeds/s (${flags.steps} steps, ${Math.min(flags.jobs, seeds.length)} job(s), ${seconds.toFixed(1)} s; ` +
    `cpu ${cpuSeconds.toFixed(1)} s, ${(cpuSeconds / seeds.length).toFixed(2)} s per seed)\n`,
  );
  if (failed.length > 0) {
    process.stdout.write(`failed seeds: ${failed.sort((a, b) => a - b).join(' ')}\n`);
    process.stdout.write(`replay one with: npm run chaos -- --seed ${failed[0]} --steps ${flags.steps}${replayFlags(flags)}\n`);
    process.exitCode = 1;
  }
}

// `npm run chaos ... | head` closes the pipe early: that is not an error worth a stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`chaos: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
