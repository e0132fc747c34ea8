/**
 * The agent's persistent volumes: their directories in the work dir (Mesos' agent,
 * `Slave::syncCheckpointedResources`) and the links that show them in sandboxes (Mesos'
 * `filesystem/posix` isolator).
 *
 * A volume's directory is `<workDir>/volumes/roles/<role>/<persistence id>`
 * (`persistentVolumePath`). It is made when the volume first appears among the agent's
 * checkpointed resources (a CREATE, or at start from `meta/resources/resources.info`), and
 * removed, with all in it, when it leaves them (a DESTROY; also when a word the agent skipped,
 * one of several that waited behind a write, left them: `VolumeDirectoryBooks`). Both happen before the new
 * checkpointed resources are written: a crash in between leaves the old file, and the master,
 * which sends its word again when the agent re-registers, has the change made again (a made
 * directory is kept as it is; one already removed is nothing to remove). Nothing else removes a
 * volume's directory: a directory no checkpoint names is left alone (the operator may have moved
 * `resources.info` away to start without it).
 *
 * A container (an executor and its tasks) whose resources hold a volume shows it at
 * `<sandbox>/<container path>`, a symbolic link to the volume's directory, made before its
 * executor starts (the executor's and its first tasks' volumes) or before a task that brings one
 * is sent to its running executor; the link goes when no live task of the container (nor its
 * executor) uses the volume any more. Links never follow or replace what is in the sandbox (see
 * `Disk.makeSymlink`). The mode (RW, RO) is not enforced: a link cannot make a directory
 * read-only (Mesos' posix isolator does not either).
 */
import { PathInTheWayError, type Disk } from '../../lib/disk';
import { Resources, type ResourceJSON, type VolumeMode } from '../../lib/resources';
import { persistentVolumePath } from './paths';

/** A persistent volume as a sandbox shows it: a link at `containerPath` to `source`. */
export interface SandboxVolume {
  /** Its persistence id. */
  readonly id: string;
  /** Where the sandbox shows it: a path relative to the sandbox (validated by the resource algebra). */
  readonly containerPath: string;
  /** Its directory (`persistentVolumePath`). */
  readonly source: string;
  readonly mode: VolumeMode;
}

/** A persistent volume's directory, and the volume (for the log). */
export interface VolumeDirectory {
  readonly path: string;
  readonly id: string;
  readonly role: string;
}

/** What a change of an agent's checkpointed resources does to its volumes' directories. */
export interface VolumeDirectoryChanges {
  /** Directories of volumes that appear (made, or kept as they are when there already). */
  readonly create: readonly VolumeDirectory[];
  /** Directories of volumes that are gone (removed with all in them, before any is made). */
  readonly remove: readonly VolumeDirectory[];
}

/**
 * Whether a Mesos JSON resource list holds a persistent volume: a scan of its entries, nothing
 * parsed or made (every task's resources pass here; a valid entry with `disk` is a volume).
 */
export function listsVolume(list: readonly ResourceJSON[] | undefined): boolean {
  if (list === undefined) return false;
  for (let index = 0; index < list.length; index++) {
    if (list[index]?.disk !== undefined) return true;
  }
  return false;
}

/** The directories of `resources`' persistent volumes in the work dir `workDir`, each once. */
export function volumeDirectories(workDir: string, resources: Resources): VolumeDirectory[] {
  const found = new Map<string, VolumeDirectory>();
  for (const entry of resources.persistentVolumes().entries()) {
    const volume = entry.volume;
    if (volume === undefined) continue;
    const directory = persistentVolumePath(workDir, entry.role, volume.id);
    if (!found.has(directory)) found.set(directory, { path: directory, id: volume.id, role: entry.role });
  }
  return [...found.values()];
}

/**
 * How the volume directories change when the checkpointed resources go from `previous` to `next`
 * (Mesos compares their paths: a volume destroyed and made again with the same role and id keeps
 * its directory); undefined when neither holds a volume (most changes: nothing to do).
 */
