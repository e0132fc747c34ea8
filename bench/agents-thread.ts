/**
 * The simulated agents of `bench:scale` on a worker thread of their own (`--agents-thread`):
 * the master, allocator and frameworks on the main thread, the agents, their simulated
 * executors and their memory disk on the worker (bench/scale-agents-worker.ts), the way a real
 * cluster has them on other machines. Each thread has its own V8 heap and its own core: the
 * master's heap (and its garbage collector's work) is the master's own, not 100,000 agents' as
 * well, and the agents' work runs beside the master's instead of taking turns with it.
 *
 * Messages cross as a link carries them: each envelope msgpack-encoded by the sender's codec,
 * the envelopes of one event-loop turn (at most `THREAD_FRAME_ENVELOPES`) sent as one frame, and each checked and bound to the
 * sending host on arrival (`ActorHost.receiveFromPeer`).
 *
 * Time: the main thread's `VirtualClock` leads and the worker's follows it. Every frame to the
 * worker carries the main clock's time and the worker moves its clock there (firing what fell
 * due) before delivering the frame. When the worker has handled everything sent to it and has
 * nothing left to run, it says so with its earliest timer's due time; the main clock keeps a
 * stand-in timer for that time, which, when it fires, sends the worker an empty frame at that
 * time. The main clock counts the worker as busy (`SettleProbe.peerBusy`: settle waits for its
 * next report) from any frame it sends until the worker reports idle having handled it, so
 * `settle` and `advance` wait for both threads, and time moves only when both are idle: no thread sees a message or
 * a timer out of time order. (Messages at one instant arrive in an order that depends on the
 * threads' speed: a run is not replayed message for message from its seed, as a one-thread run
 * is; the bench measures speed, not a simulated failure.)
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { ActorHost, TimerHandle, VirtualClock } from '../lib/process';
import { checkEnvelope, decodeFrameEach, encodeEnvelope, MAX_MESSAGE_BYTES, type WireEnvelope } from '../lib/process/codec';

/** The worker's host address (the main thread's is the master's host's own). */
export const AGENTS_THREAD_ADDRESS = 'agents-thread:1';

/** What the main thread asks of the worker (besides frames of messages). */
export type AgentsCommand =
  | { readonly kind: 'start-agents'; readonly count: number; readonly masterAddress: string }
  /** The worker's heap in use after a full collection of its own. */
  | { readonly kind: 'heap' };

/** Main → worker: a frame of envelopes (none for a timer's wake-up) or a command, at the main clock's `now`. */
export type ToAgentsThread =
  | { readonly kind: 'frame'; readonly seq: number; readonly now: number; readonly frame: Uint8Array | null }
  | { readonly kind: 'command'; readonly seq: number; readonly now: number; readonly command: AgentsCommand };

/** Worker → main. */
export type FromAgentsThread =
  | { readonly kind: 'frame'; readonly frame: Uint8Array }
  /** Everything up to `processed` handled and nothing left to run; its work so far, and its earliest timer. */
  | { readonly kind: 'idle'; readonly processed: number; readonly work: number; readonly nextTimerAt: number | null }
  | { readonly kind: 'reply'; readonly seq: number; readonly value: number }
  | { readonly kind: 'failed'; readonly seq: number; readonly message: string }
  /** The worker cannot go on as the simulation should (a message it could not send): the run fails with this. */
  | { readonly kind: 'error'; readonly message: string };

/** What the worker is started with (`workerData`). */
export interface AgentsThreadData {
  readonly startMs: number;
  readonly seed: number;
  readonly validateLocalMessages: boolean;
  readonly mainAddress: string;
}

/**
 * Envelopes a frame between the threads holds at most: a frame goes as soon as it has this many
 * (the other thread starts on them while this one goes on), else at the end of the turn.
 */
export const THREAD_FRAME_ENVELOPES = 64;

/**
 * Wall time the main clock waits for any word from a busy worker (a frame, a report) before the
 * run fails with "no word from the worker": a worker stuck in a loop or a command that never
 * ends would otherwise hold `settle` for ever. Spawning 100k agents, its longest silence, takes
 * ~7 s.
 */
export const WORKER_SILENCE_LIMIT_MS = 60_000;

/**
 * Envelopes for the other thread, encoded as a link encodes them and sent as one frame when
 * `THREAD_FRAME_ENVELOPES` are queued or at the end of the current turn (a microtask: after the
 * host's drain that sent them), whichever is first.
 */
export class Outbox {
  private parts: Buffer[] = [];
  private scheduled = false;

  private bytes = 0;

