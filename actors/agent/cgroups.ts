/**
 * Linux control groups for containers (issue 12): one cgroup per executor container under a
 * named root (`mesos` by default, Mesos' `--cgroups_root`), in the v1 hierarchies (one mount per
 * controller: cpu, cpuacct, memory, pids, freezer) or the v2 unified one. This module creates
 * and destroys them, places processes in them, sets their limits and reads their usage; the
 * isolators decide what to set and when.
 *
 * Everything is plain file I/O on the cgroup file systems; errors say which file and why.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** The cgroup under which every container's cgroup lives (Mesos' `--cgroups_root`). */
export const DEFAULT_CGROUPS_ROOT = 'mesos';

/** `cpu.shares` per whole CPU (Mesos: 1024), and the least a container gets (the kernel's minimum, 2). */
export const CPU_SHARES_PER_CPU = 1024;
export const MIN_CPU_SHARES = 2;
/** The kernel's range of v1 `cpu.shares` (above) and of v2 `cpu.weight`, which it maps onto each other linearly. */
export const MAX_CPU_SHARES = 262_144;
export const MIN_CPU_WEIGHT = 1;
export const MAX_CPU_WEIGHT = 10_000;
/** Most cgroups `destroy` walks below a container (tasks that nest cgroups of their own); beyond, the rest is left to fail the rmdir, named. */
export const MAX_NESTED_CGROUPS = 1_024;
/** Processes named in the error of a cgroup that could not be emptied. */
const MAX_NAMED_LEFTOVER_PIDS = 10;

/** The CFS period (Mesos: 100 ms); the quota is `cpus` × this. */
export const CFS_PERIOD_US = 100_000;
/** The least CFS quota the kernel takes (1 ms). */
export const MIN_CFS_QUOTA_US = 1_000;

/** How often `destroy` looks again for processes left in a cgroup while killing them. */
export const DESTROY_POLL_MS = 10;
/** Most rounds `destroy` tries to empty a cgroup before it gives up with an error. */
export const DESTROY_MAX_ROUNDS = 500;

/** The controllers containers use. */
export type Controller = 'cpu' | 'cpuacct' | 'memory' | 'pids' | 'freezer';

/** Where this machine's cgroups are. */
export type CgroupsLayout =
  | { readonly version: 1; readonly hierarchies: ReadonlyMap<Controller, string> }
  | { readonly version: 2; readonly mount: string; readonly controllers: ReadonlySet<string> };

/**
 * This machine's cgroups, from `/proc/mounts` (v1: a `cgroup` mount per controller; v2: the
 * `cgroup2` mount and its `cgroup.controllers`), or undefined when there are none to use. A v2
 * mount is used only when no v1 hierarchy has the memory controller (a hybrid machine keeps its
 * controllers in v1).
 */
export function detectCgroups(mounts: string = readOrEmpty('/proc/mounts')): CgroupsLayout | undefined {
  const hierarchies = new Map<Controller, string>();
  let unified: string | undefined;
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (mountPoint === undefined || options === undefined) continue;
    if (type === 'cgroup2') unified ??= mountPoint;
    if (type !== 'cgroup') continue;
    for (const option of options.split(',')) {
      if (['cpu', 'cpuacct', 'memory', 'pids', 'freezer'].includes(option)) hierarchies.set(option as Controller, mountPoint);
    }
  }
  if (hierarchies.has('memory')) return { version: 1, hierarchies };
  if (unified !== undefined) {
    const controllers = new Set(readOrEmpty(path.join(unified, 'cgroup.controllers')).trim().split(/\s+/).filter((name) => name.length > 0));
    if (controllers.size > 0) return { version: 2, mount: unified, controllers };
  }
  return undefined;
}

