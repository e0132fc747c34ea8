/**
 * Isolators (issue 12): what holds a container (an executor and its tasks) to its resources.
 * The launcher asks the isolator to prepare a container before it starts the executor, starts
 * the executor confined (`confinedCommand`), tells the isolator when the container's resources
 * change (a task added to a running executor), reads its usage, and cleans it up once the
 * executor has exited. `--isolation` names the isolators as Mesos does.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../../lib/logging';
import { formatBytes } from '../../lib/mesos-format';
import { procStatFields, procStatIndex } from '../../lib/proc-stat';
import { Cgroups, detectCgroups, USER_HZ, v2ContainerControllers, type CgroupStatistics, type CgroupsLayout } from './cgroups';

/** Most processes (threads) one container may hold: a fork bomb stops here (Mesos has no default; this is ours). */
export const DEFAULT_CONTAINER_PIDS_LIMIT = 4_096;

/**
 * The least `--container_pids_limit` taken: the executor's own threads count against it (the Node
 * executor a checkpointing framework's command tasks get runs about a dozen), and at 8 it was
 * killed by SIGABRT before its task started, with nothing in its sandbox to say why (agent-recovery
 * walkthrough).
 */
export const MIN_CONTAINER_PIDS_LIMIT = 32;

/** What a container may use. */
export interface ContainerLimits {
  /** CPUs (shares, and a CFS quota when enabled). */
  readonly cpus: number;
  /** Memory in bytes (the hard limit). */
  readonly memBytes: number;
  /** The sandbox's quota in bytes (disk/du); undefined: none. */
  readonly diskBytes?: number;
}

/** Why a container was destroyed for going past one of its limits (Mesos' `ContainerLimitation`). */
export interface ContainerLimitation {
  /** `REASON_CONTAINER_LIMITATION_MEMORY` or `REASON_CONTAINER_LIMITATION_DISK`: the reason its live tasks fail with. */
  readonly reason: 'REASON_CONTAINER_LIMITATION_MEMORY' | 'REASON_CONTAINER_LIMITATION_DISK';
  /** What was exceeded, naming the limit and the use (`Memory limit exceeded: Requested: 96MB Maximum Used: 96MB`). */
  readonly message: string;
}

/** A container's usage, in Mesos' `ResourceStatistics` terms (what each isolator measures). */
export interface ContainerUsage extends Partial<CgroupStatistics> {
  /** `disk_used_bytes` (disk/du) and `disk_limit_bytes`. */
  readonly diskUsedBytes?: number;
  readonly diskLimitBytes?: number;
}

/** Holds containers to their resources. */
export interface Isolator {
  /** The isolators it stands for, as `--isolation` names them (e.g. `cgroups/cpu,cgroups/mem,cgroups/pids`). */
  readonly names: readonly string[];
  /**
   * Makes the container's isolation ready before its executor starts (in `directory`, its
   * sandbox); resolves with the `cgroup.procs` files the executor must enter before it runs
   * anything (`confinedCommand`), none for an isolator without cgroups.
   */
  prepare(containerId: string, limits: ContainerLimits, directory: string): Promise<string[]>;
  /** The container's executor process has started (or, after an agent restart, been found) as `pid`. */
  isolate(containerId: string, pid: number, directory: string): void;
  /** The container's resources changed (tasks added or gone). */
  update(containerId: string, limits: ContainerLimits): Promise<void>;
  /** The container's usage now; undefined for a container it does not hold. */
  usage(containerId: string): Promise<ContainerUsage | undefined>;
  /**
   * Whether the container has gone past a limit it enforces (checked every `checkIntervalMs`
   * while the container lives, and once when its executor has exited): the launcher then
   * destroys the container and reports the limitation with the executor's exit.
   */
  limitation(containerId: string): Promise<ContainerLimitation | undefined>;
  /** How often the launcher asks for `limitation`; undefined: it enforces nothing. */
  readonly checkIntervalMs: number | undefined;
  /** Kills what is left of the container and removes its isolation. */
  cleanup(containerId: string): Promise<void>;
  /**
   * After an agent restart: keeps the containers in `known`, destroys every other one it finds
   * (orphans), and resolves with their ids. An orphan that cannot be destroyed does not stop
   * the others; the promise then rejects naming each failure, after trying them all.
   */
  recover(known: ReadonlySet<string>): Promise<string[]>;
  /** The agent stops with no container left: removes what the isolator made for itself (its root cgroups, where empty). */
  release(): Promise<void>;
  /**
   * The agent stops (SIGTERM) leaving `containerIds` running: what it enforced by watching them is
   * left to the kernel while no agent watches (cgroups v1: the OOM killer, which the isolator had
   * turned off so as to destroy a container itself, is on again: a container at its memory limit
   * would otherwise stay paused until an agent came back).
   */
  handOver?(containerIds: readonly string[]): Promise<void>;
  /** An agent restarted and took the container back: it enforces what it did before `handOver`. */
  retake?(containerId: string): Promise<void>;
}