  /**
   * @param send takes each frame: a buffer of its own, exactly the frame's size, to transfer
   *   (a slice of msgpackr's working buffer or of Node's pool would be copied whole).
   * @param onUnsendable a body that cannot be encoded, or is over `MAX_MESSAGE_BYTES`: a link
   *   drops it with a log line; here the simulation would go on without it, so the caller fails the run.
   */
  constructor(private readonly send: (frame: Uint8Array) => void, private readonly onUnsendable: (envelope: WireEnvelope, why: string) => void) {}

  /** Queues one envelope (encoded now: the body may not change after it is sent). */
  push(envelope: WireEnvelope): void {
    let encoded: Buffer;
    try {
      encoded = encodeEnvelope(envelope);
    } catch (error) {
      this.onUnsendable(envelope, `its body cannot be encoded: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (encoded.length > MAX_MESSAGE_BYTES) {
      this.onUnsendable(envelope, `${encoded.length} bytes encoded, over the message size limit (${MAX_MESSAGE_BYTES})`);
      return;
    }
    this.parts.push(encoded);
    this.bytes += encoded.length;
    if (this.parts.length >= THREAD_FRAME_ENVELOPES) {
      this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Whether envelopes wait to be sent. */
  get pending(): boolean {
    return this.parts.length > 0;
  }

  /** Sends what is queued now, as one frame. */
  flush(): void {
    if (this.parts.length === 0) return;
    const frame = Buffer.allocUnsafeSlow(this.bytes);
    let offset = 0;
    for (const part of this.parts) offset += part.copy(frame, offset);
    this.parts = [];
    this.bytes = 0;
    this.send(frame);
  }
}

/**
 * Hands each envelope of `frame` to `host` as if it came over a link from `peerAddress`. The
 * frame was encoded by the other thread's `Outbox`: one that does not decode, or an envelope
 * that is not one, is a bug of the simulation and throws (the run fails with it).
 */
export function deliverFrame(host: ActorHost, peerAddress: string, frame: Uint8Array): void {
  decodeFrameEach(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), (value) => {
    const envelope = checkEnvelope(value);
    if (typeof envelope === 'string') throw new Error(`agents thread: malformed envelope from ${peerAddress}: ${envelope}`);
    host.receiveFromPeer(peerAddress, envelope);
  });
}

/**
 * The main thread's end: the worker, the frames to it, and the main clock's view of it. Made
 * before the master's host (which sends through `send`), then `attach`ed to that host.
 */
export class AgentsThread {
  private worker: Worker | undefined;
  private host: ActorHost | undefined;
  private readonly outbox = new Outbox((frame) => this.post({ kind: 'frame', seq: ++this.sent, now: this.clock.now(), frame }, frame), (envelope, why) => {
    this.fail(new Error(`agents thread: cannot send '${envelope.name}' to ${envelope.to}: ${why}`));
  });
  /** Items sent to the worker (frames, wake-ups, commands), and the last it reported handled. */
  private sent = 0;
  private processed = 0;
  private workerWork = 0;
  private framesReceived = 0;
  /** The stand-in for the worker's earliest timer on the main clock. */
  private wakeUp: TimerHandle | undefined;
  private wakeUpAt: number | undefined;
  private readonly replies = new Map<number, { resolve: (value: number) => void; reject: (error: Error) => void }>();
  /** The worker failed or exited: every settle of the main clock fails with this from then on. */
  private failure: Error | undefined;
  private removeProbe: (() => void) | undefined;
  /** What the main clock's settle waits on while the worker works: settled at its next report (or failure). */
  private reported: Promise<void> | undefined;
  private onReport: (() => void) | undefined;
  /** When the worker was last heard from (performance.now()), and the timer that checks it is not silent too long. */
  private lastHeardAt = 0;
  private silenceCheck: NodeJS.Timeout | undefined;

  /** @param silenceLimitMs see `WORKER_SILENCE_LIMIT_MS` (tests give a shorter one). */
  constructor(private readonly clock: VirtualClock, private readonly silenceLimitMs = WORKER_SILENCE_LIMIT_MS) {}

  /** Takes an envelope the master's host sends off-host (its `offHost`). */
  send(envelope: WireEnvelope): void {
    this.outbox.push(envelope);
  }

  /** Starts the worker for `host` (the master's, on the main clock). */
  attach(host: ActorHost, options: { seed: number; validateLocalMessages: boolean }): void {
    if (this.worker !== undefined) throw new Error('agents thread: already attached');
    this.host = host;
    const workerData: AgentsThreadData = { startMs: this.clock.now(), seed: options.seed, validateLocalMessages: options.validateLocalMessages, mainAddress: host.address };
    const worker = new Worker(join(__dirname, 'scale-agents-worker.js'), { workerData });
    worker.on('message', (message: FromAgentsThread) => {
      try {
        this.received(message);
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
    worker.on('error', (error) => this.fail(new Error(`agents thread failed: ${error.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`agents thread exited (code ${code})`)));
    this.worker = worker;
    this.removeProbe = this.clock.addSettleProbe({
      workDone: () => this.workerWork + this.framesReceived,
      hasQueuedWork: () => {
        if (this.failure !== undefined) throw this.failure;
        return this.outbox.pending;
      },
      peerBusy: () => {
        if (this.sent === this.processed) return undefined;
        if (this.reported === undefined) {
          this.lastHeardAt = performance.now();
          this.reported = new Promise<void>((resolve) => { this.onReport = resolve; });
          this.watchSilence();
        }
        return this.reported;
      },
      pendingDeferred: () => 0,
      linksBusy: () => false,
      usesNetwork: () => false,
      socketTraffic: () => [],
    });
  }

