/**
 * Isolators (issue 12): what holds a container (an executor and its tasks) to its resources.
 * The launcher asks the isolator to prepare a container before it starts the executor, starts
 * the executor confined (`confinedCommand`), tells the isolator when the container's resources
 * change (a task added to a running executor), reads its usage, and cleans it up once the
 * executor has exited. `--isolation` names the isolators as Mesos does.
 */
import type { Logger } from '../../lib/logging';
import { Cgroups, detectCgroups, type CgroupStatistics, type CgroupsLayout } from './cgroups';

/** Most processes (threads) one container may hold: a fork bomb stops here (Mesos has no default; this is ours). */
export const DEFAULT_CONTAINER_PIDS_LIMIT = 4_096;

/** What a container may use. */
export interface ContainerLimits {
  /** CPUs (shares, and a CFS quota when enabled). */
  readonly cpus: number;
  /** Memory in bytes (the hard limit). */
  readonly memBytes: number;
}

/** Holds containers to their resources. */
export interface Isolator {
  /** The isolators it stands for, as `--isolation` names them (e.g. `cgroups/cpu,cgroups/mem,cgroups/pids`). */
  readonly names: readonly string[];
  /**
   * Makes the container's isolation ready before its executor starts; resolves with the
   * `cgroup.procs` files the executor must enter before it runs anything (`confinedCommand`).
   */
  prepare(containerId: string, limits: ContainerLimits): Promise<string[]>;
  /** The container's resources changed (tasks added or gone). */
  update(containerId: string, limits: ContainerLimits): Promise<void>;
  /** The container's usage now; undefined for a container it does not hold. */
  usage(containerId: string): Promise<CgroupStatistics | undefined>;
  /** Kills what is left of the container and removes its isolation. */
  cleanup(containerId: string): Promise<void>;
  /** After an agent restart: keeps the containers in `known`, destroys every other one it finds (orphans). */
  recover(known: ReadonlySet<string>): Promise<string[]>;
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

/** The cgroups isolators (`cgroups/cpu`, `cgroups/mem`, `cgroups/pids`): one cgroup per container. */
export class CgroupsIsolator implements Isolator {
  readonly names: readonly string[];
  private readonly cgroups: Cgroups;

  constructor(layout: CgroupsLayout, private readonly options: CgroupsIsolatorOptions) {
    this.cgroups = new Cgroups(layout, options.root);
    this.names = [...options.controllers].map((controller) => `cgroups/${controller}`);
    const available = new Set<string>(this.cgroups.controllers());
    const needed: Record<'cpu' | 'mem' | 'pids', string> = { cpu: 'cpu', mem: 'memory', pids: 'pids' };
    for (const controller of options.controllers) {
      if (!available.has(needed[controller])) throw new Error(`--isolation cgroups/${controller}: this machine's cgroups have no ${needed[controller]} controller`);
    }
  }

  async prepare(containerId: string, limits: ContainerLimits): Promise<string[]> {
    await this.cgroups.create(containerId);
    await this.update(containerId, limits);
    if (this.options.controllers.has('pids')) await this.cgroups.setPidsLimit(containerId, this.options.pidsLimit ?? DEFAULT_CONTAINER_PIDS_LIMIT);
    return this.cgroups.procsFiles(containerId);
  }

  async update(containerId: string, limits: ContainerLimits): Promise<void> {
    if (this.options.controllers.has('cpu')) {
      await this.cgroups.setCpuShares(containerId, limits.cpus);
      if (this.options.enableCfs === true) await this.cgroups.setCfsQuota(containerId, limits.cpus);
    }
    if (this.options.controllers.has('mem')) await this.cgroups.setMemoryLimit(containerId, limits.memBytes);
  }

  async usage(containerId: string): Promise<CgroupStatistics | undefined> {
    if (!this.cgroups.exists(containerId)) return undefined;
    return this.cgroups.statistics(containerId);
  }

  cleanup(containerId: string): Promise<void> {
    return this.cgroups.destroy(containerId);
  }

  async recover(known: ReadonlySet<string>): Promise<string[]> {
    const orphans = (await this.cgroups.containers()).filter((containerId) => !known.has(containerId));
    for (const containerId of orphans) await this.cgroups.destroy(containerId);
    return orphans;
  }
}

/** The isolators `--isolation` may name, in Mesos' spelling. */
export const KNOWN_ISOLATORS = ['cgroups/cpu', 'cgroups/mem', 'cgroups/pids', 'posix/cpu', 'posix/mem', 'disk/du'] as const;

/**
 * The cgroups isolator `--isolation` asks for (undefined when it names none of `cgroups/*`),
 * or, with no flag, the best this machine allows: cgroups (cpu, mem, pids) as root with cgroups
 * mounted, else none (logged, either way). A flag naming an unknown isolator, or cgroups the
 * machine cannot give, is an Error naming it.
 */
export function chooseCgroupsIsolator(
  isolation: string | undefined,
  options: { readonly root?: string; readonly enableCfs?: boolean; readonly log: Logger; readonly layout?: CgroupsLayout | undefined; readonly isRoot?: boolean },
): CgroupsIsolator | undefined {
  const layout = 'layout' in options ? options.layout : detectCgroups();
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  if (isolation === undefined) {
    if (layout === undefined || !isRoot) {
      options.log.info({ reason: layout === undefined ? 'no cgroups mounted' : 'not root' }, 'isolation: none available (tasks are not held to their resources)');
      return undefined;
    }
    const available = new Set<string>(new Cgroups(layout, options.root).controllers());
    const controllers = new Set((['cpu', 'mem', 'pids'] as const).filter((controller) => available.has(controller === 'mem' ? 'memory' : controller)));
    const isolator = new CgroupsIsolator(layout, { controllers, ...(options.root !== undefined ? { root: options.root } : {}), ...(options.enableCfs !== undefined ? { enableCfs: options.enableCfs } : {}) });
    options.log.info({ isolation: isolator.names.join(','), cgroups: `v${layout.version}` }, 'isolation: chosen for this machine');
    return isolator;
  }
  const names = isolation.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const unknown = names.find((name) => !(KNOWN_ISOLATORS as readonly string[]).includes(name));
  if (unknown !== undefined) throw new Error(`--isolation: unknown isolator '${unknown}' (known: ${KNOWN_ISOLATORS.join(', ')})`);
  const controllers = new Set(names.filter((name) => name.startsWith('cgroups/')).map((name) => name.slice('cgroups/'.length) as 'cpu' | 'mem' | 'pids'));
  if (controllers.size === 0) return undefined;
  if (layout === undefined) throw new Error(`--isolation ${isolation}: this machine has no cgroups mounted`);
  if (!isRoot) throw new Error(`--isolation ${isolation}: cgroups need the agent to run as root`);
  return new CgroupsIsolator(layout, { controllers, ...(options.root !== undefined ? { root: options.root } : {}), ...(options.enableCfs !== undefined ? { enableCfs: options.enableCfs } : {}) });
}