/** What the cgroups isolator does, by flag. */
export interface CgroupsIsolatorOptions {
  /** Mesos' `--cgroups_root` (default `mesos`). */
  readonly root?: string;
  /** Mesos' `--cgroups_enable_cfs`: a hard CPU cap (CFS quota) besides the shares. */
  readonly enableCfs?: boolean;
  /** Which limits to set: `cpu`, `mem`, `pids` (Mesos' `cgroups/cpu`, `cgroups/mem`, `cgroups/pids`). */
  readonly controllers: ReadonlySet<'cpu' | 'mem' | 'pids'>;
  /** Default `DEFAULT_CONTAINER_PIDS_LIMIT`. */
  readonly pidsLimit?: number;
}

/**
 * How often the memory isolators look for a container out of memory (cgroups: paused by the
 * kernel, v1, or killed, v2; posix: its processes' resident memory over the limit). Mesos
 * listens for the kernel's OOM event instead; Node.js has no eventfd, and reading one small file
 * per container this often costs little.
 */
export const MEMORY_LIMITATION_CHECK_INTERVAL_MS = 250;

/** The cgroups isolators (`cgroups/cpu`, `cgroups/mem`, `cgroups/pids`): one cgroup per container. */
export class CgroupsIsolator implements Isolator {
  readonly names: readonly string[];
  readonly checkIntervalMs: number | undefined;
  private readonly cgroups: Cgroups;
  /** Containers whose memory limit has been set (from then on it is only raised). */
  private readonly limited = new Set<string>();

  constructor(layout: CgroupsLayout, private readonly options: CgroupsIsolatorOptions) {
    this.cgroups = new Cgroups(layout, options.root);
    this.names = [...options.controllers].map((controller) => `cgroups/${controller}`);
    this.checkIntervalMs = options.controllers.has('mem') ? MEMORY_LIMITATION_CHECK_INTERVAL_MS : undefined;
    const available = new Set<string>(this.cgroups.controllers());
    const needed: Record<'cpu' | 'mem' | 'pids', string> = { cpu: 'cpu', mem: 'memory', pids: 'pids' };
    for (const controller of options.controllers) {
      if (!available.has(needed[controller])) throw new Error(`--isolation cgroups/${controller}: this machine's cgroups have no ${needed[controller]} controller`);
    }
  }

  /** The cgroup made, then its limits written at once (each a file of its own, in its own hierarchy). */
  async prepare(containerId: string, limits: ContainerLimits, _directory?: string): Promise<string[]> {
    this.limited.delete(containerId);
    await this.cgroups.create(containerId);
    await this.cgroups.checkControllers(containerId, [...this.options.controllers].map((controller) => (controller === 'mem' ? 'memory' : controller)));
    await Promise.all([
      this.update(containerId, limits),
      ...(this.options.controllers.has('mem') ? [this.cgroups.setOomKillsWholeContainer(containerId)] : []),
      ...(this.options.controllers.has('pids') ? [this.cgroups.setPidsLimit(containerId, this.options.pidsLimit ?? DEFAULT_CONTAINER_PIDS_LIMIT)] : []),
    ]);
    return this.cgroups.procsFiles(containerId);
  }

  isolate(): void {
    // The executor entered its cgroup itself, before its first instruction (`confinedCommand`).
  }

  async update(containerId: string, limits: ContainerLimits): Promise<void> {
    if (this.options.controllers.has('cpu')) {
      await Promise.all([this.cgroups.setCpuShares(containerId, limits.cpus), ...(this.options.enableCfs === true ? [this.cgroups.setCfsQuota(containerId, limits.cpus)] : [])]);
    }
    // The hard limit is only ever raised once set (as Mesos does): lowered under the container's usage, the kernel would OOM-kill it.
    if (this.options.controllers.has('mem')) await this.cgroups.setMemoryLimit(containerId, limits.memBytes, this.limited.has(containerId));
    this.limited.add(containerId);
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    if (!this.cgroups.exists(containerId)) return undefined;
    return this.cgroups.statistics(containerId);
  }

