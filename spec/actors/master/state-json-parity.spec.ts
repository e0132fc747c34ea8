/**
 * The master's v0 JSON (`/master/state`, `/master/state-summary`, `/master/slaves`,
 * `/master/frameworks`, `/master/tasks`) against Mesos' master, field by field: each as
 * `src/master/readonly_handler.cpp` writes it (`SlaveWriter`, `FullFrameworkWriter`, ...) with
 * `src/common/http.cpp`'s `json()` of a Task, an ExecutorInfo, Resources and the like. Each case
 * names what Mesos does.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { TextParts, type HttpResponse } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import { agentInfo, cleanUp, FakeAgent, last, latestOffer, launch, registerFramework, startHarness, type AgentHandle, type Harness } from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

/** The JSON text of an answer whose body is JSON text in pieces or an object. */
function textOf(response: HttpResponse): string {
  const body = response.body;
  if (body instanceof TextParts) return body.parts.join('');
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** `GET /master/<endpoint>?<query>` answered by the harness' master (in its mailbox), the clock moved on while it is under way. */
async function get(harness: Harness, endpoint: string, query: Record<string, string> = {}): Promise<{ status: number; json: Json }> {
  const route = harness.handle.master.runtime.routes.get(`/${endpoint}`);
  if (route === undefined) throw new Error(`no /${endpoint} route`);
  const answer = dispatch(harness.handle.master, (master) => route.call(master, { method: 'GET', path: `/master/${endpoint}`, query, headers: {}, body: Buffer.alloc(0) }));
  await harness.clock.settle();
  const response = await answer;
  const text = textOf(response);
  return { status: response.status, json: response.status === 200 ? JSON.parse(text) as Json : { text } };
}

let nextAgent = 1;

/** Registers an agent probe advertising `capabilities` (as the agent's RegisterAgent carries them). */
async function registerAgentWith(harness: Harness, capabilities: string[], resources = 'cpus:4;mem:4096;disk:1000;ports:[31000-32000]'): Promise<AgentHandle> {
  const probe = new FakeAgent(`parity-agent-${nextAgent++}`);
  harness.host.spawn(probe);
  probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo(resources), version: '0.1.0', capabilities });
  await harness.clock.settle();
  const registered = last(probe, 'AgentRegistered');
  if (registered === undefined) throw new Error('agent was not registered');
  return { probe, agentId: (registered.body as { agentId: string }).agentId, resources };
}

