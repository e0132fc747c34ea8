/**
 * The agent's side of draining (Mesos' `Slave::drain`, `updateDrainStatus`, and the draining
 * checks of `Slave::run` and `Slave::statusUpdate`): told to drain by its master, it checkpoints
 * the config, kills every task with its grace period capped, refuses new tasks, marks the updates
 * of tasks killed meanwhile, and is drained once nothing is left; a restart drains on.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { StatusUpdate, TaskInfo } from '../../../lib/protocol';
import { recoverCheckpoints, type AgentHandle } from '../../../actors/agent';
import { AgentHarness, AgentMachine, AGENT_ID, counterUuid, EXECUTOR_MESSAGES, FRAMEWORK_ID, TimedProbe, useMachines } from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

const SECOND_NS = 1_000_000_000;

/** Agents made here, stopped after each test. */
const harnesses: AgentHarness[] = [];

async function registered(): Promise<AgentHarness> {
  const h = new AgentHarness();
  harnesses.push(h);
  await h.register();
  return h;
}

/** RunTask of `task` (of a framework with `capabilities`); its command executor registers; returns the executor. */
async function running(h: AgentHarness, task: TaskInfo, capabilities: Array<'PARTITION_AWARE' | 'TASK_KILLING_STATE'> = []): Promise<TimedProbe> {
  h.runTask(task, capabilities);
  await h.clock.settle();
  const executor = await h.registerExecutor(task.taskId);
  expect(executor.count('RunTaskOnExecutor'), task.taskId).to.equal(1);
  return executor;
}

/** The kills each executor was sent, as `[taskId, gracePeriodSeconds]`. */
function kills(...executors: TimedProbe[]): Array<[string, number | undefined]> {
  return executors.flatMap((executor) => executor.bodies<{ taskId: string; gracePeriodSeconds?: number }>('KillTaskOnExecutor').map((kill): [string, number | undefined] => [kill.taskId, kill.gracePeriodSeconds]));
}

/** GET_AGENT's answer of the agent's v1 operator API. */
function getAgent(h: AgentHarness): Promise<Json> {
  return dispatch(h.agent, async (agent) => {
    const route = agent.runtime.routes.get('/api/v1');
    if (!route) throw new Error('no /api/v1 route');
    const response = await route.call(agent, { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify({ type: 'GET_AGENT' })) });
    return (response.body as Json).get_agent as Json;
  });
}

/** The updates the master got of `taskId`, as `[state, reason]`. */
function forwardedOf(h: AgentHarness | Machine, taskId: string): Array<[string, string | undefined]> {
  return h.forwarded().filter((update) => update.status.taskId === taskId).map((update) => [update.status.state, update.status.reason]);
}

