/**
 * Task groups on the v1 executor API: an HTTP executor's adapter (`HttpExecutor`) turns the
 * agent's RunTaskGroupOnExecutor into one LAUNCH_GROUP event (Mesos' `Event.LaunchGroup`), in
 * JSON and in protobuf, relays the group's updates, and writes the group again to an executor
 * that subscribes again without having got it. The agent is a probe here, so the adapter is
 * tested alone, under the virtual clock.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VirtualClock, type ActorHost, type HttpStream } from '../../../lib/process';
import type { ExecutorInfo, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { v1EventJson, type V1Encoding } from '../../../lib/v1/protobuf';
import type { V1Json } from '../../../lib/v1/json';
import { HttpExecutor } from '../../../actors/agent/v1-executor';
import { memoryHost, Probe } from '../../support/runtime';
import { recordReader } from '../../support/recordio';

const FRAMEWORK_ID = 'F1';
/** The default executor of the group. */
const POD: ExecutorInfo = { executorId: 'pod', frameworkId: FRAMEWORK_ID, type: 'DEFAULT', resources: Resources.parse('cpus:0.1;mem:32;disk:32').toJSON() };
const FRAMEWORK = { id: FRAMEWORK_ID, user: 'u', name: 'fw' };
const AGENT_INFO = { id: 'A1', hostname: 'agent-host', port: 5051, resources: [] };

/** A task of the group, naming its executor, as the master sends it. */
function task(taskId: string): TaskInfo {
  return { name: taskId, taskId, agentId: 'A1', resources: Resources.parse('cpus:0.1;mem:32').toJSON(), command: { value: `run ${taskId}` }, executor: POD };
}

/** What a stream's client has read, decoded from JSON or protobuf. */
class Reader {
  readonly events: V1Json[] = [];

