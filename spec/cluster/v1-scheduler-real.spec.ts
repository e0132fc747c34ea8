/**
 * The v1 scheduler HTTP API against a real cluster (mesos-local as a child process), driven by
 * a scheduler written with nothing but Node's `http` (spec/support/v1-client.ts): issue 11.
 */
import { expect } from 'chai';
import { DEFAULT_HTTP_HEARTBEAT_INTERVAL_MS } from '../../actors/master/v1-scheduler';
import { basicAuthorization } from '../../lib/process';
import { within } from '../support/runtime';
import { v1Call, V1Subscription, type V1Event } from '../support/v1-client';
import { bytesAt, encodeMessage, varintAt, type WireMessage } from '../support/protobuf-wire';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BinProcess, localClusterHooks, startBin, untilMasterState } from './processes';

interface StateFramework { id: string; name: string; active: boolean; connected: boolean }
interface StateTask { state: string }
interface MasterState { frameworks: Array<StateFramework & { tasks: StateTask[] }>; completed_frameworks: StateFramework[]; slaves: Array<{ used_resources: { cpus: number; mem: number } }> }

/** Polls the master's state until `check` holds (the master acts a moment after a call). */
const untilState = (master: string, check: (state: MasterState) => boolean, what: string, ms?: number): Promise<MasterState> => untilMasterState<MasterState>(master, check, what, ms);

type Offer = { id: { value: string }; agent_id: { value: string }; resources: Array<{ name: string; scalar?: { value: number } }>; url: { address: { port: number }; path: string } };

const offersOf = (event: V1Event): Offer[] => (event.offers as { offers: Offer[] }).offers;
const statusOf = (event: V1Event): { task_id: { value: string }; state: string; uuid?: string; agent_id?: { value: string }; message?: string; reason?: string } =>
  (event.update as { status: { task_id: { value: string }; state: string; uuid?: string; agent_id?: { value: string } } }).status;

