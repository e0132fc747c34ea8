/**
 * Containers' usage as the agents report it (`/slave(1)/monitor/statistics`, Mesos'
 * `ResourceStatistics`), turned into what the pages show: CPUs in use (from the CPU time
 * between two reports), memory against its limit, per container and summed per agent. Pure.
 */

/** One `/monitor/statistics` entry, as much of it as the UI reads. */
export interface StatisticsEntryJson {
  readonly executor_id: string;
  readonly framework_id: string;
  readonly statistics: {
    readonly timestamp: number;
    readonly cpus_limit?: number;
    readonly cpus_user_time_secs?: number;
    readonly cpus_system_time_secs?: number;
    readonly mem_rss_bytes?: number;
    readonly mem_limit_bytes?: number;
    readonly disk_used_bytes?: number;
    readonly disk_limit_bytes?: number;
    readonly processes?: number;
  };
}

/** A container's usage as shown. */
export interface ContainerUsageView {
  readonly frameworkId: string;
  readonly executorId: string;
  /** CPUs in use between the previous report and this one; undefined until there are two. */
  readonly cpusUsed: number | undefined;
  readonly cpusLimit: number | undefined;
  readonly memBytes: number | undefined;
  readonly memLimitBytes: number | undefined;
  readonly diskBytes: number | undefined;
  readonly diskLimitBytes: number | undefined;
  readonly processes: number | undefined;
}

/** Checks an agent's answer: a list of entries with statistics; what is not is dropped. */
export function parseStatistics(json: unknown): StatisticsEntryJson[] {
  if (!Array.isArray(json)) throw new Error('the agent answered something other than a list of containers');
  return json.filter((entry): entry is StatisticsEntryJson => typeof entry === 'object' && entry !== null
    && typeof (entry as StatisticsEntryJson).executor_id === 'string' && typeof (entry as StatisticsEntryJson).framework_id === 'string'
    && typeof (entry as StatisticsEntryJson).statistics === 'object' && typeof (entry as StatisticsEntryJson).statistics?.timestamp === 'number');
}

const key = (entry: StatisticsEntryJson): string => `${entry.framework_id}/${entry.executor_id}`;
const cpuSeconds = (entry: StatisticsEntryJson): number | undefined => {
  const { cpus_user_time_secs: user, cpus_system_time_secs: system } = entry.statistics;
  return user === undefined && system === undefined ? undefined : (user ?? 0) + (system ?? 0);
};

/**
 * The usage of each container in `current`, with CPUs in use computed against the same
 * container in `previous` (CPU seconds spent / seconds between the reports).
 */
export function containerUsage(current: readonly StatisticsEntryJson[], previous: readonly StatisticsEntryJson[] = []): ContainerUsageView[] {
  const before = new Map(previous.map((entry) => [key(entry), entry]));
  return current.map((entry) => {
    const earlier = before.get(key(entry));
    const now = cpuSeconds(entry);
    const then = earlier === undefined ? undefined : cpuSeconds(earlier);
    const elapsed = earlier === undefined ? 0 : entry.statistics.timestamp - earlier.statistics.timestamp;
    const s = entry.statistics;
    return {
      frameworkId: entry.framework_id,
      executorId: entry.executor_id,
      cpusUsed: now !== undefined && then !== undefined && elapsed > 0 ? Math.max(0, (now - then) / elapsed) : undefined,
      cpusLimit: s.cpus_limit,
      memBytes: s.mem_rss_bytes,
      memLimitBytes: s.mem_limit_bytes,
      diskBytes: s.disk_used_bytes,
      diskLimitBytes: s.disk_limit_bytes,
      processes: s.processes,
    };
  });
}

/** An agent's containers summed (what is unknown for one counts as nothing). */
export function totalUsage(containers: readonly ContainerUsageView[]): { cpusUsed: number; cpusLimit: number; memBytes: number; memLimitBytes: number } {
  let cpusUsed = 0;
  let cpusLimit = 0;
  let memBytes = 0;
  let memLimitBytes = 0;
  for (const container of containers) {
    cpusUsed += container.cpusUsed ?? 0;
    cpusLimit += container.cpusLimit ?? 0;
    memBytes += container.memBytes ?? 0;
    memLimitBytes += container.memLimitBytes ?? 0;
  }
  return { cpusUsed, cpusLimit, memBytes, memLimitBytes };
}
