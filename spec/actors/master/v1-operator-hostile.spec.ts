/**
 * Hostile review of the v1 operator API's write calls (`POST /api/v1`) against Mesos' master
 * (src/master/http.cpp, validation.cpp): what each call accepts, refuses and leaves behind.
 */
import { expect } from 'chai';
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS } from '../../../lib/protocol';
import { parseAcls } from '../../../actors/master';
import { Resources } from '../../../lib/resources';
import { within } from '../../support/runtime';
import { accept, reservedDisk, volume } from './volume-operations';
import { dispatch } from '../../../lib/actor';
import { basicAuthorization, type HttpCaller, type HttpResponse } from '../../../lib/process';
import { REGISTRY_RETRY_INITIAL_MS } from '../../../actors/master/constants';
import {
  agentInfo, agentUpdate, all, cleanUp, commandTask, FakeAgent, last, latestOffer, launch, makeWorkDir, registerAgent, registerFramework, startHarness, startListeningHarness, statesOf, updatesOf,
  type Harness,
} from './harness';

type Json = Record<string, unknown>;

/** Hosts started here, stopped after each test. */
const started: Harness[] = [];

async function listening(workDir = makeWorkDir()): Promise<Harness> {
  const harness = await startListeningHarness({}, workDir);
  started.push(harness);
  return harness;
}

async function operatorCall(harness: Harness, call: Json): Promise<{ status: number; text: string; json: Json }> {
  const url = `http://${harness.host.address}/api/v1`;
  const response = await within(fetch(url, { method: 'POST', body: JSON.stringify(call), headers: { 'content-type': 'application/json', accept: 'application/json' } }), 5_000, url);
  const text = await response.text();
  return { status: response.status, text, json: text.startsWith('{') ? JSON.parse(text) as Json : {} };
}

/** The master's MARK_AGENT_GONE of `agentId`, started in a master turn of its own (no HTTP: the test orders it against messages). */
function markGoneInTurn(harness: Harness, agentId: string): Promise<HttpResponse> {
  type Marker = { markAgentGone(caller: HttpCaller, agentId: string): HttpResponse | Promise<HttpResponse> };
  return dispatch(harness.handle.master, (actor) => (actor as unknown as Marker).markAgentGone({ principal: undefined }, agentId));
}

const markGone = (agentId: string): Json => ({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } });

