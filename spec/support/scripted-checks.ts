/**
 * Test doubles for health checks under a virtual clock: a `ProbeRunner` whose outcomes a test
 * scripts, and task processes that exist only in memory (a kill signal ends them): one task's
 * (`FakeTaskProcesses`) or many, by task id (`ScriptedTaskProcesses`).
 */
import type { CheckProbe, TaskInfo } from '../../lib/protocol';
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

/** One start a `ScriptedTaskProcesses` saw. */
export interface ScriptedStart {
  readonly task: TaskInfo;
  readonly sandbox: string;
  readonly processId: number;
}

/**
 * Task processes in memory, any number, each known by its task id: a task runs until it is sent
 * SIGKILL, or SIGTERM unless it ignores it, or until the test ends it (`exit`, `die`).
 */
export class ScriptedTaskProcesses implements TaskProcesses {
  /** Each start, in order. */
  readonly starts: ScriptedStart[] = [];
  /** Signals sent to live tasks, in order, as `taskId:SIGNAL`. */
  readonly signals: string[] = [];
  private readonly live = new Map<number, { readonly taskId: string; readonly end: (code: number | null, signal: NodeJS.Signals | null) => void }>();
  private nextProcessId = 1000;

  /** @param ignoreSigterm ids of the tasks that ignore SIGTERM (only SIGKILL ends them). */
  constructor(private readonly ignoreSigterm: ReadonlySet<string> = new Set()) {}

  start(task: TaskInfo, sandbox: string): Promise<StartedTask> {
    const processId = this.nextProcessId++;
    this.starts.push({ task, sandbox, processId });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      this.live.set(processId, {
        taskId: task.taskId,
        end: (code, signal) => {
          this.live.delete(processId);
          resolve({ code, signal });
        },
      });
    });
    return Promise.resolve({ processId, exited });
  }

  signal(processId: number, signal: NodeJS.Signals): void {
    const process = this.live.get(processId);
    if (process === undefined) return;
    this.signals.push(`${process.taskId}:${signal}`);
    if (signal === 'SIGKILL' || (signal === 'SIGTERM' && !this.ignoreSigterm.has(process.taskId))) process.end(null, signal);
  }

  /** The task's process exits by itself with `code`. */
  exit(taskId: string, code: number): void {
    this.find(taskId).end(code, null);
  }

  /** Ids of the tasks whose processes run, in start order. */
  running(): string[] {
    return [...this.live.values()].map((process) => process.taskId);
  }

  private find(taskId: string): { readonly end: (code: number | null, signal: NodeJS.Signals | null) => void } {
    for (const process of this.live.values()) if (process.taskId === taskId) return process;
    throw new Error(`ScriptedTaskProcesses: no live process of task ${taskId}`);
  }
}
