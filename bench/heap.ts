/** The heap a bench measures: what this thread's isolate holds after a full collection. */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc` (its `{ type: 'minor' }` option runs a young collection). */
type Collect = (options?: { type: 'major' | 'minor' }) => void;

/** V8's `gc`, once a measurement needed it. */
let gc: Collect | undefined;

function collector(): Collect {
  if (gc === undefined) {
    gc = (globalThis as { gc?: Collect }).gc;
    if (gc === undefined) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as Collect;
    }
  }
  return gc;
}

/**
 * This thread's heap in use after a full collection (V8's `gc`, exposed when first needed if the
 * process was not started with `--expose-gc`). On a worker thread, the worker's own heap.
 * The collection's aftermath goes on after it returns: `settleAfterCollection`.
 */
export function heapUsedAfterCollection(): number {
  collector()();
  return process.memoryUsage().heapUsed;
}

/** V8's spaces of compiled machine code: what the JIT made, not what the program holds. */
const CODE_SPACES: ReadonlySet<string> = new Set(['code_space', 'code_large_object_space']);

/**
 * The bytes of this thread's heap that hold objects after a full collection: `heapUsedAfterCollection`
 * without V8's code spaces. Compiled code is the process's, made when V8 chooses to optimize a hot
 * function: ~400 bytes an agent of 2,000 started, varying by ~40 from run to run (the task-memory
 * spec's bounds were crossed by that, 2026-12-07), and paid once however many agents follow.
 */
export function objectHeapAfterCollection(): number {
  collector()();
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (!CODE_SPACES.has(space.space_name)) bytes += space.space_used_size;
  }
  return bytes;
}

/** A young collection this quick found no swept pages left to take (after a settled one: 4-6 ms at a 1 GB heap). */
export const SETTLED_YOUNG_COLLECTION_MS = 10;
/** Wall time between two tries while the old generation is still being swept. */
export const SETTLE_WAIT_MS = 100;
/** Tries at most (then the bench goes on: what is left is billed to whatever comes next, as without this). */
export const SETTLE_TRIES = 10;
/** Objects kept across two young collections so that the second promotes them. */
const PROMOTED_OBJECTS = 20_000;
/** Where they are kept meanwhile (reachable from the module, so that no collection frees them early). */
export let settleBallast: ReadonlyArray<{ readonly index: number }> | undefined;

/**
 * Ends a full collection's aftermath before a bench measures anything. V8 sweeps the old
 * generation on a helper thread after the collection, and the main thread takes the swept pages'
 * free lists (`PagedSpace::RefillFreeList`) the next time it allocates there. At 100k agents (a
 * 1 GB heap) that took 47-54 ms of the master's thread in one go, in the turn that came next: the
 * bench's own collection billed to the state request it measured (`perf` samples of those turns,
 * 2026-12-04). Here young collections that promote something (and so allocate in the old
 * generation) take the free lists, waiting between tries while sweeping goes on, until one is quick.
 */
export async function settleAfterCollection(): Promise<void> {
  const collect = collector();
  for (let tryNumber = 0; tryNumber < SETTLE_TRIES; tryNumber++) {
    settleBallast = Array.from({ length: PROMOTED_OBJECTS }, (_, index) => ({ index }));
    collect({ type: 'minor' });
    const start = performance.now();
    collect({ type: 'minor' });
    const tookMs = performance.now() - start;
    settleBallast = undefined;
    if (tookMs < SETTLED_YOUNG_COLLECTION_MS) return;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WAIT_MS));
  }
}
