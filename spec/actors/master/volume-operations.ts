/**
 * The persistent-volume specs' shared vocabulary: reserved disk, volumes, the offer operations on
 * them, and an ACCEPT of one offer through the harness.
 */
import type { Offer, Operation } from '../../../lib/protocol';
import { dynamicReservation, Resources, type ResourceJSON } from '../../../lib/resources';
import type { FakeFramework, Harness } from './harness';

/** `size` of disk dynamically reserved to `role` by `principal` (null: by none). */
export function reservedDisk(size: number, role = 'eng', principal: string | null = 'ops'): Resources {
  return Resources.parse(`disk:${size}`).reservedDynamically(role, dynamicReservation(principal ?? undefined));
}

/**
 * A persistent volume `id` of `size` on disk reserved to `role`: dynamically by `principal` (null:
 * by none; default 'ops'), or statically with `statically`; created by `creator` (null: none;
 * default the reservation's principal).
 */
export function volume(id: string, size: number, options: { role?: string; statically?: boolean; principal?: string | null; creator?: string | null; path?: string; mode?: 'RW' | 'RO' } = {}): Resources {
  const principal = options.principal === undefined ? 'ops' : options.principal;
  const creator = options.creator === undefined ? principal : options.creator;
  const json: ResourceJSON = {
    name: 'disk', type: 'SCALAR', scalar: { value: size }, role: options.role ?? 'eng',
    ...(options.statically === true ? {} : { reservation: principal === null ? {} : { principal } }),
    disk: { persistence: creator === null ? { id } : { id, principal: creator }, volume: { container_path: options.path ?? 'data', mode: options.mode ?? 'RW' } },
  };
  return Resources.fromJSON([json]);
}

/** `framework` accepts `offer` with `operations` (the rest filtered `refuseSeconds`), and the clock settles. */
export async function accept(harness: Harness, framework: FakeFramework, offer: Offer, operations: Operation[], refuseSeconds = 0): Promise<void> {
  framework.probe.post(harness.masterPid, 'AcceptOffers', { frameworkId: framework.frameworkId, offerIds: [offer.id], operations, filters: { refuseSeconds } });
  await harness.clock.settle();
}

export const reserve = (resources: Resources): Operation => ({ type: 'RESERVE', reserve: { resources: resources.toJSON() } });
export const unreserve = (resources: Resources): Operation => ({ type: 'UNRESERVE', unreserve: { resources: resources.toJSON() } });
export const create = (volumes: Resources): Operation => ({ type: 'CREATE', create: { volumes: volumes.toJSON() } });
export const destroy = (volumes: Resources): Operation => ({ type: 'DESTROY', destroy: { volumes: volumes.toJSON() } });
export const grow = (pv: Resources, addition: Resources): Operation => ({ type: 'GROW_VOLUME', growVolume: { volume: pv.toJSON()[0] as ResourceJSON, addition: addition.toJSON()[0] as ResourceJSON } });
export const shrink = (pv: Resources, subtract: number): Operation => ({ type: 'SHRINK_VOLUME', shrinkVolume: { volume: pv.toJSON()[0] as ResourceJSON, subtract: { value: subtract } } });
