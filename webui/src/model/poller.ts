/**
 * The page's polling loop, apart from the browser (pure: its timers and the page's visibility
 * are given, so the tests run it on a virtual clock). One read at a time; after a read the next
 * waits as `intervalAfter` says from how long the read took, after a failure as `backoff` says;
 * while the page is hidden (a background tab, a minimised window) nothing is read, and a read
 * that fell due meanwhile is made as soon as the page is shown again. A page left open in a
 * tab nobody looks at asks the master for nothing.
 */

/** The clock and timers a poller uses (the browser's, or a test's virtual ones). */
export interface PollTimers {
  now(): number;
  setTimeout(run: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Whether the page is seen (the browser's `document.visibilityState`), and news of it being shown. */
export interface PageVisibility {
  hidden(): boolean;
  /** Calls `shown` each time the page is shown again; returns what stops that. */
  onShown(shown: () => void): () => void;
}

/** A page that is always seen (no visibility to follow). */
export const ALWAYS_SHOWN: PageVisibility = { hidden: () => false, onShown: () => () => undefined };

/** What a `Poller` reads, how long it waits, and whom it tells. */
export interface PollerOptions<T> {
  /** One read; its rejection is a failure. `stopped()` says the poller was stopped meanwhile (a read of several requests ends early). */
  read(stopped: () => boolean): Promise<T>;
  /** The wait after a read that took `readMs` and succeeded (ms). */
  intervalAfter(readMs: number): number;
  /** The wait after `failures` failed reads in a row (ms). */
  backoff(failures: number): number;
  /** A read succeeded; the next is due in `nextInMs` (once the page is shown, if it is hidden). */
  onRead(value: T, readMs: number, nextInMs: number): void;
  /** A read failed, the `failures`th in a row; the next is due in `nextInMs`. */
  onFailure(error: unknown, failures: number, nextInMs: number): void;
  readonly timers: PollTimers;
  readonly visibility: PageVisibility;
}

/** Reads over and over, one read at a time, never while the page is hidden (see the module's comment). */
export class Poller<T> {
  private timer: unknown;
  private stopped = false;
  /** A read fell due while the page was hidden: made when it is shown. */
  private due = false;
  private failures = 0;
  private unwatch: (() => void) | undefined;

  constructor(private readonly options: PollerOptions<T>) {}

  /** Reads now (or as soon as the page is shown), then on. */
  start(): void {
    this.unwatch = this.options.visibility.onShown(() => this.shown());
    this.fire();
  }

  /** No read after this one; what is under way is not told. */
  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /** Whether a read is due and waiting for the page to be shown. */
  waitingForPage(): boolean {
    return this.due;
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    if (this.options.visibility.hidden()) {
      this.due = true;
      return;
    }
    void this.read();
  }

  private shown(): void {
    if (!this.due || this.stopped) return;
    this.due = false;
    void this.read();
  }

  /** One read, then the timer of the next. Never two at once: `fire` runs only from the timer a read sets (or `start`), and `due` is set only by `fire`. */
  private async read(): Promise<void> {
    const { timers } = this.options;
    const startedMs = timers.now();
    let nextInMs: number;
    try {
      const value = await this.options.read(() => this.stopped);
      if (this.stopped) return;
      const readMs = timers.now() - startedMs;
      this.failures = 0;
      nextInMs = this.options.intervalAfter(readMs);
      this.options.onRead(value, readMs, nextInMs);
    } catch (error) {
      if (this.stopped) return;
      this.failures++;
      nextInMs = this.options.backoff(this.failures);
      this.options.onFailure(error, this.failures, nextInMs);
    }
    if (!this.stopped) this.timer = timers.setTimeout(() => this.fire(), nextInMs);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
