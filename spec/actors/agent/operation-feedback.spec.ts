/**
 * The agent's side of operation feedback (operations.ts; Mesos' agents with the
 * AGENT_OPERATION_FEEDBACK capability): a CheckpointResources names the operations its resources
 * carry out; once those are durable the agent reports each OPERATION_FINISHED, again with backoff
 * until the master passes on its acknowledgement, across restarts and re-registrations. Under a
 * virtual clock on a memory disk, with a Probe as the master.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { AgentHandle } from '../../../actors/agent';
import { v1ResponseBytes, v1ResponseJson } from '../../../lib/v1/protobuf';
import type { AgentOperation } from '../../../lib/protocol';
import { dynamicReservation, Resources } from '../../../lib/resources';
import { MAX_REPORTED_OPERATION_BYTES, OPERATION_STATUS_RETRY_INTERVAL_MIN_MS } from '../../../actors/agent/constants';
import { AgentHarness, AgentMachine, useMachines } from './harness';

const AGENT_ID = 'A1';
const reserved = (text: string): Resources => Resources.parse(text).reservedDynamically('eng', dynamicReservation('ops'));
const RESERVE = { uuid: '6d3c0f1e-0000-4000-8000-000000000001', frameworkId: 'F1', operationId: 'op-1', type: 'RESERVE' as const };

class Machine extends AgentMachine {
  constructor() {
    super('/agent', 'cpus:4;mem:4096;disk:1024');
  }

  async checkpoint(resources: Resources, operations: Array<Omit<AgentOperation, 'status'>> = [RESERVE]): Promise<void> {
    this.fromMaster('CheckpointResources', { resources: resources.toJSON(), operations });
    await this.clock.settle();
  }

  /** Every UpdateOperationStatus the master heard, in order. */
  reports(): AgentOperation[] {
    return this.master.bodies<{ agentId: string; operation: AgentOperation }>('UpdateOperationStatus').map((body) => body.operation);
  }

  /** The agent's GET_OPERATIONS answer (its `/api/v1` route), checked to read the same in protobuf. */
  operationsListed(): Promise<Array<Record<string, unknown>>> {
    return dispatch((this.agent as AgentHandle).agent, async (agent) => {
      const route = agent.runtime.routes.get('/api/v1');
      if (route === undefined) throw new Error('no /api/v1 route');
      const response = await route.call(agent, { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ type: 'GET_OPERATIONS' })) });
      expect(response.status).to.equal(200);
      const body = response.body as Record<string, unknown>;
      expect(v1ResponseJson('agent', v1ResponseBytes('agent', body))).to.deep.equal(body);
      return (body.get_operations as { operations?: Array<Record<string, unknown>> }).operations ?? [];
    });
  }

  async acknowledge(operationUuid: string, statusUuid: string): Promise<void> {
    this.fromMaster('OperationStatusAcknowledgement', { agentId: AGENT_ID, operationUuid, statusUuid });
    await this.clock.settle();
  }
}

const machineFor = useMachines(() => new Machine());