describe('the v1 scheduler API (a plain-http framework on a real cluster)', function () {
  this.timeout(90_000);
  const subscriptions: V1Subscription[] = [];
  const hooks = localClusterHooks(() => ['--resources', 'cpus:2;mem:1024'], [() => subscriptions.forEach((subscription) => subscription.close())]);
  let master = '';
  before(() => {
    master = hooks.cluster().master;
  });

  async function subscribe(frameworkInfo: object, frameworkId?: string): Promise<V1Subscription> {
    const subscription = new V1Subscription(master);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', ...(frameworkId !== undefined ? { framework_id: { value: frameworkId } } : {}), subscribe: { framework_info: frameworkInfo } });
    return subscription;
  }

  function call(subscription: V1Subscription, frameworkId: string, body: object): Promise<{ status: number; text: string }> {
    return v1Call(master, { framework_id: { value: frameworkId }, ...body }, subscription.streamId);
  }

  /** Launches `command` on the first offer that has room; returns the task id. */
  async function launch(subscription: V1Subscription, frameworkId: string, taskId: string, command: string, uris?: object[]): Promise<void> {
    const offers = offersOf(await subscription.next((event) => event.type === 'OFFERS' && offersOf(event).length > 0, 15_000, subscription.events.length));
    const offer = offers[0] as Offer;
    const accepted = await call(subscription, frameworkId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id,
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
          command: { value: command, ...(uris !== undefined ? { uris } : {}) },
        }] } }],
        filters: { refuse_seconds: 0 },
      },
    });
    expect(accepted.status, accepted.text).to.equal(202);
  }

  /** Waits for `state` of `taskId` and acknowledges every update with a uuid on the way. */
  async function until(subscription: V1Subscription, frameworkId: string, taskId: string, state: string): Promise<void> {
    for (let from = 0; ;) {
      const event = await subscription.next((candidate) => candidate.type === 'UPDATE' && statusOf(candidate).task_id.value === taskId, 30_000, from);
      from = subscription.events.indexOf(event) + 1;
      const status = statusOf(event);
      if (status.uuid !== undefined) {
        // A UUID's 16 bytes, as Mesos sends them (a client may parse it as one), version 1 to 5.
        const bytes = Buffer.from(status.uuid, 'base64');
        expect([bytes.length, bytes[6] as number >> 4 >= 1 && bytes[6] as number >> 4 <= 5], status.uuid).to.deep.equal([16, true]);
        const acked = await call(subscription, frameworkId, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
        expect(acked.status, acked.text).to.equal(202);
      }
      if (status.state === state) return;
    }
  }

  it('subscribes, gets offers with the agent url, launches, sees RUNNING then FINISHED, acknowledges, reconciles, kills and tears down', async () => {
    const subscription = await subscribe({ user: 'root', name: 'v1-plain-http' });
    expect(subscription.status).to.equal(200);
    expect(subscription.headers['content-type']).to.equal('application/json');
    expect(subscription.streamId).to.match(/^[0-9a-f-]{36}$/);
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED');
    const { framework_id: { value: frameworkId }, heartbeat_interval_seconds: heartbeat } = subscribed.subscribed as { framework_id: { value: string }; heartbeat_interval_seconds: number };
    expect(heartbeat).to.equal(DEFAULT_HTTP_HEARTBEAT_INTERVAL_MS / 1000);
    const offers = offersOf(await subscription.next((event) => event.type === 'OFFERS'));
    expect(offers[0]?.url.path).to.equal('/slave(1)');
    expect(offers[0]?.resources.find((resource) => resource.name === 'cpus')?.scalar?.value).to.equal(2);

    await launch(subscription, frameworkId, 'hello', 'echo v1-hello');
    await until(subscription, frameworkId, 'hello', 'TASK_FINISHED');
    expect(subscription.events.filter((event) => event.type === 'UPDATE').map((event) => statusOf(event).state)).to.include('TASK_RUNNING');

    // Decline with a filter, then run a long task.
    const offer = offersOf(await subscription.next((event) => event.type === 'OFFERS', 15_000, subscription.events.length))[0] as Offer;
    expect((await call(subscription, frameworkId, { type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } } })).status).to.equal(202);
    await launch(subscription, frameworkId, 'sleeper', 'sleep 60');
    await until(subscription, frameworkId, 'sleeper', 'TASK_RUNNING');

    // Explicit reconciliation answers with the latest state, which needs no acknowledgement
    // (a finished task is unknown to reconciliation, as in Mesos: TASK_LOST).
    const seen = subscription.events.length;
    expect((await call(subscription, frameworkId, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'sleeper' } }, { task_id: { value: 'hello' } }] } })).status).to.equal(202);
    const reconciled = await subscription.next((event) => event.type === 'UPDATE' && statusOf(event).task_id.value === 'sleeper', 10_000, seen);
    expect(statusOf(reconciled)).to.deep.include({ state: 'TASK_RUNNING' });
    expect(statusOf(reconciled).uuid).to.equal(undefined);
    const forgotten = await subscription.next((event) => event.type === 'UPDATE' && statusOf(event).task_id.value === 'hello', 10_000, seen);
    expect(statusOf(forgotten)).to.deep.include({ state: 'TASK_LOST' });

    expect((await call(subscription, frameworkId, { type: 'KILL', kill: { task_id: { value: 'sleeper' } } })).status).to.equal(202);
    await until(subscription, frameworkId, 'sleeper', 'TASK_KILLED');

    // SHUTDOWN of a task's executor (a command task's executor is named after it) ends the task with it.
    await launch(subscription, frameworkId, 'doomed', 'sleep 60');
    await until(subscription, frameworkId, 'doomed', 'TASK_RUNNING');
    const agentId = (offersOf(subscription.events.find((event) => event.type === 'OFFERS') as V1Event)[0] as Offer).agent_id;
    expect((await call(subscription, frameworkId, { type: 'SHUTDOWN', shutdown: { executor_id: { value: 'doomed' }, agent_id: agentId } })).status).to.equal(202);
    await until(subscription, frameworkId, 'doomed', 'TASK_KILLED');

    expect((await call(subscription, frameworkId, { type: 'TEARDOWN' })).status).to.equal(202);
    await within(subscription.ended, 10_000, 'the stream to end after TEARDOWN');
    await untilState(master, (state) => state.completed_frameworks.some((framework) => framework.id === frameworkId), 'the framework completed');
  });

  it('fetches a task\'s URIs before it runs (an http download extracted, a local file made executable); a URI that fails fails the task, naming it', async () => {
    const files = fs.mkdtempSync(path.join(os.tmpdir(), 'v1-uris-'));
    fs.mkdirSync(path.join(files, 'app'));
    fs.writeFileSync(path.join(files, 'app', 'version'), '1.2');
    expect(spawnSync('tar', ['-C', files, '-czf', path.join(files, 'app.tgz'), 'app']).status).to.equal(0);
    fs.writeFileSync(path.join(files, 'check.sh'), '#!/bin/sh\ntest "$(cat app/version)" = 1.2\n');
    const server = createServer((request, response) => {
      if (request.url === '/dist/app.tgz') response.end(fs.readFileSync(path.join(files, 'app.tgz')));
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const subscription = await subscribe({ user: os.userInfo().username, name: 'v1-uris' });
      const { framework_id: { value: frameworkId } } = (await subscription.next((event) => event.type === 'SUBSCRIBED')).subscribed as { framework_id: { value: string } };
      await launch(subscription, frameworkId, 'fetched', './bin/check.sh', [{ value: `${base}/dist/app.tgz` }, { value: path.join(files, 'check.sh'), executable: true, output_file: 'bin/check.sh' }]);
      await until(subscription, frameworkId, 'fetched', 'TASK_FINISHED');
      await launch(subscription, frameworkId, 'unfetched', 'true', [{ value: `${base}/dist/missing.tgz` }]);
      await until(subscription, frameworkId, 'unfetched', 'TASK_FAILED');
      const failed = subscription.events.filter((event) => event.type === 'UPDATE' && statusOf(event).task_id.value === 'unfetched').map(statusOf).at(-1);
      expect(failed).to.deep.include({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
      expect(failed?.message).to.equal(`Failed to launch executor: Failed to fetch '${base}/dist/missing.tgz': Error downloading resource, received HTTP return code 404`);
      expect((await call(subscription, frameworkId, { type: 'TEARDOWN' })).status).to.equal(202);
    } finally {
      server.close();
      fs.rmSync(files, { recursive: true, force: true });
    }
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  (python ? it : it.skip)(`a framework in Python (the standard library only: actors/framework/examples/v1_hello.py) runs a task${python ? '' : ' (skipped: no python3 on this machine)'}`, async () => {
    const script = path.resolve(__dirname, '../../../actors/framework/examples/v1_hello.py');
    const run = new BinProcess(spawn('python3', [script, '--master', master, '--command', 'echo hello-from-python'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(await within(run.exited, 60_000, 'the Python framework'), run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^subscribed as \S+$/m);
    expect(run.stdout.trim().split('\n').slice(-2)).to.deep.equal(['hello TASK_RUNNING', 'hello TASK_FINISHED']);
    await untilState(master, (state) => state.completed_frameworks.some((framework) => framework.name === 'v1-hello-python'), 'the Python framework torn down');
  });

  (python ? it : it.skip)(`a framework in Python reserves with operation feedback, runs a task on the reservation and unreserves (actors/framework/examples/v1_reserve.py)${python ? '' : ' (skipped: no python3 on this machine)'}`, async () => {
    const script = path.resolve(__dirname, '../../../actors/framework/examples/v1_reserve.py');
    const run = new BinProcess(spawn('python3', [script, '--master', master, '--command', 'echo on-a-reservation'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(await within(run.exited, 60_000, 'the Python framework'), run.stderr).to.equal(0);
    // Each operation's OPERATION_FINISHED came from the agent once it had written the reservations (and was acknowledged).
    expect(run.stdout.trim().split('\n').slice(1).filter((line) => !line.endsWith('TASK_STARTING'))).to.deep.equal([
      'reserve-1 OPERATION_FINISHED', 'on-reservation TASK_RUNNING', 'on-reservation TASK_FINISHED', 'unreserve-1 OPERATION_FINISHED',
    ]);
    const state = await untilState(master, (state) => state.completed_frameworks.some((framework) => framework.name === 'v1-reserve-python'), 'the Python framework torn down');
    expect((state.slaves as unknown as Array<{ reserved_resources: object }>).map((agent) => agent.reserved_resources)).to.deep.equal([{}]);
  });

  (python ? it : it.skip)(`the Python framework says what an offer lacks when none can hold its task, and runs it as the user running it${python ? '' : ' (skipped: no python3 on this machine)'}`, async () => {
    const script = path.resolve(__dirname, '../../../actors/framework/examples/v1_hello.py');
    const run = new BinProcess(spawn('python3', [script, '--master', master, '--command', 'true', '--cpus', '100'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      // It used to decline in silence, forever (and to subscribe as 'root' whoever ran it).
      await within(new Promise<void>((resolve) => { const check = (): void => { if (run.stderr.includes('\n')) resolve(); else setTimeout(check, 20); }; check(); }), 30_000, 'a line on stderr');
      expect(run.stderr.trim()).to.match(/^v1_hello: an offer cannot hold the task \(cpus:100;mem:32\): it lacks cpus:9[0-9.]+; waiting for another$/);
      const state = await untilState(master, (state) => state.frameworks.some((framework) => framework.name === 'v1-hello-python'), 'the Python framework subscribed');
      const framework = state.frameworks.find((candidate) => candidate.name === 'v1-hello-python') as StateFramework & { user?: string };
      expect(framework.user).to.equal(os.userInfo().username);
    } finally {
      run.kill('SIGKILL');
      await run.exited;
    }
  });

  // Field numbers as Mesos' v1/scheduler/scheduler.proto and v1/mesos.proto give them, written here by hand (not
  // the product's schema): Call {framework_id 1, type 2, subscribe 3, accept 4, acknowledge 8}, Event {type 1,
  // subscribed 2, offers 3, update 5}, TaskStatus {task_id 1, state 2, agent_id 5, uuid 11}.
  it('speaks protobuf as Mesos\' own clients do: SUBSCRIBE, OFFERS, ACCEPT a LAUNCH, UPDATEs acknowledged by their uuid, TEARDOWN', async () => {
    const subscription = new V1Subscription(master);
    subscriptions.push(subscription);
    const frameworkInfo: WireMessage = [[1, 'root'], [2, 'v1-protobuf'], [4, { double: 0 }]];
    await subscription.open(encodeMessage([[2, 1], [3, [[1, frameworkInfo]]]]));
    expect([subscription.status, subscription.headers['content-type']]).to.deep.equal([200, 'application/x-protobuf']);
    const subscribed = await subscription.nextRecord((record) => varintAt(record, 1) === 1n);
    const frameworkId = bytesAt(subscribed, 2, 1, 1)?.toString() ?? '';
    expect(frameworkId).to.match(/-\d{4}$/);
    const offers = await subscription.nextRecord((record) => varintAt(record, 1) === 2n);
    expect(bytesAt(offers, 3, 1, 8, 3)?.toString(), "the offer's agent url").to.equal('/slave(1)');
    const offerId = bytesAt(offers, 3, 1, 1) as Buffer;
    const agentId = bytesAt(offers, 3, 1, 3) as Buffer;
    const scalar = (name: string, value: number): WireMessage => [[1, name], [2, 0], [3, [[1, { double: value }]]]];
    const call = (type: number, ...fields: Array<readonly [number, WireMessage]>): Buffer => encodeMessage([[1, [[1, frameworkId]]], [2, type], ...fields]);
    const task: WireMessage = [[1, 'pb'], [2, [[1, 'pb']]], [3, agentId], [4, scalar('cpus', 0.5)], [4, scalar('mem', 32)], [7, [[3, 'echo protobuf']]]];
    const accepted = await v1Call(master, call(3, [4, [[1, offerId], [2, [[1, 1], [2, [[1, task]]]]]]]), subscription.streamId);
    expect(accepted, 'ACCEPT').to.deep.equal({ status: 202, text: '' });
    const states: bigint[] = [];
    for (let from = 0; states[states.length - 1] !== 2n;) {
      const update = await subscription.nextRecord((record) => varintAt(record, 1) === 4n, 30_000, from);
      from = subscription.records.indexOf(update) + 1;
      expect(bytesAt(update, 5, 1, 1, 1)?.toString(), 'the task').to.equal('pb');
      states.push(varintAt(update, 5, 1, 2) ?? -1n);
      const uuid = bytesAt(update, 5, 1, 11);
      expect(uuid?.length, 'a UUID\'s 16 bytes').to.equal(16);
      const acknowledged = await v1Call(master, call(8, [8, [[1, bytesAt(update, 5, 1, 5) as Buffer], [2, [[1, 'pb']]], [3, uuid as Buffer]]]), subscription.streamId);
      expect(acknowledged, 'ACKNOWLEDGE').to.deep.equal({ status: 202, text: '' });
    }
    // TASK_STARTING 0, TASK_RUNNING 1, TASK_FINISHED 2 (the enum's numbers).
    expect(states).to.include(1n);
    expect((await v1Call(master, call(2), subscription.streamId)).status, 'TEARDOWN').to.equal(202);
    await within(subscription.ended, 10_000, 'the stream to end after TEARDOWN');
    const state = await untilState(master, (candidate) => candidate.completed_frameworks.some((framework) => framework.id === frameworkId), 'the framework completed');
    expect(state.completed_frameworks.find((framework) => framework.id === frameworkId)?.name).to.equal('v1-protobuf');
  });

  it('answers bad calls as Mesos does: no or a wrong stream id, an unknown framework, protobuf that is no Call, another media type, GET', async () => {
    const subscription = await subscribe({ user: 'root', name: 'v1-bad-calls' });
    const { framework_id: { value: frameworkId } } = (await subscription.next((event) => event.type === 'SUBSCRIBED')).subscribed as { framework_id: { value: string } };
    const revive = { framework_id: { value: frameworkId }, type: 'REVIVE' };
    expect(await v1Call(master, revive, undefined)).to.deep.equal({ status: 400, text: "All non-subscribe calls should include the 'Mesos-Stream-Id' header" });
    const wrong = await v1Call(master, revive, 'not-the-stream');
    expect(wrong.status).to.equal(400);
    expect(wrong.text).to.match(/stream ID 'not-the-stream' .* didn't match/);
    expect(await v1Call(master, { framework_id: { value: 'nobody' }, type: 'REVIVE' }, subscription.streamId)).to.deep.equal({ status: 400, text: 'Framework cannot be found' });
    // A FrameworkInfo the master refuses: as Mesos, the stream opens and says so in an ERROR (it was a 400; v1 walkthrough).
    const refused = await v1Call(master, { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'x', role: 'a', capabilities: [{ type: 'MULTI_ROLE' }] } } }, undefined);
    expect(refused.status).to.equal(200);
    expect(refused.text).to.match(/"type":"ERROR","error":\{"message":"'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable"\}/);
    expect((await v1Call(master, revive, subscription.streamId)).status).to.equal(202);
    expect((await v1Call(master, revive, subscription.streamId, '/master/api/v1/scheduler')).status, 'the API under /master too').to.equal(202);
    const bad = await v1Call(master, { framework_id: { value: frameworkId }, type: 'KILL' }, subscription.streamId);
    expect(bad).to.deep.equal({ status: 400, text: "Failed to validate scheduler::Call: Expecting 'kill' to be present" });
    // The enum's placeholder: Mesos answers Not Implemented (it was a 400).
    expect((await v1Call(master, { framework_id: { value: frameworkId }, type: 'UNKNOWN' }, subscription.streamId)).status).to.equal(501);
    const protobuf = await fetch(`http://${master}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: 'x' });
    expect(protobuf.status, 'bytes that are no Call').to.equal(400);
    expect(protobuf.headers.get('content-type'), 'a reason in words').to.equal('text/plain; charset=utf-8');
    expect(await protobuf.text()).to.match(/^Failed to parse body into Call protobuf: /);
    const text = await fetch(`http://${master}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect([text.status, await text.text()]).to.deep.equal([415, "Expecting 'Content-Type' of application/json or application/x-protobuf"]);
    const get = await fetch(`http://${master}/api/v1/scheduler`);
    expect(get.status).to.equal(405);
    expect(get.headers.get('allow')).to.equal('POST');
  });

  it('a closed stream disconnects the framework; re-subscribing with its id fails over; with failover_timeout 0 it is removed', async () => {
    const first = await subscribe({ user: 'root', name: 'v1-failover', failover_timeout: 3600 });
    const { framework_id: { value: frameworkId } } = (await first.next((event) => event.type === 'SUBSCRIBED')).subscribed as { framework_id: { value: string } };
    first.close();
    await untilState(master, (state) => state.frameworks.some((framework) => framework.id === frameworkId && !framework.connected), 'the framework disconnected');
    // Known to the master, but no stream serves it: 403, as Mesos answers (an unknown one is 400).
    expect(await v1Call(master, { framework_id: { value: frameworkId }, type: 'REVIVE' }, first.streamId)).to.deep.equal({ status: 403, text: 'Framework is not subscribed' });
    const second = await subscribe({ user: 'root', name: 'v1-failover', failover_timeout: 3600, id: { value: frameworkId } }, frameworkId);
    const again = (await second.next((event) => event.type === 'SUBSCRIBED')).subscribed as { framework_id: { value: string } };
    expect(again.framework_id.value).to.equal(frameworkId);
    await untilState(master, (state) => state.frameworks.some((framework) => framework.id === frameworkId && framework.connected && framework.active), 'the framework back');
    // The old stream id is no longer the framework's.
    expect((await v1Call(master, { framework_id: { value: frameworkId }, type: 'REVIVE' }, first.streamId)).status).to.equal(400);
    expect((await v1Call(master, { framework_id: { value: frameworkId }, type: 'REVIVE' }, second.streamId)).status).to.equal(202);

    const transient = await subscribe({ user: 'root', name: 'v1-no-failover', failover_timeout: 0 });
    const { framework_id: { value: transientId } } = (await transient.next((event) => event.type === 'SUBSCRIBED')).subscribed as { framework_id: { value: string } };
    transient.close();
    await untilState(master, (state) => state.completed_frameworks.some((framework) => framework.id === transientId), 'the framework removed');
  });
});

describe("the seed's DRF example with one framework of each kind: an actor framework (mesos-batch) and a v1 HTTP framework", function () {
  this.timeout(90_000);
  const processes: BinProcess[] = [];
  let workDir: string;
  let subscription: V1Subscription | undefined;

  before(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-v1-drf-'));
  });

  after(async () => {
    subscription?.close();
    for (const bin of processes) bin.kill('SIGKILL');
    await Promise.all(processes.map((bin) => within(bin.exited, 10_000, 'a bin to exit')));
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('DRF divides the agent between them as the seed says: A (actor, 3 cpus/2 GB tasks) 2 tasks, B (HTTP, 1 cpu/5 GB tasks) 3', async () => {
    const start = (name: string, args: string[]): BinProcess => {
      const bin = startBin(name, args);
      processes.push(bin);
      return bin;
    };
    const masterProcess = start('mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'master'), '--allocation_interval', '500ms']);
    const [, masterMatch] = await masterProcess.waitFor(/master@(\S+)/);
    const master = masterMatch as string;
    start('mesos-batch', ['--master', master, '--name', 'A', '--tasks', '10', '--tasks_per_offer', '1', '--task_resources', 'cpus:3;mem:2048', '--command', 'sleep 120']);
    await untilState(master, (state) => state.frameworks.length === 1, 'framework A');
    // B: one 1-cpu/5-GB task per offer while it fits (as mesos-batch --tasks_per_offer 1 does), the rest returned unfiltered.
    const b = new V1Subscription(master);
    subscription = b;
    await b.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'B' } } });
    const { framework_id: frameworkId } = (await b.next((event) => event.type === 'SUBSCRIBED')).subscribed as { framework_id: { value: string } };
    let launched = 0;
    let handled = 0;
    const serve = async (): Promise<void> => {
      for (;;) {
        const event = await b.next(() => true, 60_000, handled);
        handled = b.events.indexOf(event) + 1;
        if (event.type === 'UPDATE') {
          const status = statusOf(event);
          if (status.uuid !== undefined) await v1Call(master, { framework_id: frameworkId, type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } }, b.streamId);
        }
        if (event.type !== 'OFFERS') continue;
        for (const offer of offersOf(event)) {
          const scalar = (name: string): number => offer.resources.find((resource) => resource.name === name)?.scalar?.value ?? 0;
          if (launched < 10 && scalar('cpus') >= 1 && scalar('mem') >= 5120) {
            const taskId = `B-${launched++}`;
            await v1Call(master, { framework_id: frameworkId, type: 'ACCEPT', accept: { offer_ids: [offer.id], filters: { refuse_seconds: 0 }, operations: [{ type: 'LAUNCH', launch: { task_infos: [{
              name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, command: { value: 'sleep 120' },
              resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 5120 } }],
            }] } }] } }, b.streamId);
          } else {
            await v1Call(master, { framework_id: frameworkId, type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } } }, b.streamId);
          }
        }
      }
    };
    const serving = serve().catch(() => undefined); // ends when the stream does (after the test)
    await untilState(master, (state) => state.frameworks.length === 2, 'framework B');
    start('mesos-agent', ['--master', master, '--port', '0', '--work_dir', path.join(workDir, 'agent'), '--resources', 'cpus:10;mem:20480']);
    const state = await untilState(master, (current) => current.frameworks.flatMap((framework) => framework.tasks).filter((task) => task.state === 'TASK_RUNNING').length === 5, 'five running tasks', 30_000);
    const counts = Object.fromEntries(state.frameworks.map((framework) => [framework.name, framework.tasks.filter((task) => task.state === 'TASK_RUNNING').length]));
    expect(counts).to.deep.equal({ A: 2, B: 3 });
    expect(state.slaves[0]?.used_resources).to.include({ cpus: 9, mem: 19456 });
    b.close();
    await serving;
  });
});

describe('the v1 scheduler API on a master that requires framework authentication (--authenticate_frameworks)', function () {
  this.timeout(60_000);
  const subscriptions: V1Subscription[] = [];
  let workDir = '';
  const hooks = localClusterHooks(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-v1-auth-'));
    const credentials = path.join(workDir, 'credentials.json');
    fs.writeFileSync(credentials, JSON.stringify({ credentials: [{ principal: 'ops', secret: 'ops-secret' }, { principal: 'dev', secret: 'dev-secret' }] }));
    return ['--resources', 'cpus:1;mem:512', '--work_dir', workDir, '--credentials', credentials, '--authenticate_frameworks'];
  }, [() => subscriptions.forEach((subscription) => subscription.close())]);
  let master = '';
  before(() => {
    master = hooks.cluster().master;
  });
  after(() => {
    if (workDir !== '') fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function subscribe(headers: Record<string, string>, frameworkInfo: object = { user: 'root', name: 'secured' }): Promise<V1Subscription> {
    const subscription = new V1Subscription(master);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo } }, headers);
    return subscription;
  }

  it('refuses a subscription without credentials or with a wrong secret (401), and one naming another principal (400)', async () => {
    const anonymous = await subscribe({});
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers['www-authenticate']).to.match(/^Basic realm=/);
    expect((await subscribe({ authorization: basicAuthorization('ops', 'wrong') })).status).to.equal(401);
    const other = await subscribe({ authorization: basicAuthorization('ops', 'ops-secret') }, { user: 'root', name: 'x', principal: 'dev' });
    expect(other.status).to.equal(400);
    // Refused before its body is read, on both paths (the hostile-input pass of 2026-12-05), and a body over the API's
    // own 4 MiB bound too, where the host would take up to 16 MiB.
    for (const apiPath of ['/api/v1/scheduler', '/master/api/v1/scheduler']) {
      const big = JSON.stringify({ type: 'SUBSCRIBE', pad: 'x'.repeat(6 * 1024 * 1024) });
      const unauthenticated = await fetch(`http://${master}${apiPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(unauthenticated.status, apiPath).to.equal(401);
      const oversized = await fetch(`http://${master}${apiPath}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuthorization('ops', 'ops-secret') }, body: big });
      expect([oversized.status, await oversized.text()], apiPath).to.deep.equal([413, '{"error":"request body larger than 4194304 bytes"}']);
    }
  });

  it('takes one with credentials: the framework has the principal it proved, and a call with another principal is refused', async () => {
    const subscription = await subscribe({ authorization: basicAuthorization('ops', 'ops-secret') });
    expect(subscription.status).to.equal(200);
    const { framework_id: { value: frameworkId } } = (await subscription.next((event) => event.type === 'SUBSCRIBED')).subscribed as { framework_id: { value: string } };
    const state = (await (await fetch(`http://${master}/master/frameworks`)).json()) as { frameworks: Array<{ id: string; principal?: string }> };
    expect(state.frameworks.find((framework) => framework.id === frameworkId)?.principal).to.equal('ops');
    const revive = { framework_id: { value: frameworkId }, type: 'REVIVE' };
    const call = (authorization?: string): Promise<Response> => fetch(`http://${master}/api/v1/scheduler`, {
      method: 'POST', body: JSON.stringify(revive),
      headers: { 'content-type': 'application/json', 'mesos-stream-id': subscription.streamId, ...(authorization !== undefined ? { authorization } : {}) },
    });
    expect((await call(basicAuthorization('ops', 'ops-secret'))).status).to.equal(202);
    expect((await call()).status).to.equal(401);
    const impostor = await call(basicAuthorization('dev', 'dev-secret'));
    expect(impostor.status).to.equal(400);
    expect(await impostor.text()).to.match(/Authenticated principal 'dev' does not match principal 'ops'/);
  });
});

describe("the v1 scheduler API on a master started with Mesos' --authenticate_http_frameworks", function () {
  this.timeout(60_000);
  const subscriptions: V1Subscription[] = [];
  const processes: BinProcess[] = [];
  let workDir = '';
  const hooks = localClusterHooks(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-v1-http-auth-'));
    const credentials = path.join(workDir, 'credentials.json');
    fs.writeFileSync(credentials, JSON.stringify({ credentials: [{ principal: 'ops', secret: 'ops-secret' }] }));
    return ['--resources', 'cpus:1;mem:512', '--work_dir', workDir, '--credentials', credentials, '--authenticate_http_frameworks'];
  }, [() => subscriptions.forEach((subscription) => subscription.close())]);
  after(async () => {
    processes.forEach((bin) => bin.kill());
    await Promise.all(processes.map((bin) => within(bin.exited, 10_000, 'a bin to exit')));
    if (workDir !== '') fs.rmSync(workDir, { recursive: true, force: true });
  });

  // A Mesos operator's flag (or MESOS_AUTHENTICATE_HTTP_FRAMEWORKS) used to be refused on the command line and, from the
  // environment, ignored: HTTP frameworks then subscribed without credentials on a master its operator meant to secure.
  it('requires HTTP Basic credentials of HTTP frameworks (401 without), takes them with, and leaves actor frameworks to --authenticate_frameworks, as Mesos', async () => {
    const { master } = hooks.cluster();
    const subscribe = async (headers: Record<string, string>): Promise<V1Subscription> => {
      const subscription = new V1Subscription(master);
      subscriptions.push(subscription);
      await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'secured' } } }, headers);
      return subscription;
    };
    const anonymous = await subscribe({});
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers['www-authenticate']).to.match(/^Basic realm=/);
    const proven = await subscribe({ authorization: basicAuthorization('ops', 'ops-secret') });
    expect(proven.status).to.equal(200);
    await proven.next((event) => event.type === 'SUBSCRIBED');
    const flags = (await (await fetch(`http://${master}/master/flags`)).json()) as { flags: Record<string, string> };
    expect(flags.flags).to.include({ authenticate_http_frameworks: 'true', authenticate_frameworks: 'false' });
    proven.close(); // its offers (the whole agent, held: it authenticated) go back
    // An actor (driver) framework is not an HTTP one: without --authenticate_frameworks it registers unauthenticated.
    const execute = startBin('mesos-execute', ['--master', master, '--name', 'driver', '--command', 'true']);
    processes.push(execute);
    expect(await within(execute.exited, 30_000, 'mesos-execute')).to.equal(0);
  });

  it('needs --credentials, as the other authentication flags do', async () => {
    const noCredentials = startBin('mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'm2'), '--authenticate_http_frameworks']);
    processes.push(noCredentials);
    expect(await within(noCredentials.exited, 10_000, 'mesos-master')).to.equal(2);
    expect(noCredentials.stderr.trim()).to.equal('mesos-master: --authenticate_http_frameworks needs --credentials: nobody could authenticate');
  });
});
