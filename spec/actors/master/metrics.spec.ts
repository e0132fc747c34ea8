import { expect } from 'chai';
import { captureLogger } from '../../../lib/logging';
import { PROMETHEUS_CONTENT_TYPE } from '../../../lib/metrics';
import { basicAuthorization, VirtualClock, type ActorHost } from '../../../lib/process';
import { defaultMasterFlags, parseAcls, startMaster, type MasterFlags } from '../../../actors/master';
import { netHost, within } from '../../support/runtime';
import { parsePrometheusText } from '../../support/prometheus-text';
import { mesosPercentEncoded } from '../../../actors/master/framework-metrics';
import { V1Subscription, v1Call } from '../../support/v1-client';
import { allocatorNames, frameworkNames, MASTER_NAMES, missingFromPrometheus, REGISTRAR_NAMES, SYSTEM_NAMES } from '../../support/mesos-metric-names';
import { agentUpdate, all, cleanUp, commandTask, latestOffer, launch, makeWorkDir, masterState, metricsOf, offersOf, registerAgent, registerFramework, startHarness, type Harness } from './harness';

/** A principal no role could be, but a framework may claim: its label value needs every escape. */
const ODD_PRINCIPAL = 'ops "team"\\west\nline2';

/** A master on a real listening host (virtual clock). */
async function listeningMaster(flags: Partial<MasterFlags> = {}): Promise<{ harness: Harness; base: string }> {
  const clock = new VirtualClock();
  const captured = captureLogger();
  const host: ActorHost = await netHost({ clock, logger: captured.logger });
  const workDir = makeWorkDir();
  const allFlags: MasterFlags = { ...defaultMasterFlags(workDir), checkAllocatorInvariants: true, ...flags };
  const handle = await startMaster({ flags: allFlags, host });
  await clock.settle();
  return { harness: { clock, host, handle, workDir, flags: allFlags, captured, masterPid: handle.pid }, base: `http://${host.address}` };
}

async function snapshot(base: string, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const response = await within(fetch(`${base}/metrics/snapshot`, { headers }), 5_000, '/metrics/snapshot');
  expect(response.status).to.equal(200);
  return (await response.json()) as Record<string, number>;
}

