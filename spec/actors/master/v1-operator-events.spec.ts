/**
 * The operator event stream's events against what Mesos' master sends, case by case (review of
 * 2026-12-06): when TASK_UPDATED is sent (`Master::updateTask`: for each status of a new state,
 * and each check or health check result, not only when the task's state changes), and the
 * HEARTBEAT that follows SUBSCRIBED at once (`ReadOnlyHandler::subscribe`). Spoken with nothing
 * but Node's `http` against a real master on a network host (virtual clock).
 */
import { expect } from 'chai';
import { basicAuthorization } from '../../../lib/process';
import { dispatch } from '../../../lib/actor';
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS, type StatusUpdate, type TaskState, type TaskStatus } from '../../../lib/protocol';
import { parseAcls, type MasterFlags } from '../../../actors/master';
import { V1Subscription, type V1Event } from '../../support/v1-client';
import {
  cleanUp, commandTask, latestOffer, launch, makeWorkDir, metricsOf, registerAgent, registerFramework, startListeningHarness, type AgentHandle, type Harness,
} from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

const started: Harness[] = [];

/** Stops the masters `listening` started, and cleans up (each describe's `afterEach`). */
async function stopStarted(): Promise<void> {
  await Promise.all(started.splice(0).map((harness) => harness.host.stop()));
  await cleanUp();
}

async function listening(extra: Partial<MasterFlags> = {}, workDir = makeWorkDir()): Promise<{ harness: Harness; address: string }> {
  const harness = await startListeningHarness(extra, workDir);
  started.push(harness);
  return { harness, address: harness.host.address };
}

let nextUuid = 1;

/** The agent's status update for `taskId`, with the status's extra fields and the update's `latestState` (Mesos' `latest_state`). */
async function update(
  harness: Harness, agent: AgentHandle, frameworkId: string, taskId: string, state: TaskState,
  extra: Partial<TaskStatus> = {}, latestState?: TaskState,
): Promise<void> {
  const uuid = `events-uuid-${nextUuid++}`;
  const timestamp = harness.clock.now() / 1000;
  const body: StatusUpdate = {
    frameworkId, agentId: agent.agentId, timestamp, uuid,
    status: { taskId, state, source: 'SOURCE_EXECUTOR', agentId: agent.agentId, timestamp, uuid, ...extra },
    ...(latestState !== undefined ? { latestState } : {}),
  };
  agent.probe.post(harness.masterPid, 'StatusUpdate', { update: body, pid: agent.probe.self().toString() });
  await harness.clock.settle();
}

/** A master with a subscriber, an agent and a framework whose task `t1` was just launched (TASK_ADDED heard). */
async function launched(): Promise<{ harness: Harness; stream: V1Subscription; agent: AgentHandle; frameworkId: string }> {
  const { harness, address } = await listening();
  const agent = await registerAgent(harness, 'cpus:4;mem:1024');
  const framework = await registerFramework(harness, { name: 'events', user: 'tester' });
  await harness.clock.advance(1_000);
  const stream = new V1Subscription(address, '/api/v1');
  await stream.open({ type: 'SUBSCRIBE' });
  await stream.next((event) => event.type === 'SUBSCRIBED');
  await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:128')]);
  await stream.next((event) => event.type === 'TASK_ADDED');
  return { harness, stream, agent, frameworkId: framework.frameworkId };
}

/** The TASK_UPDATED events so far, as `[state, status.state, status.reason]`. */
function taskUpdates(stream: V1Subscription): Array<[string, string, string | undefined]> {
  return stream.events.filter((event: V1Event) => event.type === 'TASK_UPDATED').map((event) => {
    const updated = event.task_updated as Json;
    return [updated.state as string, updated.status.state as string, updated.status.reason as string | undefined];
  });
}

/** Waits until the stream has `count` TASK_UPDATED events (a heartbeat after them shows none more came). */
async function settledUpdates(harness: Harness, stream: V1Subscription, count: number): Promise<Array<[string, string, string | undefined]>> {
  await stream.next(() => taskUpdates(stream).length >= count);
  // Everything the master sent before the heartbeat is in: no further TASK_UPDATED hides behind it.
  const heartbeats = stream.events.filter((event) => event.type === 'HEARTBEAT').length;
  await harness.clock.advance(15_000);
  await stream.next(() => stream.events.filter((event) => event.type === 'HEARTBEAT').length > heartbeats);
  return taskUpdates(stream);
}