  async limitation(containerId: string): Promise<ContainerLimitation | undefined> {
    if (!this.options.controllers.has('mem')) return undefined;
    const oom = await this.cgroups.oomState(containerId);
    if (oom?.limitReached !== true) return undefined;
    const usage = await this.cgroups.statistics(containerId);
    // The limit was reached, so the peak is at least the limit where the kernel keeps no peak (v2 before Linux 5.19).
    return memoryLimitation(usage.memLimitBytes, usage.memMaxBytes ?? usage.memLimitBytes);
  }

  cleanup(containerId: string): Promise<void> {
    this.limited.delete(containerId);
    return this.cgroups.destroy(containerId);
  }

  async recover(known: ReadonlySet<string>): Promise<string[]> {
    const orphans = (await this.cgroups.containers()).filter((containerId) => !known.has(containerId));
    const failures: string[] = [];
    for (const containerId of orphans) await this.cgroups.destroy(containerId).catch((error: Error) => failures.push(error.message));
    // Each orphan was tried; one that cannot be destroyed (a process stuck in the kernel) is named, not fatal to the others.
    if (failures.length > 0) throw new Error(`could not destroy ${failures.length} of ${orphans.length} orphan containers: ${failures.join('; ')}`);
    return orphans;
  }

  release(): Promise<void> {
    return this.cgroups.removeRoot();
  }

  async handOver(containerIds: readonly string[]): Promise<void> {
    if (!this.options.controllers.has('mem')) return;
    await Promise.all(containerIds.map((containerId) => this.cgroups.setOomKillsWholeContainer(containerId, false).catch(() => undefined)));
  }

  async retake(containerId: string): Promise<void> {
    if (this.options.controllers.has('mem')) await this.cgroups.setOomKillsWholeContainer(containerId);
  }
}

/** Mesos' message for a container destroyed at its memory limit, naming the limit and the peak. */
export function memoryLimitation(limitBytes: number | undefined, usedBytes: number | undefined): ContainerLimitation {
  const requested = limitBytes === undefined ? '' : ` Requested: ${formatBytes(limitBytes)}`;
  const used = usedBytes === undefined ? '' : ` Maximum Used: ${formatBytes(usedBytes)}`;
  return { reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: `Memory limit exceeded:${requested}${used}` };
}

/** What the posix isolators know of one container. */
interface PosixContainer {
  pid: number | undefined;
  limits: ContainerLimits;
  /** The most resident memory seen, for the limitation's message. */
  peakRssBytes: number;
}

/**
 * The posix isolators (`posix/cpu`, `posix/mem`), for machines without cgroups (or an agent not
 * run as root): the container's usage is summed over its executor's process tree from `/proc`,
 * and with `posix/mem` a container whose resident memory goes over its limit is destroyed (the
 * same REASON_CONTAINER_LIMITATION_MEMORY as cgroups). Weaker than cgroups, and said so in the
 * README: nothing caps CPU, a process that leaves the tree (double fork and `setsid`) escapes,
 * and memory is caught only at the next check, so a fast allocation can take the machine's
 * memory for up to `MEMORY_LIMITATION_CHECK_INTERVAL_MS` first.
 */
export class PosixIsolator implements Isolator {
  readonly names: readonly string[];
  readonly checkIntervalMs: number | undefined;
  private readonly containers = new Map<string, PosixContainer>();

  constructor(private readonly enforced: ReadonlySet<'cpu' | 'mem'>, private readonly processes: ProcessTable = procProcessTable()) {
    this.names = [...enforced].map((what) => `posix/${what}`);
    this.checkIntervalMs = enforced.has('mem') ? MEMORY_LIMITATION_CHECK_INTERVAL_MS : undefined;
  }

  async prepare(containerId: string, limits: ContainerLimits, _directory?: string): Promise<string[]> {
    this.containers.set(containerId, { pid: undefined, limits, peakRssBytes: 0 });
    return [];
  }

  isolate(containerId: string, pid: number): void {
    const container = this.containers.get(containerId);
    if (container !== undefined) container.pid = pid;
    else this.containers.set(containerId, { pid, limits: { cpus: 0, memBytes: Number.POSITIVE_INFINITY }, peakRssBytes: 0 });
  }

