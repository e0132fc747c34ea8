/**
 * The agent's resource monitor (Mesos' `ResourceMonitor`, issue 12): each live executor
 * container's usage in Mesos' `ResourceStatistics` terms, for `/slave(1)/monitor/statistics`,
 * `/slave(1)/containers` and the agent's v1 `GET_CONTAINERS`. Usage comes from the launcher's
 * isolators (cgroups, `/proc`, `du`); the limits are the container's resources as the agent
 * gave them (`cpus_limit`, `mem_limit_bytes`, `disk_limit_bytes`).
 */
import type { ContainerLimits, ContainerUsage } from './isolator';

/** One executor container, as the agent knows it. */
export interface MonitoredContainer {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly executorName: string;
  readonly source: string;
  /** The run id (Mesos' ContainerID value). */
  readonly containerId: string;
  /** The executor's OS process id, once started. */
  readonly processId: number | undefined;
  /** What the container may use. */
  readonly limits: ContainerLimits;
}

/**
 * Mesos' `ResourceStatistics` as JSON (snake_case; fields a measure did not give are left out, as
 * protobuf leaves unset fields out). `timestamp` is seconds since the epoch.
 */
export type ResourceStatisticsJson = Record<string, number>;

/** A `/monitor/statistics` entry (Mesos' shape). */
export interface StatisticsEntry {
  readonly framework_id: string;
  readonly executor_id: string;
  readonly executor_name: string;
  readonly source: string;
  readonly statistics: ResourceStatisticsJson;
}

/** A `/containers` entry: the statistics entry and the container's id and status. */
export interface ContainerEntry extends StatisticsEntry {
  readonly container_id: string;
  readonly status: { readonly container_id: { readonly value: string }; readonly executor_pid?: number };
}

/** Our usage field → Mesos' `ResourceStatistics` field (the peak, `memMaxBytes`, has none: it goes into limitation messages only). */
const STATISTICS_FIELDS: ReadonlyArray<readonly [keyof ContainerUsage, string]> = [
  ['cpusUserTimeSecs', 'cpus_user_time_secs'],
  ['cpusSystemTimeSecs', 'cpus_system_time_secs'],
  ['cpusNrPeriods', 'cpus_nr_periods'],
  ['cpusNrThrottled', 'cpus_nr_throttled'],
  ['cpusThrottledTimeSecs', 'cpus_throttled_time_secs'],
  ['memRssBytes', 'mem_rss_bytes'],
  ['memTotalBytes', 'mem_total_bytes'],
  ['processes', 'processes'],
  ['diskUsedBytes', 'disk_used_bytes'],
];

/**
 * `usage` of a container with `limits`, as Mesos' `ResourceStatistics` JSON at `nowMs`. The
 * limits are the container's resources (the memory limit as the isolator set it when it reads
 * one), so a container no isolator measures still shows what it may use.
 */
export function resourceStatistics(usage: ContainerUsage | undefined, limits: ContainerLimits, nowMs: number): ResourceStatisticsJson {
  const statistics: ResourceStatisticsJson = { timestamp: nowMs / 1000, cpus_limit: limits.cpus, mem_limit_bytes: usage?.memLimitBytes ?? limits.memBytes };
  const diskLimit = usage?.diskLimitBytes ?? limits.diskBytes;
  if (diskLimit !== undefined) statistics.disk_limit_bytes = diskLimit;
  for (const [from, to] of STATISTICS_FIELDS) {
    const value = usage?.[from];
    if (typeof value === 'number' && Number.isFinite(value)) statistics[to] = value;
  }
  return statistics;
}

/** The `/monitor/statistics` entry of `container`. */
export function statisticsEntry(container: MonitoredContainer, statistics: ResourceStatisticsJson): StatisticsEntry {
  return { framework_id: container.frameworkId, executor_id: container.executorId, executor_name: container.executorName, source: container.source, statistics };
}

/** The `/containers` entry of `container`. */
export function containerEntry(container: MonitoredContainer, statistics: ResourceStatisticsJson): ContainerEntry {
  return {
    container_id: container.containerId,
    ...statisticsEntry(container, statistics),
    status: { container_id: { value: container.containerId }, ...(container.processId !== undefined ? { executor_pid: container.processId } : {}) },
  };
}