async function prometheus(base: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await within(fetch(`${base}/metrics`, { headers }), 5_000, '/metrics');
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

describe('actors/master: metrics at /metrics/snapshot and /metrics (real listening host)', () => {
  let cluster: Awaited<ReturnType<typeof listeningMaster>>;
  before(async () => {
    cluster = await listeningMaster();
  });
  after(async () => {
    await cluster.harness.host.stop();
    await cleanUp();
  });

  it('Mesos names move with the cluster: tasks_running 0 → 1, allocation runs are timed, the dominant share matches the allocation', async () => {
    const { harness, base } = cluster;
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const framework = await registerFramework(harness, { name: 'eng-app', roles: ['eng'], principal: ODD_PRINCIPAL });
    const before = await snapshot(base);
    expect(before['master/tasks_running']).to.equal(0);
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:1024')], 0);
    await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
    await harness.clock.advance(3_000); // three more batch runs
    const after = await snapshot(base);
    expect(after['master/tasks_running']).to.equal(1);
    expect(after['master/valid_status_updates']).to.equal((before['master/valid_status_updates'] ?? 0) + 1);
    expect(after['allocator/mesos/allocation_runs']).to.be.greaterThan(before['allocator/mesos/allocation_runs'] ?? 0);
    expect(after['allocator/mesos/allocation_run_ms/count']).to.be.greaterThan(before['allocator/mesos/allocation_run_ms/count'] ?? 0);
    expect(after['allocator/mesos/allocation_run_ms/count']).to.equal(Math.min(after['allocator/mesos/allocation_runs'] ?? 0, 1000));
    // The role holds the task's 1 cpu and 1024 mem, plus whatever is offered to it now: its share is its biggest fraction.
    const holdings = await harness.handle.allocator.holdings(framework.frameworkId);
    const held = (name: string): number => holdings.reduce((sum, holding) => sum + holding.resources.scalar(name), 0);
    const expected = Math.max(held('cpus') / 4, held('mem') / 4096, held('disk') / 1000);
    expect(expected).to.be.greaterThan(0);
    expect(after['allocator/mesos/roles/eng/shares/dominant']).to.be.closeTo(expected, 1e-9);
    expect(after['allocator/mesos/resources/cpus/total']).to.equal(4);
    expect(after['allocator/mesos/resources/mem/offered_or_allocated']).to.equal(held('mem'));
    expect(after['master/cpus_used']).to.equal(1);
    expect(after['registrar/registry_size_bytes']).to.be.greaterThan(0);
    expect(after['system/cpus_total']).to.be.greaterThan(0);
    // Counters never go down.
    for (const key of ['master/messages_launch_tasks', 'master/slave_registrations', 'allocator/mesos/allocation_runs']) {
      expect(after[key], key).to.be.at.least(before[key] ?? 0);
    }
  });

  it("an ACCEPT with a LAUNCH counts as Mesos counts it, in master/messages_launch_tasks (it stayed at 0: only the old LaunchTasks counted); one without tasks as a decline", async () => {
    const { base, harness } = cluster;
    const framework = await registerFramework(harness, { name: 'launcher', roles: ['eng'], principal: ODD_PRINCIPAL });
    const agent = await registerAgent(harness, 'cpus:2;mem:2048;disk:100');
    const before = await snapshot(base);
    framework.probe.post(harness.masterPid, 'AcceptOffers', { frameworkId: framework.frameworkId, offerIds: [latestOffer(framework.probe).id], operations: [{ type: 'LAUNCH', launch: { taskInfos: [commandTask('counted', agent.agentId)] } }] });
    await harness.clock.settle();
    framework.probe.post(harness.masterPid, 'AcceptOffers', { frameworkId: framework.frameworkId, offerIds: ['no-such-offer'], operations: [{ type: 'LAUNCH', launch: { taskInfos: [] } }] });
    await harness.clock.settle();
    const after = await snapshot(base);
    expect(after['master/messages_launch_tasks']).to.equal((before['master/messages_launch_tasks'] ?? 0) + 1);
    expect(after['master/messages_decline_offers']).to.equal((before['master/messages_decline_offers'] ?? 0) + 1);
    expect(after['mesos_ts/master/messages_accept_offers']).to.equal((before['mesos_ts/master/messages_accept_offers'] ?? 0) + 2);
  });

  it('/metrics: strict Prometheus text with Mesos names, TYPEs and values equal to the snapshot', async () => {
    const { base, harness } = cluster;
    const framework = await registerFramework(harness, { name: 'more', roles: ['eng'], principal: ODD_PRINCIPAL });
    framework.probe.post(harness.masterPid, 'ReviveOffers', { frameworkId: framework.frameworkId });
    await harness.clock.settle();
    const { status, contentType, text } = await prometheus(base);
    expect(status).to.equal(200);
    expect(contentType).to.equal(PROMETHEUS_CONTENT_TYPE);
    const families = parsePrometheusText(text);
    const values = await snapshot(base);
    // Both endpoints ask the actors anew; gauges that cannot move while the clock stands still are compared.
    const stable = [...MASTER_NAMES, ...SYSTEM_NAMES.filter((name) => name === 'system/cpus_total' || name === 'system/mem_total_bytes'), ...REGISTRAR_NAMES, ...allocatorNames('eng')]
      .filter((name) => !name.startsWith('master/event_queue_') && !name.includes('event_queue_dispatches'));
    expect(missingFromPrometheus(stable, values, families)).to.deep.equal([]);
    // Per-framework metrics: the framework's name and id are labels, the rest of the key the family.
    expect(missingFromPrometheus(frameworkNames('more', framework.frameworkId), values, families)).to.deep.equal([]);
    expect(families.get('mesos_master_frameworks_calls_revive_total')?.samples).to.deep.include({ labels: { framework_name: 'more', framework_id: framework.frameworkId }, value: 1 });
    expect(families.get('mesos_master_frameworks_subscribed')?.type).to.equal('gauge');
    expect(families.get('mesos_master_tasks_running')).to.deep.include({ type: 'gauge', samples: [{ labels: {}, value: 1 }] });
    expect(families.get('mesos_master_messages_launch_tasks_total')?.type).to.equal('counter');
    expect(families.get('mesos_allocator_mesos_roles_shares_dominant')?.samples.map((sample) => sample.labels)).to.deep.equal([{ role: 'eng' }]);
    expect(families.get('mesos_allocator_mesos_allocation_run_ms_window')?.samples.map((sample) => sample.labels.quantile))
      .to.deep.equal(['0.5', '0.9', '0.95', '0.99', '0.999', '0.9999']);
    // The principal, with its quote, backslash and newline, comes back intact through the escaping.
    const received = families.get('mesos_frameworks_messages_received_total');
    expect(received?.type).to.equal('counter');
    expect(received?.samples).to.deep.equal([{ labels: { principal: ODD_PRINCIPAL }, value: values[`frameworks/${ODD_PRINCIPAL}/messages_received`] }]);
    expect(received?.samples[0]?.value).to.be.at.least(1);
    expect(text).to.include('principal="ops \\"team\\"\\\\west\\nline2"');
    // Our own metrics are not passed off as Mesos'.
    expect(families.get('mesos_ts_master_allocator_refusals_total')?.type).to.equal('counter');
    expect(families.get('mesos_ts_allocator_offers_made_total')?.samples[0]?.value).to.equal(values['mesos_ts/allocator/offers_made']);
    expect([...families.keys()].filter((name) => !name.startsWith('mesos_'))).to.deep.equal([]);
  });

  it('/metrics/snapshot has every Mesos name claimed (the fixture), and nothing else under a Mesos prefix that Mesos lacks', async () => {
    const values = await snapshot(cluster.base);
    const claimed = [...MASTER_NAMES, ...SYSTEM_NAMES, ...REGISTRAR_NAMES, 'registrar/state_fetch_ms', ...allocatorNames('eng')];
    expect(claimed.filter((name) => typeof values[name] !== 'number')).to.deep.equal([]);
    const perRole = /^allocator\/mesos\/(roles\/.+\/shares\/dominant|offer_filters\/roles\/.+\/active)$/;
    const perPrincipal = /^frameworks\/.+\/messages_(received|processed)$/s;
    const perReason = /^master\/task_[a-z_]+\/source_[a-z]+\/reason_[a-z0-9_]+$/;
    // Each registered framework has exactly Mesos' per-framework names, and nothing else is under master/frameworks/.
    const frameworks = (await masterState(cluster.harness)).frameworks as Array<{ id: string; name: string }>;
    expect(frameworks.length).to.be.at.least(3);
    const perFramework = frameworks.flatMap(({ id, name }) => frameworkNames(mesosPercentEncoded(name), id));
    expect(perFramework.filter((name) => typeof values[name] !== 'number')).to.deep.equal([]);
    const unclaimed = Object.keys(values).filter((key) => !key.startsWith('mesos_ts/') && !claimed.includes(key) && !perFramework.includes(key)
      && ![perRole, perPrincipal, perReason].some((pattern) => pattern.test(key)));
    expect(unclaimed).to.deep.equal([]);
  });
});

describe('actors/master: /metrics authenticates as /metrics/snapshot does', () => {
  after(cleanUp);

  it('with --authenticate_http_readonly both need HTTP Basic credentials', async () => {
    const credentials = new Map([['ops', 'secret']]);
    const { harness, base } = await listeningMaster({ credentials, authenticateHttpReadonly: true });
    try {
      expect((await prometheus(base)).status).to.equal(401);
      const snapshotResponse = await within(fetch(`${base}/metrics/snapshot`), 5_000, '/metrics/snapshot');
      expect(snapshotResponse.status).to.equal(401);
      expect((await prometheus(base, { authorization: basicAuthorization('ops', 'wrong') })).status).to.equal(401);
      const allowed = await prometheus(base, { authorization: basicAuthorization('ops', 'secret') });
      expect(allowed.status).to.equal(200);
      expect(parsePrometheusText(allowed.text).get('mesos_master_elected')?.samples[0]?.value).to.equal(1);
    } finally {
      await harness.host.stop();
    }
  });

  it("the ACLs' get_endpoints for /metrics/snapshot decide both, as Mesos authorizes /metrics/snapshot (they were served to any principal: another team's roles and quota; security review)", async () => {
    const credentials = new Map([['teama', 'a-secret'], ['admin', 'admin-secret']]);
    const acls = parseAcls({
      permissive: true,
      get_endpoints: [{ principals: { values: ['admin'] }, paths: { values: ['/metrics/snapshot'] } }, { principals: { type: 'ANY' }, paths: { type: 'NONE' } }],
    });
    const { harness, base } = await listeningMaster({ credentials, authenticateHttpReadonly: true, acls });
    try {
      const teama = { authorization: basicAuthorization('teama', 'a-secret') };
      const denied = await within(fetch(`${base}/metrics/snapshot`, { headers: teama }), 5_000, '/metrics/snapshot');
      expect(denied.status).to.equal(403);
      expect(await denied.text()).to.include('teama');
      expect((await prometheus(base, teama)).status).to.equal(403);
      const admin = { authorization: basicAuthorization('admin', 'admin-secret') };
      expect((await snapshot(base, admin))['master/elected']).to.equal(1);
      expect((await prometheus(base, admin)).status).to.equal(200);
    } finally {
      await harness.host.stop();
    }
  });
});

describe("actors/master: Mesos' per-framework metrics (master/frameworks/<name>/<id>/...)", () => {
  let harness: Harness;
  afterEach(async () => {
    await harness.host.stop();
    await cleanUp();
  });

  it('calls, events, offers, operations and task states move as Mesos counts them, under the percent-encoded name', async () => {
    harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const framework = await registerFramework(harness, { name: 'team a/batch' });
    const prefix = `master/frameworks/team%20a%2Fbatch/${framework.frameworkId}/`;
    const at = async (): Promise<(metric: string) => number | undefined> => {
      const values = await metricsOf(harness);
      return (metric) => values[`${prefix}${metric}`];
    };
    const registered = await at();
    expect([registered('subscribed'), registered('calls/subscribe'), registered('events/subscribed'), registered('calls')]).to.deep.equal([1, 1, 1, 1]);
    expect(registered('offers/sent')).to.equal(offersOf(framework.probe).length).and.to.be.at.least(1);
    expect(registered('events/offers')).to.equal(all(framework.probe, 'ResourceOffers').length);

    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:128')], 0);
    await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
    const running = await at();
    expect([running('calls/accept'), running('offers/accepted'), running('operations/launch'), running('operations')]).to.deep.equal([1, 1, 1, 1]);
    expect([running('tasks/active/task_running'), running('tasks/active/task_staging'), running('events/update')]).to.deep.equal([1, 0, 1]);

    await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FINISHED');
    framework.probe.post(harness.masterPid, 'StatusUpdateAcknowledgement', { frameworkId: framework.frameworkId, agentId: agent.agentId, taskId: 't1', uuid: 'not-a-pending-uuid' });
    await harness.clock.advance(1_000);
    framework.probe.post(harness.masterPid, 'DeclineOffers', { frameworkId: framework.frameworkId, offerIds: [latestOffer(framework.probe).id, 'no-such-offer'] });
    framework.probe.post(harness.masterPid, 'ReviveOffers', { frameworkId: framework.frameworkId });
    await harness.clock.settle();
    const finished = await at();
    expect([finished('tasks/active/task_running'), finished('tasks/terminal/task_finished'), finished('events/update')]).to.deep.equal([0, 1, 2]);
    // A decline of one live offer and one unknown: one offer declined, as Mesos counts valid offers.
    expect([finished('calls/decline'), finished('offers/declined'), finished('calls/revive'), finished('calls/acknowledge')]).to.deep.equal([1, 1, 1, 1]);
    expect(finished('calls')).to.equal(5);
    expect(finished('offers/sent')).to.equal(offersOf(framework.probe).length);

    // A call from another pid naming the framework is not the framework's call.
    const stranger = await registerFramework(harness, { name: 'stranger' });
    stranger.probe.post(harness.masterPid, 'ReviveOffers', { frameworkId: framework.frameworkId });
    await harness.clock.settle();
    expect((await at())('calls/revive')).to.equal(1);
  });

  it("a framework's name is percent-encoded in its keys as libprocess' http::encode does it (review: not as encodeURIComponent)", () => {
    expect(mesosPercentEncoded('a (b)~')).to.equal('a%20(b)%7E');
    expect(mesosPercentEncoded("team a/batch!*'")).to.equal("team%20a%2Fbatch!*'");
    expect(mesosPercentEncoded('x:y;z=1?&#%é\n')).to.equal('x%3Ay%3Bz%3D1%3F%26%23%25%C3%A9%0A');
  });

  it('counts each HEARTBEAT a v1 framework is sent, and its REQUEST calls (review: Mesos counts both)', async () => {
    const listening = await listeningMaster();
    harness = listening.harness;
    const api = harness.host.address;
    const subscription = new V1Subscription(api);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'beating' } } });
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED');
    const frameworkId = (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value;
    try {
      await harness.clock.advance(30_000);
      await subscription.next(() => subscription.events.filter((event) => event.type === 'HEARTBEAT').length >= 3);
      expect((await v1Call(api, { framework_id: { value: frameworkId }, type: 'REQUEST', request: { requests: [] } }, subscription.streamId)).status).to.equal(202);
      await harness.clock.settle();
      const values = await metricsOf(harness);
      const prefix = `master/frameworks/beating/${frameworkId}/`;
      expect(values[`${prefix}events/heartbeat`]).to.equal(subscription.events.filter((event) => event.type === 'HEARTBEAT').length);
      expect(values[`${prefix}calls/request`]).to.equal(1);
      expect(values['master/messages_resource_request']).to.equal(1);
    } finally {
      subscription.close();
    }
  });

  it('a torn-down framework keeps its metrics (unsubscribed) in the completed history; --publish_per_framework_metrics=false publishes none', async () => {
    harness = await startHarness();
    const framework = await registerFramework(harness, { name: 'short-lived' });
    framework.probe.post(harness.masterPid, 'UnregisterFramework', { frameworkId: framework.frameworkId });
    await harness.clock.settle();
    const values = await metricsOf(harness);
    const prefix = `master/frameworks/short-lived/${framework.frameworkId}/`;
    expect([values[`${prefix}subscribed`], values[`${prefix}calls/teardown`], values[`${prefix}calls/subscribe`]]).to.deep.equal([0, 1, 1]);
    await harness.host.stop();

    harness = await startHarness({ publishPerFrameworkMetrics: false });
    await registerFramework(harness, { name: 'quiet' });
    const quiet = await metricsOf(harness);
    expect(Object.keys(quiet).filter((key) => key.startsWith('master/frameworks/'))).to.deep.equal([]);
    expect(quiet['master/frameworks_active']).to.equal(1);
  });
});