  /** Memory is only ever raised, as the cgroups isolator does (a recovered container's first update sets it). */
  async update(containerId: string, limits: ContainerLimits): Promise<void> {
    const container = this.containers.get(containerId);
    if (container === undefined) return;
    const memBytes = Number.isFinite(container.limits.memBytes) ? Math.max(container.limits.memBytes, limits.memBytes) : limits.memBytes;
    container.limits = { ...limits, memBytes };
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    const container = this.containers.get(containerId);
    if (container === undefined) return undefined;
    const tree = container.pid === undefined ? [] : await this.processes.tree(container.pid);
    let rss = 0;
    let user = 0;
    let system = 0;
    for (const process of tree) {
      rss += process.rssBytes;
      user += process.userSecs;
      system += process.systemSecs;
    }
    container.peakRssBytes = Math.max(container.peakRssBytes, rss);
    return {
      processes: tree.length, memRssBytes: rss, memTotalBytes: rss, memMaxBytes: container.peakRssBytes, cpusUserTimeSecs: user, cpusSystemTimeSecs: system,
      ...(Number.isFinite(container.limits.memBytes) ? { memLimitBytes: container.limits.memBytes } : {}),
    };
  }

  async limitation(containerId: string): Promise<ContainerLimitation | undefined> {
    const container = this.containers.get(containerId);
    if (!this.enforced.has('mem') || container === undefined) return undefined;
    const usage = await this.usage(containerId);
    const rss = usage?.memRssBytes ?? 0;
    return rss > container.limits.memBytes ? memoryLimitation(container.limits.memBytes, container.peakRssBytes) : undefined;
  }

  async cleanup(containerId: string): Promise<void> {
    this.containers.delete(containerId);
  }

  async recover(): Promise<string[]> {
    return []; // nothing of a posix container outlives its processes
  }

  async release(): Promise<void> {}
}

/** One process of a container's tree, as `/proc/<pid>/stat` tells it. */
export interface ProcessUsage {
  readonly pid: number;
  readonly rssBytes: number;
  readonly userSecs: number;
  readonly systemSecs: number;
}

/** The processes below (and including) a root pid: the executor and what it started. */
export interface ProcessTable {
  tree(rootPid: number): Promise<ProcessUsage[]>;
}

/**
 * How long one scan of `/proc` serves every container's question: each container is checked
 * every `MEMORY_LIMITATION_CHECK_INTERVAL_MS` on a timer of its own, so with this close to that
 * interval the whole agent scans `/proc` at most about 5 times a second, however many
 * containers it runs (a scan reads one small file per process on the machine).
 */
const PROC_SCAN_REUSE_MS = 200;

/**
 * The process table from `/proc`: each process' parent, group, resident pages and CPU ticks. A
 * container's tree is its root's descendants and the members of their process groups (a task
 * that leads a group of its own and forks stays counted).
 */
export function procProcessTable(proc = '/proc'): ProcessTable {
  let scan: { atMs: number; index: Promise<ProcIndex> } | undefined;
  const pageSize = pageSizeBytes(proc);
  const current = (): Promise<ProcIndex> => {
    const now = performance.now(); // monotonic: a wall clock set back would keep one scan for the step
    if (scan === undefined || now - scan.atMs > PROC_SCAN_REUSE_MS) scan = { atMs: now, index: readProc(proc).then(indexProc) };
    return scan.index;
  };
  return {
    async tree(rootPid: number): Promise<ProcessUsage[]> {
      const { byPid, children, groups } = await current();
      const found = new Map<number, ProcRow>();
      const root = byPid.get(rootPid);
      const queue = root === undefined ? [] : [root];
      for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
        if (found.has(next.pid)) continue;
        found.set(next.pid, next);
        queue.push(...(children.get(next.pid) ?? []));
        if (next.groupId === next.pid) queue.push(...(groups.get(next.pid) ?? []));
      }
      return [...found.values()].map((row) => ({ pid: row.pid, rssBytes: row.rssPages * pageSize, userSecs: row.userTicks / USER_HZ, systemSecs: row.systemTicks / USER_HZ }));
    },
  };
}

/** One scan of `/proc`, indexed for every container's question: by pid, by parent, by process group. */
interface ProcIndex {
  readonly byPid: ReadonlyMap<number, ProcRow>;
  readonly children: ReadonlyMap<number, ProcRow[]>;
  readonly groups: ReadonlyMap<number, ProcRow[]>;
}

