/**
 * The agent's journal model against its replay: seeded sequences of records (frameworks coming,
 * ending and coming back; executor runs started, ended, replaced; tasks, status updates, repeated
 * updates, some of them for things already gone, and acknowledgements in order) applied to a model, with
 * a compaction (`checkpointRecords` of the model so far) at a random point. Two properties:
 * the compacted records replay to the same model, and records appended after a compaction give
 * what they give without one (a restart reads the compacted file and then the later appends).
 * Models are compared as their records, which carry every field of the model.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { applyCheckpoint, checkpointRecords, recoveredFrom, type CheckpointRecord } from '../../../actors/agent/checkpoint';
import type { TaskState } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { counterUuid } from './harness';

const FRAMEWORKS = ['F0', 'F1', 'F2'];
const EXECUTORS = ['e0', 'e1', 'e2'];
const TASKS = ['t0', 't1', 't2', 't3'];
const STATES: readonly TaskState[] = ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_LOST'];
const RESOURCES = Resources.parse('cpus:0.1;mem:32').toJSON();

type Step =
  | { k: 'agent' }
  | { k: 'framework'; f: number; pid: boolean }
  | { k: 'executor'; f: number; e: number }
  | { k: 'process'; f: number; e: number; stale: boolean }
  | { k: 'pid'; f: number; e: number }
  | { k: 'task'; f: number; e: number; t: number; data: boolean; lost: boolean }
  | { k: 'update'; f: number; e: number; t: number; s: number; data: boolean }
  | { k: 'repeat'; pick: number }
  | { k: 'ack'; pick: number }
  | { k: 'ended'; f: number; e: number; stale: boolean }
  | { k: 'frameworkEnded'; f: number };

const f = fc.nat(FRAMEWORKS.length - 1);
const e = fc.nat(EXECUTORS.length - 1);
const t = fc.nat(TASKS.length - 1);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ k: 'agent' }),
  fc.record({ k: fc.constant('framework' as const), f, pid: fc.boolean() }),
  fc.record({ k: fc.constant('executor' as const), f, e }),
  fc.record({ k: fc.constant('process' as const), f, e, stale: fc.boolean() }),
  fc.record({ k: fc.constant('pid' as const), f, e }),
  { arbitrary: fc.record({ k: fc.constant('task' as const), f, e, t, data: fc.boolean(), lost: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('update' as const), f, e, t, s: fc.nat(STATES.length - 1), data: fc.boolean() }), weight: 3 },
  fc.record({ k: fc.constant('repeat' as const), pick: fc.nat() }),
  { arbitrary: fc.record({ k: fc.constant('ack' as const), pick: fc.nat() }), weight: 3 },
  fc.record({ k: fc.constant('ended' as const), f, e, stale: fc.boolean() }),
  fc.record({ k: fc.constant('frameworkEnded' as const), f }),
);

/** Turns steps into records, naming runs and update uuids by counters (repeats pick among updates made so far; acknowledgements, the first unacknowledged update of a task). */
function recordsOf(steps: readonly Step[]): CheckpointRecord[] {
  const records: CheckpointRecord[] = [];
  const runs = new Map<string, number>();
  const updates: Array<Extract<CheckpointRecord, { t: 'update' }>> = [];
  let counter = 0;
  const runOf = (frameworkId: string, executorId: string, stale: boolean): string => {
    const run = runs.get(`${frameworkId}/${executorId}`) ?? 0;
    return `r${stale ? Math.max(0, run - 1) : run}`;
  };
  for (const step of steps) {
    counter++;
    switch (step.k) {
      case 'agent':
        records.push({ t: 'agent', agentId: `A${counter}` });
        break;
      case 'framework': {
        const frameworkId = FRAMEWORKS[step.f] as string;
        records.push({ t: 'framework', frameworkId, info: { id: frameworkId, name: `fw${counter}`, user: 'u', checkpoint: true }, ...(step.pid ? { pid: `scheduler(${counter})@10.0.0.1:5050` } : {}) });
        break;
      }
      case 'executor': {
        const frameworkId = FRAMEWORKS[step.f] as string;
        const executorId = EXECUTORS[step.e] as string;
        runs.set(`${frameworkId}/${executorId}`, counter);
        records.push({ t: 'executor', frameworkId, info: { executorId, command: { value: 'x' } }, runId: `r${counter}`, directory: `/d/${counter}`, commandExecutor: step.e === 0 });
        break;
      }
      case 'process': {
        const frameworkId = FRAMEWORKS[step.f] as string;
        const executorId = EXECUTORS[step.e] as string;
        records.push({ t: 'executorProcess', frameworkId, executorId, runId: runOf(frameworkId, executorId, step.stale), processId: counter, bootId: 'b' });
        break;
      }
      case 'pid': {
        const frameworkId = FRAMEWORKS[step.f] as string;
        const executorId = EXECUTORS[step.e] as string;
        records.push({ t: 'executorPid', frameworkId, executorId, runId: runOf(frameworkId, executorId, false), pid: `executor(${counter})@10.0.0.2:5051` });
        break;
      }
      case 'task': {
        const taskId = TASKS[step.t] as string;
        const frameworkId = FRAMEWORKS[step.f] as string;
        const executorId = EXECUTORS[step.e] as string;
        // The agent refuses a task whose id one of the framework's executors holds (`executorForTask`).
        const runs = recoveredFrom(records).frameworks.get(frameworkId)?.executors;
        if ([...runs?.values() ?? []].some((run) => run.tasks.has(taskId))) break;
        records.push({
          t: 'task', frameworkId, executorId,
          task: { name: taskId, taskId, agentId: 'A', resources: RESOURCES, command: { value: 'true' }, ...(step.data ? { data: `data${counter}` } : {}) },
          ...(step.t === 0 ? {} : { role: 'r' }),
        });
        // A task for a run that ended is not launched: the agent writes its TASK_LOST (`deliverTask`)
        // next, unless it crashed between the two records (`lost` false).
        if (runs?.get(executorId)?.ended === true && step.lost) {
          const update: Extract<CheckpointRecord, { t: 'update' }> = {
            t: 'update', update: { frameworkId, executorId, timestamp: counter, uuid: counterUuid(counter), status: { taskId, state: 'TASK_LOST', source: 'SOURCE_AGENT' } },
          };
          updates.push(update);
          records.push(update);
        }
        break;
      }
      case 'update': {
        const frameworkId = FRAMEWORKS[step.f] as string;
        const taskId = TASKS[step.t] as string;
        const record: Extract<CheckpointRecord, { t: 'update' }> = {
          t: 'update',
          update: {
            frameworkId, executorId: EXECUTORS[step.e] as string, timestamp: counter, uuid: counterUuid(counter),
            status: { taskId, state: STATES[step.s] as TaskState, ...(step.data ? { data: `data${counter}` } : {}) },
          },
        };
        updates.push(record);
        records.push(record);
        break;
      }
      case 'repeat': {
        const made = updates[step.pick % Math.max(1, updates.length)];
        if (made !== undefined) records.push(made);
        break;
      }
      case 'ack': {
        // The head of a task's stream: the update manager takes acknowledgements in order, and the
        // agent journals only those it took.
        const heads = [...recoveredFrom(records).frameworks].flatMap(([frameworkId, framework]) => [...framework.executors.values()].flatMap((run) => [...run.tasks.values()]
          .map((task) => ({ frameworkId, taskId: task.info.taskId, head: task.updates.find((entry) => !entry.acknowledged) }))));
        const chosen = heads.filter((candidate) => candidate.head !== undefined)[step.pick % Math.max(1, heads.length)];
        if (chosen?.head !== undefined) records.push({ t: 'ack', frameworkId: chosen.frameworkId, taskId: chosen.taskId, uuid: chosen.head.update.uuid as string });
        break;
      }
      case 'ended': {
        const frameworkId = FRAMEWORKS[step.f] as string;
        const executorId = EXECUTORS[step.e] as string;
        records.push({ t: 'executorEnded', frameworkId, executorId, runId: runOf(frameworkId, executorId, step.stale) });
        break;
      }
      case 'frameworkEnded':
        records.push({ t: 'frameworkEnded', frameworkId: FRAMEWORKS[step.f] as string });
        break;
    }
  }
  return records;
}

