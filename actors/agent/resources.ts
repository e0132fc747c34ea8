/**
 * What the agent offers: its resources (detected with `systeminformation`, merged with
 * `--resources`) and its attributes (`--attributes`). DESIGN.md §6 gives the defaults.
 */
import { statfs } from 'node:fs/promises';
import { Resources, ResourceParseError, sharedResources } from '../../lib/resources';
import type { Attributes } from '../../lib/protocol';
import { parseAttributeValue, type AttributeValue } from '../../lib/attributes';
import {
  BYTES_PER_MB,
  DEFAULT_PORTS,
  DISK_HEADROOM_BYTES,
  MEMORY_HEADROOM_BYTES,
  SMALL_DISK_BYTES,
  SMALL_MEMORY_BYTES,
} from './constants';

/** The machine facts resource detection needs; injected in tests. */
export interface SystemProbe {
  /** Logical CPU cores. */
  logicalCores(): Promise<number>;
  /** Total physical memory, in bytes. */
  totalMemoryBytes(): Promise<number>;
  /** Size of the filesystem holding `path`, in bytes. */
  filesystemBytes(path: string): Promise<number>;
}

/** Reads the machine with `systeminformation` (cpu, memory) and `statfs` of the work dir (disk). */
export const systemProbe: SystemProbe = {
  async logicalCores() {
    const si = await import('systeminformation');
    return (await si.cpu()).cores;
  },
  async totalMemoryBytes() {
    const si = await import('systeminformation');
    return (await si.mem()).total;
  },
  async filesystemBytes(path: string) {
    const stats = await statfs(path);
    return stats.blocks * stats.bsize;
  },
};

/**
 * The agent's total resources: `--resources` (text or JSON) plus, for each of cpus, mem, disk and
 * ports that it does not name (in any role), the detected default. Throws `ResourceParseError`
 * for a bad `--resources`.
 * @example await detectResources({ workDir: '/tmp/mesos', explicit: 'cpus:2;gpus:1' }) // cpus:2;gpus:1;mem:...;disk:...;ports:[31000-32000]
 */
export async function detectResources(options: { workDir: string; explicit?: string; probe?: SystemProbe }): Promise<Resources> {
  const explicit = parseExplicitResources(options.explicit);
  const given = new Set(explicit.names());
  const probe = options.probe ?? systemProbe;
  let detected = Resources.EMPTY;
  if (!given.has('cpus')) detected = detected.add(positiveScalar('cpus', await probe.logicalCores()));
  if (!given.has('mem')) detected = detected.add(positiveScalar('mem', defaultMemoryMb(await probe.totalMemoryBytes())));
  if (!given.has('disk')) detected = detected.add(positiveScalar('disk', defaultDiskMb(await probe.filesystemBytes(options.workDir))));
  if (!given.has('ports')) detected = detected.add(Resources.parse(`ports:${DEFAULT_PORTS}`));
  // Agents of one process (a simulation) mostly declare the same: one copy, not one each.
  return sharedResources(explicit.add(detected));
}

/** Memory offered by default, in MB: total − 1 GiB, or half of total under 2 GiB. */
export function defaultMemoryMb(totalBytes: number): number {
  const bytes = totalBytes < SMALL_MEMORY_BYTES ? totalBytes / 2 : totalBytes - MEMORY_HEADROOM_BYTES;
  return Math.max(0, Math.floor(bytes / BYTES_PER_MB));
}

/** Disk offered by default, in MB: the work dir's filesystem − 5 GiB, or half of it under 10 GiB. */
export function defaultDiskMb(filesystemBytes: number): number {
  const bytes = filesystemBytes < SMALL_DISK_BYTES ? filesystemBytes / 2 : filesystemBytes - DISK_HEADROOM_BYTES;
  return Math.max(0, Math.floor(bytes / BYTES_PER_MB));
}

function positiveScalar(name: string, value: number): Resources {
  return value > 0 ? Resources.scalar(name, value) : Resources.EMPTY;
}

function parseExplicitResources(text: string | undefined): Resources {
  if (text === undefined || text.trim() === '') return Resources.EMPTY;
  let resources: Resources;
  try {
    resources = Resources.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResourceParseError(`invalid --resources '${text}': ${reason}`);
  }
  // The master makes dynamic reservations and the agent keeps them in its meta directory; declared
  // ones would be counted twice once the master's are carved out of them.
  const dynamic = resources.dynamicallyReserved();
  if (!dynamic.isEmpty()) throw new ResourceParseError(`invalid --resources '${text}': '${dynamic.format()}' ${dynamic.size === 1 ? 'is' : 'are'} dynamically reserved ('reservation'); declare static reservations only (dynamic ones are made with RESERVE or /master/reserve)`);
  const volumes = resources.persistentVolumes();
  if (!volumes.isEmpty()) throw new ResourceParseError(`invalid --resources '${text}': '${volumes.format()}' ${volumes.size === 1 ? 'is a persistent volume' : 'are persistent volumes'} ('disk'); declare plain disk (volumes are made with CREATE or /master/create-volumes)`);
  return resources;
}

/** Thrown for an `--attributes` string that cannot be parsed; the message names the bad part. */
export class AttributeParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttributeParseError';
  }
}

/** Attribute names: a letter or digit first, then letters, digits, `_`, `-`, `.` or `/`. */
const ATTRIBUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.\-/]*$/;

/** What an agent without `--attributes` has: one frozen empty object for all of them (a simulation's 100k agents each kept their own, on the agent and in the master's books). */
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * Parses `--attributes "rack:r1;zone:z2;level:3;ports:[1-10]"` into
 * `{rack: 'r1', zone: 'z2', level: 3, ports: '[1-10]'}`, each value as Mesos' `Attributes::parse`
 * reads it (lib/attributes.ts): ranges (kept as their text), non-negative numbers (SCALAR), else
 * text (`-5` too); spaces in a value are removed, as Mesos removes them. A newline separates
 * attributes as `;` does. Throws `AttributeParseError` for an entry without `name:value`, a bad
 * name, an empty value, a set (`{a,b}`), mismatched brackets, or a name given twice (Mesos keeps
 * both; see README, "Agent").
 */
export function parseAttributes(text: string | undefined): Attributes {
  if (text === undefined || text.trim() === '') return NO_ATTRIBUTES;
  const attributes: Attributes = {};
  for (const entry of text.split(/[;\n]/)) {
    if (entry.trim() === '') continue;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new AttributeParseError(`invalid attribute '${entry}': expected name:value`);
    const name = entry.slice(0, colon).trim();
    if (!ATTRIBUTE_NAME.test(name)) throw new AttributeParseError(`invalid attribute name '${name}' in '${entry}'`);
    if (entry.slice(colon + 1).trim() === '') throw new AttributeParseError(`attribute '${name}' has an empty value`);
    let value: AttributeValue;
    try {
      value = parseAttributeValue(entry.slice(colon + 1));
    } catch (error) {
      throw new AttributeParseError(`invalid attribute '${entry.trim()}': ${(error as Error).message}`);
    }
    if (Object.hasOwn(attributes, name)) {
      throw new AttributeParseError(`attribute '${name}' is given twice: give each name once (Mesos would keep both, and show one of them in /state)`);
    }
    attributes[name] = value;
  }
  return attributes;
}