function indexProc(rows: readonly ProcRow[]): ProcIndex {
  const byPid = new Map<number, ProcRow>();
  const children = new Map<number, ProcRow[]>();
  const groups = new Map<number, ProcRow[]>();
  const add = (map: Map<number, ProcRow[]>, key: number, row: ProcRow): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [row]);
    else list.push(row);
  };
  for (const row of rows) {
    byPid.set(row.pid, row);
    add(children, row.parentPid, row);
    add(groups, row.groupId, row);
  }
  return { byPid, children, groups };
}

interface ProcRow {
  pid: number;
  parentPid: number;
  groupId: number;
  userTicks: number;
  systemTicks: number;
  rssPages: number;
}

async function readProc(proc: string): Promise<ProcRow[]> {
  const entries = await fsp.readdir(proc).catch(() => [] as string[]);
  const rows: ProcRow[] = [];
  await Promise.all(entries.filter((entry) => /^\d+$/.test(entry)).map(async (entry) => {
    const row = parseProcStat(await fsp.readFile(path.join(proc, entry, 'stat'), 'utf8').catch(() => ''));
    if (row !== undefined) rows.push(row);
  }));
  return rows;
}

/** One `/proc/<pid>/stat` line; the command name (field 2) may hold spaces and parentheses, so fields are counted from its last `)`. */
export function parseProcStat(line: string): ProcRow | undefined {
  const fields = procStatFields(line);
  if (fields === undefined) return undefined;
  const pid = Number(line.slice(0, line.indexOf(' ')));
  // After ')': state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8) flags(9) minflt(10) cminflt(11) majflt(12) cmajflt(13) utime(14) stime(15) ... rss(24)
  const field = (n: number): number => Number(fields[procStatIndex(n)]);
  const row = { pid, parentPid: field(4), groupId: field(5), userTicks: field(14), systemTicks: field(15), rssPages: field(24) };
  return Object.values(row).every((value) => Number.isSafeInteger(value)) ? row : undefined;
}

/** The page size assumed when `/proc/self` cannot tell (every Linux Node.js runs on but some arm64 kernels). */
const DEFAULT_PAGE_SIZE_BYTES = 4_096;

/** The memory page size: `/proc/self/statm`'s resident pages against `/proc/self/status`' VmRSS (DEFAULT_PAGE_SIZE_BYTES if unreadable). */
function pageSizeBytes(proc: string): number {
  try {
    const pages = Number(fs.readFileSync(path.join(proc, 'self', 'statm'), 'utf8').split(' ')[1]);
    const kib = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(path.join(proc, 'self', 'status'), 'utf8'))?.[1]);
    const size = Math.round((kib * 1024) / pages / DEFAULT_PAGE_SIZE_BYTES) * DEFAULT_PAGE_SIZE_BYTES;
    return size > 0 ? size : DEFAULT_PAGE_SIZE_BYTES;
  } catch {
    return DEFAULT_PAGE_SIZE_BYTES;
  }
}

/** Mesos' `--container_disk_watch_interval` default: how often `disk/du` measures each sandbox. */
export const DEFAULT_CONTAINER_DISK_WATCH_INTERVAL_MS = 15_000;
/** A `du` that takes longer than this is abandoned (the sandbox is measured again next time). */
export const DU_TIMEOUT_MS = 60_000;
/** How often a container's last measure is held against its quota (a `du` that just finished is acted on within this). */
export const DISK_VERDICT_CHECK_INTERVAL_MS = 1_000;

/** What `disk/du` knows of one container. */
interface DiskContainer {
  directory: string;
  limitBytes: number | undefined;
  usedBytes: number | undefined;
  /** When `du` last started on it (`performance.now()`, monotonic); undefined: never. */
  measuredAtMs: number | undefined;
}

/**
 * The `disk/du` isolator: each sandbox's size measured with `du -k -s` every
 * `--container_disk_watch_interval`; with `--enforce_container_disk_quota`, a container whose
 * sandbox outgrows its tasks' and executor's `disk` is destroyed (its live tasks fail with
 * REASON_CONTAINER_LIMITATION_DISK). A container with no `disk` resource has no quota. One `du`
 * runs at a time for the whole agent, in the background (as Mesos runs them): a slow one delays
 * no other check, no usage answer and no executor's exit; the last measure is what counts.
 */