describe('actors/agent: draining (DrainAgent)', () => {
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it("kills every task, each kill's grace period capped by max_grace_period (a longer one, or none, gets the cap; a shorter one stays: Mesos' calculateKillPolicy)", async () => {
    const h = await registered();
    const long = await running(h, AgentHarness.commandTask('long', 'sleep 600', { killPolicy: { gracePeriodSeconds: 30 } }));
    const short = await running(h, AgentHarness.commandTask('short', 'sleep 600', { killPolicy: { gracePeriodSeconds: 2 } }));
    const none = await running(h, AgentHarness.commandTask('none'));
    h.fromMaster('DrainAgent', { config: { maxGracePeriodNs: 5 * SECOND_NS, markGone: false } });
    await h.clock.settle();
    expect(kills(long, short, none)).to.deep.equal([['long', 5], ['short', 2], ['none', 5]]);
    const state = await h.state();
    expect(state.drain_config).to.deep.equal({ max_grace_period: { nanoseconds: 5 * SECOND_NS }, mark_gone: false });
    expect(state.estimated_drain_start_time_seconds).to.equal(h.clock.now() / 1000);
    expect(await getAgent(h)).to.deep.include({ drain_config: { max_grace_period: { nanoseconds: 5 * SECOND_NS }, mark_gone: false }, estimated_drain_start_time: { nanoseconds: h.clock.now() * 1e6 } });
  });

  it('without max_grace_period each task keeps its own grace period; a task still queued for its executor is killed at once', async () => {
    const h = await registered();
    const long = await running(h, AgentHarness.commandTask('long', 'sleep 600', { killPolicy: { gracePeriodSeconds: 30 } }));
    const none = await running(h, AgentHarness.commandTask('none'));
    h.runTask(AgentHarness.commandTask('queued')); // its executor never registers
    await h.clock.settle();
    h.fromMaster('DrainAgent', { config: { markGone: false } });
    await h.clock.settle();
    expect(kills(long, none)).to.deep.equal([['long', 30], ['none', undefined]]);
    expect(forwardedOf(h, 'queued'), 'killed before delivery; its update says why').to.deep.equal([['TASK_KILLED', 'REASON_AGENT_DRAINING']]);
  });

  it('refuses a task while it drains (TASK_LOST, TASK_DROPPED when partition-aware, REASON_AGENT_DRAINING), and marks the updates of the tasks it kills', async () => {
    const h = await registered();
    const executor = await running(h, AgentHarness.commandTask('t1'), ['TASK_KILLING_STATE']);
    h.fromMaster('DrainAgent', { config: { markGone: false } });
    await h.clock.settle();
    h.runTask(AgentHarness.commandTask('late'));
    h.runTask(AgentHarness.commandTask('late-aware'), ['PARTITION_AWARE'], 'F2');
    await h.clock.settle();
    expect(h.launcher.runs.map((run) => run.launch.executorId), 'no executor started for them').to.deep.equal(['t1']);
    const refused = h.forwarded().filter((update) => update.status.taskId.startsWith('late')).map((update) => [update.status.taskId, update.status.state, update.status.reason, update.status.message]);
    expect(refused).to.deep.equal([
      ['late', 'TASK_LOST', 'REASON_AGENT_DRAINING', 'Task was received while agent was already draining'],
      ['late-aware', 'TASK_DROPPED', 'REASON_AGENT_DRAINING', 'Task was received while agent was already draining'],
    ]);
    h.sendUpdate(executor, h.executorUpdate('t1', 'TASK_KILLING'));
    h.sendUpdate(executor, h.executorUpdate('t1', 'TASK_KILLED'));
    await h.clock.settle();
    const [killing] = h.forwarded().filter((update) => update.status.taskId === 't1');
    expect([killing?.status.state, killing?.status.reason]).to.deep.equal(['TASK_KILLING', 'REASON_AGENT_DRAINING']);
    h.acknowledge(killing as StatusUpdate);
    await h.clock.settle();
    expect(forwardedOf(h, 't1')).to.deep.equal([['TASK_KILLING', 'REASON_AGENT_DRAINING'], ['TASK_KILLED', 'REASON_AGENT_DRAINING']]);
  });

  it("drained to be marked gone, a partition-aware framework's killed task is TASK_GONE_BY_OPERATOR (Mesos); another's stays TASK_KILLED", async () => {
    const h = await registered();
    const aware = await running(h, AgentHarness.commandTask('aware'), ['PARTITION_AWARE']);
    h.runTask(AgentHarness.commandTask('plain'), [], 'F2');
    await h.clock.settle();
    const plain = await h.registerExecutor('plain', 'F2');
    h.fromMaster('DrainAgent', { config: { markGone: true } });
    await h.clock.settle();
    h.sendUpdate(aware, h.executorUpdate('aware', 'TASK_KILLED'));
    h.sendUpdate(plain, { ...h.executorUpdate('plain', 'TASK_KILLED'), frameworkId: 'F2' });
    await h.clock.settle();
    expect(forwardedOf(h, 'aware')).to.deep.equal([['TASK_GONE_BY_OPERATOR', 'REASON_AGENT_DRAINING']]);
    expect(forwardedOf(h, 'plain')).to.deep.equal([['TASK_KILLED', 'REASON_AGENT_DRAINING']]);
  });

  it('is drained once nothing is left (every update acknowledged, every executor gone): the config goes, and tasks are taken again', async () => {
    const h = await registered();
    const executor = await running(h, AgentHarness.commandTask('t1'));
    h.fromMaster('DrainAgent', { config: { maxGracePeriodNs: SECOND_NS } });
    await h.clock.settle();
    h.sendUpdate(executor, h.executorUpdate('t1', 'TASK_KILLED'));
    await h.clock.settle();
    h.launcher.run('t1').exit();
    await h.clock.settle();
    expect((await h.state()).drain_config, 'its update is not yet acknowledged').to.not.equal(undefined);
    h.acknowledge(h.forwarded().at(-1) as StatusUpdate);
    await h.clock.settle();
    const state = await h.state();
    expect(state).to.not.have.property('drain_config');
    expect(state).to.not.have.property('estimated_drain_start_time_seconds');
    expect(await getAgent(h)).to.not.have.property('drain_config');
    await running(h, AgentHarness.commandTask('after'));
    expect(forwardedOf(h, 'after'), 'launched, not refused').to.deep.equal([]);
  });

  it('with nothing on it, it is drained already (Mesos: "draining is already complete"); a DrainAgent from anyone but its master is ignored', async () => {
    const h = await registered();
    h.fromMaster('DrainAgent', { config: { markGone: false } });
    await h.clock.settle();
    expect(await h.state()).to.not.have.property('drain_config');
    await running(h, AgentHarness.commandTask('t1'));
    const stranger = new TimedProbe('stranger', []);
    h.host.spawn(stranger);
    stranger.post(h.agentPid, 'DrainAgent', { config: { maxGracePeriodNs: 0 } });
    await h.clock.settle();
    expect(await h.state()).to.not.have.property('drain_config');
    expect(h.forwarded().filter((update) => update.status.taskId === 't1')).to.deep.equal([]);
  });
});

