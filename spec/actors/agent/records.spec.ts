/**
 * The agent's executor records once their run is over: a completed executor keeps what /state
 * shows of it (its completed tasks, directory, run), while what only a live run needs goes
 * (`ExecutorRecord.retire`): its emptied task maps become one shared map that refuses changes,
 * and the run's token and its hash are dropped.
 */
import { expect } from 'chai';
import type { TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { AgentFrameworkRecord, ExecutorRecord } from '../../../actors/agent/records';

const TASK: TaskInfo = { name: 'task', taskId: 't1', agentId: 'S1', resources: Resources.parse('cpus:0.1;mem:32').toJSON(), command: { value: 'exit 0' } };

/** An executor that ran one task to completion, in its framework's record. */
function completedRun(): { framework: AgentFrameworkRecord; executor: ExecutorRecord } {
  const framework = new AgentFrameworkRecord('F1', { name: 'fw', user: 'u' }, undefined);
  const executor = new ExecutorRecord({ executorId: 't1', command: { value: 'exit 0' } }, 'F1', 'S1', true, 'run-1', '/work/run-1');
  executor.token = 'secret';
  executor.tokenSha256 = 'hash';
  framework.executors.set(executor.id, executor);
  executor.queueTask(TASK);
  executor.setTaskRole('t1', '*');
  executor.launchTask(TASK);
  executor.updateTaskState({ taskId: 't1', state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', timestamp: 1 });
  executor.completeTask('t1');
  executor.phase = 'TERMINATED';
  return { framework, executor };
}

describe('agent records: a completed executor', () => {
  it('keeps what /state shows, and drops the run\'s token and its hash', () => {
    const { framework, executor } = completedRun();
    framework.removeExecutor(executor);
    expect(framework.completedExecutors).to.deep.equal([executor]);
    expect(executor.completedTasks.map((task) => [task.taskId, task.state, task.role])).to.deep.equal([['t1', 'TASK_FINISHED', '*']]);
    expect(executor.directory).to.equal('/work/run-1');
    expect(executor.token).to.equal(undefined);
    expect(executor.tokenSha256).to.equal(undefined);
    expect(executor.hasIncompleteTasks()).to.equal(false);
    expect(executor.usedResources().isEmpty()).to.equal(true);
  });

  it('shares one empty task map between retired executors, which refuses changes', () => {
    const first = completedRun();
    const second = completedRun();
    first.framework.removeExecutor(first.executor);
    second.framework.removeExecutor(second.executor);
    expect(first.executor.launchedTasks).to.equal(second.executor.taskInfos);
    expect(first.executor.queuedTasks.size).to.equal(0);
    expect(() => first.executor.queueTask(TASK)).to.throw(/retired executor/);
    expect(second.executor.queuedTasks.size).to.equal(0);
  });

  it('drops the role of a task the agent dropped before making it (a RunTask for a terminating executor)', () => {
    const { framework, executor } = completedRun();
    executor.setTaskRole('t2', '*');
    framework.removeExecutor(executor);
    expect(executor.taskRoles.size).to.equal(0);
    expect(() => executor.setTaskRole('t3', '*')).to.throw(/retired executor/);
  });

  it('keeps a task map that is not empty (a task not completed stays listed)', () => {
    const framework = new AgentFrameworkRecord('F1', { name: 'fw', user: 'u' }, undefined);
    const executor = new ExecutorRecord({ executorId: 'e1', command: { value: 'x' } }, 'F1', 'S1', false, 'run-1', '/work/run-1');
    framework.executors.set(executor.id, executor);
    executor.launchTask(TASK);
    executor.updateTaskState({ taskId: 't1', state: 'TASK_FAILED', source: 'SOURCE_AGENT', timestamp: 1 });
    framework.removeExecutor(executor);
    expect([...executor.terminatedTasks.keys()]).to.deep.equal(['t1']);
    expect(executor.hasIncompleteTasks()).to.equal(true);
  });
});

describe('agent records: the resources a live executor uses', () => {
  it('usedScalars sums what usedResources counts, queued and launched tasks, roles and fractions included', () => {
    const executor = new ExecutorRecord({ executorId: 'e1', command: { value: 'x' }, resources: Resources.parse('cpus:0.1;mem:32;disk:0.5').toJSON() }, 'F1', 'S1', false, 'run-1', '/work/run-1');
    const queued: TaskInfo = { ...TASK, taskId: 'q', resources: Resources.parse('cpus(web):0.333;mem:1.5;ports:[31000-31002]').toJSON() };
    const launched: TaskInfo = { ...TASK, taskId: 'l', resources: Resources.parse('cpus:1.001;cpus(web):2;mem:100').toJSON() };
    const ended: TaskInfo = { ...TASK, taskId: 'x', resources: Resources.parse('cpus:8;mem:8000').toJSON() };
    executor.queueTask(queued);
    executor.queueTask(launched);
    executor.launchTask(launched);
    executor.queueTask(ended);
    executor.launchTask(ended);
    executor.updateTaskState({ taskId: 'x', state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', timestamp: 1 });
    const used = executor.usedResources();
    const scalars = executor.usedScalars();
    for (const name of ['cpus', 'mem', 'disk'] as const) expect(scalars[name], name).to.equal(used.scalar(name));
    expect(scalars).to.deep.equal({ cpus: 3.434, mem: 133.5, disk: 0.5 });
    // Nothing but the executor's own, once no task is live.
    const alone = new ExecutorRecord({ executorId: 'e2', command: { value: 'x' }, resources: Resources.parse('cpus:0.25;mem:64;gpus:1').toJSON() }, 'F1', 'S1', false, 'run-2', '/work/run-2');
    expect(alone.usedScalars()).to.deep.equal({ cpus: 0.25, mem: 64, disk: 0 });
  });
});
