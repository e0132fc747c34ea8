/**
 * The v1 executor API against a hostile or buggy executor (a review pass against Mesos'
 * `Http::executor`, `validateExecutorCall` and `Slave::subscribe`/`statusUpdate`): what it
 * refuses, what it answers, and what it keeps, under the agent harness (virtual clock, fake
 * launcher and master).
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { HttpRequest, HttpResponse, HttpStream } from '../../../lib/process';
import type { StatusUpdate, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { EXECUTOR_STATUS_UPDATE_RETRY_INTERVAL_MS } from '../../../actors/framework/executor';
import { ExecutorApi, MAX_EXECUTOR_CALL_BYTES } from '../../../actors/agent/v1-executor';
import { AGENT_ID, AgentHarness, FRAMEWORK_ID } from './harness';
import { RealCluster } from './real-master';
import { StreamReader } from '../../support/recordio';

/** A task for custom executor `executorId`. */
function task(taskId: string, executorId: string): TaskInfo {
  return { name: taskId, taskId, agentId: AGENT_ID, resources: Resources.parse('cpus:0.1;mem:32').toJSON(), executor: { executorId, frameworkId: FRAMEWORK_ID, command: { value: 'my-executor' } } };
}

/** The call's ids for executor `executorId`. */
function ids(executorId: string): { framework_id: { value: string }; executor_id: { value: string } } {
  return { framework_id: { value: FRAMEWORK_ID }, executor_id: { value: executorId } };
}

/** A v1 TaskStatus as an executor sends it (`uuid` 16 bytes of base64). */
function v1Status(taskId: string, state: string, uuid: string): Record<string, unknown> {
  return { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid };
}

/** A UUID's 16 bytes, base64, made of `byte` (with a version 4 UUID's version and variant bits). */
function uuidBytes(byte: number): string {
  const bytes = Buffer.alloc(16, byte);
  bytes[6] = 0x40 | (byte & 0x0f);
  bytes[8] = 0x80 | (byte & 0x3f);
  return bytes.toString('base64');
}

