/**
 * Task groups through the v1 scheduler API on a whole simulated cluster (simulation.ts: master,
 * agent and executors in one host under the virtual clock): a v1 framework ACCEPTs a
 * LAUNCH_GROUP of two tasks on the default executor and both run and finish; a group whose
 * executor has no type is refused, TASK_ERROR with REASON_TASK_GROUP_INVALID for every task.
 * In JSON and in protobuf, the calls POSTed to the master's API actor in process (as
 * chaos-http-framework.ts does) and the event stream read from its RecordIO.
 */
import { expect } from 'chai';
import { dispatch, type Actor } from '../../lib/actor';
import type { HttpRequest, HttpResponse, HttpStream } from '../../lib/process';
import { APPLICATION_PROTOBUF, v1CallBytes, v1EventJson, type V1Encoding } from '../../lib/v1/protobuf';
import type { V1Json } from '../../lib/v1/json';
import { STREAM_ID_HEADER, V1_API_ACTOR_ID } from '../../actors/master/v1-scheduler';
import { recordReader } from '../support/recordio';
import { startSimulation, type Simulation } from './simulation';

/** The scheduler API's route on its actor (`/api/v1/scheduler` on the host). */
const API_ROUTE = '/v1/scheduler';

type Status = { task_id: { value: string }; state: string; reason?: string; message?: string; uuid?: string; agent_id?: { value: string } };
type Offer = { id: { value: string }; agent_id: { value: string } };

/** A v1 framework speaking to the simulated master's API actor in process, in one encoding. */
class InProcessV1Framework {
  readonly events: V1Json[] = [];
  frameworkId = '';
  private streamId = '';

  constructor(private readonly simulation: Simulation, private readonly encoding: V1Encoding) {}

  private get api(): Actor {
    const api = this.simulation.host.lookup(V1_API_ACTOR_ID);
    if (api === undefined) throw new Error('the master has no v1 scheduler API actor');
    return api;
  }

  /** SUBSCRIBEs and reads the stream until SUBSCRIBED. */
  async subscribe(): Promise<void> {
    const response = await this.post({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: `pods-${this.encoding}` } } });
    expect(response.status, String(response.body)).to.equal(200);
    this.streamId = String(response.headers?.[STREAM_ID_HEADER] ?? response.headers?.['Mesos-Stream-Id']);
    const read = recordReader((record) => this.events.push(this.encoding === 'protobuf' ? v1EventJson('scheduler', record) : JSON.parse(record.toString()) as V1Json));
    (response.stream as HttpStream).attach({
      write: (chunk) => read(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
      end: () => undefined, buffered: 0, destroy: () => undefined, onDrain: () => undefined,
    });
    await this.simulation.clock.settle();
    const subscribed = this.events.find((event) => event.type === 'SUBSCRIBED');
    this.frameworkId = (subscribed?.subscribed as { framework_id: { value: string } }).framework_id.value;
  }

  /** A call of the subscribed framework: its answer's status and body (`202 ` for an accepted call). */
  async call(call: V1Json): Promise<string> {
    const response = await this.post({ framework_id: { value: this.frameworkId }, ...call });
    await this.simulation.clock.settle();
    return `${response.status} ${String(response.body ?? '')}`;
  }

  /** The latest offer (waiting up to `waitMs` of virtual time for one). */
  async offer(waitMs = 5_000): Promise<Offer> {
    for (let waited = 0; waited <= waitMs; waited += 1_000) {
      const offers = this.events.filter((event) => event.type === 'OFFERS').flatMap((event) => (event.offers as { offers: Offer[] }).offers);
      const last = offers[offers.length - 1];
      if (last !== undefined) return last;
      await this.simulation.clock.advance(1_000);
    }
    throw new Error('no offer');
  }

  /** Every status read, in order. */
  statuses(): Status[] {
    return this.events.filter((event) => event.type === 'UPDATE').map((event) => (event.update as { status: Status }).status);
  }

  /** The states of `taskId`, in order. */
  states(taskId: string): string[] {
    return this.statuses().filter((status) => status.task_id.value === taskId).map((status) => status.state);
  }

  /** ACKNOWLEDGEs every update with a uuid not acknowledged yet. */
  async acknowledgeAll(acknowledged: Set<string>): Promise<void> {
    for (const status of this.statuses()) {
      if (status.uuid === undefined || acknowledged.has(status.uuid)) continue;
      acknowledged.add(status.uuid);
      const answer = await this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
      expect(answer).to.equal('202 ');
    }
  }

  private async post(body: V1Json): Promise<HttpResponse> {
    const api = this.api;
    const route = api.runtime.routes.get(API_ROUTE);
    if (route === undefined) throw new Error('the API actor serves no scheduler route');
    const mediaType = this.encoding === 'protobuf' ? APPLICATION_PROTOBUF : 'application/json';
    const request: HttpRequest = {
      method: 'POST', path: '/api/v1/scheduler', query: {}, remoteAddress: '127.0.0.1',
      headers: { 'content-type': mediaType, accept: mediaType, ...(this.streamId !== '' ? { [STREAM_ID_HEADER]: this.streamId } : {}) },
      body: this.encoding === 'protobuf' ? Buffer.from(v1CallBytes('scheduler', body)) : Buffer.from(JSON.stringify(body)),
    };
    const answer = dispatch(api, (actor) => route.call(actor, request));
    await this.simulation.clock.settle();
    return answer;
  }
}