const WORK_DIR = '/agent';
const FRAMEWORK = { id: FRAMEWORK_ID, name: 'fw', user: 'u', checkpoint: true };

/** A machine whose agent restarts over its work dir. */
class Machine extends AgentMachine {
  private updates = 0;

  constructor() {
    super(WORK_DIR, 'cpus:4;mem:4096');
  }

  task(taskId: string): TaskInfo {
    return AgentHarness.commandTask(taskId, 'sleep 600', { killPolicy: { gracePeriodSeconds: 60 } });
  }

  forwarded(): StatusUpdate[] {
    return this.master.bodies<{ update: StatusUpdate }>('StatusUpdate').map((body) => body.update);
  }

  update(taskId: string, state: StatusUpdate['status']['state']): StatusUpdate {
    return { frameworkId: FRAMEWORK_ID, executorId: taskId, status: { taskId, state }, timestamp: this.clock.now() / 1000, uuid: counterUuid(++this.updates) };
  }

  async state(): Promise<Json> {
    const response = await dispatch((this.agent as AgentHandle).agent, (agent) => agent.stateResponse(undefined));
    return (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Json;
  }
}

describe('actors/agent: draining across a restart (the checkpointed DrainConfig)', () => {
  const machine = useMachines(() => new Machine());

  it('a restarted agent drains on: its executors that come back are killed again, new tasks are refused, and it is drained (the checkpoint forgotten) once nothing is left', async () => {
    const m = machine();
    await m.registeredAs(AGENT_ID);
    m.fromMaster('RunTask', { framework: FRAMEWORK, frameworkId: FRAMEWORK_ID, task: m.task('t1') });
    await m.clock.settle();
    const executor = new TimedProbe('executor-t1', EXECUTOR_MESSAGES);
    m.host.spawn(executor);
    executor.post(m.agent?.pid as never, 'RegisterExecutor', { frameworkId: FRAMEWORK_ID, executorId: 't1', ...m.launcher.tokenOf(FRAMEWORK_ID, 't1') });
    await m.clock.settle();
    m.fromMaster('DrainAgent', { config: { maxGracePeriodNs: 5 * SECOND_NS, markGone: false } });
    await m.clock.settle();
    expect(kills(executor)).to.deep.equal([['t1', 5]]);
    expect((await recoverCheckpoints(m.disk, WORK_DIR))?.drainConfig, 'checkpointed').to.deep.equal({ maxGracePeriodNs: 5 * SECOND_NS, markGone: false });

    await m.kill();
    await m.start();
    executor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: FRAMEWORK_ID, executorId: 't1', tasks: [m.task('t1')], updates: [] });
    await m.clock.settle();
    expect(kills(executor), 'killed again once recovered (Mesos replays the drain)').to.deep.equal([['t1', 5], ['t1', 5]]);
    expect((await m.state()).drain_config).to.deep.equal({ max_grace_period: { nanoseconds: 5 * SECOND_NS }, mark_gone: false });
    await m.clock.advance(1_000); // registration backoff
    m.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, reconciliations: [], executors: [] });
    await m.clock.settle();
    m.fromMaster('RunTask', { framework: FRAMEWORK, frameworkId: FRAMEWORK_ID, task: m.task('late') });
    await m.clock.settle();
    expect(m.forwarded().filter((update) => update.status.taskId === 'late').map((update) => [update.status.state, update.status.reason])).to.deep.equal([['TASK_LOST', 'REASON_AGENT_DRAINING']]);

    const killed = m.update('t1', 'TASK_KILLED');
    executor.post(m.agent?.pid as never, 'StatusUpdate', { update: killed, pid: executor.self().toString() });
    await m.clock.settle();
    m.launcher.recovered.get([...m.launcher.recovered.keys()][0] as string)?.exit({ code: 0, signal: null });
    await m.clock.settle();
    for (const update of m.forwarded()) m.fromMaster('StatusUpdateAcknowledgement', { agentId: AGENT_ID, frameworkId: update.frameworkId, taskId: update.status.taskId, uuid: update.uuid });
    await m.clock.settle();
    expect(m.forwarded().filter((update) => update.status.taskId === 't1').map((update) => [update.status.state, update.status.reason])).to.deep.equal([['TASK_KILLED', 'REASON_AGENT_DRAINING']]);
    expect(await m.state()).to.not.have.property('drain_config');
    expect((await recoverCheckpoints(m.disk, WORK_DIR))?.drainConfig, 'forgotten').to.equal(undefined);
  });
});
