/**
 * The v1 executor HTTP API on a real `mesos-local` (master and agent in one process, each on
 * its own host and port: `/api/v1/scheduler` on the master's, `/api/v1/executor` on the
 * agent's, which the executor finds in `MESOS_AGENT_ENDPOINT`), with both ends written in plain
 * `http`: a v1 scheduler (spec/support/v1-client.ts) launches the plain-http executor of
 * spec/fixtures/v1-executor.ts as its custom executor. The executor's own uuids reach the
 * scheduler, whose ACKNOWLEDGEs come back to the executor as ACKNOWLEDGED; messages go both ways;
 * TEARDOWN shuts the executor down.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventually, within } from '../support/runtime';
import { v1Call, V1Subscription, type V1Event } from '../support/v1-client';
import { startBin, type BinProcess } from './processes';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'v1-executor.js');
const PROTOBUF_FIXTURE = path.join(__dirname, '..', 'fixtures', 'v1-executor-protobuf.js');

type Offer = { id: { value: string }; agent_id: { value: string } };
type Status = { task_id: { value: string }; state: string; uuid?: string; agent_id?: { value: string }; source?: string; data?: string };

const statusOf = (event: V1Event): Status => (event.update as { status: Status }).status;

/** The lines of the executor's event log (`log`, which it writes in its sandbox), wherever the sandbox is under `workDir`. */
function executorEvents(workDir: string, log = 'v1-events.log'): Array<Record<string, unknown>> {
  const file = (fs.readdirSync(workDir, { recursive: true }) as string[]).find((name) => name.endsWith(log) && !name.includes(`${path.sep}latest${path.sep}`));
  if (file === undefined) return [];
  return fs.readFileSync(path.join(workDir, file), 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the v1 executor API on mesos-local (a plain-http executor of a plain-http framework)', function () {
  this.timeout(90_000);
  let local: BinProcess;
  let master: string;
  /** The agent's host, `ip:port`. */
  let agent: string;
  let workDir: string;
  let subscription: V1Subscription | undefined;

  beforeEach(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'v1-executor-'));
    local = startBin('mesos-local', ['--port', '0', '--agents', '1', '--resources', 'cpus:2;mem:1024', '--work_dir', workDir]);
    const [, pid] = await local.waitFor(/master master@(\S+)/);
    master = pid as string;
    const [, agentAddress] = await local.waitFor(/agent slave\(1\)@(\S+)/);
    agent = agentAddress as string;
  });

  afterEach(async () => {
    subscription?.close();
    local.kill('SIGTERM');
    await within(local.exited, 20_000, 'mesos-local');
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /**
   * Subscribes a plain-http framework named `name` and launches task `taskId` on its first offer
   * under custom executor `executorId`, which runs `fixture`; resolves with the framework's calls
   * and that offer.
   */
  async function launchOnExecutor(name: string, taskId: string, executorId: string, fixture: string, task: object = {}): Promise<{ call: (body: object) => ReturnType<typeof v1Call>; offer: Offer; framework: V1Subscription }> {
    const opened = new V1Subscription(master);
    subscription = opened;
    await opened.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name } } });
    const { framework_id: frameworkId } = (await opened.next((event) => event.type === 'SUBSCRIBED')).subscribed as { framework_id: { value: string } };
    const call = (body: object): ReturnType<typeof v1Call> => v1Call(master, { framework_id: frameworkId, ...body }, opened.streamId);
    const offer = ((await opened.next((event) => event.type === 'OFFERS')).offers as { offers: Offer[] }).offers[0] as Offer;
    const accepted = await call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, ...task,
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
          executor: { executor_id: { value: executorId }, command: { value: `"${process.execPath}" "${fixture}"` } },
        }] } }],
      },
    });
    expect(accepted.status, accepted.text).to.equal(202);
    return { call, offer, framework: opened };
  }

  it('runs a task on the custom executor: updates with the executor\'s uuids, acknowledgements back to it, messages both ways, SHUTDOWN on TEARDOWN', async () => {
    // The agent's host serves the executor API (a call without the executor's token is refused).
    const unauthenticated = await v1Call(agent, { type: 'HEARTBEAT' }, undefined, '/api/v1/executor');
    expect(unauthenticated.status, unauthenticated.text).to.equal(401);
    const { call, offer, framework } = await launchOnExecutor('v1-executor-test', 'T1', 'E1', FIXTURE, { data: Buffer.from('payload').toString('base64') });

    // Each update, acknowledged as it comes: the uuid is the executor's 16 bytes, as it sent them.
    const uuids: string[] = [];
    for (const state of ['TASK_RUNNING', 'TASK_FINISHED']) {
      const update = statusOf(await framework.next((event) => event.type === 'UPDATE' && statusOf(event).state === state, 30_000));
      expect(update).to.include({ source: 'SOURCE_EXECUTOR' });
      expect(Buffer.from(update.uuid as string, 'base64')).to.have.length(16);
      uuids.push(update.uuid as string);
      const acknowledged = await call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: update.agent_id, task_id: update.task_id, uuid: update.uuid } });
      expect(acknowledged.status, acknowledged.text).to.equal(202);
    }
    expect(statusOf(framework.events.find((event) => event.type === 'UPDATE' && statusOf(event).state === 'TASK_FINISHED') as V1Event).data).to.equal(Buffer.from('payload').toString('base64'));
    await eventually(() => executorEvents(workDir).filter((event) => event.type === 'ACKNOWLEDGED').length === 2, 20_000, 'the executor to hear both acknowledgements');
    const acknowledgedUuids = executorEvents(workDir).filter((event) => event.type === 'ACKNOWLEDGED').map((event) => (event.acknowledged as { uuid: string }).uuid);
    expect(acknowledgedUuids).to.deep.equal(uuids);

    // MESSAGE: the executor's reaches the scheduler; the scheduler's reaches the executor (which echoes it).
    const ran = await framework.next((event) => event.type === 'MESSAGE', 20_000);
    expect(Buffer.from((ran.message as { data: string }).data, 'base64').toString()).to.equal('ran T1');
    const sent = await call({ type: 'MESSAGE', message: { agent_id: offer.agent_id, executor_id: { value: 'E1' }, data: Buffer.from('hi').toString('base64') } });
    expect(sent.status, sent.text).to.equal(202);
    const echo = await framework.next((event) => event.type === 'MESSAGE' && Buffer.from((event.message as { data: string }).data, 'base64').toString() === 'echo: hi', 20_000);
    expect(echo.message).to.deep.include({ executor_id: { value: 'E1' } });

    // TEARDOWN: the agent shuts the executor down (SHUTDOWN), and it exits.
    const teardown = await call({ type: 'TEARDOWN' });
    expect(teardown.status, teardown.text).to.equal(202);
    await eventually(() => executorEvents(workDir).some((event) => event.type === 'SHUTDOWN'), 20_000, 'SHUTDOWN at the executor');
  });

  it('serves an executor that speaks protobuf (as executors built on Mesos\' libraries do): SUBSCRIBED, LAUNCH, its UPDATEs, ACKNOWLEDGED, SHUTDOWN', async () => {
    const { call, framework } = await launchOnExecutor('v1-protobuf-executor-test', 'P1', 'PE', PROTOBUF_FIXTURE);
    for (const state of ['TASK_RUNNING', 'TASK_FINISHED']) {
      const update = statusOf(await framework.next((event) => event.type === 'UPDATE' && statusOf(event).state === state, 30_000));
      expect(update).to.include({ source: 'SOURCE_EXECUTOR' });
      expect(Buffer.from(update.uuid as string, 'base64')).to.have.length(16);
      const acknowledged = await call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: update.agent_id, task_id: update.task_id, uuid: update.uuid } });
      expect(acknowledged.status, acknowledged.text).to.equal(202);
    }
    const lines = (): Array<Record<string, unknown>> => executorEvents(workDir, 'v1-protobuf-events.log');
    await eventually(() => lines().filter((line) => line.type === 4).length === 2, 20_000, 'the executor to hear both acknowledgements');
    const log = lines();
    expect(log[0], 'a protobuf stream').to.deep.equal({ subscribe: 200, contentType: 'application/x-protobuf' });
    expect(log[1]).to.include({ type: 1 });
    expect(log[1]?.agentHostname, 'SUBSCRIBED carries the agent').to.be.a('string').and.not.equal('');
    expect(log.filter((line) => line.type === 4).map((line) => line.ours), 'ACKNOWLEDGED names its own uuids').to.deep.equal([true, true]);
    expect(log.filter((line) => line.call === 'UPDATE').map((line) => line.status)).to.deep.equal([202, 202]);
    expect((await call({ type: 'TEARDOWN' })).status).to.equal(202);
    await eventually(() => lines().some((line) => line.type === 7), 20_000, 'SHUTDOWN at the executor');
  });
});
