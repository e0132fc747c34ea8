/** The heap a bench measures: what this thread's isolate holds after a full collection. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc`, once a measurement needed it. */
let gc: (() => void) | undefined;

/**
 * This thread's heap in use after a full collection (V8's `gc`, exposed when first needed if the
 * process was not started with `--expose-gc`). On a worker thread, the worker's own heap.
 */
export function heapUsedAfterCollection(): number {
  if (gc === undefined) {
    gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
  return process.memoryUsage().heapUsed;
}
