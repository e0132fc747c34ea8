/**
 * Test doubles for health checks under a virtual clock: a `ProbeRunner` whose outcomes a test
 * scripts, and task processes that exist only in memory (a kill signal ends them).
 */
import type { CheckProbe } from '../../lib/protocol';
import type { ProbeContext, ProbeOutcome, ProbeRunner } from '../../actors/framework/checks';
import type { StartedTask, TaskProcesses } from '../../actors/agent/task-process';

/** What the next probes do: answer with an outcome, fail to run, or hang until aborted (a timeout). */
export type ScriptedProbe = ProbeOutcome | 'reject' | 'hang';

/** One probe as the runner saw it. */
export interface ProbeCall {
  readonly probe: CheckProbe;
  /** Set once the checker aborted it (timeout or stop). */
  aborted: boolean;
}

/** A `ProbeRunner` that plays a script: each probe takes the next entry; the last one repeats. */
export class ScriptedProbes {
  readonly calls: ProbeCall[] = [];
  private script: ScriptedProbe[] = [];

  /** Replaces the script: the next probes answer these, in order, then the last one forever. */
  play(...script: ScriptedProbe[]): void {
    this.script = script;
  }

  /** The runner to inject (`ExecutorOptions.checkProbes`). */
  readonly runner: ProbeRunner = (probe: CheckProbe, context: ProbeContext): Promise<ProbeOutcome> => {
    const call: ProbeCall = { probe, aborted: false };
    this.calls.push(call);
    const next = this.script.length > 1 ? (this.script.shift() as ScriptedProbe) : this.script[0];
    if (next === undefined) throw new Error('ScriptedProbes: no script to play');
    return new Promise<ProbeOutcome>((resolve, reject) => {
      context.signal.addEventListener('abort', () => {
        call.aborted = true;
        reject(new Error('aborted'));
      }, { once: true });
      if (next === 'reject') reject(new Error('connection refused'));
      else if (next !== 'hang') resolve(next);
    });
  };
}

/** A task process in memory: it runs until it is sent SIGTERM or SIGKILL. */
export class FakeTaskProcesses implements TaskProcesses {
  /** Signals sent, in order. */
  readonly signals: NodeJS.Signals[] = [];
  private end: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;

  /** @param endsOn the signals the task dies of (`['SIGKILL']`: one that ignores SIGTERM). */
  constructor(private readonly endsOn: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGKILL']) {}

  start(): Promise<StartedTask> {
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      this.end = (code, signal) => resolve({ code, signal });
    });
    return Promise.resolve({ processId: 4242, exited });
  }

  signal(_processId: number, signal: NodeJS.Signals): void {
    this.signals.push(signal);
    if (this.endsOn.includes(signal)) this.end?.(null, signal);
  }

  /** The task ends by itself with `code`. */
  exit(code: number): void {
    this.end?.(code, null);
  }
}
