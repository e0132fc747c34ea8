/**
 * Mesos' maintenance primitives on a real master (a listening host, agents at 127.0.0.1, the
 * virtual clock): the schedule and its validation, machines UP, DRAINING and DOWN through
 * `/master/maintenance/schedule`, `/master/machine/down` and `/master/machine/up` (and the v1
 * operator calls), the agents of a DOWN machine shut down, removed and refused, the schedule kept
 * in the registry across a master restart, offers of a draining machine's agents carrying its
 * unavailability, the ACLs, and hostile bodies.
 */
import { expect } from 'chai';
import { parseAcls, type MasterFlags } from '../../../actors/master';
import type { Offer } from '../../../lib/protocol';
import { basicAuthorization } from '../../../lib/process';
import { MAX_MAINTENANCE_MACHINES } from '../../../lib/maintenance';
import { MAX_WAITING_MAINTENANCE_CHANGES } from '../../../actors/master/maintenance';
import { eventuallyAsync, within } from '../../support/runtime';
import {
  agentInfo, agentUpdate, all, cleanUp, commandTask, FakeAgent, last, launch, makeWorkDir, offersOf, registerAgent, registerFramework, startListeningHarness, statesOf,
  updatesOf, type Harness,
} from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
  readonly json: Json;
}

/** A request to the master's HTTP endpoints. */
async function http(harness: Harness, path: string, init: RequestInit = {}): Promise<Answer> {
  const url = `http://${harness.host.address}${path}`;
  const response = await within(fetch(url, { redirect: 'manual', ...init }), 10_000, url);
  const text = await response.text();
  let json: Json = {};
  try { json = JSON.parse(text) as Json; } catch { json = {}; }
  return { status: response.status, text, headers: response.headers, json };
}

