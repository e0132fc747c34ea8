/**
 * Parsed resources shared between the records that declare the same: `Resources` are immutable,
 * and a master with 100,000 agents of one kind (a simulation, a homogeneous cluster) otherwise
 * keeps 100,000 equal parses of their totals (~700 bytes each).
 */
import { Resources } from './resources';

/**
 * How many distinct JSON texts `sharedResourcesFromJSON` remembers. Past it the memory starts
 * over (a cluster with more kinds of machine than this shares less, never wrongly).
 */
export const SHARED_RESOURCES_KEPT = 256;

/** Parses remembered, by the JSON text they were parsed from. */
const kept = new Map<string, Resources>();

/**
 * `Resources.fromJSON(json)`, or the instance an earlier call with the same JSON text returned.
 * Throws as `fromJSON` does (a failed parse is not remembered).
 */
export function sharedResourcesFromJSON(json: unknown): Resources {
  let key: string | undefined;
  try {
    key = JSON.stringify(json);
  } catch {
    key = undefined;
  }
  if (typeof key !== 'string') return Resources.fromJSON(json);
  return kept.get(key) ?? keep(key, Resources.fromJSON(json));
}

/** `resources`, or an equal instance (the same entries, in the same order) kept before. */
export function sharedResources(resources: Resources): Resources {
  const key = JSON.stringify(resources.toJSON());
  return kept.get(key) ?? keep(key, resources);
}

function keep(key: string, resources: Resources): Resources {
  if (kept.size >= SHARED_RESOURCES_KEPT) kept.clear();
  kept.set(key, resources);
  return resources;
}