/** A task of the group: `command` under the default executor. */
function v1Task(taskId: string, agentId: { value: string }, command: string): V1Json {
  return {
    name: taskId, task_id: { value: taskId }, agent_id: agentId, command: { value: command },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
  };
}

/** The group's executor: the default one unless `type` says otherwise (none: no type). */
function executor(type: string | undefined): V1Json {
  return {
    executor_id: { value: `pod-${type ?? 'untyped'}` }, ...(type !== undefined ? { type } : {}),
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }, { name: 'disk', type: 'SCALAR', scalar: { value: 10 } }],
  };
}

describe('task groups through the v1 scheduler API, on a simulated cluster', function () {
  this.timeout(60_000);
  let simulation: Simulation;

  beforeEach(async () => {
    simulation = await startSimulation('cpus:4;mem:4096;disk:1000');
  });

  afterEach(async () => {
    await simulation?.host.stop();
  });

  for (const encoding of ['json', 'protobuf'] as const) {
    it(`a LAUNCH_GROUP of two tasks on the default executor: both run, then finish (${encoding})`, async () => {
      const framework = new InProcessV1Framework(simulation, encoding);
      await framework.subscribe();
      const offer = await framework.offer();
      const group = { executor: executor('DEFAULT'), task_group: { tasks: [v1Task('web', offer.agent_id, 'sleep 5'), v1Task('log', offer.agent_id, 'sleep 5')] } };
      expect(await framework.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH_GROUP', launch_group: group }] } })).to.equal('202 ');
      const acknowledged = new Set<string>();
      await simulation.clock.advance(1_000);
      await framework.acknowledgeAll(acknowledged);
      for (const taskId of ['web', 'log']) expect(framework.states(taskId), taskId).to.include('TASK_RUNNING');
      await simulation.clock.advance(5_000);
      await framework.acknowledgeAll(acknowledged);
      for (const taskId of ['web', 'log']) expect(framework.states(taskId), taskId).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      // One executor ran both: the agent launched it once.
      expect(simulation.launcher.launches.filter((launch) => launch.executorId === 'pod-DEFAULT')).to.have.length(1);
    });

    it(`a group whose executor has no type: TASK_ERROR, REASON_TASK_GROUP_INVALID, for every task, and nothing launched (${encoding})`, async () => {
      const framework = new InProcessV1Framework(simulation, encoding);
      await framework.subscribe();
      const offer = await framework.offer();
      const group = { executor: executor(undefined), task_group: { tasks: [v1Task('a', offer.agent_id, 'sleep 5'), v1Task('b', offer.agent_id, 'sleep 5')] } };
      const launchesBefore = simulation.launcher.launched;
      expect(await framework.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH_GROUP', launch_group: group }] } })).to.equal('202 ');
      const errors = framework.statuses().filter((status) => status.state === 'TASK_ERROR');
      expect(errors.map((status) => [status.task_id.value, status.reason, status.message])).to.deep.equal([
        ['a', 'REASON_TASK_GROUP_INVALID', "'ExecutorInfo.type' must be set"],
        ['b', 'REASON_TASK_GROUP_INVALID', "'ExecutorInfo.type' must be set"],
      ]);
      await simulation.clock.advance(5_000);
      expect(simulation.launcher.launched).to.equal(launchesBefore);
    });
  }
});