/** Usage of one container's cgroup, in Mesos' `ResourceStatistics` terms. */
export interface CgroupStatistics {
  /** `cpus_user_time_secs` / `cpus_system_time_secs`. */
  readonly cpusUserTimeSecs?: number;
  readonly cpusSystemTimeSecs?: number;
  /** `cpus_nr_periods` / `cpus_nr_throttled` / `cpus_throttled_time_secs` (CFS). */
  readonly cpusNrPeriods?: number;
  readonly cpusNrThrottled?: number;
  readonly cpusThrottledTimeSecs?: number;
  /** `mem_rss_bytes` (v1: `memory.stat` rss; v2: anon), `mem_total_bytes` (usage), and the peak. */
  readonly memRssBytes?: number;
  readonly memTotalBytes?: number;
  readonly memMaxBytes?: number;
  /** `mem_limit_bytes`. */
  readonly memLimitBytes?: number;
  /** Times the memory limit made the kernel kill a process (v1: `under_oom`/`oom_kill`; v2: `memory.events` oom_kill). */
  readonly oomKills?: number;
  /** `processes`: how many processes the cgroup holds. */
  readonly processes: number;
}

/**
 * The cgroups of containers under one root. Container ids must be safe path components (the
 * agent's run ids are).
 */
export class Cgroups {
  /** Whether v1 swap accounting is on; undefined until a container's cgroup shows it. */
  private memsw: boolean | undefined;

