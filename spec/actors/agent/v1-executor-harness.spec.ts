/**
 * The v1 executor API's adapters under the agent harness (virtual clock, fake launcher): what
 * happens over time (heartbeats, a disconnected executor that never comes back, the run's end)
 * and the answers that depend on the run's state, without a network.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { HttpRequest, HttpResponse, HttpStream } from '../../../lib/process';
import type { StatusUpdate, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS, ExecutorApi, MAX_BYTES_WHILE_DISCONNECTED, type HttpExecutor } from '../../../actors/agent/v1-executor';
import { RECOVERY_TIMEOUT_MS } from '../../../actors/agent/constants';
import { AGENT_ID, AgentHarness, FRAMEWORK_ID } from './harness';
import { StreamReader } from '../../support/recordio';

const IDS = { framework_id: { value: FRAMEWORK_ID }, executor_id: { value: 'E1' } };

/** A task for custom executor E1. */
function task(taskId: string): TaskInfo {
  return { name: taskId, taskId, agentId: AGENT_ID, resources: Resources.parse('cpus:0.1;mem:32').toJSON(), executor: { executorId: 'E1', frameworkId: FRAMEWORK_ID, command: { value: 'my-executor' } } };
}

describe('actors/agent: v1 executor API adapters over time (harness)', () => {
  let harness: AgentHarness;
  let api: ExecutorApi;

  beforeEach(async () => {
    harness = new AgentHarness();
    await harness.register();
    api = new ExecutorApi({ agent: harness.agent });
    harness.host.spawn(api);
    harness.runTask(task('T1'));
    await harness.clock.settle();
  });

  afterEach(async () => {
    await harness.stop();
  });

  async function serve(body: object, token = harness.launcher.run('E1').launch.token as string): Promise<HttpResponse> {
    const request: HttpRequest = {
      method: 'POST', path: '/v1/executor', query: {}, body: Buffer.from(JSON.stringify(body)),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    };
    const answer = dispatch(api, (served) => served.serve(request));
    await harness.clock.settle();
    return answer;
  }

  async function subscribe(): Promise<StreamReader> {
    const response = await serve({ type: 'SUBSCRIBE', ...IDS, subscribe: {} });
    expect(response.status).to.equal(200);
    const reader = new StreamReader(response.stream as HttpStream);
    await harness.clock.settle();
    return reader;
  }

  function adapter(): HttpExecutor | undefined {
    return harness.host.lookup(`executor-http-${harness.launcher.run('E1').launch.runId}`) as HttpExecutor | undefined;
  }

  it('answers a MESSAGE before SUBSCRIBE with 403, then subscribes: SUBSCRIBED, LAUNCH, and a HEARTBEAT every 30 minutes', async () => {
    const early = await serve({ type: 'MESSAGE', ...IDS, message: { data: 'aGk=' } });
    expect([early.status, early.body]).to.deep.equal([403, 'Executor is not subscribed']);
    const reader = await subscribe();
    expect(reader.types()).to.deep.equal(['SUBSCRIBED', 'LAUNCH']);
    await harness.clock.advance(DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS - 1);
    expect(reader.types()).to.not.include('HEARTBEAT');
    await harness.clock.advance(1);
    await harness.clock.advance(DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS);
    expect(reader.types().filter((type) => type === 'HEARTBEAT')).to.have.length(2);
  });

  it('a disconnected executor that does not subscribe again within the recovery timeout loses its adapter, and its run is shut down (review: it stayed RUNNING at a gone actor)', async () => {
    const reader = await subscribe();
    await dispatch(api, () => reader.stream.closedByPeer());
    await harness.clock.settle();
    expect(adapter(), 'the adapter waits for the executor').to.not.equal(undefined);
    await harness.clock.advance(RECOVERY_TIMEOUT_MS - 1);
    expect(adapter()).to.not.equal(undefined);
    expect(harness.launcher.run('E1').destroyed).to.equal(false);
    await harness.clock.advance(1);
    await harness.clock.settle();
    expect(adapter()).to.equal(undefined);
    // No executor answers the shutdown: its process is killed after the grace period, and its task ends.
    await harness.clock.advance(60_000);
    expect(harness.launcher.run('E1').destroyed, 'the run ended').to.equal(true);
    expect(harness.forwarded().map((update) => update.status.state)).to.include('TASK_FAILED');
  });

  it('keeps at most MAX_BYTES_WHILE_DISCONNECTED of events for a disconnected executor, the newest (review: counted in events only)', async () => {
    const first = await subscribe();
    await dispatch(api, () => first.stream.closedByPeer());
    await harness.clock.settle();
    const data = 'x'.repeat(3 * 1024 * 1024);
    for (let index = 0; index < 10; index++) harness.fromMaster('FrameworkToExecutor', { agentId: AGENT_ID, frameworkId: FRAMEWORK_ID, executorId: 'E1', data: `${index}${data}` });
    await harness.clock.settle();
    const again = await subscribe();
    const messages = again.types().filter((type) => type === 'MESSAGE').length;
    expect(messages * 3 * 1024 * 1024 * 4 / 3, 'base64 of what was kept fits the bound').to.be.at.most(MAX_BYTES_WHILE_DISCONNECTED);
    expect(messages).to.be.at.least(1);
    // The newest is kept: the last message's data (base64 of "9xxx...") starts with "OX".
    expect(again.text.lastIndexOf('"data":"OX')).to.be.greaterThan(-1);
  });

  it("refuses an UPDATE for a task that is not the run's (403), rather than relay what the agent would drop for ever", async () => {
    await subscribe();
    const foreign = await serve({ type: 'UPDATE', ...IDS, update: { status: { task_id: { value: 'T-of-another' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: Buffer.from('0123456789abcdef').toString('base64') } } });
    expect(foreign.status).to.equal(403);
    expect(String(foreign.body)).to.match(/'T-of-another' is not a task of executor 'E1'/);
    const own = await serve({ type: 'UPDATE', ...IDS, update: { status: { task_id: { value: 'T1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: Buffer.from('fedcba9876543210').toString('base64') } } });
    expect(own.status).to.equal(202);
  });

  it('the run\'s end (its process exits) ends the adapter and its stream; the tasks are failed as for any executor', async () => {
    const reader = await subscribe();
    harness.launcher.run('E1').exit({ code: 1, signal: null });
    await harness.clock.settle();
    expect(reader.ended).to.equal(true);
    expect(adapter()).to.equal(undefined);
    expect(harness.forwarded().map((update) => [update.status.taskId, update.status.state])).to.deep.equal([['T1', 'TASK_FAILED']]);
    // Until the failure is acknowledged the ended run is still there: a subscription is told SHUTDOWN.
    const ended = await serve({ type: 'SUBSCRIBE', ...IDS, subscribe: {} });
    expect([ended.status, ended.stream]).to.deep.equal([200, undefined]);
    expect(ended.body).to.contain('"SHUTDOWN"');
    harness.acknowledge(harness.forwarded()[0] as StatusUpdate);
    await harness.clock.settle();
    // A new run of the executor id gets a new adapter (and the old one's token is no longer any good).
    const oldToken = harness.launcher.run('E1').launch.token as string;
    harness.runTask(task('T2'));
    await harness.clock.settle();
    const newToken = harness.launcher.runs.at(-1)?.launch.token as string;
    expect((await serve({ type: 'SUBSCRIBE', ...IDS, subscribe: {} }, oldToken)).status).to.equal(403);
    const again = await serve({ type: 'SUBSCRIBE', ...IDS, subscribe: {} }, newToken);
    expect(again.status).to.equal(200);
    const second = new StreamReader(again.stream as HttpStream);
    await harness.clock.settle();
    expect(second.types()).to.deep.equal(['SUBSCRIBED', 'LAUNCH']);
    expect(harness.host.lookup(`executor-http-${harness.launcher.runs.at(-1)?.launch.runId ?? ''}`)).to.not.equal(undefined);
    expect(adapter(), 'the first run\'s adapter').to.equal(undefined);
  });

  it('SHUTDOWN from the agent: the event, then the adapter ends once the executor has closed its stream', async () => {
    const reader = await subscribe();
    harness.fromMaster('ShutdownExecutor', { frameworkId: FRAMEWORK_ID, executorId: 'E1' });
    await harness.clock.settle();
    expect(reader.types()).to.deep.equal(['SUBSCRIBED', 'LAUNCH', 'SHUTDOWN']);
    // A subscription now is told to shut down, and nothing more.
    const late = await serve({ type: 'SUBSCRIBE', ...IDS, subscribe: {} });
    expect([late.status, late.body]).to.deep.equal([200, `${JSON.stringify({ type: 'SHUTDOWN' }).length}\n{"type":"SHUTDOWN"}`]);
    await dispatch(api, () => reader.stream.closedByPeer());
    await harness.clock.settle();
    expect(adapter()).to.equal(undefined);
  });

  it('when the agent goes away (ending or restarting), the stream just ends: no SHUTDOWN, so a checkpointing executor can come back', async () => {
    const reader = await subscribe();
    harness.host.terminate(harness.agent);
    await harness.host.wait(harness.agent);
    await harness.clock.settle();
    expect(reader.ended).to.equal(true);
    expect(reader.types()).to.deep.equal(['SUBSCRIBED', 'LAUNCH']);
    expect(adapter()).to.equal(undefined);
  });

  it('relays UPDATE with the executor\'s uuid, and writes ACKNOWLEDGED once the agent has it', async () => {
    const reader = await subscribe();
    const uuid = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 0x42, 3, 4, 5, 6, 7, 8, 9, 10, 11]).toString('base64');
    const update = await serve({ type: 'UPDATE', ...IDS, update: { status: { task_id: { value: 'T1' }, state: 'TASK_RUNNING', uuid } } });
    expect(update.status).to.equal(202);
    const forwarded = harness.forwarded();
    expect(forwarded.map((sent) => sent.status.state)).to.deep.equal(['TASK_RUNNING']);
    expect(forwarded[0]?.status).to.include({ source: 'SOURCE_EXECUTOR', executorId: 'E1', agentId: AGENT_ID });
    expect(reader.types()).to.deep.equal(['SUBSCRIBED', 'LAUNCH', 'ACKNOWLEDGED']);
    expect(reader.text).to.contain(`"uuid":"${uuid}"`);
  });
});
