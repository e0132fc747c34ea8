/**
 * The statuses the master's books keep of a task (Mesos' `Task.statuses`): one per consecutive
 * state, without their `data`. A status without data is kept as it came (a message body is a
 * value nobody changes); one with data is kept as a copy without it, the status that came left
 * as it was.
 */
import { expect } from 'chai';
import { UPID } from '../../../lib/actor';
import type { TaskStatus } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { defaultMasterFlags } from '../../../actors/master';
import { MasterState, newAgentRecord, newFrameworkRecord, trackLaunchedTask } from '../../../actors/master/state';
import { commandTask } from './harness';

function launched(): { state: MasterState; tracked: ReturnType<typeof trackLaunchedTask> } {
  const state = new MasterState(defaultMasterFlags('/nonexistent'));
  const total = Resources.parse('cpus:4;mem:4096');
  const agent = newAgentRecord({ id: 'M-S0', hostname: 'h', port: 5051, resources: total.toJSON() }, UPID.parse('slave(1)@10.0.0.1:5051'), '1.0', total, 1_000);
  state.addAgent(agent);
  const framework = newFrameworkRecord({ id: 'M-0000', name: 'fw', user: 'u', roles: ['*'] }, UPID.parse('scheduler@10.0.1.1:6000'), 1_000);
  state.addFramework(framework);
  const tracked = trackLaunchedTask(commandTask('t1', agent.id), framework.id, '*');
  state.addTask(tracked, agent);
  return { state, tracked };
}

describe('master books: the statuses kept of a task', () => {
  it('keeps a status without data as it came', () => {
    const { state, tracked } = launched();
    const running: TaskStatus = { taskId: 't1', state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', timestamp: 1.5, uuid: 'u1' };
    state.recordStatus(tracked, running);
    expect(tracked.task.statuses?.[0]).to.equal(running);
    expect(tracked.task.state).to.equal('TASK_RUNNING');
  });

  it('keeps a status with data as a copy without it, and leaves the status that came as it was', () => {
    const { state, tracked } = launched();
    const running: TaskStatus = { taskId: 't1', state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', timestamp: 1.5, uuid: 'u1', data: 'bGFyZ2U=', message: 'up' };
    const before = structuredClone(running);
    state.recordStatus(tracked, running);
    const kept = tracked.task.statuses?.[0];
    expect(kept).to.not.equal(running);
    expect(kept).to.deep.equal({ taskId: 't1', state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', timestamp: 1.5, uuid: 'u1', message: 'up' });
    expect(running).to.deep.equal(before);
  });

  it('keeps one status per consecutive state, the latest of each', () => {
    const { state, tracked } = launched();
    const first: TaskStatus = { taskId: 't1', state: 'TASK_RUNNING', timestamp: 1.5 };
    const again: TaskStatus = { taskId: 't1', state: 'TASK_RUNNING', timestamp: 1.6, healthy: true };
    const finished: TaskStatus = { taskId: 't1', state: 'TASK_FINISHED', timestamp: 1.7 };
    for (const status of [first, again, finished]) state.recordStatus(tracked, status);
    expect(tracked.task.statuses).to.deep.equal([again, finished]);
  });
});