/** Records as plain data (the models share objects with the records they were built from). */
function plain(records: readonly CheckpointRecord[]): unknown {
  return JSON.parse(JSON.stringify(records));
}

const FRAMEWORK_RECORD: CheckpointRecord = { t: 'framework', frameworkId: 'F0', info: { id: 'F0', name: 'fw', user: 'u', checkpoint: true } };

function runRecord(executorId: string, runId: string): CheckpointRecord {
  return { t: 'executor', frameworkId: 'F0', info: { executorId, command: { value: 'x' } }, runId, directory: `/d/${runId}`, commandExecutor: false };
}

function taskRecord(executorId: string, taskId: string): CheckpointRecord {
  return { t: 'task', frameworkId: 'F0', executorId, task: { name: taskId, taskId, agentId: 'A', resources: RESOURCES, command: { value: 'true' } } };
}

function updateRecord(executorId: string, taskId: string, state: TaskState, counter: number): Extract<CheckpointRecord, { t: 'update' }> {
  return { t: 'update', update: { frameworkId: 'F0', executorId, timestamp: counter, uuid: counterUuid(counter), status: { taskId, state } } };
}

function ackRecord(update: Extract<CheckpointRecord, { t: 'update' }>): CheckpointRecord {
  return { t: 'ack', frameworkId: 'F0', taskId: update.update.status.taskId, uuid: update.update.uuid as string };
}

