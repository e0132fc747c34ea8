/**
 * Replaying a traced master host's master into a fresh master (see lib/process/replay.ts).
 *
 * The master and its allocator are replayed together, as one unit: they talk by `dispatch`
 * (the master's calls into the allocator, the allocator's offers back into the master), which
 * a trace records as the order they ran in, not as messages that could be fed in. What the
 * master reads from outside its messages is given back to it: the flags and the registry it
 * started with (recorded at start) in an in-memory registry, and the outcome of every registry
 * write (recorded as the completion of its deferred work).
 */
import type { ActorHost, ReplayResult, Trace } from '../../lib/process';
import { replayTrace } from '../../lib/process/replay';
import { ALLOCATOR_ACTOR_ID } from '../allocator/allocator-process';
import type { Allocator } from '../allocator/allocator';
import { MASTER_ACTOR_ID, MASTER_START_INPUT } from './constants';
import type { MasterFlags } from './flags';
import type { Master } from './master';
import { Registry, type RegistryData } from './registry';
import { startMaster } from './start';

/** The body of the `master-start` input (`MASTER_START_INPUT`): what a replay needs to build the same master. */
export interface MasterStartInput {
  /** The master's flags. */
  readonly flags: MasterFlags;
  /** The registry as loaded at start (agents admitted before, agents marked unreachable). */
  readonly registry: RegistryData;
}

/** Options of `replayMaster`. */
export interface ReplayMasterOptions {
  /** The recorded master host (`ip:port`); by default the only one in the trace with a master. */
  readonly address?: string;
  /** Builds the master (default `new Master(...)`): a test passes a subclass to see where it diverges. */
  readonly createMaster?: (flags: MasterFlags, registry: Registry, allocator: Allocator) => Master;
}

/**
 * The flags and registry the recorded master started with, and its host's address. Throws if the
 * trace has no such input (it was recorded by a version without it, or not from the start).
 */
export function masterStartInput(trace: Trace, address?: string): { address: string; input: MasterStartInput } {
  const inputs = trace.events.filter((event) => event.kind === 'input' && event.name === MASTER_START_INPUT &&
    (address === undefined || event.to === `${MASTER_ACTOR_ID}@${address}`));
  const found = inputs[0];
  if (found === undefined) throw new Error(`the trace has no '${MASTER_START_INPUT}' input${address ? ` for ${address}` : ''}: was it recorded from the master host's start?`);
  if (inputs.length > 1 && address === undefined) throw new Error(`the trace has several masters (${inputs.map((event) => event.to).join(', ')}); pass the address of one`);
  const body = found.body as Partial<MasterStartInput> | null;
  if (typeof body !== 'object' || body === null || typeof body.flags !== 'object' || body.flags === null || body.registry === undefined) {
    throw new Error(`the '${MASTER_START_INPUT}' input of ${found.to} has no flags and registry`);
  }
  return { address: found.to.slice(found.to.lastIndexOf('@') + 1), input: body as MasterStartInput };
}

/**
 * Replays the recorded master (with its allocator) into a fresh one built from the recorded
 * flags and registry, and compares what they send with the recording.
 *
 * @example
 *   const result = await replayMaster(readTrace('incident.trace'));
 *   expect(result.divergence, result.divergence && describeDivergence(result.divergence)).to.equal(undefined);
 */
export async function replayMaster(trace: Trace, options: ReplayMasterOptions = {}): Promise<ReplayResult> {
  const { address, input } = masterStartInput(trace, options.address);
  const setup = (host: ActorHost): Promise<unknown> => startMaster({
    host,
    flags: input.flags,
    registry: Registry.inMemory(input.registry),
    ...(options.createMaster ? { createMaster: options.createMaster } : {}),
  });
  return replayTrace({
    trace,
    address,
    actorIds: [MASTER_ACTOR_ID, ALLOCATOR_ACTOR_ID],
    setup,
    inputs: { [MASTER_START_INPUT]: () => undefined },
  });
}