export class DiskIsolator implements Isolator {
  readonly names = ['disk/du'] as const;
  readonly checkIntervalMs: number | undefined;
  private readonly watchIntervalMs: number;
  private readonly containers = new Map<string, DiskContainer>();
  /** Sandboxes waiting for their `du`, in order, and the one running. */
  private readonly queue: DiskContainer[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly options: { readonly enforce: boolean; readonly watchIntervalMs?: number; readonly du?: (directory: string) => Promise<number> }) {
    this.watchIntervalMs = options.watchIntervalMs ?? DEFAULT_CONTAINER_DISK_WATCH_INTERVAL_MS;
    this.checkIntervalMs = Math.min(this.watchIntervalMs, DISK_VERDICT_CHECK_INTERVAL_MS);
  }

  async prepare(containerId: string, limits: ContainerLimits, directory: string): Promise<string[]> {
    this.containers.set(containerId, { directory, limitBytes: limits.diskBytes, usedBytes: undefined, measuredAtMs: undefined });
    return [];
  }

  isolate(containerId: string, _pid: number, directory: string): void {
    if (!this.containers.has(containerId)) this.containers.set(containerId, { directory, limitBytes: undefined, usedBytes: undefined, measuredAtMs: undefined });
  }

  async update(containerId: string, limits: ContainerLimits): Promise<void> {
    const container = this.containers.get(containerId);
    if (container !== undefined) container.limitBytes = limits.diskBytes;
  }

  /** The last measure (a measure is asked for when it is a watch interval old). */
  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    const container = this.containers.get(containerId);
    if (container === undefined) return undefined;
    this.measureWhenDue(container);
    return { ...(container.usedBytes !== undefined ? { diskUsedBytes: container.usedBytes } : {}), ...(container.limitBytes !== undefined ? { diskLimitBytes: container.limitBytes } : {}) };
  }

  async limitation(containerId: string): Promise<ContainerLimitation | undefined> {
    const container = this.containers.get(containerId);
    if (container === undefined) return undefined;
    this.measureWhenDue(container);
    const { usedBytes, limitBytes } = container;
    if (!this.options.enforce || usedBytes === undefined || limitBytes === undefined || usedBytes <= limitBytes) return undefined;
    return { reason: 'REASON_CONTAINER_LIMITATION_DISK', message: `Disk usage (${formatBytes(usedBytes)}) exceeds quota (${formatBytes(limitBytes)})` };
  }

  async cleanup(containerId: string): Promise<void> {
    const container = this.containers.get(containerId);
    this.containers.delete(containerId);
    const queued = container === undefined ? -1 : this.queue.indexOf(container);
    if (queued >= 0) this.queue.splice(queued, 1);
  }

  async recover(): Promise<string[]> {
    return [];
  }

  async release(): Promise<void> {}

  /** Resolves once no `du` is running or waiting (tests). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Queues a `du` of the sandbox when its last one started a watch interval ago (or never). */
  private measureWhenDue(container: DiskContainer): void {
    const now = performance.now(); // monotonic: a wall clock set back would stop the measuring for the step
    if (container.measuredAtMs !== undefined && now - container.measuredAtMs < this.watchIntervalMs) return;
    container.measuredAtMs = now;
    this.queue.push(container);
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    for (let container = this.queue.shift(); container !== undefined; container = this.queue.shift()) {
      const measuring = container;
      measuring.usedBytes = await (this.options.du ?? du)(measuring.directory).catch(() => measuring.usedBytes);
    }
    this.running = undefined;
  }
}

/** A directory's size on disk in bytes, as `du -k -s` counts it (what Mesos' disk/du runs). */
export function du(directory: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('du', ['-k', '-s', directory], { timeout: DU_TIMEOUT_MS }, (error, output) => {
      const kib = Number(output.split(/\s/)[0]);
      if (!Number.isSafeInteger(kib)) return reject(error ?? new Error(`du ${directory}: unreadable output`));
      resolve(kib * 1024); // a file vanishing during the walk makes du exit 1 with a good total
    });
  });
}

/** Several isolators as one: each prepares, measures and cleans up; the first limitation found wins. */
export class Isolators implements Isolator {
  readonly names: readonly string[];
  readonly checkIntervalMs: number | undefined;

  constructor(private readonly isolators: readonly Isolator[]) {
    this.names = isolators.flatMap((isolator) => isolator.names);
    const intervals = isolators.map((isolator) => isolator.checkIntervalMs).filter((interval): interval is number => interval !== undefined);
    this.checkIntervalMs = intervals.length === 0 ? undefined : Math.min(...intervals);
  }

