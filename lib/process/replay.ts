import type { Actor } from '../actor/actor';
import { UPID } from '../actor/upid';
import { createLogger } from '../logging';
import { VirtualClock } from './clock';
import { ActorHost } from './host';
import { encodeBytes, type TraceEvent, type TraceHeader } from './trace';

/** What to replay: a recorded trace, the id of the actor to re-run, and how to build it afresh. */
export interface ReplayOptions {
  trace: { header: TraceHeader; events: TraceEvent[] };
  actorId: string;
  create: () => Actor;
}

/** The first place where the replayed actor's sends differ from the recorded ones. */
export interface ReplayDivergence {
  /** Index among the actor's sends (0-based). */
  index: number;
  expected: TraceEvent | undefined;
  actual: TraceEvent | undefined;
  reason: string;
}

export interface ReplayResult {
  /** Recorded deliveries fed to the actor. */
  delivered: number;
  /** Sends that matched the recording, in order. */
  matched: number;
  divergence: ReplayDivergence | undefined;
}

/**
 * Replays a recorded trace into a fresh actor under a virtual clock: every message recorded as
 * delivered to `actorId` is delivered again at its recorded time (timers fire as the clock
 * advances), and the messages the actor sends are compared, in order, with the recorded sends
 * (receiver, name, body). The host reuses the recorded address and PRNG seed, so generated ids
 * repeat. Work an actor did through `dispatch` is not in a trace and cannot be replayed.
 *
 * @example
 *   const result = await replayTrace({ trace: readTrace('run.trace'), actorId: 'master', create: () => new Master(flags) });
 *   if (result.divergence) console.log(describeDivergence(result.divergence));
 */
export async function replayTrace(options: ReplayOptions): Promise<ReplayResult> {
  const { header, events } = options.trace;
  const self = UPID.at(options.actorId, header.address).toString();
  const inputs = events.filter((e) => e.kind === 'deliver' && e.to === self);
  const expected = events.filter((e) => e.kind === 'send' && e.from === self);
  const actual: TraceEvent[] = [];
  const clock = new VirtualClock(header.startMs);
  const host = await ActorHost.start({
    listen: false,
    address: header.address,
    clock,
    seed: header.seed,
    logger: createLogger('replay', 'silent'),
    offHost: () => undefined,
    inertLinks: true,
    observer: (event) => { if (event.kind === 'send' && event.from === self) actual.push(event); },
  });
  const actor = options.create();
  if (actor.id !== options.actorId) throw new Error(`replay: create() built actor '${actor.id}', expected '${options.actorId}'`);
  const pid = host.spawn(actor);
  await clock.settle();
  for (const input of inputs) {
    if (input.t > clock.now()) await clock.advance(input.t - clock.now());
    const from = UPID.parse(input.from);
    if (input.name === 'exited') host.injectExited(pid, from);
    else host.inject(from, pid, input.name, input.body);
    await clock.settle();
  }
  const lastSend = expected[expected.length - 1];
  if (lastSend && lastSend.t > clock.now()) await clock.advance(lastSend.t - clock.now());
  await host.stop();
  return { delivered: inputs.length, ...compareSends(expected, actual) };
}

function compareSends(expected: TraceEvent[], actual: TraceEvent[]): { matched: number; divergence: ReplayDivergence | undefined } {
  const length = Math.max(expected.length, actual.length);
  for (let index = 0; index < length; index++) {
    const want = expected[index];
    const got = actual[index];
    const reason = differs(want, got);
    if (reason) return { matched: index, divergence: { index, expected: want, actual: got, reason } };
  }
  return { matched: length, divergence: undefined };
}

function differs(want: TraceEvent | undefined, got: TraceEvent | undefined): string | undefined {
  if (!want) return 'the actor sent more messages than were recorded';
  if (!got) return 'the actor sent fewer messages than were recorded';
  if (want.to !== got.to) return `receiver differs: recorded ${want.to}, replayed ${got.to}`;
  if (want.name !== got.name) return `message differs: recorded ${want.name}, replayed ${got.name}`;
  const wantBody = canonical(want.body);
  const gotBody = canonical(got.body);
  if (wantBody !== gotBody) return `body of ${want.name} differs: recorded ${wantBody}, replayed ${gotBody}`;
  return undefined;
}

/** JSON with sorted keys and bytes as base64, as bodies look after a trace round trip. */
function canonical(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const encoded = encodeBytes.call(this, key, v);
    if (encoded !== v || !v || typeof v !== 'object' || Array.isArray(v)) return encoded;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }) ?? 'undefined';
}

/** One readable paragraph about a divergence. */
export function describeDivergence(divergence: ReplayDivergence): string {
  const show = (event: TraceEvent | undefined): string => (event ? `${event.name} to ${event.to} ${canonical(event.body)}` : '(nothing)');
  return `send #${divergence.index}: ${divergence.reason}\n  recorded: ${show(divergence.expected)}\n  replayed: ${show(divergence.actual)}`;
}