describe('actors/master: the operator event stream\'s events, as Mesos sends them', () => {
  afterEach(stopStarted);

  it('sends TASK_UPDATED for each health check result, as Mesos does, though the task stays TASK_RUNNING (it sent only state changes)', async () => {
    const { harness, stream, agent, frameworkId } = await launched();
    try {
      await update(harness, agent, frameworkId, 't1', 'TASK_RUNNING');
      await update(harness, agent, frameworkId, 't1', 'TASK_RUNNING', { reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: true });
      await update(harness, agent, frameworkId, 't1', 'TASK_RUNNING', { reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: false });
      // A status of the same state that is no check result (a retry) is no news: Mesos sends nothing.
      await update(harness, agent, frameworkId, 't1', 'TASK_RUNNING');
      expect(await settledUpdates(harness, stream, 3)).to.deep.equal([
        ['TASK_RUNNING', 'TASK_RUNNING', undefined],
        ['TASK_RUNNING', 'TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'],
        ['TASK_RUNNING', 'TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'],
      ]);
      const health = stream.events.filter((event) => event.type === 'TASK_UPDATED').slice(1).map((event) => (event.task_updated as Json).status.healthy as boolean);
      expect(health).to.deep.equal([true, false]);
    } finally {
      stream.close();
    }
  });

  it('sends TASK_UPDATED for a status whose state is new though the task\'s latest state is not (an agent\'s latest_state ran ahead): the terminal status was never streamed', async () => {
    const { harness, stream, agent, frameworkId } = await launched();
    try {
      // The task finished before the scheduler acknowledged TASK_RUNNING: the agent sends
      // TASK_RUNNING with latest_state TASK_FINISHED, then, once acknowledged, TASK_FINISHED.
      await update(harness, agent, frameworkId, 't1', 'TASK_RUNNING', {}, 'TASK_FINISHED');
      await update(harness, agent, frameworkId, 't1', 'TASK_FINISHED', {}, 'TASK_FINISHED');
      expect(await settledUpdates(harness, stream, 2)).to.deep.equal([
        ['TASK_FINISHED', 'TASK_RUNNING', undefined],
        ['TASK_FINISHED', 'TASK_FINISHED', undefined],
      ]);
    } finally {
      stream.close();
    }
  });
});

describe('actors/master: the operator event stream\'s first HEARTBEAT', () => {
  afterEach(stopStarted);

  it('follows SUBSCRIBED at once, before any event, as Mesos\' subscribe writes it; the next comes an interval later', async () => {
    const { harness, address } = await listening();
    const stream = new V1Subscription(address, '/api/v1');
    await stream.open({ type: 'SUBSCRIBE' });
    try {
      await stream.next((event) => event.type === 'SUBSCRIBED');
      // No time passes on the master's clock: the first heartbeat is not the timer's.
      await stream.next((event) => event.type === 'HEARTBEAT', 2_000);
      await registerAgent(harness, 'cpus:2;mem:512');
      await stream.next((event) => event.type === 'AGENT_ADDED');
      expect(stream.events.map((event) => event.type)).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT', 'AGENT_ADDED']);
      await harness.clock.advance(14_000);
      await harness.clock.advance(1_000);
      await stream.next((event) => event.type === 'HEARTBEAT', 15_000, 3);
      expect(stream.events.map((event) => event.type)).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT', 'AGENT_ADDED', 'HEARTBEAT']);
    } finally {
      stream.close();
    }
  });
});