  constructor(readonly stream: HttpStream, encoding: V1Encoding) {
    const read = recordReader((record) => this.events.push(encoding === 'protobuf' ? v1EventJson('executor', record) : JSON.parse(record.toString()) as V1Json));
    stream.attach({
      write: (chunk) => read(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
      end: () => undefined,
      buffered: 0,
      destroy: () => undefined,
      onDrain: () => undefined,
    });
  }

  types(): string[] {
    return this.events.map((event) => String(event.type));
  }

  /** The task ids of each LAUNCH_GROUP read, in order. */
  groups(): string[][] {
    return this.events.filter((event) => event.type === 'LAUNCH_GROUP').map((event) =>
      (event.launch_group as { task_group: { tasks: Array<{ task_id: { value: string } }> } }).task_group.tasks.map((each) => each.task_id.value));
  }
}

describe('actors/agent: task groups on the v1 executor API (LAUNCH_GROUP)', () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let agent: Probe;

  beforeEach(() => {
    clock = new VirtualClock();
    host = memoryHost({ clock });
    agent = new Probe('slave(1)', ['RegisterExecutor', 'StatusUpdate']);
    host.spawn(agent);
  });

  afterEach(async () => {
    await host.stop();
  });

  /** An adapter whose first subscription asked for `encoding`, registered with the probe agent; and its stream's reader. */
  async function subscribedAdapter(encoding: V1Encoding): Promise<{ executor: HttpExecutor; reader: Reader }> {
    const executor = new HttpExecutor({
      id: `executor-http-run-${encoding}`, agentPid: agent.self().toString(), frameworkId: FRAMEWORK_ID, executorId: POD.executorId, token: 'token', runId: `run-${encoding}`,
      encoding, initialUpdates: [], heartbeatIntervalMs: 3_600_000, reconnectTimeoutMs: 3_600_000, onFinalized: () => undefined,
    });
    const reader = new Reader(executor.stream as HttpStream, encoding);
    host.spawn(executor);
    await clock.settle();
    expect(agent.count('RegisterExecutor')).to.equal(1);
    agent.post(executor.self(), 'ExecutorRegistered', { executorInfo: POD, frameworkId: FRAMEWORK_ID, frameworkInfo: FRAMEWORK, agentId: 'A1', agentInfo: AGENT_INFO });
    await clock.settle();
    return { executor, reader };
  }

  function runGroup(executor: HttpExecutor, ...taskIds: string[]): Promise<void> {
    agent.post(executor.self(), 'RunTaskGroupOnExecutor', { frameworkId: FRAMEWORK_ID, framework: FRAMEWORK, taskGroup: { tasks: taskIds.map(task) } });
    return clock.settle();
  }

  for (const encoding of ['json', 'protobuf'] as const) {
    it(`writes the agent's RunTaskGroupOnExecutor as one LAUNCH_GROUP event (${encoding}), each task naming the default executor, and relays the group's updates`, async () => {
      const { executor, reader } = await subscribedAdapter(encoding);
      await runGroup(executor, 'web', 'log');
      expect(reader.types()).to.deep.equal(['SUBSCRIBED', 'LAUNCH_GROUP']);
      expect(((reader.events[0]?.subscribed as { executor_info: V1Json }).executor_info)).to.deep.include({ type: 'DEFAULT' }).and.not.have.property('command');
      const tasks = (reader.events[1]?.launch_group as { task_group: { tasks: V1Json[] } }).task_group.tasks;
      expect(tasks.map((each) => [(each.task_id as { value: string }).value, (each.command as { value: string }).value])).to.deep.equal([['web', 'run web'], ['log', 'run log']]);
      for (const each of tasks) expect(each.executor).to.deep.include({ executor_id: { value: 'pod' }, type: 'DEFAULT' }).and.not.have.property('command');
      for (const taskId of ['web', 'log']) {
        const answer = executor.call({ type: 'UPDATE', frameworkId: FRAMEWORK_ID, executorId: 'pod', status: { taskId, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: `0c1e7d1e-9a4e-4c51-8f8e-2a1d3f4b5c6${taskId.length}` } });
        expect(answer.status).to.equal(202);
      }
      await clock.settle();
      expect(agent.received.filter((received) => received.name === 'StatusUpdate').map((received) => (received.body as { update: { status: { taskId: string } } }).update.status.taskId)).to.deep.equal(['web', 'log']);
    });
  }

  it('writes a group again to an executor that subscribes again listing none of its tasks; not one that lists any, or one it has reported on', async () => {
    const { executor, reader } = await subscribedAdapter('json');
    await runGroup(executor, 'a1', 'a2');
    await runGroup(executor, 'b1', 'b2');
    await runGroup(executor, 'c1');
    // The executor reported on c1: the agent has it, so it is not launched again.
    executor.call({ type: 'UPDATE', frameworkId: FRAMEWORK_ID, executorId: 'pod', status: { taskId: 'c1', state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: '0c1e7d1e-9a4e-4c51-8f8e-2a1d3f4b5c6d' } });
    expect(reader.groups()).to.deep.equal([['a1', 'a2'], ['b1', 'b2'], ['c1']]);
    await dispatch(executor, () => reader.stream.closedByPeer());
    await clock.settle();
    // While it is away, another group waits for it.
    await runGroup(executor, 'd1', 'd2');
    // It got the b group (it lists b2), never the a group (written as its connection failed).
    const answer = executor.resubscribe({ type: 'SUBSCRIBE', frameworkId: FRAMEWORK_ID, executorId: 'pod', unacknowledgedTaskIds: ['b2'], unacknowledgedUpdates: [] });
    const again = new Reader(answer.stream as HttpStream, 'json');
    await clock.settle();
    expect(again.types()).to.deep.equal(['SUBSCRIBED', 'LAUNCH_GROUP', 'LAUNCH_GROUP']);
    expect(again.groups()).to.deep.equal([['a1', 'a2'], ['d1', 'd2']]);
  });
});