describe('actors/master: the v1 operator API\'s write calls, hostile review', () => {
  afterEach(async () => {
    await Promise.all(started.splice(0).map((harness) => harness.host.stop()));
    await cleanUp();
  });

  describe('MARK_AGENT_GONE', () => {
    it('marks an unreachable agent gone (Mesos: 200; it was 404): its unreachable tasks become TASK_GONE_BY_OPERATOR, the registry forgets it as unreachable, and it is refused when it comes back', async () => {
      const harness = await listening();
      const agent = await registerAgent(harness, 'cpus:2;mem:512');
      const framework = await registerFramework(harness, { capabilities: ['PARTITION_AWARE'] });
      await harness.clock.advance(1_000);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)], 0);
      agent.probe.answerPings = false;
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_UNREACHABLE']);
      expect(harness.handle.registry.unreachable().map((entry) => entry.id)).to.deep.equal([agent.agentId]);

      const gone = await operatorCall(harness, markGone(agent.agentId));
      expect(gone.status, gone.text).to.equal(200);
      await harness.clock.settle();
      expect(harness.handle.registry.unreachable()).to.deep.equal([]);
      expect(harness.handle.registry.gone().map((entry) => entry.id)).to.deep.equal([agent.agentId]);
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_UNREACHABLE', 'TASK_GONE_BY_OPERATOR']);
      const update = updatesOf(framework.probe).map(({ update: u }) => u).find((u) => u.status.state === 'TASK_GONE_BY_OPERATOR');
      expect(update?.status).to.include({ reason: 'REASON_AGENT_REMOVED_BY_OPERATOR', source: 'SOURCE_MASTER' });
      const tasks = (await operatorCall(harness, { type: 'GET_TASKS' })).json.get_tasks as Json;
      expect(tasks.unreachable_tasks).to.deep.equal([]);
      expect((tasks.completed_tasks as Json[]).map((task) => task.state)).to.deep.equal(['TASK_GONE_BY_OPERATOR']);
      // Twice: still 200, nothing more happens.
      expect((await operatorCall(harness, markGone(agent.agentId))).status).to.equal(200);
      await harness.clock.settle();
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_UNREACHABLE', 'TASK_GONE_BY_OPERATOR']);

      agent.probe.answerPings = true;
      agent.probe.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:2;mem:512', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
      await harness.clock.settle();
      expect(last(agent.probe, 'Shutdown')?.body).to.deep.equal({ message: 'Agent has been marked gone by the operator' });
      expect(last(agent.probe, 'AgentReregistered')).to.equal(undefined);
    });

    it('marks an unreachable agent of a framework that is not partition-aware gone (200; it was 404): its task, told TASK_LOST when the agent went, stays completed as TASK_LOST', async () => {
      const harness = await listening();
      const agent = await registerAgent(harness, 'cpus:2;mem:512');
      const framework = await registerFramework(harness, {});
      await harness.clock.advance(1_000);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)], 0);
      agent.probe.answerPings = false;
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
      // Not partition-aware: it was told TASK_LOST already; the master keeps the task as unreachable.
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_LOST']);
      expect((await operatorCall(harness, markGone(agent.agentId))).status).to.equal(200);
      await harness.clock.settle();
      const tasks = (await operatorCall(harness, { type: 'GET_TASKS' })).json.get_tasks as Json;
      expect(tasks.unreachable_tasks).to.deep.equal([]);
      expect((tasks.completed_tasks as Json[]).map((task) => task.state)).to.deep.equal(['TASK_LOST']);
    });

    it('marks an agent recovered from the registry but not yet re-registered gone (Mesos: 200; it was 404), durably: the registry records it, the re-registration timeout leaves it alone, and it is refused when it comes back', async () => {
      const first = await listening();
      const agent = await registerAgent(first, 'cpus:1;mem:256');
      started.splice(started.indexOf(first), 1);
      await first.host.stop();

      const second = await listening(first.workDir);
      const gone = await operatorCall(second, markGone(agent.agentId));
      expect(gone.status, gone.text).to.equal(200);
      expect(second.handle.registry.gone().map((entry) => entry.id)).to.deep.equal([agent.agentId]);
      expect(second.handle.registry.agents()).to.deep.equal([]);
      expect((await operatorCall(second, markGone(agent.agentId))).status).to.equal(200);
      // The re-registration timeout finds nothing to mark unreachable.
      await second.clock.advance(15 * 60_000);
      expect(second.handle.registry.unreachable()).to.deep.equal([]);
      const back = new FakeAgent('recovered-agent-back');
      second.host.spawn(back);
      back.post(second.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:1;mem:256', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
      await second.clock.settle();
      expect(last(back, 'Shutdown')?.body).to.deep.equal({ message: 'Agent has been marked gone by the operator' });
      expect((await operatorCall(second, { type: 'GET_AGENTS' })).json.get_agents).to.deep.equal({ agents: [], recovered_agents: [] });
    });
    it('while an unreachable agent is being marked gone, a second MARK_AGENT_GONE is 503 and its re-registration is ignored (Mesos: markingGone); the call answers once the write, retried, is durable', async () => {
      const harness = await startHarness({}, undefined, 7, { memoryRegistry: true });
      started.push(harness);
      const agent = await registerAgent(harness, 'cpus:2;mem:512');
      agent.probe.answerPings = false;
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
      expect(harness.handle.registry.unreachable().map((entry) => entry.id)).to.deep.equal([agent.agentId]);

      // Its write fails once: the registry retries it (after REGISTRY_RETRY_INITIAL_MS); meanwhile the call waits.
      harness.registryDisk?.failNextWrites(1);
      const first = markGoneInTurn(harness, agent.agentId);
      await harness.clock.settle();
      const again = markGoneInTurn(harness, agent.agentId);
      await harness.clock.settle();
      const second = await again;
      expect(second.status).to.equal(503);
      expect(JSON.stringify(second.body)).to.include('is already being marked gone');
      agent.probe.answerPings = true;
      agent.probe.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:2;mem:512', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
      await harness.clock.settle();
      expect(last(agent.probe, 'AgentReregistered'), 'ignored while it is being marked gone').to.equal(undefined);
      expect(harness.handle.registry.unreachable().map((entry) => entry.id)).to.deep.equal([agent.agentId]);
      await harness.clock.advance(REGISTRY_RETRY_INITIAL_MS);
      expect((await first).status).to.equal(200);
      expect(last(agent.probe, 'AgentReregistered')).to.equal(undefined);
      expect(harness.handle.registry.agents()).to.deep.equal([]);
      expect(harness.handle.registry.gone().map((entry) => entry.id)).to.deep.equal([agent.agentId]);
    });
  });

  describe('UPDATE_QUOTA', () => {
    it('refuses (400) a guarantee or limit of mem or disk above 1 EiB (in MB) and of any other resource above a trillion, as Mesos\' quota::validate(QuotaConfig) does (they were taken)', async () => {
      const harness = await listening();
      await registerAgent(harness, 'cpus:4;mem:1024');
      const quota = (config: Json): Json => ({ type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'eng', ...config }] } });
      const cpus = await operatorCall(harness, quota({ limits: { cpus: { value: 1e12 + 1 } } }));
      expect(cpus.status, cpus.text).to.equal(400);
      expect(cpus.text).to.equal("Invalid QuotaConfig: role 'eng': the limit of 'cpus' (1000000000001) is more than 1 trillion (1000000000000), the most a quota may name");
      const mem = await operatorCall(harness, quota({ guarantees: { mem: { value: 1024 ** 4 + 1 } } }));
      expect(mem.status, mem.text).to.equal(400);
      expect(mem.text).to.equal("Invalid QuotaConfig: role 'eng': the guarantee of 'mem' (1099511627777) is more than 1 EiB (1099511627776 MB), the most a quota may name");
      const disk = await operatorCall(harness, quota({ limits: { disk: { value: 2e12 } } }));
      expect(disk.status, disk.text).to.equal(400);
      expect((await operatorCall(harness, { type: 'GET_QUOTA' })).json.get_quota).to.deep.equal({ status: {} });
      // At the bounds: taken.
      const bounds = await operatorCall(harness, quota({ limits: { cpus: { value: 1e12 }, mem: { value: 1024 ** 4 }, gpus: { value: 1e12 } } }));
      expect(bounds.status, bounds.text).to.equal(200);
    });
  });

  describe('DESTROY_VOLUMES', () => {
    it('refuses (400, before authorization) a volume a task uses, as Mesos\' validate(Destroy) does ("Persistent volumes in use"; it was 409); once the task ends the ACLs decide (403)', async () => {
      const acls = parseAcls({ destroy_volumes: [{ principals: { type: 'ANY' }, creator_principals: { type: 'NONE' } }] });
      const harness = await startListeningHarness({ acls });
      started.push(harness);
      const agent = await registerAgent(harness, 'cpus:4;mem:1024;disk:100');
      const disk = reservedDisk(50, 'eng', null);
      expect((await operatorCall(harness, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.agentId }, resources: disk.toJSON() } })).status).to.equal(202);
      const pv = volume('db', 50, { principal: null });
      expect((await operatorCall(harness, { type: 'CREATE_VOLUMES', create_volumes: { agent_id: { value: agent.agentId }, volumes: pv.toJSON() } })).status).to.equal(202);
      const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
      const task = { ...commandTask('t1', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(pv).toJSON() };
      await accept(harness, framework, latestOffer(framework.probe), [{ type: 'LAUNCH', launch: { taskInfos: [task] } }], 3_600);
      const destroy = { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: agent.agentId }, volumes: pv.toJSON() } };
      const busy = await operatorCall(harness, destroy);
      expect(busy.status, busy.text).to.equal(400);
      expect(busy.text).to.equal("Invalid DESTROY operation: persistent volume 'disk(eng, )[db:data]:50' is in use by a task or an executor on the agent");
      // Once the task ends it is valid, and the ACLs (which deny it) decide.
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FINISHED');
      const denied = await operatorCall(harness, destroy);
      expect(denied.status, denied.text).to.equal(403);
    });
  });

  describe('UPDATE_WEIGHTS', () => {
    it('rescinds every outstanding offer when a role a registered framework subscribes to gets a new weight, as Mesos\' weights handler does (offers stood until declined); a role without frameworks rescinds none', async () => {
      const harness = await listening();
      const agent = await registerAgent(harness, 'cpus:4;mem:1024');
      const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
      await harness.clock.advance(1_000);
      const offer = latestOffer(framework.probe);
      expect(offer.agentId).to.equal(agent.agentId);
      const weights = (role: string): Json => ({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role, weight: 3 }] } });
      expect((await operatorCall(harness, weights('ops'))).status).to.equal(200);
      await harness.clock.settle();
      expect(all(framework.probe, 'RescindResourceOffer')).to.deep.equal([]);
      expect((await operatorCall(harness, weights('eng'))).status).to.equal(200);
      await harness.clock.settle();
      expect(all(framework.probe, 'RescindResourceOffer').map((received) => (received.body as { offerId: string }).offerId)).to.deep.equal([offer.id]);
      // The resources are offered again, by the new weights.
      await harness.clock.advance(6_000);
      expect(latestOffer(framework.probe).id).to.not.equal(offer.id);
    });
  });

  describe('authentication', () => {
    it('asks an unauthenticated caller for credentials (401) before reading its call, as Mesos authenticates /api/v1 before its handler: a body that is not a call, an unserved call, a bad media type are 401 too', async () => {
      const harness = await startListeningHarness({ credentials: new Map([['ops', 'secret']]), authenticateHttpReadwrite: true });
      started.push(harness);
      const url = `http://${harness.host.address}/api/v1`;
      const raw = async (body: string, contentType = 'application/json', authorization?: string): Promise<{ status: number; text: string }> => {
        const response = await within(fetch(url, { method: 'POST', body, headers: { 'content-type': contentType, ...(authorization !== undefined ? { authorization } : {}) } }), 5_000, url);
        return { status: response.status, text: await response.text() };
      };
      for (const [body, contentType] of [['{"type":', 'application/json'], ['{"type":"UNKNOWN"}', 'application/json'], ['{"type":"MARK_AGENT_GONE"}', 'application/json'], ['\u0008\u0001', 'application/x-protobuf'], ['GET_HEALTH', 'text/plain']] as const) {
        const answer = await raw(body, contentType);
        expect(answer.status, `${body}: ${answer.text}`).to.equal(401);
      }
      expect((await raw('{"type":"UNKNOWN"}', 'application/json', basicAuthorization('ops', 'wrong'))).status).to.equal(401);
      // With credentials, the call is read and answered.
      const served = await raw('{"type":"UNKNOWN"}', 'application/json', basicAuthorization('ops', 'secret'));
      expect([served.status, served.text]).to.deep.equal([501, "call type 'UNKNOWN' is not implemented"]);
    });
  });
});