/** What the model holds of each run's tasks: [run, live or completed, task, its updates' states with acknowledged ones starred]. */
function tasksOf(records: readonly CheckpointRecord[]): string[][] {
  const framework = recoveredFrom(records).frameworks.get('F0');
  return [...framework?.executors.values() ?? []].flatMap((run) => [
    ...run.completedTasks.map((task) => [run.runId, 'completed', task.info.taskId, ...task.updates.map((entry) => `${entry.update.status.state}${entry.acknowledged ? '*' : ''}`)]),
    ...[...run.tasks.values()].map((task) => [run.runId, 'live', task.info.taskId, ...task.updates.map((entry) => `${entry.update.status.state}${entry.acknowledged ? '*' : ''}`)]),
  ]);
}

describe('agent journal: compaction and replay (found by the property below)', () => {
  it('a task completed with updates still pending behind its terminal one keeps only what was acknowledged (the update manager drops the rest)', () => {
    const finished = updateRecord('e', 't', 'TASK_FINISHED', 1);
    const records = [FRAMEWORK_RECORD, runRecord('e', 'r1'), taskRecord('e', 't'), finished, updateRecord('e', 't', 'TASK_RUNNING', 2), ackRecord(finished)];
    expect(tasksOf(records)).to.deep.equal([['r1', 'completed', 't', 'TASK_FINISHED*']]);
    expect(tasksOf(checkpointRecords(recoveredFrom(records)))).to.deep.equal(tasksOf(records));
  });

  it('a task id used again in another executor after its task completed: the compacted journal gives the old updates to the old task', () => {
    const finished = updateRecord('e2', 't', 'TASK_FINISHED', 1);
    const records = [
      FRAMEWORK_RECORD, runRecord('e1', 'r1'), runRecord('e2', 'r2'), taskRecord('e2', 't'), finished, ackRecord(finished),
      taskRecord('e1', 't'), updateRecord('e1', 't', 'TASK_RUNNING', 2),
    ];
    expect(tasksOf(records)).to.deep.equal([['r1', 'live', 't', 'TASK_RUNNING'], ['r2', 'completed', 't', 'TASK_FINISHED*']]);
    // Written run by run, r1's live task took r2's FINISHED and completed on replay: a restarted agent lost it.
    expect(tasksOf(checkpointRecords(recoveredFrom(records)))).to.deep.equal(tasksOf(records));
  });

  it('a task given to a run that had ended, its TASK_LOST not yet written (a crash between the two records), is kept after a compaction as before it (a review)', () => {
    const finished = updateRecord('e', 't1', 'TASK_FINISHED', 1);
    const records = [
      FRAMEWORK_RECORD, runRecord('e', 'r1'), taskRecord('e', 't1'), finished,
      { t: 'executorEnded', frameworkId: 'F0', executorId: 'e', runId: 'r1' } as CheckpointRecord, taskRecord('e', 't2'),
    ];
    expect(tasksOf(records)).to.deep.equal([['r1', 'live', 't1', 'TASK_FINISHED'], ['r1', 'live', 't2']]);
    // Its end was written after it, and forgot it.
    expect(tasksOf(checkpointRecords(recoveredFrom(records)))).to.deep.equal(tasksOf(records));
  });
});

describe('agent journal (property): compaction and replay', () => {
  it('the compacted records of any model replay to the same model', () => {
    fc.assert(fc.property(fc.array(stepArb, { minLength: 10, maxLength: 150, size: 'max' }), (steps) => {
      const model = recoveredFrom(recordsOf(steps));
      const written = checkpointRecords(model);
      expect(plain(checkpointRecords(recoveredFrom(written)))).to.deep.equal(plain(written));
    }), { numRuns: 1000, seed: 13_1205 });
  });

  it('records appended after a compaction give the model they give without one', () => {
    fc.assert(fc.property(fc.array(stepArb, { minLength: 10, maxLength: 150, size: 'max' }), fc.nat(), (steps, at) => {
      const records = recordsOf(steps);
      const cut = at % (records.length + 1);
      const direct = recoveredFrom(records);
      // The live model up to the cut, written back (a compaction), then the appends after it.
      const compacted = recoveredFrom(checkpointRecords(recoveredFrom(records.slice(0, cut))));
      for (const record of records.slice(cut)) applyCheckpoint(compacted, record);
      expect(plain(checkpointRecords(compacted))).to.deep.equal(plain(checkpointRecords(direct)));
    }), { numRuns: 1000, seed: 13_1206 });
  });
});
