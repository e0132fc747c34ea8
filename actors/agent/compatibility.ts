/**
 * Whether a restarted agent may keep its id (Mesos' `--reconfiguration_policy`,
 * src/slave/compatibility.cpp): what it declares now against what it registered as under that
 * id, checkpointed with the id.
 * - `equal` (the default, as in Mesos): hostname, port, resources and attributes all unchanged;
 * - `additive`: hostname and port unchanged; every resource it had is still there, at least as
 *   large (scalars no smaller, ranges and sets no narrower); every attribute it had is still
 *   there with the same value, or for ranges (`ports:[1-10]`) ranges holding the old ones. New
 *   resources and attributes may come.
 * A change the policy refuses stops the agent at start with a message naming what changed and
 * the two ways on (Mesos exits the same way), unless the machine rebooted since: then the agent
 * starts anew under a new id, its executors being gone anyway (Mesos, MESOS-6223).
 */
import { Resources } from '../../lib/resources';
import type { AgentInfo } from '../../lib/protocol';
import { attributeIncludes, attributeRanges, parseAttributeValue } from '../../lib/attributes';

/** The policies of `--reconfiguration_policy`. */
export const RECONFIGURATION_POLICIES = ['equal', 'additive'] as const;
export type ReconfigurationPolicy = (typeof RECONFIGURATION_POLICIES)[number];

/** The default policy (Mesos'). */
export const DEFAULT_RECONFIGURATION_POLICY: ReconfigurationPolicy = 'equal';

/** What an agent declares, without its id. */
export type DeclaredAgentInfo = Omit<AgentInfo, 'id'>;

/**
 * Why `current` may not keep the id `previous` was registered under by `policy`, or undefined if
 * it may.
 * @example reconfigurationError('equal', { hostname: 'a', port: 5051, resources: cpus4 }, { hostname: 'a', port: 5051, resources: cpus2 })
 *   // "resources changed from cpus:4 to cpus:2 (--reconfiguration_policy=equal allows no change)"
 */
export function reconfigurationError(policy: ReconfigurationPolicy, previous: DeclaredAgentInfo, current: DeclaredAgentInfo): string | undefined {
  if (previous.hostname !== current.hostname) return `hostname changed from ${previous.hostname} to ${current.hostname}`;
  if (previous.port !== current.port) return `port changed from ${previous.port} to ${current.port}`;
  const before = Resources.fromJSON(previous.resources);
  const now = Resources.fromJSON(current.resources);
  const beforeAttributes = asReadNow(previous.attributes ?? {});
  const nowAttributes = current.attributes ?? {};
  if (policy === 'equal') {
    if (!before.equals(now)) return `resources changed from ${before.toString()} to ${now.toString()} (--reconfiguration_policy=equal allows no change)`;
    if (!sameAttributes(beforeAttributes, nowAttributes)) {
      return `attributes changed from ${describeAttributes(beforeAttributes)} to ${describeAttributes(nowAttributes)} (--reconfiguration_policy=equal allows no change)`;
    }
    return undefined;
  }
  if (!now.contains(before)) {
    return `resources ${now.toString()} do not hold the ${before.toString()} the agent had (--reconfiguration_policy=additive allows only additions: missing ${before.subtractSaturating(now).toString()})`;
  }
  for (const [name, value] of Object.entries(beforeAttributes)) {
    if (!Object.hasOwn(nowAttributes, name)) return `attribute '${name}' (${String(value)}) is gone (--reconfiguration_policy=additive allows only additions)`;
    const now = nowAttributes[name] as string | number;
    if (!attributeIncludes(now, value)) return `attribute '${name}' changed from ${String(value)} to ${String(now)} (--reconfiguration_policy=additive allows only additions${attributeRanges(value) !== undefined ? ': ranges may grow' : ''})`;
  }
  return undefined;
}

/**
 * Attributes checkpointed by an earlier version, each value read as `parseAttributeValue` reads
 * it now: before 2026-12-07 `-5` was a number, `1e3` and `New York` text as written, and
 * `[1-10,20-30]` kept as given, so that an upgrade alone is no change of attributes. A value it
 * refuses now is kept as it was (and so differs from whatever is declared now).
 */
function asReadNow(attributes: Readonly<Record<string, string | number>>): Record<string, string | number> {
  const read: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(attributes)) {
    try {
      read[name] = parseAttributeValue(String(value));
    } catch {
      read[name] = value;
    }
  }
  return read;
}

function sameAttributes(left: Readonly<Record<string, string | number>>, right: Readonly<Record<string, string | number>>): boolean {
  const names = Object.keys(left);
  return names.length === Object.keys(right).length && names.every((name) => Object.hasOwn(right, name) && right[name] === left[name]);
}

function describeAttributes(attributes: Readonly<Record<string, string | number>>): string {
  const entries = Object.entries(attributes);
  return entries.length === 0 ? 'none' : entries.map(([name, value]) => `${name}:${String(value)}`).join(';');
}