describe('actors/agent: operation feedback (AGENT_OPERATION_FEEDBACK)', () => {
  it('advertises AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER (Mesos\' defaults) when it registers', async () => {
    const machine = machineFor();
    await machine.registeredAs(AGENT_ID);
    const [registration] = machine.master.bodies<{ capabilities?: string[] }>('RegisterAgent');
    expect(registration?.capabilities).to.include.members(['AGENT_OPERATION_FEEDBACK', 'RESOURCE_PROVIDER', 'MULTI_ROLE']);
  });

  it('reports an operation OPERATION_FINISHED once the resources carrying it out are durable, again with backoff until acknowledged, and then forgets it', async () => {
    const machine = machineFor();
    await machine.registeredAs(AGENT_ID);
    await machine.checkpoint(reserved('cpus:1'));
    const [first] = machine.reports();
    expect(first).to.deep.include({ ...RESERVE });
    expect(first?.status).to.deep.include({ operationId: 'op-1', state: 'OPERATION_FINISHED', agentId: AGENT_ID });
    expect(first?.status.uuid).to.match(/^[0-9a-f-]{36}$/);
    // The same word again (the master sends it again, naming the operation): not finished twice.
    await machine.checkpoint(reserved('cpus:1'));
    expect(machine.reports()).to.have.length(1);
    // Retried after 10 s, then 20 s, the same status each time.
    await machine.clock.advance(OPERATION_STATUS_RETRY_INTERVAL_MIN_MS);
    expect(machine.reports()).to.have.length(2);
    await machine.clock.advance(OPERATION_STATUS_RETRY_INTERVAL_MIN_MS);
    expect(machine.reports(), 'the interval doubled').to.have.length(2);
    await machine.clock.advance(OPERATION_STATUS_RETRY_INTERVAL_MIN_MS);
    expect(machine.reports()).to.have.length(3);
    expect(new Set(machine.reports().map((report) => report.status.uuid)).size).to.equal(1);
    // An acknowledgement of another status is ignored; of this one, the operation is forgotten.
    await machine.acknowledge(RESERVE.uuid, '00000000-0000-4000-8000-000000000000');
    await machine.clock.advance(OPERATION_STATUS_RETRY_INTERVAL_MIN_MS * 4);
    expect(machine.reports()).to.have.length(4);
    await machine.acknowledge(RESERVE.uuid, first?.status.uuid as string);
    await machine.clock.advance(OPERATION_STATUS_RETRY_INTERVAL_MIN_MS * 100);
    expect(machine.reports(), 'no retry after the acknowledgement').to.have.length(4);
  });

  it("GET_OPERATIONS (the agent's operator API) lists its unacknowledged operations as Mesos' Operation, the operation as the master sent it", async () => {
    const machine = machineFor();
    await machine.registeredAs(AGENT_ID);
    expect(await machine.operationsListed()).to.deep.equal([]);
    const info = { type: 'RESERVE' as const, id: 'op-1', reserve: { resources: reserved('cpus:1').toJSON() } };
    await machine.checkpoint(reserved('cpus:1'), [{ ...RESERVE, info }]);
    const [finished] = machine.reports();
    const [listed] = await machine.operationsListed();
    expect(listed).to.deep.include({ framework_id: { value: 'F1' }, agent_id: { value: AGENT_ID } });
    expect((listed?.info as { type: string; id: { value: string } })).to.deep.include({ type: 'RESERVE', id: { value: 'op-1' } });
    expect((listed?.latest_status as { state: string; uuid: { value: string } }).state).to.equal('OPERATION_FINISHED');
    expect((listed?.latest_status as { uuid: { value: string } }).uuid.value).to.equal(Buffer.from((finished?.status.uuid as string).replace(/-/g, ''), 'hex').toString('base64'));
    await machine.acknowledge(RESERVE.uuid, finished?.status.uuid as string);
    expect(await machine.operationsListed()).to.deep.equal([]);
  });

  it('finishes nothing carried by a word it ignores while not registered (the master sends it again when the agent is back)', async () => {
    const machine = machineFor();
    await machine.start();
    await machine.checkpoint(reserved('cpus:1'));
    await machine.clock.advance(1_000);
    expect(machine.reports()).to.deep.equal([]);
  });

  it('keeps an unacknowledged operation across a restart: reported in its re-registration, sent again once re-registered', async () => {
    const machine = machineFor();
    await machine.registeredAs(AGENT_ID);
    await machine.checkpoint(reserved('cpus:1'));
    const [finished] = machine.reports();
    await machine.kill();
    await machine.start();
    await machine.clock.advance(2_000);
    const [reregistration] = machine.master.bodies<{ operations?: AgentOperation[] }>('ReregisterAgent');
    expect(reregistration?.operations).to.deep.equal([finished]);
    const before = machine.reports().length;
    machine.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
    await machine.clock.settle();
    expect(machine.reports().slice(before)).to.deep.equal([finished]);
    // Acknowledged now, it is gone from the next restart's report.
    await machine.acknowledge(RESERVE.uuid, finished?.status.uuid as string);
    await machine.kill();
    await machine.start();
    await machine.clock.advance(2_000);
    const reports = machine.master.bodies<{ operations?: AgentOperation[] }>('ReregisterAgent');
    expect(reports[reports.length - 1]?.operations).to.equal(undefined);
  });

  it('a re-registration reports at most MAX_REPORTED_OPERATION_BYTES of operations (a framework that never acknowledges, with long ids, could outgrow a message); the rest are sent one a message once re-registered', async () => {
    const machine = machineFor();
    await machine.registeredAs(AGENT_ID);
    const longId = 'x'.repeat(1_000);
    const count = Math.ceil(MAX_REPORTED_OPERATION_BYTES / 1_000) + 50;
    const carried = Array.from({ length: count }, (_, index) => ({ uuid: `6d3c0f1e-0000-4000-8000-${String(index).padStart(12, '0')}`, frameworkId: 'F1', operationId: `${longId}-${index}`, type: 'RESERVE' as const }));
    await machine.checkpoint(reserved('cpus:1'), carried);
    expect(machine.reports()).to.have.length(count);
    await machine.kill();
    await machine.start();
    await machine.clock.advance(2_000);
    const [reregistration] = machine.master.bodies<{ operations?: AgentOperation[] }>('ReregisterAgent');
    const reported = reregistration?.operations ?? [];
    expect(reported.length).to.be.greaterThan(0).and.lessThan(count);
    expect(JSON.stringify(reported).length).to.be.at.most(MAX_REPORTED_OPERATION_BYTES + 2 * reported.length);
    const before = machine.reports().length;
    machine.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
    await machine.clock.settle();
    expect(new Set(machine.reports().slice(before).map((operation) => operation.uuid)).size, 'every status sent again').to.equal(count);
  });

  it('an acknowledgement for another agent is ignored', async () => {
    const machine = machineFor();
    await machine.registeredAs(AGENT_ID);
    await machine.checkpoint(reserved('cpus:1'));
    const [finished] = machine.reports();
    machine.fromMaster('OperationStatusAcknowledgement', { agentId: 'A2', operationUuid: RESERVE.uuid, statusUuid: finished?.status.uuid });
    await machine.clock.advance(OPERATION_STATUS_RETRY_INTERVAL_MIN_MS);
    expect(machine.reports()).to.have.length(2);
  });
});
