/**
 * The worker thread of `bench:scale --agents-thread` (bench/agents-thread.ts says how the two
 * threads share messages and time): a host on a clock that follows the main thread's, where
 * the agents, their simulated executors and their memory disk live.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { VirtualClock } from '../lib/process';
import { memoryHost } from '../spec/support/runtime';
import { AGENTS_THREAD_ADDRESS, deliverFrame, Outbox, type AgentsCommand, type AgentsThreadData, type FromAgentsThread, type ToAgentsThread } from './agents-thread';
import { heapUsedAfterCollection } from './heap';
import { spawnAgents } from './scale-agents';

const port = parentPort;
if (port === null) throw new Error('scale-agents-worker runs as a worker thread (bench/agents-thread.ts starts it)');
const data = workerData as AgentsThreadData;

const clock = new VirtualClock({ simulated: true, startMs: data.startMs });
const outbox = new Outbox((frame) => port!.postMessage({ kind: 'frame', frame } satisfies FromAgentsThread, [frame.buffer as ArrayBuffer]), (envelope, why) => {
  // The main thread fails the run with it (a link would drop the message and log; the simulation would go on without it).
  post({ kind: 'error', message: `agents thread: cannot send '${envelope.name}' to ${envelope.to}: ${why}` });
});
const host = memoryHost({ clock, seed: data.seed, validateLocalMessages: data.validateLocalMessages, address: AGENTS_THREAD_ADDRESS, offHost: (envelope) => outbox.push(envelope) });

function post(message: FromAgentsThread): void {
  port!.postMessage(message);
}

async function run(command: AgentsCommand): Promise<number> {
  switch (command.kind) {
    case 'start-agents':
      await spawnAgents({ clock, host, masterAddress: command.masterAddress, count: command.count });
      return command.count;
    case 'heap':
      return heapUsedAfterCollection();
  }
}

/** What arrived and is not handled yet, in order (while the clock moves or a command runs). */
const queue: ToAgentsThread[] = [];
/** The clock is moving to an item's time, or a command is running: what arrives waits its turn. */
let blocked = false;
/** A settle is under way, to say "idle" at its end. */
let settling = false;
/** The last item handled. */
let processed = 0;

function fatal(error: unknown): void {
  // The main thread sees the worker fail ('error') and fails its clock's settles with it.
  setImmediate(() => { throw error; });
}

/**
 * Handles what arrived, in order: the clock moved to an item's time first (the items after it
 * wait), then its frame delivered or its command run. A frame at the clock's time is delivered
 * at once, also while the host works on the last one, so both threads keep working.
 */
function runQueue(): void {
  while (!blocked) {
    const item = queue[0];
    if (item === undefined) break;
    if (item.now > clock.now()) {
      blocked = true;
      clock.advance(item.now - clock.now()).then(() => { blocked = false; runQueue(); }, fatal);
      return;
    }
    queue.shift();
    if (item.kind === 'frame') {
      if (item.frame !== null) deliverFrame(host, data.mainAddress, item.frame);
      processed = item.seq;
      continue;
    }
    blocked = true;
    run(item.command).then(
      (value) => post({ kind: 'reply', seq: item.seq, value }),
      (error: unknown) => post({ kind: 'failed', seq: item.seq, message: error instanceof Error ? error.message : String(error) }),
    ).then(() => { processed = item.seq; blocked = false; runQueue(); }, fatal);
    return;
  }
  if (!blocked) reportWhenIdle();
}

/** Once the host has run everything it has (and nothing new came meanwhile), tells the main thread: idle, what was handled, the earliest timer. */
function reportWhenIdle(): void {
  if (settling) return;
  settling = true;
  clock.settle().then(() => {
    settling = false;
    if (blocked || queue.length > 0) return; // runQueue asks again when it is through
    outbox.flush();
    post({ kind: 'idle', processed, work: clock.workDone(), nextTimerAt: clock.nextTimerAt() ?? null });
  }, fatal);
}

port.on('message', (message: ToAgentsThread) => {
  queue.push(message);
  if (!blocked) runQueue();
});
