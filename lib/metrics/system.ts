/**
 * libprocess' `system/*` metrics (its `System` process): the machine's CPUs, load averages and
 * memory, read from the OS when a snapshot is taken.
 */
import * as os from 'node:os';

/** What the system gauges are read from (tests pass fixed values). */
export interface SystemProbe {
  cpus(): number;
  /** 1, 5 and 15 minute load averages. */
  loadAverages(): readonly number[];
  totalMemoryBytes(): number;
  freeMemoryBytes(): number;
}

/** The machine this process runs on. */
export const osSystemProbe: SystemProbe = {
  // The machine's online CPUs, as Mesos' `os::cpus()` (not this process's affinity); some platforms list none.
  cpus: () => os.cpus().length || os.availableParallelism(),
  loadAverages: () => os.loadavg(),
  totalMemoryBytes: () => os.totalmem(),
  freeMemoryBytes: () => os.freemem(),
};

/** The `system/*` keys, in the order a snapshot lists them. */
export const SYSTEM_METRICS = ['system/cpus_total', 'system/load_1min', 'system/load_5min', 'system/load_15min', 'system/mem_total_bytes', 'system/mem_free_bytes'] as const;

/** `system/cpus_total`, `system/load_{1,5,15}min`, `system/mem_total_bytes` and `system/mem_free_bytes` (all gauges). */
export function systemMetrics(probe: SystemProbe = osSystemProbe): Record<string, number> {
  const [load1 = 0, load5 = 0, load15 = 0] = probe.loadAverages();
  return {
    'system/cpus_total': probe.cpus(),
    'system/load_1min': load1,
    'system/load_5min': load5,
    'system/load_15min': load15,
    'system/mem_total_bytes': probe.totalMemoryBytes(),
    'system/mem_free_bytes': probe.freeMemoryBytes(),
  };
}
