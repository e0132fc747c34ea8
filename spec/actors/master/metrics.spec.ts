import { expect } from 'chai';
import { captureLogger } from '../../../lib/logging';
import { PROMETHEUS_CONTENT_TYPE } from '../../../lib/metrics';
import { basicAuthorization, VirtualClock, type ActorHost } from '../../../lib/process';
import { defaultMasterFlags, startMaster, type MasterFlags } from '../../../actors/master';
import { netHost, within } from '../../support/runtime';
import { parsePrometheusText } from '../../support/prometheus-text';
import { allocatorNames, MASTER_NAMES, missingFromPrometheus, REGISTRAR_NAMES, SYSTEM_NAMES } from '../../support/mesos-metric-names';
import { agentUpdate, cleanUp, commandTask, latestOffer, launch, makeWorkDir, registerAgent, registerFramework, type Harness } from './harness';

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
    const unclaimed = Object.keys(values).filter((key) => !key.startsWith('mesos_ts/') && !claimed.includes(key) && ![perRole, perPrincipal, perReason].some((pattern) => pattern.test(key)));
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
});
