/**
 * The agent's metrics under Mesos' names (`slave/*`, from Mesos' `src/slave/metrics.cpp`, and
 * its garbage collector's `gc/*`):
 * counters kept by the agent, gauges computed from its books when a snapshot is taken, and the
 * source through which the host's `metrics` actor (lib/metrics) serves them at
 * `/metrics/snapshot` and `/metrics`.
 */
import { dispatch, type Actor } from '../../lib/actor';
import type { MetricKind, MetricsSource } from '../../lib/metrics';
import type { TaskState } from '../../lib/protocol';
import type { Resources } from '../../lib/resources';
import type { AgentFrameworkRecord } from './records';

/** The agent's counters (Mesos' names, without the `slave/` prefix). */
export const AGENT_COUNTERS = [
  'tasks_finished', 'tasks_failed', 'tasks_killed', 'tasks_lost', 'tasks_gone',
  'executors_terminated',
  // Executors killed to free revocable resources (Mesos' QoS controller); this agent has none, so it stays 0.
  'executors_preempted',
  'valid_status_updates', 'invalid_status_updates',
  'valid_framework_messages', 'invalid_framework_messages',
  // Recovery problems the agent carried on after: corrupt checkpoint lines skipped with --strict=false (with --strict, the default, the agent refuses to start).
  'recovery_errors',
  'container_launch_errors',
] as const;

/** One agent counter name. */
export type AgentCounter = (typeof AGENT_COUNTERS)[number];

/** The counters of terminal task states, by state (Mesos counts these five on the agent). */
const TERMINAL_STATE_COUNTERS: Partial<Record<TaskState, AgentCounter>> = {
  TASK_FINISHED: 'tasks_finished',
  TASK_FAILED: 'tasks_failed',
  TASK_KILLED: 'tasks_killed',
  TASK_LOST: 'tasks_lost',
  TASK_GONE: 'tasks_gone',
};

/** The resources whose `slave/<name>_total`, `_used` and `_percent` Mesos reports. */
export const AGENT_RESOURCE_METRICS = ['cpus', 'gpus', 'mem', 'disk'] as const;

/** The agent's counters; they only grow. */
export class AgentCounters {
  /** Value of each counter, in `AGENT_COUNTERS` order (a plain array: a Map per agent costs ~500 bytes). */
  private readonly values: number[] = AGENT_COUNTERS.map(() => 0);

  /** Adds `by` (one) to `name`. */
  increment(name: AgentCounter, by = 1): void {
    this.values[COUNTER_INDEX.get(name)!] += by;
  }

  /** Counts a task that reached terminal state `state` (no-op for states Mesos does not count here). */
  taskReached(state: TaskState): void {
    const counter = TERMINAL_STATE_COUNTERS[state];
    if (counter !== undefined) this.increment(counter);
  }