export function volumeDirectoryChanges(workDir: string, previous: Resources, next: Resources): VolumeDirectoryChanges | undefined {
  if (!previous.hasPersistentVolumes() && !next.hasPersistentVolumes()) return undefined;
  const before = volumeDirectories(workDir, previous);
  const after = volumeDirectories(workDir, next);
  const beforePaths = new Set(before.map((directory) => directory.path));
  const afterPaths = new Set(after.map((directory) => directory.path));
  return {
    create: after.filter((directory) => !beforePaths.has(directory.path)),
    remove: before.filter((directory) => !afterPaths.has(directory.path)),
  };
}

/**
 * What the agent knows of its volumes' directories on disk, to turn each word it writes (its
 * checkpointed resources, from the master) into directory changes:
 *
 * - `made`: every directory it may have made and not removed (from its checkpointed resources at
 *   start, then from each word it began to write, and those it kept because a task used them):
 *   a word without one removes it, even when the word equals what the file holds (a write that
 *   failed after making a directory leaves it there, for no volume).
 * - `wiped`: directories of volumes destroyed by words it skipped (of several waiting behind a
 *   write only the latest is written) or by a write that failed: the next word that has the
 *   volume again (the same role and id) gets it emptied and made anew, as if each word had
 *   been written in turn (Mesos writes each).
 *
 * Every directory of a word is made at its write (made again if missing; one there is kept as it
 * is). Pure: the agent asks, and carries the changes out (`applyVolumeDirectoryChanges`).
 *
 * @example
 *   const books = new VolumeDirectoryBooks(workDir, checkpointed);
 *   const changes = books.changesFor(next, () => inUse);   // then write `next`
 */
export class VolumeDirectoryBooks {
  /** Directories that may be on disk, by path. */
  private made: Map<string, VolumeDirectory>;
  /** Directories of volumes destroyed since the last write began, by path. */
  private wiped = new Map<string, VolumeDirectory>();

  constructor(private readonly workDir: string, checkpointed: Resources) {
    this.made = byPath(volumeDirectories(workDir, checkpointed));
  }

  /** A word was skipped: `next` came after `previous` while a write was under way. */
  skipped(previous: Resources, next: Resources): void {
    for (const directory of volumeDirectoryChanges(this.workDir, previous, next)?.remove ?? []) this.wiped.set(directory.path, directory);
  }

  /**
   * The changes writing `next` makes (undefined: none), its directories then taken as made.
   * `inUse` gives the directories live tasks use: those are not removed (`kept`, for the log).
   */
  changesFor(next: Resources, inUse: () => ReadonlySet<string>): (VolumeDirectoryChanges & { readonly kept: readonly VolumeDirectory[] }) | undefined {
    const wanted = volumeDirectories(this.workDir, next);
    if (wanted.length === 0 && this.made.size === 0 && this.wiped.size === 0) return undefined;
    const wantedPaths = new Set(wanted.map((directory) => directory.path));
    const gone = [...this.made.values()].filter((directory) => !wantedPaths.has(directory.path));
    const again = [...this.wiped.values()].filter((directory) => wantedPaths.has(directory.path));
    this.wiped = new Map();
    const used = gone.length + again.length === 0 ? new Set<string>() : inUse();
    const remove = [...gone, ...again].filter((directory) => !used.has(directory.path));
    const kept = [...gone, ...again].filter((directory) => used.has(directory.path));
    this.made = byPath([...wanted, ...kept]);
    return { create: wanted, remove, kept };
  }

  /** The write of `changes` failed: what it was to remove may still be there, and is removed (or emptied) by the next. */
  failed(changes: VolumeDirectoryChanges | undefined): void {
    for (const directory of changes?.remove ?? []) {
      this.made.set(directory.path, directory);
      this.wiped.set(directory.path, directory);
    }
  }

  /** Whether writing `word` would change no directory: the made ones are its, and none waits to be emptied. */
  settledAt(word: Resources): boolean {
    if (this.wiped.size > 0) return false;
    const wanted = volumeDirectories(this.workDir, word);
    return wanted.length === this.made.size && wanted.every((directory) => this.made.has(directory.path));
  }
}

/** `directories` by path. */
function byPath(directories: readonly VolumeDirectory[]): Map<string, VolumeDirectory> {
  return new Map(directories.map((directory) => [directory.path, directory]));
}

/**
 * Removes the directories of `changes.remove`, then makes those of `changes.create` (in that
 * order: a directory in both is emptied); rejects naming the first that fails.
 */