  async prepare(containerId: string, limits: ContainerLimits, directory: string): Promise<string[]> {
    const procsFiles: string[] = [];
    for (const isolator of this.isolators) procsFiles.push(...(await isolator.prepare(containerId, limits, directory)));
    return procsFiles;
  }

  isolate(containerId: string, pid: number, directory: string): void {
    for (const isolator of this.isolators) isolator.isolate(containerId, pid, directory);
  }

  async handOver(containerIds: readonly string[]): Promise<void> {
    for (const isolator of this.isolators) await isolator.handOver?.(containerIds);
  }

  async retake(containerId: string): Promise<void> {
    for (const isolator of this.isolators) await isolator.retake?.(containerId);
  }

  async update(containerId: string, limits: ContainerLimits): Promise<void> {
    for (const isolator of this.isolators) await isolator.update(containerId, limits);
  }

  async usage(containerId: string): Promise<ContainerUsage | undefined> {
    const usages = await Promise.all(this.isolators.map((isolator) => isolator.usage(containerId)));
    if (usages.every((usage) => usage === undefined)) return undefined;
    return Object.assign({}, ...usages) as ContainerUsage;
  }

  /** Asked at the shortest interval of all; each isolator measures at its own (disk/du: `du` every 15 s, not every 250 ms). */
  async limitation(containerId: string): Promise<ContainerLimitation | undefined> {
    for (const isolator of this.isolators) {
      const limitation = await isolator.limitation(containerId);
      if (limitation !== undefined) return limitation;
    }
    return undefined;
  }

