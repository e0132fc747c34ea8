/**
 * The v1 executor HTTP API (`POST /api/v1/executor`): a custom executor written in the test's
 * fixture with plain Node `http` and no product code (spec/fixtures/v1-executor.ts), started
 * by a real agent as a framework's custom executor. It subscribes, gets its tasks, reports
 * them, is acknowledged with its own uuids, exchanges messages with its framework, loses its
 * stream and subscribes again, and is told to shut down. Bad calls are answered with a reason.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { StatusUpdate, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { dispatch } from '../../../lib/actor';
import type { HttpExecutor } from '../../../actors/agent';
import { defaultAgentFlags, startAgent } from '../../../actors/agent';
import { eventually, netHost, quietLogger } from '../../support/runtime';
import { AgentHarness } from './harness';
import { AckingMaster, REAL_FRAMEWORK_ID, RealCluster } from './real-master';

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'v1-executor.js');
const WAIT_MS = 20_000;

type Json = Record<string, unknown>;

/** Polls an asynchronous condition until it holds, within `WAIT_MS`. */
async function until(test: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A task for the fixture executor `executorId`. */
function v1Task(taskId: string, executorId: string, data?: string): TaskInfo {
  return {
    name: taskId, taskId, agentId: 'A1', resources: Resources.parse('cpus:0.1;mem:32').toJSON(),
    executor: { executorId, frameworkId: REAL_FRAMEWORK_ID, command: { value: `"${process.execPath}" "${FIXTURE}"` } },
    ...(data !== undefined ? { data } : {}),
  };
}

/** POSTs to the agent's host; resolves with the status, headers and body. */
function post(address: string, body: string, headers: Record<string, string>, method = 'POST', urlPath = '/api/v1/executor'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const [hostname, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: urlPath, method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('actors/agent: the v1 executor HTTP API, with an executor written in plain http', function () {
  this.timeout(60_000);
  let cluster: RealCluster;

  beforeEach(async () => {
    cluster = await RealCluster.start();
  });

  afterEach(async () => {
    await cluster.stop();
  });

  function sandboxFile(executorId: string, name: string): string {
    return path.join(cluster.sandbox(executorId), name);
  }

  function events(executorId: string): Json[] {
    let text: string;
    try {
      text = fs.readFileSync(sandboxFile(executorId, 'v1-events.log'), 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Json);
  }

  function eventTypes(executorId: string): string[] {
    return events(executorId).map((event) => String(event.type));
  }

  function environment(executorId: string): Record<string, string> {
    return JSON.parse(fs.readFileSync(sandboxFile(executorId, 'v1-env.json'), 'utf8')) as Record<string, string>;
  }

  function messagesToFramework(): string[] {
    return cluster.master.received.filter((r) => r.name === 'ExecutorToFramework').map((r) => (r.body as { data: string }).data);
  }

  async function subscribed(executorId: string): Promise<void> {
    await eventually(() => eventTypes(executorId).includes('SUBSCRIBED'), WAIT_MS, `${executorId} to subscribe`);
  }

  it('runs a task: SUBSCRIBED, LAUNCH, UPDATEs relayed to the master, ACKNOWLEDGED with the executor\'s own uuids, MESSAGE both ways, SHUTDOWN', async () => {
    cluster.runTask(v1Task('T1', 'E1', 'payload'));
    await eventually(() => cluster.master.states('T1').includes('TASK_FINISHED'), WAIT_MS, 'T1 to finish');
    expect(cluster.master.states('T1')).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
    const finished = cluster.master.updates('T1')[1] as StatusUpdate;
    expect(finished.status).to.include({ source: 'SOURCE_EXECUTOR', executorId: 'E1', agentId: 'A1', message: 'done', data: 'payload' });
    await eventually(() => eventTypes('E1').filter((type) => type === 'ACKNOWLEDGED').length === 2, WAIT_MS, 'both updates acknowledged');
    const all = events('E1');
    expect(all.map((event) => event.type).slice(0, 2)).to.deep.equal(['SUBSCRIBED', 'LAUNCH']);
    const subscription = all[0]?.subscribed as Json;
    expect(subscription.executor_info).to.deep.include({ executor_id: { value: 'E1' }, framework_id: { value: REAL_FRAMEWORK_ID } });
    expect(subscription.framework_info).to.deep.include({ id: { value: REAL_FRAMEWORK_ID }, name: 'fw', user: 'u' });
    expect(subscription.agent_info).to.deep.include({ id: { value: 'A1' }, port: cluster.agentPid.port });
    expect((subscription.container_id as { value: string }).value).to.equal(path.basename(cluster.sandbox('E1')));
    const launch = (all[1]?.launch as Json).task as Json;
    expect(launch).to.deep.include({ task_id: { value: 'T1' }, agent_id: { value: 'A1' }, data: Buffer.from('payload').toString('base64') });
    // Each ACKNOWLEDGED carries one of the 16-byte uuids the executor sent, byte for byte.
    const acknowledged = all.filter((event) => event.type === 'ACKNOWLEDGED');
    expect(acknowledged.map((event) => event.ours)).to.deep.equal([true, true]);
    expect(acknowledged.map((event) => Buffer.from((event.acknowledged as { uuid: string }).uuid, 'base64').length)).to.deep.equal([16, 16]);
    // MESSAGE from the executor reaches the framework; the framework's reaches the executor (which echoes it).
    expect(messagesToFramework()).to.include('ran T1');
    cluster.master.post(cluster.agentPid, 'FrameworkToExecutor', { agentId: 'A1', frameworkId: REAL_FRAMEWORK_ID, executorId: 'E1', data: 'hello' });
    await eventually(() => messagesToFramework().includes('echo: hello'), WAIT_MS, 'the echo of a framework message');
    const message = events('E1').find((event) => event.type === 'MESSAGE');
    expect(message?.message).to.deep.equal({ data: Buffer.from('hello').toString('base64') });
    // SHUTDOWN: the executor exits; the agent reports its end.
    cluster.master.post(cluster.agentPid, 'ShutdownExecutor', { frameworkId: REAL_FRAMEWORK_ID, executorId: 'E1' });
    await eventually(() => cluster.master.count('ExitedExecutor') > 0, WAIT_MS, 'the executor to exit');
    expect(eventTypes('E1')).to.include('SHUTDOWN');
    const calls = fs.readFileSync(sandboxFile('E1', 'v1-calls.log'), 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { type: string; status: number });
    expect(calls.filter((call) => call.type !== 'SUBSCRIBE').every((call) => call.status === 202), JSON.stringify(calls)).to.equal(true);
  });

  it('runs a task group: one LAUNCH_GROUP event with both tasks, each run and reported on, their updates relayed to the master', async () => {
    const executor = v1Task('G1', 'E1').executor as NonNullable<TaskInfo['executor']>;
    const group = { ...executor, type: 'CUSTOM' as const, resources: Resources.parse('cpus:0.1;mem:32').toJSON() };
    const tasks = ['G1', 'G2'].map((taskId) => ({ ...v1Task(taskId, 'E1'), executor: group }));
    cluster.master.post(cluster.agentPid, 'RunTaskGroup', {
      framework: { id: REAL_FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: REAL_FRAMEWORK_ID, executor: group, taskGroup: { tasks }, launchExecutor: true,
    });
    for (const taskId of ['G1', 'G2']) await eventually(() => cluster.master.states(taskId).includes('TASK_FINISHED'), WAIT_MS, `${taskId} to finish`);
    expect(['G1', 'G2'].map((taskId) => cluster.master.states(taskId))).to.deep.equal([['TASK_RUNNING', 'TASK_FINISHED'], ['TASK_RUNNING', 'TASK_FINISHED']]);
    const all = events('E1');
    expect(all.map((event) => event.type).slice(0, 2)).to.deep.equal(['SUBSCRIBED', 'LAUNCH_GROUP']);
    expect((all[0]?.subscribed as Json).executor_info).to.deep.include({ executor_id: { value: 'E1' }, type: 'CUSTOM' });
    const launched = ((all[1]?.launch_group as Json).task_group as { tasks: Json[] }).tasks;
    expect(launched.map((task) => [task.task_id, (task.executor as Json).type])).to.deep.equal([[{ value: 'G1' }, 'CUSTOM'], [{ value: 'G2' }, 'CUSTOM']]);
    expect(all.filter((event) => event.type === 'LAUNCH'), 'no LAUNCH for a group\'s task').to.deep.equal([]);
  });

  it('gives the executor Mesos\' environment', async () => {
    cluster.runTask(v1Task('T1', 'E1'));
    await subscribed('E1');
    const env = environment('E1');
    expect(env).to.include({
      MESOS_AGENT_ENDPOINT: cluster.host.address,
      MESOS_FRAMEWORK_ID: REAL_FRAMEWORK_ID,
      MESOS_EXECUTOR_ID: 'E1',
      MESOS_SANDBOX: cluster.sandbox('E1'),
      MESOS_DIRECTORY: cluster.sandbox('E1'),
      MESOS_CHECKPOINT: '0',
      MESOS_HTTP_COMMAND_EXECUTOR: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
      MESOS_AGENT_PID: cluster.agentPid.toString(),
    });
    expect(env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN).to.match(/^[0-9a-f]{64}$/);
    // Only a checkpointing framework's executor is told to retry.
    expect(env).to.not.have.any.keys('MESOS_RECOVERY_TIMEOUT', 'MESOS_SUBSCRIPTION_BACKOFF_MAX');
  });

  it('kills a task (KILL, then the executor\'s TASK_KILLED)', async () => {
    cluster.runTask(v1Task('T1', 'E1', 'stay'));
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), WAIT_MS, 'T1 to run');
    cluster.master.post(cluster.agentPid, 'KillTaskOnAgent', { frameworkId: REAL_FRAMEWORK_ID, taskId: 'T1' });
    await eventually(() => cluster.master.states('T1').includes('TASK_KILLED'), WAIT_MS, 'T1 to be killed');
    expect(events('E1').find((event) => event.type === 'KILL')?.kill).to.deep.equal({ task_id: { value: 'T1' } });
  });

  it('a closed stream is a disconnection, not an exit: the executor subscribes again, its task still runs, a new one runs on the new stream', async () => {
    cluster.runTask(v1Task('T1', 'E1', 'stay'));
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), WAIT_MS, 'T1 to run');
    cluster.master.post(cluster.agentPid, 'FrameworkToExecutor', { agentId: 'A1', frameworkId: REAL_FRAMEWORK_ID, executorId: 'E1', data: 'reconnect' });
    await eventually(() => eventTypes('E1').filter((type) => type === 'SUBSCRIBED').length === 2, WAIT_MS, 'a second subscription');
    // The executor, and its task, are still there: a second task runs on the new stream.
    cluster.runTask(v1Task('T2', 'E1'));
    await eventually(() => cluster.master.states('T2').includes('TASK_FINISHED'), WAIT_MS, 'T2 to finish');
    expect(cluster.master.states('T1')).to.deep.equal(['TASK_RUNNING']);
    expect(cluster.master.count('ExitedExecutor')).to.equal(0);
    const calls = fs.readFileSync(sandboxFile('E1', 'v1-calls.log'), 'utf8');
    expect(calls.match(/"SUBSCRIBE","status":200/g)).to.have.length(2);
  });

  it('keeps what the agent sends while the executor is disconnected, and gives it on its next subscription', async () => {
    cluster.runTask(v1Task('T1', 'E1', 'stay'));
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), WAIT_MS, 'T1 to run');
    cluster.master.post(cluster.agentPid, 'FrameworkToExecutor', { agentId: 'A1', frameworkId: REAL_FRAMEWORK_ID, executorId: 'E1', data: 'disconnect' });
    await eventually(() => eventTypes('E1').includes('DISCONNECTED'), WAIT_MS, 'the executor to drop its stream');
    const adapter = cluster.host.lookup(`executor-http-${path.basename(cluster.sandbox('E1'))}`) as HttpExecutor;
    expect(adapter, 'the run\'s adapter').to.not.equal(undefined);
    await until(async () => (await dispatch(adapter, (executor) => executor.stream === undefined)), 'the adapter to see the stream closed');
    // While it is away: a message and a task.
    cluster.master.post(cluster.agentPid, 'FrameworkToExecutor', { agentId: 'A1', frameworkId: REAL_FRAMEWORK_ID, executorId: 'E1', data: 'while away' });
    cluster.runTask(v1Task('T2', 'E1'));
    await until(async () => JSON.stringify(await (await fetch(`http://${cluster.host.address}/${cluster.agentPid.id}/state`)).json()).includes('"T2"'), 'the agent to send T2');
    fs.writeFileSync(sandboxFile('E1', 'resubscribe'), '');
    await eventually(() => cluster.master.states('T2').includes('TASK_FINISHED'), WAIT_MS, 'T2 to finish');
    await eventually(() => messagesToFramework().includes('echo: while away'), WAIT_MS, 'the echo of the message sent while away');
    const types = eventTypes('E1');
    const back = types.lastIndexOf('SUBSCRIBED');
    expect(back).to.be.greaterThan(types.indexOf('DISCONNECTED'));
    expect(types.slice(back + 1, back + 3).sort()).to.deep.equal(['LAUNCH', 'MESSAGE']);
    expect(events('E1').filter((event) => event.type === 'LAUNCH').map((event) => ((event.launch as Json).task as { task_id: { value: string } }).task_id.value)).to.deep.equal(['T1', 'T2']);
    expect(cluster.master.count('ExitedExecutor')).to.equal(0);
  });

  it('a checkpointing framework\'s HTTP executor outlives an agent restart: it subscribes again, is re-registered, and runs on', async () => {
    const framework = { id: REAL_FRAMEWORK_ID, name: 'fw', user: 'u', checkpoint: true };
    cluster.master.post(cluster.agentPid, 'RunTask', { framework, frameworkId: REAL_FRAMEWORK_ID, task: v1Task('T1', 'E1', 'stay') });
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), WAIT_MS, 'T1 to run');
    await eventually(() => eventTypes('E1').includes('ACKNOWLEDGED'), WAIT_MS, 'its update acknowledged');
    const env = environment('E1');
    expect(env).to.include({ MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '15mins', MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs' });
    // The agent's process dies (its host stops; nothing is shut down) and starts again at the same address.
    const [ip, port] = [cluster.host.address.split(':')[0] as string, Number(cluster.host.address.split(':')[1])];
    await cluster.host.stop();
    cluster.host = await netHost({ ip, port, logger: quietLogger });
    cluster.master = new AckingMaster();
    cluster.host.spawn(cluster.master);
    cluster.agent = await startAgent({ flags: defaultAgentFlags({ switchUser: false, master: cluster.host.address, workDir: cluster.workDir, resources: 'cpus:2;mem:1024;disk:1024' }), host: cluster.host });
    await eventually(() => eventTypes('E1').filter((type) => type === 'SUBSCRIBED').length === 2, WAIT_MS, 'the executor to subscribe to the restarted agent');
    await eventually(() => cluster.master.count('ReregisterAgent') > 0, WAIT_MS, 'the recovered agent to re-register');
    const [reregistration] = cluster.master.received.filter((r) => r.name === 'ReregisterAgent').map((r) => r.body as { tasks: Array<{ taskId: string; state: string }> });
    expect(reregistration?.tasks.map((task) => [task.taskId, task.state])).to.deep.equal([['T1', 'TASK_RUNNING']]);
    cluster.master.post(cluster.agentPid, 'AgentReregistered', { agentId: 'A1', masterInfo: AgentHarness.masterInfo, reconciliations: [], executors: [] });
    cluster.master.post(cluster.agentPid, 'RunTask', { framework, frameworkId: REAL_FRAMEWORK_ID, task: v1Task('T2', 'E1') });
    await eventually(() => cluster.master.states('T2').includes('TASK_FINISHED'), WAIT_MS, 'T2 to finish on the re-registered executor');
    expect(cluster.master.count('ExitedExecutor')).to.equal(0);
  });

  it('answers bad calls with the reason: no token 401, another run\'s token 403, wrong method, content type, JSON or fields', async () => {
    cluster.runTask(v1Task('T1', 'E1', 'stay'));
    cluster.runTask(v1Task('T2', 'E2', 'stay'));
    await subscribed('E1');
    await subscribed('E2');
    const address = cluster.host.address;
    const token = environment('E1').MESOS_EXECUTOR_AUTHENTICATION_TOKEN as string;
    const otherToken = environment('E2').MESOS_EXECUTOR_AUTHENTICATION_TOKEN as string;
    const message = (executorId: string) => JSON.stringify({ type: 'MESSAGE', framework_id: { value: REAL_FRAMEWORK_ID }, executor_id: { value: executorId }, message: { data: 'aGk=' } });
    const json = { 'content-type': 'application/json' };

    const noToken = await post(address, message('E1'), json);
    expect(noToken.status).to.equal(401);
    expect(noToken.headers['www-authenticate']).to.match(/^Bearer realm=/);
    expect(noToken.body).to.contain('MESOS_EXECUTOR_AUTHENTICATION_TOKEN');
    const otherRun = await post(address, message('E1'), { ...json, authorization: `Bearer ${otherToken}` });
    expect([otherRun.status, otherRun.body]).to.deep.equal([403, `The bearer token is not the one of executor 'E1' of framework '${REAL_FRAMEWORK_ID}'`]);
    const subscribeAsOther = await post(address, JSON.stringify({ type: 'SUBSCRIBE', framework_id: { value: REAL_FRAMEWORK_ID }, executor_id: { value: 'E1' }, subscribe: {} }), { ...json, authorization: `Bearer ${otherToken}` });
    expect(subscribeAsOther.status).to.equal(403);
    const bearer = { authorization: `Bearer ${token}` };
    const get = await post(address, '', bearer, 'GET');
    expect([get.status, get.headers.allow]).to.deep.equal([405, 'POST']);
    const text = await post(address, message('E1'), { ...bearer, 'content-type': 'text/plain' });
    expect([text.status, text.body]).to.deep.equal([415, "Expecting 'Content-Type' of application/json or application/x-protobuf"]);
    const notACall = await post(address, 'x', { ...bearer, 'content-type': 'application/x-protobuf' });
    expect(notACall.status).to.equal(400);
    expect(notACall.body).to.match(/^Failed to parse body into Call protobuf: /);
    const noType = await post(address, message('E1'), bearer);
    expect([noType.status, noType.body]).to.deep.equal([400, "Expecting 'Content-Type' to be present"]);
    const badJson = await post(address, '{"type": ', { ...bearer, ...json });
    expect(badJson.status).to.equal(400);
    expect(badJson.body).to.match(/^Failed to parse body into JSON: /);
    const noExecutor = await post(address, JSON.stringify({ type: 'MESSAGE', framework_id: { value: REAL_FRAMEWORK_ID }, message: { data: 'aGk=' } }), { ...bearer, ...json });
    expect([noExecutor.status, noExecutor.body]).to.deep.equal([400, "Failed to validate Executor::Call: Expecting 'executor_id' to be present"]);
    const staging = await post(address, JSON.stringify({
      type: 'UPDATE', framework_id: { value: REAL_FRAMEWORK_ID }, executor_id: { value: 'E1' },
      update: { status: { task_id: { value: 'T1' }, state: 'TASK_STAGING', uuid: 'AAAAAAAAQAAAAAAAAAAAAA==' } },
    }), { ...bearer, ...json });
    expect([staging.status, staging.body]).to.deep.equal([400, `Failed to validate Executor::Call: update.status.state: Received TASK_STAGING from executor E1 of framework ${REAL_FRAMEWORK_ID} which is not allowed`]);
    // UNKNOWN, the enum's placeholder: valid, then Not Implemented, as Mesos' agent answers it (was a 400).
    const unknownType = await post(address, JSON.stringify({ type: 'UNKNOWN', framework_id: { value: REAL_FRAMEWORK_ID }, executor_id: { value: 'E1' } }), { ...bearer, ...json });
    expect([unknownType.status, unknownType.body]).to.deep.equal([501, "call type 'UNKNOWN' is not implemented"]);
    // With a run's own token, another executor or framework is looked up first, as Mesos does (400)...
    const unknown = await post(address, message('E9'), { ...bearer, ...json });
    expect([unknown.status, unknown.body]).to.deep.equal([400, 'Executor cannot be found']);
    // ...but a token no run has is refused first (401, as Mesos' authenticator refuses a token it cannot verify): a 400
    // told anyone with any token which frameworks and executors the agent has (a review of the session's change).
    for (const call of [message('E9'), JSON.stringify({ type: 'MESSAGE', framework_id: { value: 'no-such-framework' }, executor_id: { value: 'E1' }, message: { data: 'aGk=' } })]) {
      const guessed = await post(address, call, { ...json, authorization: 'Bearer not-a-token-of-this-agent' });
      expect([guessed.status, guessed.body, guessed.headers['www-authenticate']]).to.deep.equal([401, "The bearer token is no executor's of this agent", 'Bearer realm="mesos-agent-executor"']);
    }
    // Mesos' own executor library posts to `/slave(1)/api/v1/executor`: served too.
    const heartbeat = await post(address, JSON.stringify({ type: 'HEARTBEAT', framework_id: { value: REAL_FRAMEWORK_ID }, executor_id: { value: 'E1' } }), { ...bearer, ...json }, 'POST', `/${cluster.agentPid.id}/api/v1/executor`);
    expect(heartbeat.status).to.equal(202);
    // Only with its own: any token made a 202 before (the hostile-input pass of 2026-12-05).
    const heartbeatCall = JSON.stringify({ type: 'HEARTBEAT', framework_id: { value: REAL_FRAMEWORK_ID }, executor_id: { value: 'E1' } });
    const forgedHeartbeat = await post(address, heartbeatCall, { ...json, authorization: `Bearer ${otherToken}` });
    expect([forgedHeartbeat.status, forgedHeartbeat.body]).to.deep.equal([403, `The bearer token is not the one of executor 'E1' of framework '${REAL_FRAMEWORK_ID}'`]);
    const nobodysHeartbeat = await post(address, JSON.stringify({ type: 'HEARTBEAT', framework_id: { value: 'nope' }, executor_id: { value: 'nope' } }), { ...json, authorization: 'Bearer x' });
    expect(nobodysHeartbeat.status, 'a token no run has').to.equal(401);
    // With its own token, the call is taken: the framework hears the message.
    const accepted = await post(address, message('E1'), { ...bearer, ...json });
    expect(accepted.status).to.equal(202);
    await eventually(() => messagesToFramework().includes('hi'), WAIT_MS, 'the accepted message');
    expect(messagesToFramework().filter((data) => data === 'hi')).to.have.length(1);
  });
});

