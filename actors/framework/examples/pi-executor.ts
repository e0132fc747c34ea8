#!/usr/bin/env node
/**
 * The custom executor of the π example: one process per agent runs every task the `pi`
 * framework sends it. A task's `data` is `{"samples": N}`; the executor throws N random darts
 * at the unit square, tells its scheduler how many fell inside the quarter circle (a framework
 * message), and finishes the task. It stays up for more tasks until the agent shuts it down.
 */
import type { TaskInfo } from '../../../lib/protocol';
import { Executor, runExecutor } from '../executor';

/** Samples above this are refused (a task is meant to take seconds, not hours). */
export const MAX_SAMPLES_PER_TASK = 100_000_000;

/** What a pi task reports back to its scheduler. */
export interface PiResult {
  taskId: string;
  inside: number;
  samples: number;
}

export class PiExecutor extends Executor {
  protected override launchTask(task: TaskInfo): void {
    this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_RUNNING' });
    const samples = samplesOf(task.data);
    if (samples === undefined) {
      this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_FAILED', message: `data must be {"samples": 1..${MAX_SAMPLES_PER_TASK}}` });
      return;
    }
    let inside = 0;
    for (let i = 0; i < samples; i++) {
      const x = this.random.next();
      const y = this.random.next();
      if (x * x + y * y <= 1) inside++;
    }
    const result: PiResult = { taskId: task.taskId, inside, samples };
    this.sendFrameworkMessage(JSON.stringify(result));
    this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_FINISHED' });
  }

  protected override killTask(taskId: string): void {
    // Tasks run to completion within one handler, so there is nothing left to stop.
    this.sendStatusUpdate({ taskId, state: 'TASK_KILLED' });
  }

  protected override shutdown(): void {
    this.stop();
  }
}

function samplesOf(data: string | undefined): number | undefined {
  try {
    const samples = (JSON.parse(data ?? '') as { samples?: unknown }).samples;
    return typeof samples === 'number' && Number.isInteger(samples) && samples > 0 && samples <= MAX_SAMPLES_PER_TASK ? samples : undefined;
  } catch {
    return undefined;
  }
}

if (require.main === module) void runExecutor(() => new PiExecutor());
