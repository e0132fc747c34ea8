import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { PROMETHEUS_CONTENT_TYPE } from '../../../lib/metrics';
import { within } from '../../support/runtime';
import { AGENT_NAMES, missingFromPrometheus, SYSTEM_NAMES } from '../../support/mesos-metric-names';
import { parsePrometheusText } from '../../support/prometheus-text';
import { Probe } from '../../support/runtime';
import { AgentHarness, FRAMEWORK_ID } from './harness';
import { RealCluster } from './real-master';

describe('agent metrics: slave/* (harness: virtual clock, fake master, fake executors)', () => {
  let harness: AgentHarness;
  beforeEach(() => {
    harness = new AgentHarness();
  });
  afterEach(async () => {
    await harness.stop();
  });

  const metrics = (): Promise<Record<string, number>> => dispatch(harness.agent, (agent) => agent.metrics());

  it('moves with the agent: registered, tasks and executors by state, status updates, terminal counters, resources used', async () => {
    const fresh = await metrics();
    expect(fresh).to.include({ 'slave/registered': 0, 'slave/tasks_running': 0, 'slave/cpus_total': 4, 'slave/mem_total': 4096, 'slave/cpus_used': 0 });
    expect(fresh['slave/recovery_time_secs'], 'nothing to recover').to.equal(0);
    await harness.register();
    harness.runTask(AgentHarness.commandTask('T1'));
    await harness.clock.settle();
    expect(await metrics()).to.include({ 'slave/registered': 1, 'slave/tasks_staging': 1, 'slave/executors_registering': 1, 'slave/frameworks_active': 1 });
    const executor = await harness.registerExecutor('T1');
    harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING'));
    await harness.clock.settle();
    const running = await metrics();
    expect(running).to.include({ 'slave/tasks_running': 1, 'slave/tasks_staging': 0, 'slave/executors_running': 1, 'slave/valid_status_updates': 1 });
    expect(running['slave/cpus_used']).to.be.at.least(1);
    expect(running['slave/cpus_percent']).to.equal(running['slave/cpus_used']! / 4);
    harness.fromMaster('FrameworkToExecutor', { agentId: 'A1', frameworkId: FRAMEWORK_ID, executorId: 'T1', data: 'aGk=' });
    harness.fromMaster('FrameworkToExecutor', { agentId: 'A1', frameworkId: FRAMEWORK_ID, executorId: 'nobody', data: 'aGk=' });
    // An update from an actor that is not the task's executor is refused.
    const impostor = new Probe('impostor');
    harness.host.spawn(impostor);
    impostor.post(harness.agentPid, 'StatusUpdate', { update: harness.executorUpdate('T1', 'TASK_FAILED'), pid: impostor.self().toString() });
    harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FINISHED'));
    await harness.clock.settle();
    const finished = await metrics();
    expect(finished).to.include({
      'slave/tasks_running': 0, 'slave/tasks_finished': 1, 'slave/tasks_failed': 0, 'slave/valid_status_updates': 2, 'slave/invalid_status_updates': 1,
      'slave/valid_framework_messages': 1, 'slave/invalid_framework_messages': 1,
    });
    // A repeated terminal update does not count the task twice.
    harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FINISHED'));
    await harness.clock.settle();
    expect((await metrics())['slave/tasks_finished']).to.equal(1);
    harness.launcher.run('T1').exit({ code: 0, signal: null });
    await harness.clock.settle();
    expect(await metrics()).to.include({ 'slave/executors_terminated': 1, 'slave/executors_running': 0 });
    await harness.clock.advance(10_000);
    expect((await metrics())['slave/uptime_secs']).to.be.at.least(10);
  });
});

describe('agent metrics: /metrics/snapshot and /metrics on the agent host (real listening host)', () => {
  let cluster: RealCluster;
  before(async () => {
    cluster = await RealCluster.start();
  });
  after(async () => {
    await cluster.stop();
  });

  it('serves every claimed slave/* and system/* name, and the same values as strict Prometheus text', async () => {
    const base = `http://${cluster.host.address}`;
    const snapshotResponse = await within(fetch(`${base}/metrics/snapshot`), 5_000, '/metrics/snapshot');
    expect(snapshotResponse.status).to.equal(200);
    const values = (await snapshotResponse.json()) as Record<string, number>;
    expect([...AGENT_NAMES, ...SYSTEM_NAMES].filter((name) => typeof values[name] !== 'number')).to.deep.equal([]);
    expect(values).to.include({ 'slave/registered': 1, 'slave/cpus_total': 2, 'slave/mem_total': 1024 });
    // Nothing under a Mesos prefix that Mesos lacks.
    expect(Object.keys(values).filter((key) => !AGENT_NAMES.includes(key) && !SYSTEM_NAMES.includes(key))).to.deep.equal([]);
    const response = await within(fetch(`${base}/metrics`), 5_000, '/metrics');
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal(PROMETHEUS_CONTENT_TYPE);
    const families = parsePrometheusText(await response.text());
    // uptime_secs moves with the wall clock between the two requests.
    const stable = AGENT_NAMES.filter((name) => name !== 'slave/uptime_secs');
    expect(missingFromPrometheus(stable, values, families)).to.deep.equal([]);
    expect(families.get('mesos_slave_tasks_finished_total')?.type).to.equal('counter');
    expect(families.get('mesos_slave_uptime_secs')?.type).to.equal('gauge');
    expect(families.get('mesos_system_cpus_total')?.samples[0]?.value).to.equal(values['system/cpus_total']);
  });
});