describe('the master\'s v0 JSON against Mesos\' master (src/master/readonly_handler.cpp)', () => {
  afterEach(async () => {
    await cleanUp();
  });

  describe("an agent (SlaveWriter)", () => {
    it("lists its capabilities as Mesos' master keeps them: the names it knows, once each, in SlaveInfo.Capability's order, in /master/state, /master/slaves and /master/state-summary (they were listed as sent: repeats, unknown names and the agent's order)", async () => {
      const harness = await startHarness();
      await registerAgentWith(harness, ['AGENT_DRAINING', 'MULTI_ROLE', 'NO_SUCH_CAPABILITY', 'RESOURCE_PROVIDER', 'MULTI_ROLE']);
      const expected = ['MULTI_ROLE', 'RESOURCE_PROVIDER', 'AGENT_DRAINING'];
      for (const endpoint of ['state', 'slaves', 'state-summary']) {
        const { json } = await get(harness, endpoint);
        expect(json.slaves.map((agent: Json) => agent.capabilities), endpoint).to.deep.equal([expected]);
      }
    });

    it('lists the capabilities of its last re-registration the same way, in /master/state and /master/slaves rendered before it (their kept texts follow)', async () => {
      const harness = await startHarness();
      const agent = await registerAgentWith(harness, ['MULTI_ROLE']);
      expect((await get(harness, 'state')).json.slaves[0].capabilities).to.deep.equal(['MULTI_ROLE']);
      expect((await get(harness, 'slaves')).json.slaves[0].capabilities).to.deep.equal(['MULTI_ROLE']);
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [],
        capabilities: ['AGENT_OPERATION_FEEDBACK', 'NO_SUCH_CAPABILITY', 'HIERARCHICAL_ROLE', 'AGENT_OPERATION_FEEDBACK'],
      });
      await harness.clock.settle();
      expect(last(agent.probe, 'AgentReregistered'), 'the agent re-registered').to.not.equal(undefined);
      for (const endpoint of ['state', 'slaves']) {
        expect((await get(harness, endpoint)).json.slaves[0].capabilities, endpoint).to.deep.equal(['HIERARCHICAL_ROLE', 'AGENT_OPERATION_FEEDBACK']);
      }
    });

    it('lists none for an agent that advertised none, or only names Mesos does not know: [] (Mesos\' empty Capabilities)', async () => {
      const harness = await startHarness();
      await registerAgentWith(harness, []);
      await registerAgentWith(harness, ['NO_SUCH_CAPABILITY']);
      const { json } = await get(harness, 'state');
      expect(json.slaves.map((agent: Json) => agent.capabilities)).to.deep.equal([[], []]);
    });

    it("/master/slaves' used_resources_full and offered_resources_full carry each resource's allocation_info (the role it is allocated or offered to), as Mesos' Resource objects do; what one role holds is summed (they had none)", async () => {
      const harness = await startHarness();
      const agent = await registerAgentWith(harness, ['MULTI_ROLE'], 'cpus:4;mem:4096;disk:1000;cpus(web):2');
      const framework = await registerFramework(harness, { name: 'web', roles: ['web'], capabilities: ['MULTI_ROLE'] });
      await launch(harness, framework, [latestOffer(framework.probe).id], [{
        name: 't1', taskId: 't1', agentId: agent.agentId, resources: Resources.parse('cpus(web):1;mem:128').toJSON(),
        executor: { executorId: 'e1', command: { value: 'exec' }, resources: Resources.parse('cpus:0.5;mem:32').toJSON() },
      }], 0);
      await harness.clock.advance(2_000);
      const [slave] = (await get(harness, 'slaves')).json.slaves as Json[];
      const entries = (list: Json[]): Array<[string, number, string | undefined, unknown]> =>
        list.filter((entry) => entry.type === 'SCALAR').map((entry) => [entry.name, entry.scalar.value, entry.reservations?.[0]?.role, entry.allocation_info]);
      const web = { role: 'web' };
      expect(entries(slave.used_resources_full)).to.have.deep.members([['cpus', 1, 'web', web], ['cpus', 0.5, undefined, web], ['mem', 160, undefined, web]]);
      expect(entries(slave.offered_resources_full)).to.have.deep.members([['cpus', 1, 'web', web], ['cpus', 3.5, undefined, web], ['mem', 3936, undefined, web], ['disk', 1000, undefined, web]]);
    });
  });

  describe('an executor (json(ExecutorInfo))', () => {
    it("writes its labels, as Mesos' json(ExecutorInfo) does when it has any, in /master/state and /master/frameworks (they were left out)", async () => {
      const harness = await startHarness();
      const agent = await registerAgentWith(harness, ['MULTI_ROLE']);
      const framework = await registerFramework(harness, { name: 'web' });
      await launch(harness, framework, [latestOffer(framework.probe).id], [{
        name: 't1', taskId: 't1', agentId: agent.agentId, resources: Resources.parse('cpus:1;mem:128').toJSON(),
        executor: { executorId: 'e1', command: { value: 'exec' }, resources: Resources.parse('cpus:0.1;mem:32').toJSON(), labels: { k: 'v', tier: 'gold' } },
      }]);
      for (const endpoint of ['state', 'frameworks']) {
        const [executor] = (await get(harness, endpoint)).json.frameworks[0].executors as Json[];
        expect(executor.labels, endpoint).to.deep.equal([{ key: 'k', value: 'v' }, { key: 'tier', value: 'gold' }]);
        expect(executor.command, endpoint).to.deep.equal({ value: 'exec', argv: [], uris: [] });
      }
    });

    it("writes no 'source': Mesos' json(ExecutorInfo) never writes one (its agent's executor JSON does); the master wrote \"source\": \"\"", async () => {
      const harness = await startHarness();
      const agent = await registerAgentWith(harness, ['MULTI_ROLE']);
      const framework = await registerFramework(harness, { name: 'web' });
      await launch(harness, framework, [latestOffer(framework.probe).id], [{
        name: 't1', taskId: 't1', agentId: agent.agentId, resources: Resources.parse('cpus:1;mem:128').toJSON(),
        executor: { executorId: 'e1', command: { value: 'exec' }, resources: Resources.parse('cpus:0.1;mem:32').toJSON(), source: 'src' },
      }]);
      for (const endpoint of ['state', 'frameworks']) {
        const [executor] = (await get(harness, endpoint)).json.frameworks[0].executors as Json[];
        expect(executor, endpoint).to.not.have.property('source');
        expect(Object.keys(executor), endpoint).to.have.members(['executor_id', 'name', 'framework_id', 'command', 'resources', 'role', 'slave_id']);
      }
    });

    it("writes a default executor's unset command as Mesos' json(CommandInfo) does, its lists only: {argv: [], uris: []} (it wrote \"value\": \"\")", async () => {
      const harness = await startHarness();
      const agent = await registerAgentWith(harness, ['MULTI_ROLE']);
      const framework = await registerFramework(harness, { name: 'pod' });
      const executor = { executorId: 'pod', type: 'DEFAULT' as const, resources: Resources.parse('cpus:0.1;mem:32;disk:10').toJSON() };
      const task = { name: 'g1', taskId: 'g1', agentId: agent.agentId, resources: Resources.parse('cpus:1;mem:128').toJSON(), command: { value: 'sleep 1' } };
      framework.probe.post(harness.masterPid, 'AcceptOffers', {
        frameworkId: framework.frameworkId, offerIds: [latestOffer(framework.probe).id], filters: { refuseSeconds: 0 },
        operations: [{ type: 'LAUNCH_GROUP', launchGroup: { executor, taskGroup: { tasks: [task] } } }],
      });
      await harness.clock.settle();
      const [rendered] = (await get(harness, 'state')).json.frameworks[0].executors as Json[];
      expect(rendered.type).to.equal('DEFAULT');
      expect(rendered.command).to.deep.equal({ argv: [], uris: [] });
      expect(rendered).to.not.have.property('labels');
    });
  });
});
