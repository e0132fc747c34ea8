/**
 * The maintenance primitives' pure rules (actors/master/maintenance.ts: how each change makes
 * the next record, Mesos' validation in its words), their JSON (lib/maintenance.ts) and protobuf
 * forms (lib/v1/proto-schema.ts, operator-proto.ts: Mesos' field numbers), and the registry's
 * record of them (kept across a reopening, from the log or the snapshot; older files read as they were).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Registry, REGISTRY_FILE_NAME, registryLogPathOf } from '../../../actors/master';
import { EMPTY_MAINTENANCE, machineError, machinesError, Maintenance, maintenanceAfter, scheduleError, type MachineRecord } from '../../../actors/master/maintenance';
import type { AgentRecord, MasterState } from '../../../actors/master/state';
import type { Timer } from '../../../lib/actor';
import { PERMISSIVE_AUTHORIZER } from '../../../lib/acls';
import { captureLogger } from '../../../lib/logging';
import { machineKey, parseMachineIdsJson, parseScheduleJson, renderClusterStatus, renderSchedule, type MaintenanceSchedule } from '../../../lib/maintenance';
import { parseOperatorCall } from '../../../lib/v1/operator';
import { parseSchedulerCall } from '../../../lib/v1/scheduler';
import { v1CallBytes, v1CallJson, v1EventBytes, v1EventJson, v1ResponseBytes, v1ResponseJson } from '../../../lib/v1/protobuf';
import { bytesAt, varintAt } from '../../support/protobuf-wire';
import { makeWorkDir } from './harness';

const HOUR_NS = 3_600e9;
const at = (startNs: number, durationNs?: number): { start: { nanoseconds: number }; duration?: { nanoseconds: number } } => ({ start: { nanoseconds: startNs }, ...(durationNs !== undefined ? { duration: { nanoseconds: durationNs } } : {}) });
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('actors/master/maintenance: the rules', () => {
  describe('each change makes the next record, as Mesos\' registry operations', () => {
    const h1 = { hostname: 'h1', ip: '10.0.0.1' };
    const h2 = { hostname: 'h2', ip: '10.0.0.2' };
    const h3 = { hostname: 'h3' };

    it('a schedule makes its new machines DRAINING, keeps the modes of those it had (with their new unavailability), and drops those left out', () => {
      const first = maintenanceAfter(EMPTY_MAINTENANCE, { type: 'updateSchedule', schedule: [{ machineIds: [h1, h2], unavailability: at(1) }] });
      expect(first.machines).to.deep.equal([{ id: h1, mode: 'DRAINING', unavailability: at(1) }, { id: h2, mode: 'DRAINING', unavailability: at(1) }]);
      const down = maintenanceAfter(first, { type: 'startMaintenance', machineIds: [h1] });
      expect(down.machines.map((machine) => machine.mode)).to.deep.equal(['DOWN', 'DRAINING']);
      // The host name's case does not make another machine: H1 is h1, kept DOWN under the id it had.
      const next = maintenanceAfter(down, { type: 'updateSchedule', schedule: [{ machineIds: [h3], unavailability: at(5) }, { machineIds: [{ ...h1, hostname: 'H1' }], unavailability: at(9, HOUR_NS) }] });
      expect(next.machines).to.deep.equal([{ id: h1, mode: 'DOWN', unavailability: at(9, HOUR_NS) }, { id: h3, mode: 'DRAINING', unavailability: at(5) }]);
      expect(next.schedule).to.have.length(2);
    });

    it('UP takes machines out of the record and the schedule, and a window left empty with them', () => {
      const record = maintenanceAfter(EMPTY_MAINTENANCE, { type: 'updateSchedule', schedule: [{ machineIds: [h1], unavailability: at(1) }, { machineIds: [h2, h3], unavailability: at(2) }] });
      const up = maintenanceAfter(record, { type: 'stopMaintenance', machineIds: [h1, h3] });
      expect(up).to.deep.equal({ schedule: [{ machineIds: [h2], unavailability: at(2) }], machines: [{ id: h2, mode: 'DRAINING', unavailability: at(2) }] });
      expect(maintenanceAfter(up, { type: 'stopMaintenance', machineIds: [h2] })).to.deep.equal({ schedule: [], machines: [] });
    });
  });

  describe("validation, in Mesos' words", () => {
    it('a machine: a host name or an IP, an IP an IPv4 address as inet_pton reads one', () => {
      expect(machineError({})).to.equal("Both 'hostname' and 'ip' for a machine are empty");
      expect(machineError({ hostname: '', ip: '' })).to.equal("Both 'hostname' and 'ip' for a machine are empty");
      expect(machineError({ hostname: 'h', ip: '' })).to.equal(undefined);
      for (const ip of ['0.0.0.0', '10.0.0.1', '255.255.255.255', '192.168.1.10']) expect(machineError({ ip }), ip).to.equal(undefined);
      for (const ip of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', '::1', '1.2.3.-4']) {
        expect(machineError({ ip }), ip).to.equal(`Failed to parse IPv4: ${ip}`);
      }
    });

    it('a schedule: windows with machines, durations not negative, each machine once, no DOWN machine left out', () => {
      const down = new Map<string, MachineRecord>([[machineKey({ hostname: 'd' }), { id: { hostname: 'd' }, mode: 'DOWN' }]]);
      const schedule = (...windows: MaintenanceSchedule): MaintenanceSchedule => windows;
      expect(scheduleError(schedule(), new Map())).to.equal(undefined);
      expect(scheduleError(schedule({ machineIds: [], unavailability: at(0) }), new Map())).to.equal('List of machines in the maintenance window is empty');
      expect(scheduleError(schedule({ machineIds: [{ hostname: 'a' }], unavailability: at(0, -1) }), new Map())).to.equal("Unavailability 'duration' is negative");
      expect(scheduleError(schedule({ machineIds: [{ hostname: 'a' }], unavailability: at(0) }, { machineIds: [{ hostname: 'A' }], unavailability: at(0) }), new Map()))
        .to.equal('Machine \'{"hostname":"A"}\' appears more than once in the schedule');
      // Host name and IP together make a machine: the same host name with an IP is another one.
      expect(scheduleError(schedule({ machineIds: [{ hostname: 'a' }, { hostname: 'a', ip: '10.0.0.1' }], unavailability: at(0) }), new Map())).to.equal(undefined);
      expect(scheduleError(schedule({ machineIds: [{ hostname: 'a' }], unavailability: at(0) }), down)).to.equal('Machine \'{"hostname":"d"}\' is deactivated and cannot be removed from the schedule');
      expect(scheduleError(schedule({ machineIds: [{ hostname: 'D' }], unavailability: at(0) }), down)).to.equal(undefined);
    });

    it('a list of machines: not empty, each well formed and named once', () => {
      expect(machinesError([])).to.equal('List of machines is empty');
      expect(machinesError([{ ip: '10.0.0.1' }, { ip: '10.0.0.1' }])).to.equal('Machine \'{"ip":"10.0.0.1"}\' appears more than once in the schedule');
      expect(machinesError([{ ip: 'x' }])).to.equal('Failed to parse IPv4: x');
      expect(machinesError([{ hostname: 'a' }, { ip: '10.0.0.1' }])).to.equal(undefined);
    });
  });

  describe('the JSON and protobuf forms', () => {
    const schedule = { windows: [{ machine_ids: [{ hostname: 'h1', ip: '10.0.0.1' }, { ip: '10.0.0.2' }], unavailability: { start: { nanoseconds: 1_443_830_400_000_000_000 }, duration: { nanoseconds: HOUR_NS } } }] };

    it('reads and writes a schedule as Mesos does; a status leaves empty lists out', () => {
      const parsed = parseScheduleJson(schedule);
      expect(parsed.ok && renderSchedule(parsed.schedule)).to.deep.equal(schedule);
      expect(parseMachineIdsJson([{ hostname: 'h' }])).to.deep.equal({ ok: true, machineIds: [{ hostname: 'h' }] });
      expect(renderClusterStatus([], [])).to.deep.equal({});
      expect(renderClusterStatus([{ id: { hostname: 'h' }, statuses: [{ status: 'ACCEPT', frameworkId: 'f', timestampNs: 5 }] }], [{ ip: '10.0.0.1' }])).to.deep.equal({
        draining_machines: [{ id: { hostname: 'h' }, statuses: [{ status: 'ACCEPT', framework_id: { value: 'f' }, timestamp: { nanoseconds: 5 } }] }],
        down_machines: [{ ip: '10.0.0.1' }],
      });
    });

    it("the v1 operator calls and answers survive protobuf, at Mesos' field numbers", () => {
      const calls = [
        { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } },
        { type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'h1', ip: '10.0.0.1' }] } },
        { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [{ ip: '10.0.0.2' }] } },
        { type: 'GET_MAINTENANCE_STATUS' }, { type: 'GET_MAINTENANCE_SCHEDULE' },
      ];
      for (const call of calls) {
        const read = v1CallJson('master', v1CallBytes('master', call));
        expect('json' in read && plain(read.json), call.type).to.deep.equal(plain(call));
        expect(parseOperatorCall('json' in read ? read.json : undefined).ok, call.type).to.equal(true);
      }
      const update = v1CallBytes('master', calls[0] as object as Record<string, unknown>);
      // Call.update_maintenance_schedule = 11, .schedule = 1, Schedule.windows = 1, Window.machine_ids = 1, MachineID.hostname = 1.
      expect(bytesAt(update, 11, 1, 1, 1, 1)?.toString()).to.equal('h1');
      // Window.unavailability = 2, Unavailability.start = 1, TimeInfo.nanoseconds = 1.
      expect(varintAt(update, 11, 1, 1, 2, 1, 1)).to.equal(1_443_830_400_000_000_000n);
      const status = { draining_machines: [{ id: { hostname: 'h1', ip: '10.0.0.1' }, statuses: [{ status: 'DECLINE', framework_id: { value: 'f-1' }, timestamp: { nanoseconds: 1_700_000_000_000_000_000 } }] }], down_machines: [{ ip: '10.0.0.9' }] };
      for (const response of [
        { type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status } },
        { type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule } },
      ]) {
        expect(plain(v1ResponseJson('master', v1ResponseBytes('master', response))), response.type).to.deep.equal(plain(response));
      }
      // Response.get_maintenance_status = 17, .status = 1, ClusterStatus.draining_machines = 1, .statuses = 2, InverseOfferStatus.status = 1 (DECLINE = 3).
      expect(varintAt(v1ResponseBytes('master', { type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status } }), 17, 1, 1, 2, 1)).to.equal(3n);
      // GetFrameworks.Framework.inverse_offers = 8.
      const inverse = { id: { value: 'm-O7' }, framework_id: { value: 'f-1' }, agent_id: { value: 'a-S1' }, unavailability: schedule.windows[0]?.unavailability, url: { scheme: 'http', address: { hostname: 'h1', ip: '10.0.0.1', port: 5051 }, path: '/slave(1)' } };
      const frameworks = { type: 'GET_FRAMEWORKS', get_frameworks: { frameworks: [{ framework_info: { user: 'u', name: 'n', id: { value: 'f-1' } }, active: true, connected: true, recovered: false, inverse_offers: [inverse] }] } };
      expect(plain(v1ResponseJson('master', v1ResponseBytes('master', frameworks)))).to.deep.equal(plain(frameworks));
      expect(bytesAt(v1ResponseBytes('master', frameworks), 11, 1, 8, 1, 1)?.toString()).to.equal('m-O7');
    });

    it("the scheduler's calls, events and offers with maintenance survive protobuf, at Mesos' field numbers", () => {
      const unavailability = schedule.windows[0]?.unavailability;
      const inverse = { id: { value: 'm-O7' }, framework_id: { value: 'f-1' }, agent_id: { value: 'a-S1' }, unavailability };
      const events = [
        { type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers: [inverse] } },
        { type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: { value: 'm-O7' } } },
        { type: 'OFFERS', offers: { offers: [{ id: { value: 'm-O8' }, framework_id: { value: 'f-1' }, agent_id: { value: 'a-S1' }, hostname: 'h1', unavailability }] } },
      ];
      for (const event of events) expect(plain(v1EventJson('scheduler', v1EventBytes('scheduler', event))), event.type).to.deep.equal(plain(event));
      // Event.inverse_offers = 9, InverseOffers.inverse_offers = 1, InverseOffer.id = 1; Event.rescind_inverse_offer = 10; Offer.unavailability = 9.
      expect(bytesAt(v1EventBytes('scheduler', events[0] as Record<string, unknown>), 9, 1, 1, 1)?.toString()).to.equal('m-O7');
      expect(bytesAt(v1EventBytes('scheduler', events[1] as Record<string, unknown>), 10, 1, 1)?.toString()).to.equal('m-O7');
      expect(varintAt(v1EventBytes('scheduler', events[2] as Record<string, unknown>), 3, 1, 9, 1, 1)).to.equal(1_443_830_400_000_000_000n);
      for (const type of ['ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS']) {
        const field = type.toLowerCase();
        const call = { framework_id: { value: 'f-1' }, type, [field]: { inverse_offer_ids: [{ value: 'm-O7' }], filters: { refuse_seconds: 30 } } };
        const read = v1CallJson('scheduler', v1CallBytes('scheduler', call));
        expect('json' in read && plain(read.json), type).to.deep.equal(plain(call));
        expect(parseSchedulerCall('json' in read ? read.json : undefined), type).to.deep.equal({ ok: true, call: { type, frameworkId: 'f-1', inverseOfferIds: ['m-O7'], filters: { refuseSeconds: 30 } } });
      }
    });
  });

  describe('the master\'s side, alone', () => {
    it('an agent added on a DOWN machine (its registration checked before a write the machine went down during) is shut down in the next turn', () => {
      const registry = Registry.inMemory({ version: 2, agents: [], unreachable: [], maintenance: { schedule: [{ machineIds: [{ hostname: 'h1', ip: '10.0.0.1' }], unavailability: at(0) }], machines: [{ id: { hostname: 'h1', ip: '10.0.0.1' }, mode: 'DOWN', unavailability: at(0) }] } });
      const agent = { id: 'a-S1', info: { hostname: 'H1', port: 5051, resources: [] }, pid: { host: '10.0.0.1' }, removing: false } as unknown as AgentRecord;
      const later: Array<() => void> = [];
      const shutDown: string[] = [];
      const maintenance = new Maintenance({
        log: captureLogger().logger, registry, authorizer: PERMISSIVE_AUTHORIZER, state: { agents: new Map([[agent.id, agent]]) } as unknown as MasterState,
        passIntervalMs: 1_000, offerTimeoutMs: undefined, now: () => 0,
        delay: (_ms, callback) => { later.push(callback); return { cancel: () => undefined } as Timer; },
        durably: () => undefined, newOfferId: () => 'o', agentEndpoint: () => undefined, rescindAgentOffers: () => undefined,
        shutDownAgent: (shut, message) => shutDown.push(`${shut.id}: ${message}`), sendInverseOffers: () => undefined, rescindInverseOffer: () => undefined,
      });
      maintenance.recover();
      expect(maintenance.refusesAgent('h1', '10.0.0.1')).to.equal(true);
      expect(maintenance.refusesAgent('h1', '10.0.0.2')).to.equal(false);
      maintenance.agentAdded(agent);
      expect(shutDown).to.deep.equal([]);
      for (const run of later.splice(0)) run();
      expect(shutDown).to.deep.equal(["a-S1: Operator initiated 'Machine DOWN'"]);
    });
  });

  describe('the registry', () => {
    it('keeps the record across reopenings, from its log and from its snapshot; a registry without maintenance (an older one) reads as none', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const older = { version: 2, seq: 0, agents: [], unreachable: [] };
      fs.writeFileSync(file, JSON.stringify(older));
      const registry = await Registry.load(file);
      expect(registry.maintenance()).to.deep.equal({ schedule: [], machines: [] });
      // The compaction at open wrote no `maintenance`: an older master could still read it.
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).not.to.have.property('maintenance');
      const h1 = { hostname: 'h1', ip: '10.0.0.1' };
      await registry.changeMaintenance({ type: 'updateSchedule', schedule: [{ machineIds: [h1, { hostname: 'h2' }], unavailability: at(1, HOUR_NS) }] });
      await registry.changeMaintenance({ type: 'startMaintenance', machineIds: [h1] });
      const logged = fs.readFileSync(registryLogPathOf(file), 'utf8');
      expect(logged).to.contain('"type":"updateSchedule"').and.to.contain('"type":"startMaintenance"');
      const expected = {
        schedule: [{ machineIds: [h1, { hostname: 'h2' }], unavailability: at(1, HOUR_NS) }],
        machines: [{ id: h1, mode: 'DOWN', unavailability: at(1, HOUR_NS) }, { id: { hostname: 'h2' }, mode: 'DRAINING', unavailability: at(1, HOUR_NS) }],
      };
      expect(plain(registry.maintenance())).to.deep.equal(expected);
      const reopened = await Registry.load(file);
      expect(plain(reopened.maintenance())).to.deep.equal(expected);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).maintenance).to.deep.equal(expected);
      await reopened.changeMaintenance({ type: 'stopMaintenance', machineIds: [h1, { hostname: 'h2' }] });
      const emptied = await Registry.load(file);
      expect(emptied.maintenance()).to.deep.equal({ schedule: [], machines: [] });
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).not.to.have.property('maintenance');
    });

    it('refuses a record that is not one, naming where', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      fs.writeFileSync(file, JSON.stringify({ version: 2, seq: 0, agents: [], unreachable: [], maintenance: { schedule: [], machines: [{ id: { hostname: 'h' }, mode: 'UP' }] } }));
      let error: Error | undefined;
      await Registry.load(file).catch((caught: Error) => { error = caught; });
      expect(error?.message).to.match(/registry .* is invalid at maintenance\.machines\.0\.mode/);
    });
  });
});
