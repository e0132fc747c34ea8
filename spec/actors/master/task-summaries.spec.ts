import { expect } from 'chai';
import { TaskSummaries } from '../../../actors/master/task-summaries';
import { Prng } from '../../../lib/process/prng';
import { TASK_STATES, type Task, type TaskState } from '../../../lib/protocol';

const SEED = 1308;

/** A task as the summaries read it (what they count it by). */
function task(taskId: string, frameworkId: string, agentId: string, state: TaskState): Task {
  return { taskId, name: taskId, frameworkId, agentId, state, resources: [] } as unknown as Task;
}

describe('actors/master: TaskSummaries (against a list of the tasks counted)', () => {
  it(`counts by state, framework and agent as the tasks stand, whatever order they come, move and go in (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    const summaries = new TaskSummaries();
    const counted = new Map<string, Task>();
    const pick = <T>(items: readonly T[]): T => items[prng.nextInt(items.length)] as T;
    const frameworks = ['F0', 'F1', 'F2'];
    const agents = ['A0', 'A1', 'A2', 'A3'];
    let next = 0;
    for (let step = 0; step < 6_000; step++) {
      const roll = prng.nextInt(10);
      if (roll < 4 || counted.size === 0) {
        // Any state, the last ones (TASK_GONE_BY_OPERATOR, TASK_UNKNOWN) included: a count list grows to them.
        const made = task(`t${next++}`, pick(frameworks), pick(agents), pick(TASK_STATES));
        summaries.count(made, 1);
        counted.set(made.taskId, made);
      } else if (roll < 8) {
        const moving = pick([...counted.values()]);
        const to = pick(TASK_STATES);
        summaries.move(moving, moving.state, to);
        counted.set(moving.taskId, { ...moving, state: to });
      } else {
        const leaving = pick([...counted.values()]);
        summaries.count(leaving, -1);
        counted.delete(leaving.taskId);
      }
      if (step % 50 !== 0) continue;
      const tasks = [...counted.values()];
      for (const agentId of agents) {
        const here = tasks.filter((each) => each.agentId === agentId);
        const counts = summaries.agentCounts(agentId);
        // An agent with no task counted is not listed (its entry went with its last task).
        if (here.length === 0) expect(counts, `${agentId} at step ${step}`).to.equal(undefined);
        for (const state of TASK_STATES) expect(counts?.of(state) ?? 0, `${agentId} ${state} at step ${step}`).to.equal(here.filter((each) => each.state === state).length);
        expect(counts?.total ?? 0).to.equal(here.length);
        expect([...summaries.frameworkIdsOn(agentId)].sort()).to.deep.equal([...new Set(here.map((each) => each.frameworkId))].sort());
      }
      for (const frameworkId of frameworks) {
        const its = tasks.filter((each) => each.frameworkId === frameworkId);
        for (const state of TASK_STATES) expect(summaries.frameworkCounts(frameworkId)?.of(state) ?? 0).to.equal(its.filter((each) => each.state === state).length);
        expect([...summaries.agentIdsOf(frameworkId)].sort()).to.deep.equal([...new Set(its.map((each) => each.agentId))].sort());
      }
    }
    expect(next).to.be.greaterThan(2_000);
  });

  it('refuses to count a state below zero, naming it', () => {
    const summaries = new TaskSummaries();
    const counted = task('t', 'F', 'A', 'TASK_RUNNING');
    summaries.count(counted, 1);
    expect(() => summaries.move(counted, 'TASK_UNKNOWN', 'TASK_RUNNING')).to.throw("task summaries counted 'TASK_UNKNOWN' of 'F' below zero");
    summaries.count(counted, -1);
    expect(() => summaries.count(counted, -1)).to.throw("task summaries counted 'TASK_RUNNING' of 'F' below zero");
  });
});