  /** Every counter, keyed `slave/<name>`. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(AGENT_COUNTERS.map((name, index) => [`slave/${name}`, this.values[index]]));
  }
}

/** Each counter's index in `AgentCounters`' values. */
const COUNTER_INDEX: ReadonlyMap<AgentCounter, number> = new Map(AGENT_COUNTERS.map((name, index) => [name, index]));

/** What the agent's gauges are computed from. */
export interface AgentGaugeContext {
  readonly counters: AgentCounters;
  readonly frameworks: Iterable<AgentFrameworkRecord>;
  /** The agent's total resources. */
  readonly total: Resources;
  /** Registered with a master now (Mesos' RUNNING state). */
  readonly registered: boolean;
  readonly startTimeMs: number;
  readonly nowMs: number;
}

/** The agent's metrics: counters, and gauges computed from its books. */
export function agentMetrics(context: AgentGaugeContext): Record<string, number> {
  const frameworks = [...context.frameworks];
  const metrics: Record<string, number> = {
    ...context.counters.snapshot(),
    'slave/uptime_secs': (context.nowMs - context.startTimeMs) / 1000,
    'slave/registered': context.registered ? 1 : 0,
    'slave/frameworks_active': frameworks.filter((framework) => framework.phase === 'RUNNING').length,
    ...taskAndExecutorGauges(frameworks),
  };
  let used: Resources | undefined;
  for (const framework of frameworks) {
    for (const executor of framework.executors.values()) {
      if (executor.phase === 'TERMINATED') continue;
      used = used === undefined ? executor.usedResources() : used.add(executor.usedResources());
    }
  }
  for (const name of AGENT_RESOURCE_METRICS) {
    const total = context.total.scalar(name);
    const inUse = used?.scalar(name) ?? 0;
    metrics[`slave/${name}_total`] = total;
    metrics[`slave/${name}_used`] = inUse;
    metrics[`slave/${name}_percent`] = total > 0 ? inUse / total : 0;
    // Mesos registers these always; no resource is revocable here (oversubscription is not built).
    metrics[`slave/${name}_revocable_total`] = 0;
    metrics[`slave/${name}_revocable_used`] = 0;
    metrics[`slave/${name}_revocable_percent`] = 0;
  }
  return metrics;
}

/** `slave/tasks_{staging,starting,running,killing}` and `slave/executors_{registering,running,terminating}`. */
function taskAndExecutorGauges(frameworks: readonly AgentFrameworkRecord[]): Record<string, number> {
  const gauges: Record<string, number> = {
    'slave/tasks_staging': 0, 'slave/tasks_starting': 0, 'slave/tasks_running': 0, 'slave/tasks_killing': 0,
    'slave/executors_registering': 0, 'slave/executors_running': 0, 'slave/executors_terminating': 0,
  };
  const count = (key: string): void => {
    gauges[key] = (gauges[key] ?? 0) + 1;
  };
  for (const framework of frameworks) {
    for (const executor of framework.executors.values()) {
      if (executor.phase !== 'TERMINATED') count(`slave/executors_${executor.phase.toLowerCase()}`);
      // A task not yet given to its executor is staging, as in Mesos.
      for (let index = 0; index < executor.queuedTasks.size; index++) count('slave/tasks_staging');
      for (const task of executor.launchedTasks.values()) {
        const key = ACTIVE_TASK_GAUGES[task.state];
        if (key !== undefined) count(key);
      }
    }
  }
  return gauges;
}

/** The gauge of each active task state. */
const ACTIVE_TASK_GAUGES: Partial<Record<TaskState, string>> = {
  TASK_STAGING: 'slave/tasks_staging',
  TASK_STARTING: 'slave/tasks_starting',
  TASK_RUNNING: 'slave/tasks_running',
  TASK_KILLING: 'slave/tasks_killing',
};

/** Whether a key of the agent's metrics is a counter. */
export function agentMetricKind(key: string): MetricKind {
  return COUNTER_KEYS.has(key) ? 'counter' : 'gauge';
}

/** The garbage collector's counters (gc.ts; Mesos' `gc/*`); `gc/path_removals_pending` is a gauge. */
const GC_COUNTER_KEYS = ['gc/path_removals_succeeded', 'gc/path_removals_failed'] as const;

/** The containerizer's counters (Mesos' `containerizer/*`). */
const CONTAINERIZER_COUNTER_KEYS = ['containerizer/mesos/container_destroy_errors', 'containerizer/fetcher/task_fetches_succeeded', 'containerizer/fetcher/task_fetches_failed'] as const;

const COUNTER_KEYS: ReadonlySet<string> = new Set([...AGENT_COUNTERS.map((name) => `slave/${name}`), ...GC_COUNTER_KEYS, ...CONTAINERIZER_COUNTER_KEYS]);

/** Where `agentMetricsSource` gets the agent's metrics. */
export interface AgentMetricsProvider extends Actor {
  /** The agent's metrics (runs inside its mailbox). */
  metrics(): Record<string, number>;
}

/** The agent's metrics as a source of the host's `metrics` actor, asked through its mailbox. */
export function agentMetricsSource(agent: AgentMetricsProvider): MetricsSource {
  return { read: () => dispatch(agent, (actor) => actor.metrics()), kindOf: agentMetricKind };
}