// Mesos asks executors for no token unless `--authenticate_http_executors`; this agent asks by default, so an executor
// library that sends none (the npm `mesos-framework`'s: a compatibility run) could not run here at all.
describe('actors/agent: the v1 executor HTTP API with --authenticate_http_executors=false', function () {
  this.timeout(60_000);
  let cluster: RealCluster;

  beforeEach(async () => {
    cluster = await RealCluster.start({ authenticateHttpExecutors: false });
  });

  afterEach(async () => {
    await cluster.stop();
  });

  it('runs an executor whose calls carry no token; a token given is still checked; /flags says so', async () => {
    const task = v1Task('T1', 'E1', 'stay');
    const executor = task.executor as NonNullable<TaskInfo['executor']>;
    cluster.runTask({ ...task, executor: { ...executor, command: { value: '', ...executor.command, environment: { V1_FIXTURE_NO_TOKEN: '1' } } } });
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), WAIT_MS, 'T1 to run on the tokenless executor');
    // The executor logs a call once its answer has ended, which may be after the master heard the update.
    const calls = (): string => fs.readFileSync(path.join(cluster.sandbox('E1'), 'v1-calls.log'), 'utf8');
    await eventually(() => calls().includes('{"type":"UPDATE","status":202}'), WAIT_MS, 'the tokenless UPDATE answered 202');
    expect(calls()).to.contain('{"type":"SUBSCRIBE","status":200}');

    const address = cluster.host.address;
    const json = { 'content-type': 'application/json' };
    const message = JSON.stringify({ type: 'MESSAGE', framework_id: { value: REAL_FRAMEWORK_ID }, executor_id: { value: 'E1' }, message: { data: 'aGk=' } });
    expect((await post(address, message, json)).status).to.equal(202);
    await eventually(() => cluster.master.received.some((r) => r.name === 'ExecutorToFramework'), WAIT_MS, 'the tokenless message');
    const wrong = await post(address, message, { ...json, authorization: 'Bearer not-the-token' });
    expect([wrong.status, wrong.body]).to.deep.equal([403, `The bearer token is not the one of executor 'E1' of framework '${REAL_FRAMEWORK_ID}'`]);
    const flags = JSON.parse((await post(address, '', {}, 'GET', '/flags')).body) as { flags: Record<string, string> };
    expect(flags.flags.authenticate_http_executors).to.equal('false');
  });

  // A review of the flag: after an agent restart the agent knows only a run's token's hash, and a tokenless executor's
  // every subscription was refused (503) until the agent gave the run up, its tasks lost.
  it('a checkpointing framework\'s tokenless HTTP executor outlives an agent restart: it subscribes again, is re-registered, and runs on', async () => {
    const framework = { id: REAL_FRAMEWORK_ID, name: 'fw', user: 'u', checkpoint: true };
    const tokenless = (task: TaskInfo): TaskInfo => {
      const executor = task.executor as NonNullable<TaskInfo['executor']>;
      return { ...task, executor: { ...executor, command: { value: '', ...executor.command, environment: { V1_FIXTURE_NO_TOKEN: '1' } } } };
    };
    const subscriptions = (): number => {
      try {
        return fs.readFileSync(path.join(cluster.sandbox('E1'), 'v1-events.log'), 'utf8').split('\n').filter((line) => line.includes('"type":"SUBSCRIBED"')).length;
      } catch {
        return 0;
      }
    };
    cluster.master.post(cluster.agentPid, 'RunTask', { framework, frameworkId: REAL_FRAMEWORK_ID, task: tokenless(v1Task('T1', 'E1', 'stay')) });
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), WAIT_MS, 'T1 to run');
    const [ip, port] = [cluster.host.address.split(':')[0] as string, Number(cluster.host.address.split(':')[1])];
    await cluster.host.stop();
    cluster.host = await netHost({ ip, port, logger: quietLogger });
    cluster.master = new AckingMaster();
    cluster.host.spawn(cluster.master);
    cluster.agent = await startAgent({
      flags: defaultAgentFlags({ switchUser: false, master: cluster.host.address, workDir: cluster.workDir, resources: 'cpus:2;mem:1024;disk:1024', authenticateHttpExecutors: false }), host: cluster.host,
    });
    await eventually(() => subscriptions() === 2, WAIT_MS, 'the tokenless executor to subscribe to the restarted agent');
    await eventually(() => cluster.master.count('ReregisterAgent') > 0, WAIT_MS, 'the recovered agent to re-register');
    cluster.master.post(cluster.agentPid, 'AgentReregistered', { agentId: 'A1', masterInfo: AgentHarness.masterInfo, reconciliations: [], executors: [] });
    cluster.master.post(cluster.agentPid, 'RunTask', { framework, frameworkId: REAL_FRAMEWORK_ID, task: tokenless(v1Task('T2', 'E1')) });
    await eventually(() => cluster.master.states('T2').includes('TASK_FINISHED'), WAIT_MS, 'T2 to finish on the re-registered tokenless executor');
    expect(cluster.master.count('ExitedExecutor')).to.equal(0);
  });
});