describe('actors/agent: the v1 executor API against a hostile executor (harness)', () => {
  let harness: AgentHarness;
  let api: ExecutorApi;

  beforeEach(async () => {
    harness = new AgentHarness();
    await harness.register();
    api = new ExecutorApi({ agent: harness.agent });
    harness.host.spawn(api);
    harness.runTask(task('T1', 'E1'));
    harness.runTask(task('T2', 'E2'));
    await harness.clock.settle();
  });

  afterEach(async () => {
    await harness.stop();
  });

  function tokenOf(executorId: string): string {
    return harness.launcher.run(executorId).launch.token as string;
  }

  async function serve(body: object, token: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const request: HttpRequest = {
      method: 'POST', path: '/v1/executor', query: {}, body: Buffer.from(JSON.stringify(body)),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    };
    const answer = dispatch(api, (served) => served.serve(request));
    await harness.clock.settle();
    return answer;
  }

  async function subscribe(executorId: string, subscription: object = {}): Promise<StreamReader> {
    const response = await serve({ type: 'SUBSCRIBE', ...ids(executorId), subscribe: subscription }, tokenOf(executorId));
    expect(response.status, String(response.body)).to.equal(200);
    const reader = new StreamReader(response.stream as HttpStream);
    await harness.clock.settle();
    return reader;
  }

  async function invalidUpdates(): Promise<number> {
    const metrics = await dispatch(harness.agent, (agent) => agent.metrics());
    return metrics['slave/invalid_status_updates'] ?? 0;
  }

  it('writes ACKNOWLEDGED for the updates an executor sends after SHUTDOWN (its tasks\' TASK_KILLED), as Mesos acknowledges a terminating HTTP executor', async () => {
    const reader = await subscribe('E1');
    harness.fromMaster('ShutdownExecutor', { frameworkId: FRAMEWORK_ID, executorId: 'E1' });
    await harness.clock.settle();
    expect(reader.types()).to.deep.equal(['SUBSCRIBED', 'LAUNCH', 'SHUTDOWN']);
    const killed = await serve({ type: 'UPDATE', ...ids('E1'), update: { status: v1Status('T1', 'TASK_KILLED', uuidBytes(7)) } }, tokenOf('E1'));
    expect(killed.status).to.equal(202);
    expect(harness.forwarded().map((update) => [update.status.taskId, update.status.state])).to.deep.equal([['T1', 'TASK_KILLED']]);
    const acknowledged = reader.events().filter((event) => event.type === 'ACKNOWLEDGED');
    expect(acknowledged, 'the executor hears that the agent has its TASK_KILLED').to.deep.equal([
      { type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 'T1' }, uuid: uuidBytes(7) } },
    ]);
  });

  it('refuses (400) an UPDATE, or a SUBSCRIBE\'s unacknowledged update, whose reason is no TaskStatus.Reason, as Mesos\' JSON conversion does; a known reason passes', async () => {
    await subscribe('E1');
    const made = { ...v1Status('T1', 'TASK_FAILED', uuidBytes(11)), reason: 'REASON_MADE_UP' };
    const refused = await serve({ type: 'UPDATE', ...ids('E1'), update: { status: made } }, tokenOf('E1'));
    expect([refused.status, refused.body]).to.deep.equal([400, "Failed to validate Executor::Call: update.status.reason: 'REASON_MADE_UP' is not a value of enum TaskStatus.Reason"]);
    const resubscribed = await serve({ type: 'SUBSCRIBE', ...ids('E1'), subscribe: { unacknowledged_updates: [{ status: made }] } }, tokenOf('E1'));
    expect([resubscribed.status, resubscribed.body]).to.deep.equal([400, "Failed to validate Executor::Call: subscribe.unacknowledged_updates.0.status.reason: 'REASON_MADE_UP' is not a value of enum TaskStatus.Reason"]);
    expect(harness.forwarded(), 'nothing reached the master').to.deep.equal([]);
    const known = await serve({ type: 'UPDATE', ...ids('E1'), update: { status: { ...made, reason: 'REASON_CONTAINER_LIMITATION_MEMORY' } } }, tokenOf('E1'));
    expect(known.status).to.equal(202);
    expect(harness.forwarded().map((update) => update.status.reason)).to.deep.equal(['REASON_CONTAINER_LIMITATION_MEMORY']);
  });

  it('does not relay, again and again, a SUBSCRIBE\'s unacknowledged update for a task of another executor (the agent drops it), as UPDATE refuses one; its own are relayed', async () => {
    await subscribe('E2');
    const before = await invalidUpdates();
    const reader = await subscribe('E1', {
      unacknowledged_updates: [{ status: v1Status('T2', 'TASK_FINISHED', uuidBytes(9)) }, { status: v1Status('T1', 'TASK_RUNNING', uuidBytes(10)) }],
    });
    await harness.clock.advance(5 * EXECUTOR_STATUS_UPDATE_RETRY_INTERVAL_MS);
    expect(await invalidUpdates(), 'updates the agent refused as not from the task\'s executor').to.equal(before);
    // (The agent re-sends its update to the master, which does not acknowledge here: one distinct update.)
    expect([...new Set(harness.forwarded().map((update: StatusUpdate) => `${update.status.taskId} ${update.status.state}`))]).to.deep.equal(['T1 TASK_RUNNING']);
    expect(reader.types()).to.deep.equal(['SUBSCRIBED', 'LAUNCH', 'ACKNOWLEDGED']);
  });
});

describe('actors/agent: the v1 executor API\'s two paths refuse alike before reading a body (real network)', function () {
  this.timeout(60_000);
  let cluster: RealCluster;

  beforeEach(async () => {
    cluster = await RealCluster.start();
  });

  afterEach(async () => {
    await cluster.stop();
  });

  it('answers a call over MAX_EXECUTOR_CALL_BYTES with the host\'s 413, and one without a token with 401, at /api/v1/executor and at /slave(N)/api/v1/executor (where Mesos\' executor library posts)', async () => {
    const big = JSON.stringify({ type: 'HEARTBEAT', ...ids('E1'), pad: 'x'.repeat(MAX_EXECUTOR_CALL_BYTES + 1024) });
    for (const apiPath of ['/api/v1/executor', `/${cluster.agentPid.id}/api/v1/executor`]) {
      const url = `http://${cluster.host.address}${apiPath}`;
      const oversized = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer some-token' }, body: big });
      expect([oversized.status, await oversized.text()], apiPath).to.deep.equal([413, `{"error":"request body larger than ${MAX_EXECUTOR_CALL_BYTES} bytes"}`]);
      const unauthenticated = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect([unauthenticated.status, unauthenticated.headers.get('www-authenticate')], apiPath).to.deep.equal([401, 'Bearer realm="mesos-agent-executor"']);
      await unauthenticated.text();
    }
  });
});