  /** Runs `command` on the worker at the main clock's time; resolves with its answer. */
  command(command: AgentsCommand): Promise<number> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.outbox.flush(); // what was sent before the command arrives before it
    const seq = ++this.sent;
    return new Promise<number>((resolve, reject) => {
      this.replies.set(seq, { resolve, reject });
      this.post({ kind: 'command', seq, now: this.clock.now(), command });
    });
  }

  /** The worker thread (its event-loop figures; tests end it abruptly). */
  get thread(): Worker | undefined {
    return this.worker;
  }

  /** Stops the worker (the main clock no longer waits for it). */
  async stop(): Promise<void> {
    this.removeProbe?.();
    this.wakeUp?.cancel();
    clearTimeout(this.silenceCheck);
    const worker = this.worker;
    this.worker = undefined;
    this.failure ??= new Error('agents thread stopped');
    if (worker !== undefined) await worker.terminate();
  }

  /** Posts `message`, moving `frame`'s buffer (the Outbox's own, exactly the frame) to the worker. */
  private post(message: ToAgentsThread, frame?: Uint8Array): void {
    this.worker?.postMessage(message, frame === undefined ? [] : [frame.buffer as ArrayBuffer]);
  }

  /** While a settle waits on the worker: fails the run once nothing has come from it for `silenceLimitMs`. */
  private watchSilence(): void {
    clearTimeout(this.silenceCheck);
    const silentMs = performance.now() - this.lastHeardAt;
    if (this.reported === undefined) return;
    if (silentMs >= this.silenceLimitMs) {
      this.fail(new Error(`agents thread: no word from the worker for ${Math.round(silentMs / 1000)} s while the main clock waited on it`));
      return;
    }
    this.silenceCheck = setTimeout(() => this.watchSilence(), this.silenceLimitMs - silentMs);
    this.silenceCheck.unref();
  }

  private received(message: FromAgentsThread): void {
    this.lastHeardAt = performance.now();
    switch (message.kind) {
      case 'frame':
        this.framesReceived++;
        if (this.host !== undefined) deliverFrame(this.host, AGENTS_THREAD_ADDRESS, message.frame);
        return;
      case 'idle':
        this.processed = message.processed;
        this.workerWork = message.work;
        this.wakeAt(message.nextTimerAt ?? undefined);
        this.reportArrived();
        return;
      case 'reply':
        this.replies.get(message.seq)?.resolve(message.value);
        this.replies.delete(message.seq);
        return;
      case 'failed':
        this.replies.get(message.seq)?.reject(new Error(message.message));
        this.replies.delete(message.seq);
        return;
      case 'error':
        this.fail(new Error(message.message));
        return;
    }
  }

  /** Keeps the main clock's stand-in timer at the worker's earliest due time. */
  private wakeAt(atMs: number | undefined): void {
    if (atMs === this.wakeUpAt) return;
    this.wakeUp?.cancel();
    this.wakeUp = undefined;
    this.wakeUpAt = atMs;
    if (atMs === undefined) return;
    this.wakeUp = this.clock.setTimer(atMs - this.clock.now(), () => {
      this.wakeUp = undefined;
      this.wakeUpAt = undefined;
      this.outbox.flush();
      this.post({ kind: 'frame', seq: ++this.sent, now: this.clock.now(), frame: null });
    });
  }

  private reportArrived(): void {
    const resolve = this.onReport;
    this.reported = undefined;
    this.onReport = undefined;
    clearTimeout(this.silenceCheck);
    resolve?.();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.reportArrived();
    for (const reply of this.replies.values()) reply.reject(error);
    this.replies.clear();
  }
}
