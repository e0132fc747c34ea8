/**
 * Task groups (LAUNCH_GROUP, Mesos' pods): the master admits a group whole or not at all, fills
 * the group's executor into each task, charges a new executor once, and sends the agent one
 * RunTaskGroup. Every refusal is TASK_ERROR for every task of the group, naming the problem.
 */
import { expect } from 'chai';
import type { ExecutorInfo, Offer, Operation, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { parseAcls } from '../../../actors/master';
import {
  all, cleanUp, commandTask, last, latestOffer, masterState, metricsOf, registerAgent, registerFramework, startHarness, updatesOf,
  type AgentHandle, type FakeFramework, type Harness,
} from './harness';

/** The default executor with `resources` (Mesos' minimum: 0.01 cpus, 32 MB, some disk). */
function defaultExecutor(resources = 'cpus:0.1;mem:32;disk:10', executorId = 'pod'): ExecutorInfo {
  return { executorId, type: 'DEFAULT', resources: Resources.parse(resources).toJSON() };
}

function groupTask(taskId: string, agentId: string, resources = 'cpus:1;mem:128', user?: string): TaskInfo {
  const task = commandTask(taskId, agentId, resources);
  return user === undefined ? task : { ...task, command: { ...task.command, value: 'sleep 1000', user } };
}

const launchGroup = (executor: ExecutorInfo, tasks: TaskInfo[]): Operation => ({ type: 'LAUNCH_GROUP', launchGroup: { executor, taskGroup: { tasks } } });

async function accept(harness: Harness, framework: FakeFramework, offer: Offer, operations: Operation[], refuseSeconds = 0): Promise<void> {
  framework.probe.post(harness.masterPid, 'AcceptOffers', { frameworkId: framework.frameworkId, offerIds: [offer.id], operations, filters: { refuseSeconds } });
  await harness.clock.settle();
}

async function setUp(flags: Parameters<typeof startHarness>[0] = {}): Promise<{ harness: Harness; agent: AgentHandle; framework: FakeFramework }> {
  const harness = await startHarness(flags);
  const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
  const framework = await registerFramework(harness, { principal: 'ops' });
  return { harness, agent, framework };
}

/** Every update the framework got for `taskId`: state, reason, message. */
function told(framework: FakeFramework, taskId: string): Array<{ state: string; reason?: string; message?: string }> {
  return updatesOf(framework.probe).filter(({ update }) => update.status.taskId === taskId).map(({ update }) => ({
    state: update.status.state, ...(update.status.reason !== undefined ? { reason: update.status.reason } : {}), ...(update.status.message !== undefined ? { message: update.status.message } : {}),
  }));
}

/** Launches `tasks` as a group and expects every one refused with `reason` and a message containing `words`. */
async function expectRefused(setup: { harness: Harness; agent: AgentHandle; framework: FakeFramework }, executor: ExecutorInfo, tasks: TaskInfo[], words: string, reason = 'REASON_TASK_GROUP_INVALID'): Promise<void> {
  const { harness, agent, framework } = setup;
  await accept(harness, framework, latestOffer(framework.probe), [launchGroup(executor, tasks)]);
  for (const task of tasks) {
    const updates = told(framework, task.taskId);
    expect(updates.map((update) => update.state), task.taskId).to.deep.equal(['TASK_ERROR']);
    expect(updates[0]?.reason).to.equal(reason);
    expect(updates[0]?.message).to.contain(words);
  }
  expect(all(agent.probe, 'RunTaskGroup')).to.have.length(0);
}

describe('actors/master: task groups (LAUNCH_GROUP)', () => {
  afterEach(cleanUp);

  it('launches a group whole: one RunTaskGroup, each task naming the executor, the executor charged once, counted as launch_group', async () => {
    const { harness, agent, framework } = await setUp();
    const tasks = [groupTask('a', agent.agentId), groupTask('b', agent.agentId, 'cpus:0.5;mem:64')];
    await accept(harness, framework, latestOffer(framework.probe), [launchGroup(defaultExecutor(), tasks)], 60);
    const runs = all(agent.probe, 'RunTaskGroup');
    expect(runs).to.have.length(1);
    const body = runs[0]?.body as { executor: ExecutorInfo; taskGroup: { tasks: TaskInfo[] }; launchExecutor: boolean; role: string };
    expect(body.launchExecutor).to.equal(true);
    expect(body.role).to.equal('*');
    expect(body.executor).to.deep.include({ executorId: 'pod', type: 'DEFAULT', frameworkId: framework.frameworkId });
    expect(body.taskGroup.tasks.map((task) => task.taskId)).to.deep.equal(['a', 'b']);
    for (const task of body.taskGroup.tasks) expect(task.executor).to.deep.equal(body.executor);
    expect(all(agent.probe, 'RunTask')).to.have.length(0);
    // The books: both tasks staging on the agent, under the executor; the executor's resources used once.
    const state = await masterState(harness) as unknown as { frameworks: Array<{ tasks: Array<{ id: string; state: string; executor_id: string }>; used_resources: { cpus: number; mem: number } }> };
    const books = state.frameworks[0];
    expect(books?.tasks.map((task) => [task.id, task.state, task.executor_id]).sort()).to.deep.equal([['a', 'TASK_STAGING', 'pod'], ['b', 'TASK_STAGING', 'pod']]);
    expect(books?.used_resources.cpus).to.be.closeTo(1.6, 1e-9);
    expect(books?.used_resources.mem).to.equal(224);
    expect((await metricsOf(harness))[`master/frameworks/test-framework/${framework.frameworkId}/operations/launch_group`]).to.equal(1);
    // A second group on the same executor: not launched again, its resources not charged again.
    await harness.clock.advance(61_000);
    await accept(harness, framework, latestOffer(framework.probe), [launchGroup(defaultExecutor(), [groupTask('c', agent.agentId)])], 60);
    const second = last(agent.probe, 'RunTaskGroup')?.body as { launchExecutor: boolean; taskGroup: { tasks: TaskInfo[] } };
    expect(second.launchExecutor).to.equal(false);
    const after = await masterState(harness) as unknown as { frameworks: Array<{ used_resources: { cpus: number } }> };
    expect(after.frameworks[0]?.used_resources.cpus).to.be.closeTo(2.6, 1e-9);
  });

  it('refuses the whole group when one task is invalid, naming that task; nothing is used', async () => {
    const setup = await setUp();
    const { harness, agent, framework } = setup;
    const tasks = [groupTask('ok', agent.agentId), { ...groupTask('bad', agent.agentId), resources: [] }];
    await expectRefused(setup, defaultExecutor(), tasks, "Task 'bad' is invalid: Task uses no resources");
    // Everything offered came back (refused for 0 s): offered again whole.
    await harness.clock.advance(1_000);
    expect(Resources.fromJSON(latestOffer(framework.probe).resources).scalar('cpus')).to.equal(4);
  });

  it('refuses a group with a task id used twice (an update for each), or already used by the framework', async () => {
    const setup = await setUp();
    const { harness, agent, framework } = setup;
    await accept(harness, framework, latestOffer(framework.probe), [launchGroup(defaultExecutor(), [groupTask('x', agent.agentId), groupTask('x', agent.agentId)])]);
    expect(told(framework, 'x').map((update) => [update.state, update.reason, update.message])).to.deep.equal([
      ['TASK_ERROR', 'REASON_TASK_GROUP_INVALID', "Task 'x' is invalid: Duplicate task ID 'x' in the task group"],
      ['TASK_ERROR', 'REASON_TASK_GROUP_INVALID', "Task 'x' is invalid: Duplicate task ID 'x' in the task group"],
    ]);
    await harness.clock.advance(1_000);
    await accept(harness, framework, latestOffer(framework.probe), [{ type: 'LAUNCH', launch: { taskInfos: [commandTask('y', agent.agentId)] } }]);
    await harness.clock.advance(1_000);
    await expectRefused(setup, defaultExecutor(), [groupTask('z', agent.agentId), groupTask('y', agent.agentId)], "Task 'y' is invalid: Task has duplicate ID: y");
  });

  it("refuses an executor without a type, a default executor with a command, and a custom one without", async () => {
    const setup = await setUp();
    const { agent } = setup;
    const { type: _type, ...untyped } = defaultExecutor();
    await expectRefused(setup, untyped, [groupTask('u1', agent.agentId)], "'ExecutorInfo.type' must be set");
    await setup.harness.clock.advance(1_000);
    await expectRefused(setup, { ...defaultExecutor(), command: { value: 'my-executor' } }, [groupTask('u2', agent.agentId)], "'ExecutorInfo.command' must not be set for 'DEFAULT' executor");
    await setup.harness.clock.advance(1_000);
    await expectRefused(setup, { ...defaultExecutor(), type: 'CUSTOM' }, [groupTask('u3', agent.agentId)], "'ExecutorInfo.command' must be set for 'CUSTOM' executor");
  });

  it('refuses an executor under the minimum cpus or memory, or without disk', async () => {
    const setup = await setUp();
    const { agent, harness } = setup;
    await expectRefused(setup, defaultExecutor('cpus:0.001;mem:32;disk:10'), [groupTask('m1', agent.agentId)], 'uses less CPUs (0.001) than the minimum required (0.01)');
    await harness.clock.advance(1_000);
    await expectRefused(setup, defaultExecutor('cpus:0.1;mem:16;disk:10'), [groupTask('m2', agent.agentId)], 'uses less memory (16MB) than the minimum required (32MB)');
    await harness.clock.advance(1_000);
    await expectRefused(setup, defaultExecutor('cpus:0.1;mem:32'), [groupTask('m3', agent.agentId)], "Executor 'pod' uses no disk");
  });

  it('refuses a task naming another executor than the group, and a default executor task without a command', async () => {
    const setup = await setUp();
    const { agent, harness } = setup;
    const other = { ...groupTask('e1', agent.agentId), executor: defaultExecutor('cpus:0.1;mem:32;disk:10', 'other') };
    await expectRefused(setup, defaultExecutor(), [other], "The `ExecutorInfo` of task 'e1' is different from executor 'pod'");
    await harness.clock.advance(1_000);
    const { command: _command, ...commandless } = groupTask('e2', agent.agentId);
    await expectRefused(setup, defaultExecutor(), [commandless], "Task 'e2' is invalid: a task of the default executor needs a 'command'");
  });

  it('refuses a group that does not fit in the offers with its new executor', async () => {
    const setup = await setUp();
    const { agent } = setup;
    // 2 × 1.95 cpus fit in 4, but not with the executor's 0.2.
    await expectRefused(setup, defaultExecutor('cpus:0.2;mem:32;disk:10'), [groupTask('f1', agent.agentId, 'cpus:1.95;mem:64'), groupTask('f2', agent.agentId, 'cpus:1.95;mem:64')], 'required by task group and its executor are more than available');
  });

  it('refuses the whole group, REASON_TASK_GROUP_UNAUTHORIZED, when the ACLs do not let one task run as its user', async () => {
    const acls = parseAcls({
      permissive: true,
      run_tasks: [{ principals: { type: 'ANY' }, users: { values: ['tester', 'nobody'] } }, { principals: { type: 'ANY' }, users: { type: 'NONE' } }],
    });
    const setup = await setUp({ acls });
    const { agent } = setup;
    await expectRefused(setup, defaultExecutor(), [groupTask('p1', agent.agentId, 'cpus:1;mem:64', 'nobody'), groupTask('p2', agent.agentId, 'cpus:1;mem:64', 'root')], "Task 'p2' is not authorized to launch", 'REASON_TASK_GROUP_UNAUTHORIZED');
  });

  it('answers a group on invalid offers with TASK_LOST for each task (REASON_INVALID_OFFERS)', async () => {
    const { harness, agent, framework } = await setUp();
    framework.probe.post(harness.masterPid, 'AcceptOffers', { frameworkId: framework.frameworkId, offerIds: ['no-such-offer'], operations: [launchGroup(defaultExecutor(), [groupTask('l1', agent.agentId), groupTask('l2', agent.agentId)])] });
    await harness.clock.settle();
    for (const taskId of ['l1', 'l2']) expect(told(framework, taskId).map((update) => [update.state, update.reason])).to.deep.equal([['TASK_LOST', 'REASON_INVALID_OFFERS']]);
  });

  it('drops a LAUNCH_GROUP without its launchGroup field, and goes on with the next operation', async () => {
    const { harness, agent, framework } = await setUp();
    await accept(harness, framework, latestOffer(framework.probe), [{ type: 'LAUNCH_GROUP' }, { type: 'LAUNCH', launch: { taskInfos: [commandTask('next', agent.agentId)] } }]);
    expect(harness.captured.find("dropping a LAUNCH_GROUP without its 'launchGroup' field")).to.have.length(1);
    expect(all(agent.probe, 'RunTask')).to.have.length(1);
    expect(all(agent.probe, 'RunTaskGroup')).to.have.length(0);
  });
});