describe('actors/master: view_roles in the operator API\'s agents', () => {
  afterEach(stopStarted);

  /** The names and reservation roles of `resources` (v1 `Resource`s), e.g. `cpus(eng)`, `mem`. */
  const described = (resources: Json[] | undefined): string[] => (resources ?? []).map((resource) => {
    const reservations = (resource.reservations as Json[] | undefined) ?? [];
    return reservations.length === 0 ? resource.name as string : `${resource.name as string}(${reservations.map((reservation) => reservation.role as string).join('/')})`;
  });

  it('leaves out resources reserved for roles the caller may not view, in GET_AGENTS, GET_STATE, SUBSCRIBED and AGENT_ADDED, as Mesos\' createAgentResponse does (they were all shown)', async () => {
    const credentials = new Map([['admin', 'a'], ['ops', 'o']]);
    const acls = parseAcls({
      view_roles: [{ principals: { values: ['admin'] }, roles: { type: 'ANY' } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
    });
    const { harness, address } = await listening({ credentials, authenticateHttpReadonly: true, acls });
    await registerAgent(harness, 'cpus:2;cpus(eng):1;mem:512', 'reserved.local');
    const asOps = { authorization: basicAuthorization('ops', 'o') };
    const asAdmin = { authorization: basicAuthorization('admin', 'a') };
    const ops = new V1Subscription(address, '/api/v1');
    const admin = new V1Subscription(address, '/api/v1');
    await ops.open({ type: 'SUBSCRIBE' }, asOps);
    await admin.open({ type: 'SUBSCRIBE' }, asAdmin);
    try {
      const post = async (body: object, headers: Record<string, string>): Promise<Json> => {
        const response = await fetch(`http://${address}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
        expect(response.status).to.equal(200);
        return await response.json() as Json;
      };
      const opsAgents: Json[] = [
        (await post({ type: 'GET_AGENTS' }, asOps)).get_agents.agents[0],
        (await post({ type: 'GET_STATE' }, asOps)).get_state.get_agents.agents[0],
        ((await ops.next((event) => event.type === 'SUBSCRIBED')).subscribed as Json).get_state.get_agents.agents[0],
      ];
      await registerAgent(harness, 'cpus:1;cpus(eng):1;mem:256', 'second.local');
      opsAgents.push(((await ops.next((event) => event.type === 'AGENT_ADDED')).agent_added as Json).agent);
      for (const agent of opsAgents) {
        expect(described(agent.total_resources), 'total_resources').to.deep.equal(['cpus', 'mem']);
        expect(described(agent.agent_info.resources), 'agent_info.resources').to.deep.equal(['cpus', 'mem']);
      }
      // A viewer of every role sees the reservations.
      const adminAgents: Json[] = [
        (await post({ type: 'GET_AGENTS' }, asAdmin)).get_agents.agents[0],
        ((await admin.next((event) => event.type === 'SUBSCRIBED')).subscribed as Json).get_state.get_agents.agents[0],
        ((await admin.next((event) => event.type === 'AGENT_ADDED')).agent_added as Json).agent,
      ];
      for (const agent of adminAgents) expect(described(agent.total_resources)).to.deep.equal(['cpus', 'cpus(eng)', 'mem']);
      // Asked again, from the kept texts: still filtered.
      expect((await post({ type: 'GET_AGENTS' }, asOps)).get_agents.agents.map((agent: Json) => described(agent.total_resources))).to.deep.equal([['cpus', 'mem'], ['cpus', 'mem']]);
    } finally {
      ops.close();
      admin.close();
    }
  });

  it('leaves out of FRAMEWORK_ADDED and FRAMEWORK_UPDATED the resources allocated to a role the subscriber may not view, as Mesos\' subscriber does', async () => {
    const credentials = new Map([['admin', 'a'], ['ops', 'o']]);
    const acls = parseAcls({
      view_roles: [{ principals: { values: ['admin'] }, roles: { type: 'ANY' } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
    });
    const { harness, address } = await listening({ credentials, authenticateHttpReadonly: true, acls });
    const agent = await registerAgent(harness, 'cpus:4;mem:1024');
    const ops = new V1Subscription(address, '/api/v1');
    const admin = new V1Subscription(address, '/api/v1');
    await ops.open({ type: 'SUBSCRIBE' }, { authorization: basicAuthorization('ops', 'o') });
    await admin.open({ type: 'SUBSCRIBE' }, { authorization: basicAuthorization('admin', 'a') });
    try {
      await ops.next((event) => event.type === 'SUBSCRIBED');
      await admin.next((event) => event.type === 'SUBSCRIBED');
      const framework = await registerFramework(harness, { name: 'eng-framework', roles: ['eng'], capabilities: ['MULTI_ROLE'], failoverTimeout: 600 });
      await harness.clock.advance(1_000);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:128')]);
      harness.host.terminate(framework.probe);
      await harness.clock.settle();
      const updated = async (stream: V1Subscription): Promise<Json> => ((await stream.next((event) => event.type === 'FRAMEWORK_UPDATED')).framework_updated as Json).framework;
      const seenByAdmin = await updated(admin);
      expect(described(seenByAdmin.allocated_resources)).to.deep.equal(['cpus', 'mem']);
      expect(seenByAdmin.allocated_resources[0].allocation_info).to.deep.equal({ role: 'eng' });
      const seenByOps = await updated(ops);
      expect(seenByOps).to.deep.include({ connected: false });
      expect(seenByOps).to.not.have.property('allocated_resources');
    } finally {
      ops.close();
      admin.close();
    }
  });
});

describe('actors/master: a torn-down framework\'s unreachable tasks', () => {
  afterEach(stopStarted);

  it('become TASK_KILLED completed tasks, each streamed as TASK_UPDATED before FRAMEWORK_REMOVED, as Mesos\' removeFramework does (they stayed TASK_UNREACHABLE)', async () => {
    const { harness, address } = await listening();
    const agent = await registerAgent(harness, 'cpus:4;mem:1024');
    const framework = await registerFramework(harness, { name: 'partitioned', capabilities: ['PARTITION_AWARE'] });
    await harness.clock.advance(1_000);
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:128')]);
    await update(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
    agent.probe.answerPings = false;
    await harness.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
    const stream = new V1Subscription(address, '/api/v1');
    await stream.open({ type: 'SUBSCRIBE' });
    try {
      const subscribed = await stream.next((event) => event.type === 'SUBSCRIBED');
      expect(((subscribed.subscribed as Json).get_state.get_tasks.unreachable_tasks as Json[]).map((task) => task.state)).to.deep.equal(['TASK_UNREACHABLE']);
      const teardown = await fetch(`http://${address}/api/v1`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'TEARDOWN', teardown: { framework_id: { value: framework.frameworkId } } }),
      });
      expect(teardown.status).to.equal(200);
      await stream.next((event) => event.type === 'FRAMEWORK_REMOVED');
      const events = stream.events.filter((event) => event.type !== 'HEARTBEAT' && event.type !== 'SUBSCRIBED');
      expect(events.map((event) => event.type)).to.deep.equal(['TASK_UPDATED', 'FRAMEWORK_REMOVED']);
      const updated = events[0]?.task_updated as Json;
      expect(updated.state).to.equal('TASK_KILLED');
      expect(updated.status).to.deep.include({ task_id: { value: 't1' }, state: 'TASK_KILLED', reason: 'REASON_FRAMEWORK_REMOVED', source: 'SOURCE_MASTER' });
      const tasks = await fetch(`http://${address}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"GET_TASKS"}' });
      const getTasks = (await tasks.json() as Json).get_tasks as Json;
      expect(getTasks.unreachable_tasks).to.deep.equal([]);
      expect((getTasks.completed_tasks as Json[]).map((task) => [task.task_id.value, task.state])).to.deep.equal([['t1', 'TASK_KILLED']]);
      // Counted as the framework's TASK_KILLED, as Mesos' updateTask counts it (review: it was not).
      const metrics = await metricsOf(harness);
      expect(metrics[`master/frameworks/partitioned/${framework.frameworkId}/tasks/terminal/task_killed`]).to.equal(1);
      // Every kept rendering (warmed before the teardown by SUBSCRIBED and GET_TASKS) agrees with one afresh.
      for (const [name, { fragments, fresh }] of Object.entries(await dispatch(harness.handle.master, (master) => master.renderedTexts()))) {
        expect(fragments, name).to.equal(fresh);
      }
    } finally {
      stream.close();
    }
  });
});