  constructor(
    readonly layout: CgroupsLayout,
    readonly root: string = DEFAULT_CGROUPS_ROOT,
  ) {
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(root) || root.split('/').some((part) => part === '.' || part === '..')) {
      throw new Error(`cgroups root '${root}' must be a relative path of plain names`);
    }
  }

  /** The controllers this layout has, of those containers use. */
  controllers(): Controller[] {
    const all: Controller[] = ['cpu', 'cpuacct', 'memory', 'pids', 'freezer'];
    const layout = this.layout;
    if (layout.version === 1) return all.filter((controller) => layout.hierarchies.has(controller));
    // v2: cpu accounting is part of `cpu`; freezing and killing (`cgroup.freeze`, `cgroup.kill`) are always there.
    return all.filter((controller) => (controller === 'freezer' ? true : layout.controllers.has(controller === 'cpuacct' ? 'cpu' : controller)));
  }

  /** Creates the container's cgroup (in every hierarchy, for v1); an existing one is kept. */
  async create(containerId: string): Promise<void> {
    if (this.layout.version === 2) {
      await this.enableV2Controllers();
      await fsp.mkdir(this.v2Path(containerId), { recursive: true });
      return;
    }
    await Promise.all([...this.v1Paths(containerId).values()].map((directory) => fsp.mkdir(directory, { recursive: true })));
  }

  /**
   * v2: that `controllers` are enabled in the container's cgroup (its parent's
   * `cgroup.subtree_control` took them): where the mount's root holds processes (a private cgroup
   * namespace, inside a container) the kernel refuses to delegate them, and the limits could not
   * be written. Rejects naming what is missing and where. v1 has a hierarchy per controller.
   */
  async checkControllers(containerId: string, controllers: readonly string[]): Promise<void> {
    if (this.layout.version !== 2) return;
    const parent = path.dirname(this.v2Path(containerId));
    const enabled = new Set((await readOptional(path.join(parent, 'cgroup.subtree_control'))).trim().split(/\s+/).map((name) => name.replace(/^\+/, '')));
    const missing = controllers.filter((controller) => !enabled.has(controller));
    if (missing.length > 0) throw new Error(`cgroups v2: ${missing.join(', ')} not enabled in ${path.join(parent, 'cgroup.subtree_control')} (the kernel refuses to delegate controllers below a cgroup that holds processes)`);
  }

  /** Whether the container's cgroup exists (in the memory hierarchy for v1). */
  exists(containerId: string): boolean {
    return fs.existsSync(this.layout.version === 2 ? this.v2Path(containerId) : (this.v1Path('memory', containerId) ?? ''));
  }

  /** Moves process `pid` (and, from then on, its children) into the container's cgroup. */
  async assign(containerId: string, pid: number): Promise<void> {
    for (const directory of this.directories(containerId)) await this.write(path.join(directory, 'cgroup.procs'), String(pid));
  }

  /** CPU weight proportional to `cpus` (v1 `cpu.shares` = 1024 × cpus; v2 `cpu.weight` scaled from the same shares). */
  async setCpuShares(containerId: string, cpus: number): Promise<void> {
    const shares = Math.max(MIN_CPU_SHARES, Math.round(CPU_SHARES_PER_CPU * cpus));
    if (this.layout.version === 2) {
      // The usual conversion of v1 shares to v2 weights (2..262144 → 1..10000, integer division), as runc and systemd do it.
      const weight = Math.max(MIN_CPU_WEIGHT, Math.min(MAX_CPU_WEIGHT, MIN_CPU_WEIGHT + Math.floor(((shares - MIN_CPU_SHARES) * (MAX_CPU_WEIGHT - MIN_CPU_WEIGHT)) / (MAX_CPU_SHARES - MIN_CPU_SHARES))));
      return this.write(path.join(this.v2Path(containerId), 'cpu.weight'), String(weight));
    }
    return this.writeV1('cpu', containerId, 'cpu.shares', String(shares));
  }

  /** A hard CPU cap of `cpus` (CFS bandwidth: quota = cpus × period). */
  async setCfsQuota(containerId: string, cpus: number): Promise<void> {
    const quota = Math.max(MIN_CFS_QUOTA_US, Math.round(cpus * CFS_PERIOD_US));
    if (this.layout.version === 2) return this.write(path.join(this.v2Path(containerId), 'cpu.max'), `${quota} ${CFS_PERIOD_US}`);
    await this.writeV1('cpu', containerId, 'cpu.cfs_period_us', String(CFS_PERIOD_US));
    await this.writeV1('cpu', containerId, 'cpu.cfs_quota_us', String(quota));
  }

  /**
   * The hard memory limit (v1 `memory.limit_in_bytes`; v2 `memory.max`); past it, the kernel
   * kills. With `raiseOnly`, a limit at or above `bytes` is left as it is (lowered under the
   * container's usage, the kernel would kill in it).
   */
  async setMemoryLimit(containerId: string, bytes: number, raiseOnly = false): Promise<void> {
    const value = String(Math.max(0, Math.floor(bytes)));
    if (this.layout.version === 2) {
      const file = path.join(this.v2Path(containerId), 'memory.max');
      if (raiseOnly) {
        const current = numberOrUndefined(await readOptional(file));
        if (current !== undefined && current >= Number(value)) return;
      }
      await this.write(file, value);
      // No swap to escape to (Mesos' default: the limit is on memory and swap together).
      await this.write(path.join(this.v2Path(containerId), 'memory.swap.max'), '0').catch(() => undefined);
      return;
    }
    // memsw (memory + swap) exists only with swap accounting, and the kernel keeps it at or above
    // the memory limit: raising both, memsw goes first; lowering both, memory goes first.
    const directory = this.v1Path('memory', containerId);
    const current = directory === undefined ? undefined : numberOrUndefined(await readOptional(path.join(directory, 'memory.limit_in_bytes')));
    if (raiseOnly && current !== undefined && current >= Number(value)) return;
    const raising = current !== undefined && Number(value) > current;
    const memsw = directory !== undefined && this.swapAccounted(directory);
    if (raising && memsw) await this.writeV1('memory', containerId, 'memory.memsw.limit_in_bytes', value).catch(() => undefined);
    await this.writeV1('memory', containerId, 'memory.limit_in_bytes', value);
    if (!raising && memsw) await this.writeV1('memory', containerId, 'memory.memsw.limit_in_bytes', value).catch(() => undefined);
  }

  /** Whether v1 swap accounting is on (a container's cgroup has `memory.memsw.*`); looked up once. */
  private swapAccounted(containerDirectory: string): boolean {
    this.memsw ??= fs.existsSync(path.join(containerDirectory, 'memory.memsw.limit_in_bytes'));
    return this.memsw;
  }

  /**
   * What the kernel does when the container reaches its memory limit. v1: it pauses the
   * container's processes instead of killing one (`memory.oom_control` `oom_kill_disable`), so
   * that the isolator sees the OOM (`oomState`) and destroys the whole container, executor
   * included, before the executor could report its task's death as its own; with `paused` false,
   * as the agent leaves on SIGTERM, the kernel kills again. v2 (no pausing): `memory.oom.group`,
   * so the kernel kills the container's processes together.
   */
  async setOomKillsWholeContainer(containerId: string, paused = true): Promise<void> {
    if (this.layout.version === 2) return this.write(path.join(this.v2Path(containerId), 'memory.oom.group'), '1');
    // `paused` false: the kernel's OOM killer is on again (the agent hands the container over).
    return this.writeV1('memory', containerId, 'memory.oom_control', paused ? '1' : '0');
  }

  /**
   * Whether the container went past its own memory limit: v1, it is out of memory now
   * (`under_oom`: its processes are paused, `oom_kill_disable` being set); v2, the limit was hit
   * (`memory.events` `oom`) and the kernel killed in it for that (`oom_kill`, `oom_group_kill`).
   * A kill by the machine-wide OOM killer (`oom_kill` with no `oom` of its own) is not the
   * container's limit. Undefined for a container with no memory cgroup.
   */
  async oomState(containerId: string): Promise<{ readonly limitReached: boolean } | undefined> {
    if (this.layout.version === 2) {
      const text = await readOptional(path.join(this.v2Path(containerId), 'memory.events'));
      if (text === '') return undefined;
      const events = parseKeyed(text);
      return { limitReached: (events.get('oom') ?? 0) > 0 && Math.max(events.get('oom_kill') ?? 0, events.get('oom_group_kill') ?? 0) > 0 };
    }
    const memory = this.v1Path('memory', containerId);
    const text = memory === undefined ? '' : await readOptional(path.join(memory, 'memory.oom_control'));
    if (text === '') return undefined;
    return { limitReached: parseKeyed(text).get('under_oom') === 1 };
  }

  /** Most processes (threads) the container may hold: a fork bomb stops there. */
  async setPidsLimit(containerId: string, limit: number): Promise<void> {
    if (this.layout.version === 2) return this.write(path.join(this.v2Path(containerId), 'pids.max'), String(limit));
    return this.writeV1('pids', containerId, 'pids.max', String(limit));
  }

  /**
   * The processes in the container's cgroup and in any cgroup a task made below it (a task that
   * runs as root may nest cgroups of its own); in v1, in any of its hierarchies (a process may
   * have been moved in one hierarchy and not another, by someone else).
   */
  async pids(containerId: string): Promise<number[]> {
    const pids = new Set<number>();
    for (const directory of await this.subtree(containerId)) {
      const text = await fsp.readFile(path.join(directory, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line.trim().length > 0) pids.add(Number(line));
    }
    return [...pids].sort((a, b) => a - b);
  }

  /**
   * The container's cgroup directories and every cgroup below them (at most
   * `MAX_NESTED_CGROUPS`), deepest first: the order they can be removed in.
   */
  private async subtree(containerId: string): Promise<string[]> {
    const roots = this.directories(containerId);
    const found: Array<{ directory: string; depth: number }> = [];
    const walk = async (directory: string, depth: number): Promise<void> => {
      if (found.length >= MAX_NESTED_CGROUPS) return;
      const entries = await fsp.readdir(directory, { withFileTypes: true }).catch(() => undefined);
      if (entries === undefined) return;
      found.push({ directory, depth });
      for (const entry of entries) if (entry.isDirectory()) await walk(path.join(directory, entry.name), depth + 1);
    };
    for (const root of roots) await walk(root, 0);
    return found.sort((a, b) => b.depth - a.depth).map((entry) => entry.directory);
  }

  /** The container's usage now. */
  async statistics(containerId: string): Promise<CgroupStatistics> {
    const processes = (await this.pids(containerId)).length;
    if (this.layout.version === 2) {
      const directory = this.v2Path(containerId);
      const cpu = parseKeyed(await readOptional(path.join(directory, 'cpu.stat')));
      const memory = parseKeyed(await readOptional(path.join(directory, 'memory.stat')));
      const events = parseKeyed(await readOptional(path.join(directory, 'memory.events')));
      const current = numberOrUndefined(await readOptional(path.join(directory, 'memory.current')));
      const peak = numberOrUndefined(await readOptional(path.join(directory, 'memory.peak')));
      const limit = numberOrUndefined(await readOptional(path.join(directory, 'memory.max')));
      return compact({
        cpusUserTimeSecs: microseconds(cpu.get('user_usec')), cpusSystemTimeSecs: microseconds(cpu.get('system_usec')),
        cpusNrPeriods: cpu.get('nr_periods'), cpusNrThrottled: cpu.get('nr_throttled'), cpusThrottledTimeSecs: microseconds(cpu.get('throttled_usec')),
        memRssBytes: memory.get('anon'), memTotalBytes: current, memMaxBytes: peak, memLimitBytes: limit, oomKills: events.get('oom_kill'), processes,
      });
    }
    const cpuacct = this.v1Path('cpuacct', containerId);
    const cpu = this.v1Path('cpu', containerId);
    const memory = this.v1Path('memory', containerId);
    const ticks = parseKeyed(cpuacct === undefined ? '' : await readOptional(path.join(cpuacct, 'cpuacct.stat')));
    const cfs = parseKeyed(cpu === undefined ? '' : await readOptional(path.join(cpu, 'cpu.stat')));
    const stat = parseKeyed(memory === undefined ? '' : await readOptional(path.join(memory, 'memory.stat')));
    const oom = parseKeyed(memory === undefined ? '' : await readOptional(path.join(memory, 'memory.oom_control')));
    const read = async (file: string): Promise<number | undefined> => (memory === undefined ? undefined : numberOrUndefined(await readOptional(path.join(memory, file))));
    return compact({
      cpusUserTimeSecs: userHz(ticks.get('user')), cpusSystemTimeSecs: userHz(ticks.get('system')),
      cpusNrPeriods: cfs.get('nr_periods'), cpusNrThrottled: cfs.get('nr_throttled'), cpusThrottledTimeSecs: nanoseconds(cfs.get('throttled_time')),
      memRssBytes: stat.get('total_rss') ?? stat.get('rss'), memTotalBytes: await read('memory.usage_in_bytes'), memMaxBytes: await read('memory.max_usage_in_bytes'),
      memLimitBytes: await read('memory.limit_in_bytes'), oomKills: oom.get('oom_kill'), processes,
    });
  }

  /**
   * Kills every process of the container (in the cgroups tasks nested below it too) and removes
   * its cgroups, deepest first. v2: `cgroup.kill` (which kills the whole subtree); v1: the
   * freezer stops them all (freezing is hierarchical: none can fork away while they are killed),
   * each gets SIGKILL, then they are thawed so they die. Resolves once the cgroups are gone;
   * rejects naming what is left after `DESTROY_MAX_ROUNDS` tries. A cgroup that does not exist is
   * already destroyed.
   */
  async destroy(containerId: string): Promise<void> {
    if (!this.exists(containerId) && !this.anyV1Exists(containerId)) return;
    // The usual case: the executor has exited and left nothing; its cgroups go at the first rmdir.
    if (await this.removeIfEmpty(containerId)) return;
    const v2 = this.layout.version === 2;
    const freezer = v2 ? undefined : this.v1Path('freezer', containerId);
    for (let round = 0; ; round++) {
      // v2: written whether or not a process shows: one may be entering a nested cgroup just now.
      // (Never created: a kernel before 5.14 has no cgroup.kill, and its processes get SIGKILL one by one.)
      if (v2) await fsp.writeFile(path.join(this.v2Path(containerId), 'cgroup.kill'), '1', { flag: 'r+' }).catch(async () => killAll(await this.pids(containerId)));
      const pids = await this.pids(containerId);
      if (pids.length === 0) break;
      if (round >= DESTROY_MAX_ROUNDS) throw new Error(`cgroup of container ${containerId} still holds processes ${pids.slice(0, MAX_NAMED_LEFTOVER_PIDS).join(', ')} after ${round} rounds of SIGKILL`);
      if (!v2) {
        if (freezer !== undefined) await this.write(path.join(freezer, 'freezer.state'), 'FROZEN').catch(() => undefined);
        killAll(await this.pids(containerId));
        if (freezer !== undefined) await this.write(path.join(freezer, 'freezer.state'), 'THAWED').catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, DESTROY_POLL_MS));
    }
    for (const directory of await this.subtree(containerId)) {
      for (let round = 0; fs.existsSync(directory); round++) {
        try {
          await fsp.rmdir(directory);
        } catch (error) {
          // Someone else removed it meanwhile: it is gone, as wanted.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
          // EBUSY while the last exited process is still being reaped by the kernel.
          if ((error as NodeJS.ErrnoException).code !== 'EBUSY' || round >= DESTROY_MAX_ROUNDS) throw new Error(`cannot remove cgroup ${directory}: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, DESTROY_POLL_MS));
        }
      }
    }
  }

  /** Removes the container's cgroups if none holds a process or a cgroup below it; true when all are gone. */
  private async removeIfEmpty(containerId: string): Promise<boolean> {
    const directories = this.directories(containerId);
    const removed = await Promise.all(directories.map((directory) => fsp.rmdir(directory).then(() => true, (error: NodeJS.ErrnoException) => error.code === 'ENOENT')));
    return removed.every((gone) => gone);
  }

  /**
   * Removes the root's own cgroups (this agent's `<cgroups_root>/agent-<hash>`), where they are
   * empty: when the agent stops with no container left. A root still holding anything stays.
   */
  async removeRoot(): Promise<void> {
    const directories = this.rootDirectories();
    for (const directory of directories) await fsp.rmdir(directory).catch(() => undefined);
  }

  /**
   * The `cgroup.procs` files a process writes its pid into to enter the container's cgroup (one
   * per v1 hierarchy, one for v2): see `confinedCommand`.
   */
  procsFiles(containerId: string): string[] {
    const directories = this.directories(containerId);
    return directories.map((directory) => path.join(directory, 'cgroup.procs'));
  }

  /**
   * The container ids that have a cgroup under the root now, in any hierarchy (a crash between
   * making a container's cgroup in one v1 hierarchy and the next leaves it in some only).
   */
  async containers(): Promise<string[]> {
    const directories = this.rootDirectories();
    const ids = new Set<string>();
    for (const directory of directories) {
      const entries = await fsp.readdir(directory, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) if (entry.isDirectory()) ids.add(entry.name);
    }
    return [...ids].sort();
  }

  // ---- paths and files ---------------------------------------------------------------------

  /** The container's cgroup directory in each hierarchy (v1; a hierarchy mounted with several controllers once), or the one (v2). */
  private directories(containerId: string): string[] {
    return this.layout.version === 2 ? [this.v2Path(containerId)] : [...this.v1Paths(containerId).values()];
  }

  /** The root's directory in each hierarchy (v1), or the one (v2). */
  private rootDirectories(): string[] {
    return this.layout.version === 2 ? [path.join(this.layout.mount, this.root)] : [...new Set(this.layout.hierarchies.values())].map((mount) => path.join(mount, this.root));
  }

  private v2Path(containerId: string): string {
    if (this.layout.version !== 2) throw new Error('not a cgroups v2 layout');
    return path.join(this.layout.mount, this.root, checkedId(containerId));
  }

  private v1RootPath(controller: Controller): string | undefined {
    if (this.layout.version !== 1) return undefined;
    const mount = this.layout.hierarchies.get(controller);
    return mount === undefined ? undefined : path.join(mount, this.root);
  }

  private v1Path(controller: Controller, containerId: string): string | undefined {
    const rootPath = this.v1RootPath(controller);
    return rootPath === undefined ? undefined : path.join(rootPath, checkedId(containerId));
  }

  /** The container's directory in each v1 hierarchy (a hierarchy mounted with several controllers counted once). */
  private v1Paths(containerId: string): Map<string, string> {
    const directories = new Map<string, string>();
    if (this.layout.version !== 1) return directories;
    for (const mount of new Set(this.layout.hierarchies.values())) directories.set(mount, path.join(mount, this.root, checkedId(containerId)));
    return directories;
  }

  private anyV1Exists(containerId: string): boolean {
    return this.directories(containerId).some((directory) => fs.existsSync(directory));
  }

  private async writeV1(controller: Controller, containerId: string, file: string, value: string): Promise<void> {
    const directory = this.v1Path(controller, containerId);
    if (directory === undefined) throw new Error(`no cgroups v1 hierarchy has the ${controller} controller`);
    return this.write(path.join(directory, file), value);
  }

  /** v2: a child gets a controller only if every ancestor's `cgroup.subtree_control` enables it. */
  private async enableV2Controllers(): Promise<void> {
    if (this.layout.version !== 2) return;
    const wanted = v2ContainerControllers(this.layout);
    let directory = this.layout.mount;
    for (const part of this.root.split('/')) {
      await this.write(path.join(directory, 'cgroup.subtree_control'), wanted.map((controller) => `+${controller}`).join(' ')).catch(() => undefined);
      directory = path.join(directory, part);
      await fsp.mkdir(directory, { recursive: true });
    }
    await this.write(path.join(directory, 'cgroup.subtree_control'), wanted.map((controller) => `+${controller}`).join(' ')).catch(() => undefined);
  }

  private async write(file: string, value: string): Promise<void> {
    try {
      await fsp.writeFile(file, value);
    } catch (error) {
      throw new Error(`cannot write '${value}' to ${file}: ${(error as Error).message}`);
    }
  }
}

/** The v2 controllers containers use that `layout` has: what each ancestor of a container must delegate. */
export function v2ContainerControllers(layout: CgroupsLayout): string[] {
  return layout.version === 2 ? ['cpu', 'memory', 'pids'].filter((controller) => layout.controllers.has(controller)) : [];
}

/** Clock ticks per second of `cpuacct.stat` and `/proc/<pid>/stat` times (USER_HZ; 100 on every Linux Node.js runs on). */
export const USER_HZ = 100;

function checkedId(containerId: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(containerId) || containerId === '.' || containerId === '..') throw new Error(`container id '${containerId}' is not a plain name`);
  return containerId;
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function readOptional(file: string): Promise<string> {
  return fsp.readFile(file, 'utf8').catch(() => '');
}

/** `key value` lines (cpu.stat, memory.stat, memory.events, cpuacct.stat, memory.oom_control). */
function parseKeyed(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key !== undefined && value !== undefined && /^\d+$/.test(value)) values.set(key, Number(value));
  }
  return values;
}

function numberOrUndefined(text: string): number | undefined {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

const microseconds = (value: number | undefined): number | undefined => (value === undefined ? undefined : value / 1e6);
const nanoseconds = (value: number | undefined): number | undefined => (value === undefined ? undefined : value / 1e9);
const userHz = (value: number | undefined): number | undefined => (value === undefined ? undefined : value / USER_HZ);

/** `statistics` without its undefined fields. */
function compact(statistics: { [K in keyof CgroupStatistics]: CgroupStatistics[K] | undefined }): CgroupStatistics {
  return Object.fromEntries(Object.entries(statistics).filter(([, value]) => value !== undefined)) as unknown as CgroupStatistics;
}

/** The exit status of a confined command that could not enter its cgroup (it runs nothing then). */
export const CONFINE_FAILED_STATUS = 125;

/**
 * `file args...` run so that the process enters its cgroup before it runs anything of its own:
 * a shell writes its pid (`$$`) into each of `procsFiles`, then `exec`s the command in place, so
 * the command's first instruction already runs confined, and everything it forks stays inside.
 * If a write fails the shell exits with `CONFINE_FAILED_STATUS` and runs nothing.
 * @example spawn(...confinedCommand(['/bin/sh', '-c', 'echo hi'], cgroups.procsFiles('run-1')))
 */
export function confinedCommand(command: readonly [string, ...string[]], procsFiles: readonly string[]): [string, string[]] {
  const script = `n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit ${CONFINE_FAILED_STATUS}; shift; n=$((n - 1)); done; exec "$@"`;
  return ['/bin/sh', ['-c', script, 'mesos-confine', String(procsFiles.length), ...procsFiles, ...command]];
}