/** POSTs `body` (JSON unless a string) to `path`. */
function post(harness: Harness, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return http(harness, path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

/** A v1 operator call. */
function v1(harness: Harness, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return post(harness, '/api/v1', body, headers);
}

/** Now, on the master's clock, in nanoseconds. */
function nowNs(harness: Harness): number {
  return harness.clock.now() * 1e6;
}

/** A window of `machines` starting `inSeconds` from now, for an hour. */
function window(harness: Harness, machines: Json[], inSeconds = 3_600): Json {
  return { machine_ids: machines, unavailability: { start: { nanoseconds: nowNs(harness) + inSeconds * 1e9 }, duration: { nanoseconds: 3_600e9 } } };
}

/** The machine of the agents registered at the harness with host name `hostname`. */
function machine(hostname = 'agent.local'): Json {
  return { hostname, ip: '127.0.0.1' };
}

/** Whether the master still has agent `agentId` registered. */
async function registered(harness: Harness, agentId: string): Promise<boolean> {
  const slaves = (await http(harness, '/master/slaves')).json.slaves as Json[];
  return slaves.some((slave) => slave.id === agentId);
}

describe('actors/master: maintenance (schedule, machines down and up)', () => {
  const started: Harness[] = [];

  async function listening(flags: Partial<MasterFlags> = {}, workDir = makeWorkDir()): Promise<Harness> {
    const harness = await startListeningHarness(flags, workDir);
    started.push(harness);
    return harness;
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((harness) => harness.host.stop()));
    await cleanUp();
  });

  describe('the schedule', () => {
    it('is empty at first; a posted schedule is answered back as Mesos writes it, every machine DRAINING; an empty one cancels it', async () => {
      const harness = await listening();
      expect((await http(harness, '/master/maintenance/schedule')).json).to.deep.equal({});
      expect((await http(harness, '/master/maintenance/status')).json).to.deep.equal({});
      const schedule = { windows: [window(harness, [machine('h1'), { hostname: 'h2' }]), window(harness, [{ ip: '10.0.0.3' }], 7_200)] };
      const posted = await post(harness, '/master/maintenance/schedule', schedule);
      expect([posted.status, posted.text]).to.deep.equal([200, '']);
      expect((await http(harness, '/master/maintenance/schedule')).json).to.deep.equal(schedule);
      expect((await http(harness, '/master/maintenance/status')).json).to.deep.equal({
        draining_machines: [{ id: machine('h1') }, { id: { hostname: 'h2' } }, { id: { ip: '10.0.0.3' } }],
      });
      expect((await post(harness, '/master/maintenance/schedule', {})).status).to.equal(200);
      expect((await http(harness, '/master/maintenance/schedule')).json).to.deep.equal({});
      expect((await http(harness, '/master/maintenance/status')).json).to.deep.equal({});
    });

    it("refuses, in Mesos' words, what Mesos' validation refuses, and changes nothing", async () => {
      const harness = await listening();
      const start = { start: { nanoseconds: nowNs(harness) } };
      const refusals: Array<[Json, string]> = [
        [{ windows: [{ machine_ids: [], unavailability: start }] }, 'List of machines in the maintenance window is empty'],
        [{ windows: [{ unavailability: start }] }, 'List of machines in the maintenance window is empty'],
        [{ windows: [{ machine_ids: [{}], unavailability: start }] }, "Both 'hostname' and 'ip' for a machine are empty"],
        [{ windows: [{ machine_ids: [{ hostname: '', ip: '' }], unavailability: start }] }, "Both 'hostname' and 'ip' for a machine are empty"],
        [{ windows: [{ machine_ids: [{ ip: '10.0.0.256' }], unavailability: start }] }, 'Failed to parse IPv4: 10.0.0.256'],
        [{ windows: [{ machine_ids: [{ ip: '010.0.0.1' }], unavailability: start }] }, 'Failed to parse IPv4: 010.0.0.1'],
        [{ windows: [{ machine_ids: [{ ip: '::1' }], unavailability: start }] }, 'Failed to parse IPv4: ::1'],
        [{ windows: [{ machine_ids: [machine('h1')], unavailability: { ...start, duration: { nanoseconds: -1 } } }] }, "Unavailability 'duration' is negative"],
        // Host names are told apart without case, as Mesos' MachineID ==.
        [{ windows: [{ machine_ids: [machine('h1')], unavailability: start }, { machine_ids: [machine('H1')], unavailability: start }] },
          `Machine '${JSON.stringify(machine('H1'))}' appears more than once in the schedule`],
      ];
      for (const [schedule, error] of refusals) {
        const answer = await post(harness, '/master/maintenance/schedule', schedule);
        expect([answer.status, answer.json.error], JSON.stringify(schedule)).to.deep.equal([400, error]);
      }
      // What is not a schedule: named by field.
      const malformed: Array<[unknown, RegExp]> = [
        ['{"windows":', /^Failed to parse body into JSON: /],
        [[], /^Invalid maintenance schedule: \(body\): must be an object/],
        [{ windows: {} }, /^Invalid maintenance schedule: windows: must be an array of windows$/],
        [{ windows: [{ machine_ids: [machine('h1')] }] }, /^Invalid maintenance schedule: windows\.0\.unavailability: is required$/],
        [{ windows: [{ machine_ids: [machine('h1')], unavailability: {} }] }, /^Invalid maintenance schedule: windows\.0\.unavailability\.start: is required$/],
        [{ windows: [{ machine_ids: [{ hostname: 7 }], unavailability: start }] }, /^Invalid maintenance schedule: windows\.0\.machine_ids\.0\.hostname: must be a string$/],
        [{ windows: [{ machine_ids: [machine('h1')], unavailability: { start: { nanoseconds: 1.5 } } }] }, /nanoseconds: must be an integer$/],
        [{ windows: [{ machine_ids: [machine('h1')], unavailability: { start: { nanoseconds: 1e19 } } }] }, /nanoseconds: must fit in 64 bits$/],
        [{ windows: [{ machine_ids: [machine('h1')], unavailability: { start: { nanoseconds: 'soon' } } }] }, /nanoseconds: must be a number of nanoseconds$/],
      ];
      for (const [body, error] of malformed) {
        const answer = await post(harness, '/master/maintenance/schedule', typeof body === 'string' ? body : JSON.stringify(body));
        expect(answer.status, JSON.stringify(body)).to.equal(400);
        expect(answer.json.error, JSON.stringify(body)).to.match(error);
      }
      expect((await http(harness, '/master/maintenance/schedule')).json).to.deep.equal({});
    });

    it('takes what protobuf JSON writers send: int64 as text, nulls as unset fields, unknown fields ignored', async () => {
      const harness = await listening();
      const start = nowNs(harness);
      const schedule = { windows: [{ machine_ids: [{ hostname: 'h1', ip: null, extra: 1 }], unavailability: { start: { nanoseconds: String(start) }, duration: null }, note: 'x' }] };
      expect((await post(harness, '/master/maintenance/schedule', schedule)).status).to.equal(200);
      expect((await http(harness, '/master/maintenance/schedule')).json).to.deep.equal({ windows: [{ machine_ids: [{ hostname: 'h1' }], unavailability: { start: { nanoseconds: start } } }] });
    });

    it('may not leave out a DOWN machine (only /machine/up brings one up); re-posting it keeps it DOWN with the new unavailability', async () => {
      const harness = await listening();
      expect((await post(harness, '/master/maintenance/schedule', { windows: [window(harness, [machine('h1'), machine('h2')])] })).status).to.equal(200);
      expect((await post(harness, '/master/machine/down', [machine('h1')])).status).to.equal(200);
      const without = await post(harness, '/master/maintenance/schedule', { windows: [window(harness, [machine('h2')])] });
      expect([without.status, without.json.error]).to.deep.equal([400, `Machine '${JSON.stringify(machine('h1'))}' is deactivated and cannot be removed from the schedule`]);
      expect((await post(harness, '/master/maintenance/schedule', {})).status).to.equal(400);
      const later = window(harness, [machine('h1')], 86_400);
      expect((await post(harness, '/master/maintenance/schedule', { windows: [later] })).status).to.equal(200);
      expect((await http(harness, '/master/maintenance/status')).json).to.deep.equal({ down_machines: [machine('h1')] });
      expect((await http(harness, '/master/maintenance/schedule')).json).to.deep.equal({ windows: [later] });
    });
  });

  describe('machines down and up', () => {
    it("brings a DRAINING machine DOWN: its agent is told to shut down and removed, its framework's task is lost and the agent lost; agents of it are refused; UP takes it out of the schedule and lets them back", async () => {
      const harness = await listening();
      const agent = await registerAgent(harness, 'cpus:4;mem:1024', 'h1');
      const other = await registerAgent(harness, 'cpus:4;mem:1024', 'h2');
      const framework = await registerFramework(harness, { capabilities: ['PARTITION_AWARE'] });
      await harness.clock.advance(1_000);
      const offer = offersOf(framework.probe).find((candidate) => candidate.agentId === agent.agentId) as Offer;
      await launch(harness, framework, [offer.id], [commandTask('t1', agent.agentId)]);
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');

      // Not scheduled: neither down nor up.
      const unscheduled = await post(harness, '/master/machine/down', [machine('h1')]);
      expect([unscheduled.status, unscheduled.json.error]).to.deep.equal([400, `Machine '${JSON.stringify(machine('h1'))}' is not part of a maintenance schedule`]);
      expect((await post(harness, '/master/maintenance/schedule', { windows: [window(harness, [machine('h1'), machine('h3')])] })).status).to.equal(200);
      const notDown = await post(harness, '/master/machine/up', [machine('h1')]);
      expect([notDown.status, notDown.json.error]).to.deep.equal([400, `Machine '${JSON.stringify(machine('h1'))}' is not in DOWN mode and cannot be brought up`]);

      // Host names without case, as Mesos matches them.
      expect((await post(harness, '/master/machine/down', [{ hostname: 'H1', ip: '127.0.0.1' }])).status).to.equal(200);
      await eventuallyAsync(async () => !(await registered(harness, agent.agentId)), 5_000, 'the DOWN agent removed');
      await harness.clock.settle();
      expect(last(agent.probe, 'Shutdown')?.body).to.deep.equal({ message: "Operator initiated 'Machine DOWN'" });
      // TASK_LOST for every framework, partition-aware ones too, as Mesos' `_removeSlave`.
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_RUNNING', 'TASK_LOST']);
      expect(updatesOf(framework.probe).at(-1)?.update.status.reason).to.equal('REASON_AGENT_REMOVED');
      expect(all(framework.probe, 'LostAgent').map((received) => received.body)).to.deep.equal([{ agentId: agent.agentId }]);
      expect(await registered(harness, other.agentId), 'another machine').to.equal(true);
      expect((await http(harness, '/master/maintenance/status')).json).to.deep.equal({ draining_machines: [{ id: machine('h3') }], down_machines: [machine('h1')] });
      const again = await post(harness, '/master/machine/down', [machine('h1')]);
      expect([again.status, again.json.error]).to.deep.equal([400, `Machine '${JSON.stringify(machine('h1'))}' is not in DRAINING mode and cannot be brought down`]);

      // Its agent, back with its id, and a new agent on it: refused.
      agent.probe.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:4;mem:1024', 'h1', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
      const fresh = new FakeAgent('fresh-on-h1');
      harness.host.spawn(fresh);
      fresh.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:128', 'h1'), version: '0.1.0' });
      await harness.clock.settle();
      expect(last(agent.probe, 'Shutdown')?.body).to.deep.equal({ message: 'Machine is `DOWN`' });
      expect(last(agent.probe, 'AgentReregistered')).to.equal(undefined);
      expect(last(fresh, 'Shutdown')?.body).to.deep.equal({ message: 'Machine is `DOWN`' });
      expect(last(fresh, 'AgentRegistered')).to.equal(undefined);

      // UP: out of the schedule (the other machine stays), and its agents may come back.
      expect((await post(harness, '/master/machine/up', [machine('h1')])).status).to.equal(200);
      expect((await http(harness, '/master/maintenance/schedule')).json.windows[0].machine_ids).to.deep.equal([machine('h3')]);
      expect((await http(harness, '/master/maintenance/status')).json).to.deep.equal({ draining_machines: [{ id: machine('h3') }] });
      fresh.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:128', 'h1'), version: '0.1.0' });
      await harness.clock.settle();
      await eventuallyAsync(async () => { await harness.clock.settle(); return last(fresh, 'AgentRegistered') !== undefined; }, 5_000, 'the agent admitted');
    });

    it('after UP, an agent removed when its machine went DOWN is admitted again with its id (Mesos readmits a removed agent that re-registers)', async () => {
      const harness = await listening();
      const agent = await registerAgent(harness, 'cpus:4;mem:1024', 'h1');
      expect((await post(harness, '/master/maintenance/schedule', { windows: [window(harness, [machine('h1')])] })).status).to.equal(200);
      expect((await post(harness, '/master/machine/down', [machine('h1')])).status).to.equal(200);
      await eventuallyAsync(async () => !(await registered(harness, agent.agentId)), 5_000, 'the DOWN agent removed');
      const reregister = (): void => agent.probe.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:4;mem:1024', 'h1', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
      reregister();
      await harness.clock.settle();
      expect(last(agent.probe, 'AgentReregistered')).to.equal(undefined);
      expect((await post(harness, '/master/machine/up', [machine('h1')])).status).to.equal(200);
      reregister();
      await eventuallyAsync(async () => { await harness.clock.settle(); return last(agent.probe, 'AgentReregistered') !== undefined; }, 5_000, 'the agent re-admitted');
      expect(await registered(harness, agent.agentId)).to.equal(true);
    });

    it("refuses machine lists as Mesos' validation does", async () => {
      const harness = await listening();
      expect((await post(harness, '/master/maintenance/schedule', { windows: [window(harness, [machine('h1')])] })).status).to.equal(200);
      const refusals: Array<[unknown, string]> = [
        [[], 'List of machines is empty'],
        [[{ hostname: '' }], "Both 'hostname' and 'ip' for a machine are empty"],
        [[{ ip: '1.2.3' }], 'Failed to parse IPv4: 1.2.3'],
        [[machine('h1'), machine('H1')], `Machine '${JSON.stringify(machine('H1'))}' appears more than once in the schedule`],
      ];
      for (const path of ['/master/machine/down', '/master/machine/up']) {
        for (const [body, error] of refusals) {
          const answer = await post(harness, path, body);
          expect([answer.status, answer.json.error], `${path} ${JSON.stringify(body)}`).to.deep.equal([400, error]);
        }
        expect((await post(harness, path, { machines: [] })).json.error).to.match(/^Invalid list of machines: \(body\): must be an array of machines$/);
        expect((await post(harness, path, [{ hostname: ['h'] }])).json.error).to.equal('Invalid list of machines: 0.hostname: must be a string');
        expect((await post(harness, path, 'not json')).json.error).to.match(/^Failed to parse body into JSON/);
      }
      expect((await http(harness, '/master/maintenance/status')).json).to.deep.equal({ draining_machines: [{ id: machine('h1') }] });
    });

    it('a machine brought down without agents is down for agents that come later (a machine failed, kept from rejoining)', async () => {
      const harness = await listening();
      expect((await post(harness, '/master/maintenance/schedule', { windows: [window(harness, [machine()])] })).status).to.equal(200);
      expect((await post(harness, '/master/machine/down', [machine()])).status).to.equal(200);
      const late = new FakeAgent('late');
      harness.host.spawn(late);
      late.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:128'), version: '0.1.0' });
      await harness.clock.settle();
      expect(last(late, 'Shutdown')?.body).to.deep.equal({ message: 'Machine is `DOWN`' });
      // A machine named by host name alone is never an agent's (both must match, as Mesos says).
      expect((await post(harness, '/master/maintenance/schedule', { windows: [window(harness, [machine()]), window(harness, [{ hostname: 'h9' }])] })).status).to.equal(200);
      expect((await post(harness, '/master/machine/down', [{ hostname: 'h9' }])).status).to.equal(200);
      const h9 = new FakeAgent('on-h9');
      harness.host.spawn(h9);
      h9.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:128', 'h9'), version: '0.1.0' });
      await eventuallyAsync(async () => { await harness.clock.settle(); return last(h9, 'AgentRegistered') !== undefined; }, 5_000, 'the h9 agent admitted');
    });
  });

  describe('the registry', () => {
    it('keeps the schedule and the modes across a master restart: the DOWN machine is still refused, the DRAINING one still drains', async () => {
      const workDir = makeWorkDir();
      const first = await listening({}, workDir);
      const schedule = { windows: [window(first, [machine('h1')]), window(first, [machine('h2'), { hostname: 'h3' }], 7_200)] };
      expect((await post(first, '/master/maintenance/schedule', schedule)).status).to.equal(200);
      expect((await post(first, '/master/machine/down', [machine('h1')])).status).to.equal(200);
      expect(first.handle.registry.maintenance().machines.map((entry) => [entry.id.hostname, entry.mode])).to.deep.equal([['h1', 'DOWN'], ['h2', 'DRAINING'], ['h3', 'DRAINING']]);
      started.splice(started.indexOf(first), 1);
      await first.host.stop();

      const second = await listening({}, workDir);
      expect((await http(second, '/master/maintenance/schedule')).json).to.deep.equal(schedule);
      expect((await http(second, '/master/maintenance/status')).json).to.deep.equal({ draining_machines: [{ id: machine('h2') }, { id: { hostname: 'h3' } }], down_machines: [machine('h1')] });
      const back = new FakeAgent('back-on-h1');
      second.host.spawn(back);
      back.post(second.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:128', 'h1'), version: '0.1.0' });
      await second.clock.settle();
      expect(last(back, 'Shutdown')?.body).to.deep.equal({ message: 'Machine is `DOWN`' });
      // And the change after the restart (logged, not compacted) survives the next one.
      expect((await post(second, '/master/machine/up', [machine('h1')])).status).to.equal(200);
      started.splice(started.indexOf(second), 1);
      await second.host.stop();
      const third = await listening({}, workDir);
      expect((await http(third, '/master/maintenance/status')).json).to.deep.equal({ draining_machines: [{ id: machine('h2') }, { id: { hostname: 'h3' } }] });
    });
  });

  describe('offers', () => {
    it("of a draining machine's agent carry its unavailability (offers out are rescinded and made again with it); other agents' do not; it goes when the machine is taken out of the schedule", async () => {
      const harness = await listening();
      const draining = await registerAgent(harness, 'cpus:2;mem:512', 'h1');
      const up = await registerAgent(harness, 'cpus:2;mem:512', 'h2');
      const framework = await registerFramework(harness);
      await harness.clock.advance(1_000);
      const before = offersOf(framework.probe);
      expect(before.map((offer) => offer.unavailability)).to.deep.equal([undefined, undefined]);
      const scheduled = window(harness, [machine('h1')]);
      expect((await post(harness, '/master/maintenance/schedule', { windows: [scheduled] })).status).to.equal(200);
      await harness.clock.settle();
      const drainingOffer = before.find((offer) => offer.agentId === draining.agentId) as Offer;
      expect(all(framework.probe, 'RescindResourceOffer').map((received) => received.body)).to.deep.equal([{ offerId: drainingOffer.id }]);
      await harness.clock.advance(1_000);
      const again = offersOf(framework.probe).slice(before.length);
      expect(again.map((offer) => [offer.agentId, offer.unavailability])).to.deep.equal([[draining.agentId, scheduled.unavailability]]);
      expect(offersOf(framework.probe).some((offer) => offer.agentId === up.agentId && offer.unavailability !== undefined)).to.equal(false);
      // v1: GET_FRAMEWORKS shows it on the offer, as Mesos' v1 Offer does.
      const frameworks = (await v1(harness, { type: 'GET_FRAMEWORKS' })).json.get_frameworks.frameworks as Json[];
      const shown = (frameworks[0]?.offers as Json[]).find((offer) => offer.agent_id.value === draining.agentId);
      expect(shown?.unavailability).to.deep.equal(scheduled.unavailability);

      expect((await post(harness, '/master/maintenance/schedule', {})).status).to.equal(200);
      await harness.clock.settle();
      const count = offersOf(framework.probe).length;
      await harness.clock.advance(1_000);
      const after = offersOf(framework.probe).slice(count);
      expect(after.map((offer) => [offer.agentId, offer.unavailability])).to.deep.equal([[draining.agentId, undefined]]);
    });
  });

  describe('ACLs and credentials', () => {
    it("obey update_maintenance_schedules, start_maintenances, stop_maintenances (403), get_maintenance_schedules and get_maintenance_statuses (an empty answer, as Mesos')", async () => {
      const none = (field = 'machines'): Json => ({ principals: { type: 'ANY' }, [field]: { type: 'NONE' } });
      const harness = await listening({ acls: parseAcls({ update_maintenance_schedules: [none()], get_maintenance_schedules: [none()], get_maintenance_statuses: [none()] }) });
      const refused = await post(harness, '/master/maintenance/schedule', { windows: [window(harness, [machine('h1')])] });
      expect([refused.status, refused.json.error]).to.deep.equal([403, 'Forbidden: a request without a principal is not authorized to update the maintenance schedule']);
      // Ours: an empty schedule too (Mesos authorizes each machine of the new schedule, so it lets an empty one cancel the schedule).
      expect((await post(harness, '/master/maintenance/schedule', {})).status).to.equal(403);
      expect((await http(harness, '/master/maintenance/schedule')).json).to.deep.equal({});
      expect((await v1(harness, { type: 'GET_MAINTENANCE_SCHEDULE' })).json).to.deep.equal({ type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: {} } });

      const operators = await listening({ acls: parseAcls({ start_maintenances: [none()], stop_maintenances: [none()], get_maintenance_statuses: [none()] }) });
      expect((await post(operators, '/master/maintenance/schedule', { windows: [window(operators, [machine('h1')])] })).status).to.equal(200);
      expect((await http(operators, '/master/maintenance/status')).json, 'statuses not viewable').to.deep.equal({});
      const down = await post(operators, '/master/machine/down', [machine('h1')]);
      expect([down.status, down.json.error]).to.deep.equal([403, 'Forbidden: a request without a principal is not authorized to bring machines down for maintenance']);
      // Ours: refused before the modes are looked at (Mesos would answer 400: h2 is not scheduled).
      expect((await post(operators, '/master/machine/down', [machine('h2')])).status).to.equal(403);
      const up = await v1(operators, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [machine('h1')] } });
      expect([up.status, up.text]).to.deep.equal([403, 'Forbidden: a request without a principal is not authorized to bring machines up from maintenance']);
    });

    it('ask credentials of the v1 calls as of the others (with --authenticate_http_readwrite, all of /api/v1, as Mesos\' read-write realm)', async () => {
      const harness = await listening({ credentials: new Map([['ops', 'secret']]), authenticateHttpReadwrite: true });
      const ops = { authorization: basicAuthorization('ops', 'secret') };
      for (const body of [
        { type: 'GET_MAINTENANCE_STATUS' }, { type: 'GET_MAINTENANCE_SCHEDULE' }, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: {} } },
        { type: 'START_MAINTENANCE', start_maintenance: { machines: [] } }, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [] } },
      ]) {
        expect((await v1(harness, body)).status, body.type).to.equal(401);
        expect((await v1(harness, body, ops)).status, body.type).to.equal(body.type.startsWith('GET') || body.type.startsWith('UPDATE') ? 200 : 400);
      }
    });
  });

  describe('the v1 operator calls', () => {
    it('GET_MAINTENANCE_SCHEDULE, UPDATE_MAINTENANCE_SCHEDULE, GET_MAINTENANCE_STATUS, START_MAINTENANCE, STOP_MAINTENANCE, as the endpoints', async () => {
      const harness = await listening();
      expect((await v1(harness, { type: 'GET_MAINTENANCE_STATUS' })).json).to.deep.equal({ type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status: {} } });
      const schedule = { windows: [window(harness, [machine('h1'), machine('h2')])] };
      const updated = await v1(harness, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } });
      expect([updated.status, updated.text]).to.deep.equal([200, '']);
      expect((await v1(harness, { type: 'GET_MAINTENANCE_SCHEDULE' })).json).to.deep.equal({ type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule } });
      expect((await v1(harness, { type: 'START_MAINTENANCE', start_maintenance: { machines: [machine('h1')] } })).status).to.equal(200);
      expect((await v1(harness, { type: 'GET_MAINTENANCE_STATUS' })).json.get_maintenance_status.status).to.deep.equal({ draining_machines: [{ id: machine('h2') }], down_machines: [machine('h1')] });
      const notDown = await v1(harness, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [machine('h2')] } });
      expect([notDown.status, notDown.text]).to.deep.equal([400, `Machine '${JSON.stringify(machine('h2'))}' is not in DOWN mode and cannot be brought up`]);
      expect((await v1(harness, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [machine('h1')] } })).status).to.equal(200);
      expect((await http(harness, '/master/maintenance/status')).json).to.deep.equal({ draining_machines: [{ id: machine('h2') }] });
      // Bad calls: named.
      expect((await v1(harness, { type: 'UPDATE_MAINTENANCE_SCHEDULE' })).text).to.equal("Failed to validate master::Call: Expecting 'update_maintenance_schedule' to be present");
      expect((await v1(harness, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: {} })).text).to.equal("Failed to validate master::Call: update_maintenance_schedule: Expecting 'schedule' to be present");
      expect((await v1(harness, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [machine('h1')] }] } } })).text)
        .to.equal('Failed to validate master::Call: update_maintenance_schedule.schedule.windows.0.unavailability: is required');
      expect((await v1(harness, { type: 'START_MAINTENANCE', start_maintenance: { machines: 'h1' } })).text).to.equal('Failed to validate master::Call: start_maintenance.machines: must be an array of machines');
      const empty = await v1(harness, { type: 'START_MAINTENANCE', start_maintenance: {} });
      expect([empty.status, empty.text]).to.deep.equal([400, 'List of machines is empty']);
    });
  });

  describe('hostile input', () => {
    it('bounds what a schedule and a list may hold, and what a reason quotes', async () => {
      const harness = await listening();
      const many = Array.from({ length: MAX_MAINTENANCE_MACHINES + 1 }, (_, index) => ({ ip: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}` }));
      const start = { start: { nanoseconds: 0 } };
      const tooMany = await post(harness, '/master/maintenance/schedule', { windows: [{ machine_ids: many, unavailability: start }] });
      expect([tooMany.status, tooMany.json.error]).to.deep.equal([400, `Invalid maintenance schedule: windows.0.machine_ids: must have at most ${MAX_MAINTENANCE_MACHINES} entries`]);
      const split = await post(harness, '/master/maintenance/schedule', { windows: [{ machine_ids: many.slice(0, 60_000), unavailability: start }, { machine_ids: many.slice(60_000), unavailability: start }] });
      expect([split.status, split.json.error]).to.deep.equal([400, `A schedule names at most ${MAX_MAINTENANCE_MACHINES} machines`]);
      const longName = await post(harness, '/master/maintenance/schedule', { windows: [{ machine_ids: [{ hostname: 'h'.repeat(256) }], unavailability: start }] });
      expect(longName.json.error).to.equal('Invalid maintenance schedule: windows.0.machine_ids.0.hostname: must be at most 255 characters');
      const longIp = await post(harness, '/master/machine/down', [{ ip: '1'.repeat(64) }]);
      expect([longIp.status, longIp.json.error]).to.deep.equal([400, `Failed to parse IPv4: ${'1'.repeat(64)}`]);
      const deep = await post(harness, '/master/maintenance/schedule', `{"windows":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
      expect(deep.status).to.equal(400);
      const proto = await post(harness, '/master/maintenance/schedule', '{"__proto__":{"windows":[]},"windows":[{"machine_ids":[{"hostname":"h1","__proto__":{"ip":"x"}}],"unavailability":{"start":{"nanoseconds":0}}}]}');
      expect(proto.status).to.equal(200);
      expect((await http(harness, '/master/maintenance/schedule')).json).to.deep.equal({ windows: [{ machine_ids: [{ hostname: 'h1' }], unavailability: { start: { nanoseconds: 0 } } }] });
    });

    it('writes changes one at a time, each checked against what the one before left; a long line of them is refused (503)', async () => {
      const harness = await listening();
      const schedule = (name: string): Json => ({ windows: [window(harness, [machine(name)])] });
      // Sent together: each is checked in its turn (the DOWN of h1, made second, keeps the third from leaving it out).
      const answers = await Promise.all([
        post(harness, '/master/maintenance/schedule', schedule('h1')),
        post(harness, '/master/machine/down', [machine('h1')]),
        post(harness, '/master/maintenance/schedule', schedule('h2')),
      ]);
      expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200, 400]);
      expect((await http(harness, '/master/maintenance/status')).json).to.deep.equal({ down_machines: [machine('h1')] });
      const flood = await Promise.all(Array.from({ length: MAX_WAITING_MAINTENANCE_CHANGES + 8 }, () => post(harness, '/master/maintenance/schedule', schedule('h1'))));
      const statuses = flood.map((answer) => answer.status);
      expect(statuses.every((status) => status === 200 || status === 503), String(statuses)).to.equal(true);
      expect(statuses.filter((status) => status === 200).length).to.be.at.least(1);
    });
  });
});