  async cleanup(containerId: string): Promise<void> {
    const failures: string[] = [];
    for (const isolator of this.isolators) await isolator.cleanup(containerId).catch((error: Error) => failures.push(error.message));
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  async recover(known: ReadonlySet<string>): Promise<string[]> {
    const orphans: string[] = [];
    for (const isolator of this.isolators) orphans.push(...(await isolator.recover(known)));
    return [...new Set(orphans)];
  }

  async release(): Promise<void> {
    for (const isolator of this.isolators) await isolator.release();
  }
}

/**
 * Why cgroups mounted here cannot hold containers, or undefined: a hierarchy mounted read-only
 * (a container's `/sys/fs/cgroup`, usually), or v2 controllers the mount's root does not
 * delegate (`cgroup.subtree_control` lacks them: a cgroup namespace whose root holds processes).
 * Only the default choice asks: a flag naming cgroups gets them, and a launch says what fails.
 */
export function cgroupsUnusable(layout: CgroupsLayout): string | undefined {
  const mounts = layout.version === 1 ? [...new Set(layout.hierarchies.values())] : [layout.mount];
  for (const mount of mounts) {
    try {
      fs.accessSync(mount, fs.constants.W_OK);
    } catch (error) {
      return `cgroups at ${mount} are not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    }
  }
  if (layout.version === 2) {
    const file = path.join(layout.mount, 'cgroup.subtree_control');
    const wanted = v2ContainerControllers(layout);
    const delegated = (): string[] => {
      try {
        return fs.readFileSync(file, 'utf8').trim().split(/\s+/);
      } catch {
        return [];
      }
    };
    // What making a container would do anyway: enable them (refused where the root holds processes).
    if (wanted.some((controller) => !delegated().includes(controller))) {
      try {
        fs.writeFileSync(file, wanted.map((controller) => `+${controller}`).join(' '));
      } catch {
        // Refused: said below.
      }
    }
    const missing = wanted.filter((controller) => !delegated().includes(controller));
    if (missing.length > 0) return `cgroups v2 at ${layout.mount} do not delegate ${missing.join(', ')} (${file})`;
  }
  return undefined;
}

/** The isolators `--isolation` may name, in Mesos' spelling. */
export const KNOWN_ISOLATORS = ['cgroups/cpu', 'cgroups/mem', 'cgroups/pids', 'posix/cpu', 'posix/mem', 'disk/du'] as const;

/** What `chooseIsolator` needs besides the flag. */
export interface ChooseIsolatorOptions {
  readonly log: Logger;
  /** `--cgroups_root`, `--cgroups_enable_cfs`. */
  readonly root?: string;
  readonly enableCfs?: boolean;
  /** `--container_pids_limit` (cgroups/pids). */
  readonly pidsLimit?: number;
  /** `--enforce_container_disk_quota`, `--container_disk_watch_interval` (for disk/du). */
  readonly enforceDiskQuota?: boolean;
  readonly diskWatchIntervalMs?: number;
  /** This machine's cgroups (default: detected); tests pass one. */
  readonly layout?: CgroupsLayout | undefined;
  readonly isRoot?: boolean;
}

/**
 * The isolators `--isolation` asks for, or, with no flag, the best this machine allows:
 * cgroups (cpu, mem and pids, as far as mounted) as root with cgroups, else `posix/cpu,posix/mem`
 * (Mesos' own default), logged either way. `disk/du` only when named. An empty flag (`--isolation=`)
 * is no isolation, as in Mesos (a warning says so). A flag naming an unknown isolator, one twice
 * (Mesos: "Duplicate entries"), or cgroups the machine cannot give, is an Error naming it.
 */
export function chooseIsolator(isolation: string | undefined, options: ChooseIsolatorOptions): Isolator {
  const layout = 'layout' in options ? options.layout : detectCgroups();
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  const cgroupsOptions = {
    ...(options.root !== undefined ? { root: options.root } : {}),
    ...(options.enableCfs !== undefined ? { enableCfs: options.enableCfs } : {}),
    ...(options.pidsLimit !== undefined ? { pidsLimit: options.pidsLimit } : {}),
  };
  if (isolation === undefined) {
    const unusable = layout === undefined ? 'no cgroups mounted' : !isRoot ? 'not root' : cgroupsUnusable(layout);
    if (layout === undefined || unusable !== undefined) {
      const isolator = new PosixIsolator(new Set(['cpu', 'mem']));
      options.log.info({ isolation: isolator.names.join(','), reason: unusable }, 'isolation: chosen for this machine (posix: memory enforced by kill, CPU not capped)');
      return isolator;
    }
    const available = new Set<string>(new Cgroups(layout, options.root).controllers());
    const controllers = new Set((['cpu', 'mem', 'pids'] as const).filter((controller) => available.has(controller === 'mem' ? 'memory' : controller)));
    const isolator = new CgroupsIsolator(layout, { controllers, ...cgroupsOptions });
    options.log.info({ isolation: isolator.names.join(','), cgroups: `v${layout.version}` }, 'isolation: chosen for this machine');
    return isolator;
  }
  const names = isolation.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const unknown = names.find((name) => !(KNOWN_ISOLATORS as readonly string[]).includes(name));
  if (unknown !== undefined) throw new Error(`--isolation: unknown isolator '${unknown}' (known: ${KNOWN_ISOLATORS.join(', ')})`);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) throw new Error(`--isolation: '${twice}' is named twice (as in Mesos, name each isolator once)`);
  if (names.length === 0) {
    // As Mesos' containerizer: an empty flag is no resource isolator at all, not its default.
    options.log.warn({ isolation: '' }, 'isolation: none (--isolation is empty, as in Mesos): executors run unconfined, their cpus and mem neither capped nor enforced; leave the flag out for the best this machine allows');
    return new Isolators([]);
  }
  const members: Isolator[] = [];
  const controllers = new Set(names.filter((name) => name.startsWith('cgroups/')).map((name) => name.slice('cgroups/'.length) as 'cpu' | 'mem' | 'pids'));
  if (controllers.size > 0) {
    if (layout === undefined) throw new Error(`--isolation ${isolation}: this machine has no cgroups mounted`);
    if (!isRoot) throw new Error(`--isolation ${isolation}: cgroups need the agent to run as root`);
    members.push(new CgroupsIsolator(layout, { controllers, ...cgroupsOptions }));
  }
  const posix = new Set(names.filter((name) => name.startsWith('posix/')).map((name) => name.slice('posix/'.length) as 'cpu' | 'mem'));
  if (posix.size > 0) members.push(new PosixIsolator(posix));
  if (names.includes('disk/du')) {
    members.push(new DiskIsolator({ enforce: options.enforceDiskQuota ?? false, ...(options.diskWatchIntervalMs !== undefined ? { watchIntervalMs: options.diskWatchIntervalMs } : {}) }));
  }
  const isolator = members.length === 1 ? members[0] as Isolator : new Isolators(members);
  options.log.info({ isolation: isolator.names.join(',') }, 'isolation: as --isolation names it');
  return isolator;
}