export async function applyVolumeDirectoryChanges(disk: Disk, changes: VolumeDirectoryChanges): Promise<void> {
  for (const directory of changes.remove) {
    await disk.removeDirectory(directory.path).catch((error: Error) => {
      throw new Error(`cannot remove the directory of destroyed persistent volume '${directory.id}' (role ${directory.role}) at ${directory.path}: ${error.message}`);
    });
  }
  for (const directory of changes.create) {
    await disk.makeDirectory(directory.path).catch((error: Error) => {
      throw new Error(`cannot create the directory of persistent volume '${directory.id}' (role ${directory.role}) at ${directory.path}: ${error.message}`);
    });
  }
}

/**
 * Makes the directory of each persistent volume of `checkpointed` that is missing (an agent
 * starting with its checkpointed resources); one already there is kept as it is. Nothing is
 * removed.
 */
export async function makeVolumeDirectories(disk: Disk, workDir: string, checkpointed: Resources): Promise<void> {
  if (!checkpointed.hasPersistentVolumes()) return;
  await applyVolumeDirectoryChanges(disk, { create: volumeDirectories(workDir, checkpointed), remove: [] });
}

/**
 * The persistent volumes of the Mesos JSON resource lists `lists` (an executor's and its tasks'),
 * as a sandbox of the agent with work dir `workDir` shows them, each once, in order.
 */
export function sandboxVolumesOf(workDir: string, lists: Iterable<readonly ResourceJSON[] | undefined>): SandboxVolume[] {
  const found = new Map<string, SandboxVolume>();
  for (const list of lists) {
    if (!listsVolume(list)) continue;
    for (const entry of Resources.fromJSON(list).persistentVolumes().entries()) {
      const volume = entry.volume;
      if (volume === undefined || found.has(volume.key)) continue;
      found.set(volume.key, { id: volume.id, containerPath: volume.containerPath, source: persistentVolumePath(workDir, entry.role, volume.id), mode: volume.mode });
    }
  }
  return [...found.values()];
}

/**
 * Shows and hides persistent volumes in sandboxes through `disk` (the launchers' part): one change
 * at a time per sandbox, so that a link removed and one made at the same path (one task's volume
 * going, the next one's coming) happen in the order asked.
 *
 * @example
 *   const links = new SandboxVolumeLinks(nodeDisk);
 *   await links.update(sandbox, [{ id: 'db-1', containerPath: 'data', source: '/var/lib/mesos/volumes/roles/eng/db-1', mode: 'RW' }], []);
 */
export class SandboxVolumeLinks {
  /** The last change asked of each sandbox, until it settles (an entry only while one is under way). */
  private readonly changes = new Map<string, Promise<void>>();

  constructor(private readonly disk: Disk) {}

  /**
   * Links each of `link` into `sandbox` and removes the links of `unlink` (only a link to the
   * volume's directory is removed: what a task put there in its place stays). Rejects, naming the
   * volume and what is in the way, when a link cannot be made; removals are made first.
   */
  update(sandbox: string, link: readonly SandboxVolume[], unlink: readonly SandboxVolume[]): Promise<void> {
    const before = this.changes.get(sandbox);
    const change = before === undefined ? this.apply(sandbox, link, unlink) : before.then(() => this.apply(sandbox, link, unlink));
    const settled = change.then(() => undefined, () => undefined);
    this.changes.set(sandbox, settled);
    void settled.then(() => {
      if (this.changes.get(sandbox) === settled) this.changes.delete(sandbox);
    });
    return change;
  }

  private async apply(sandbox: string, link: readonly SandboxVolume[], unlink: readonly SandboxVolume[]): Promise<void> {
    for (const volume of unlink) await this.disk.removeSymlink(`${sandbox}/${volume.containerPath}`, volume.source);
    for (const volume of link) {
      await this.disk.makeSymlink(sandbox, volume.containerPath, volume.source).catch((error: Error) => {
        const reason = error instanceof PathInTheWayError ? `${error.message}, and the agent replaces nothing in a sandbox` : error.message;
        throw new Error(`cannot show persistent volume '${volume.id}' at '${volume.containerPath}' in the sandbox: ${reason}`);
      });
    }
  }
}
