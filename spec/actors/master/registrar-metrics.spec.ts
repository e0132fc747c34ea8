import { expect } from 'chai';
import { MemoryDisk } from '../../../lib/disk';
import { VirtualClock } from '../../../lib/process';
import { Registry, REGISTRAR_METRICS, type RegistryAgent } from '../../../actors/master';
import { MAX_TASK_REASON_COUNTERS, TaskReasonCounters, taskReasonKey } from '../../../actors/master/metrics';
import { agentUpdate, cleanUp, commandTask, latestOffer, launch, metricsOf, registerAgent, registerFramework, startHarness } from './harness';
import { dispatch } from '../../../lib/actor';

function registryAgent(id: string): RegistryAgent {
  return { id, info: { id, hostname: `${id}.local`, port: 5051, resources: [] } };
}

describe('actors/master: registrar/* metrics (memory disk, virtual clock)', () => {
  it('queued_operations counts changes waiting behind a write; state_store_ms times each write; registry_size_bytes grows with the registry', async () => {
    const clock = new VirtualClock();
    const disk = new MemoryDisk(clock);
    const registry = await Registry.load('/master/registry.json', { disk, clock });
    const opened = registry.metrics();
    expect(opened).to.include({ [REGISTRAR_METRICS.queuedOperations]: 0, [REGISTRAR_METRICS.stateFetchMs]: 0, [REGISTRAR_METRICS.stateStoreMs]: 0 });
    const emptyBytes = opened[REGISTRAR_METRICS.registrySizeBytes] ?? 0;
    expect(emptyBytes).to.be.greaterThan(0);
    disk.delayWritesMs(2_000);
    const admitted = ['a1', 'a2', 'a3'].map((id) => registry.admit(registryAgent(id)));
    // The first admission is being written; the other two wait for the next write.
    expect(registry.metrics()[REGISTRAR_METRICS.queuedOperations]).to.equal(2);
    await clock.advance(2_000);
    expect(registry.metrics()[REGISTRAR_METRICS.queuedOperations]).to.equal(0);
    await clock.advance(2_000);
    await Promise.all(admitted);
    const after = registry.metrics();
    expect(after[REGISTRAR_METRICS.stateStoreMs]).to.equal(2_000);
    // The compaction at open, then two writes.
    expect(after[`${REGISTRAR_METRICS.stateStoreMs}/count`]).to.equal(3);
    expect(after[`${REGISTRAR_METRICS.stateStoreMs}/max`]).to.equal(2_000);
    expect(after[`${REGISTRAR_METRICS.stateStoreMs}/p50`]).to.equal(2_000);
    expect(after[REGISTRAR_METRICS.registrySizeBytes]).to.be.greaterThan(emptyBytes + 3 * JSON.stringify(registryAgent('a1')).length);
    // The fetch happened once: no statistics for one duration (Mesos reports none below two).
    expect(after[`${REGISTRAR_METRICS.stateFetchMs}/count`]).to.equal(undefined);
  });
});

describe('actors/master: master/event_queue_* and counters that move (harness)', () => {
  afterEach(cleanUp);

  it('event_queue_messages counts what waits in the master mailbox when the metrics are read', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness);
    const pongs = (await metricsOf(harness))['mesos_ts/master/messages_pong'] ?? 0;
    // The metrics dispatch goes first; three pongs queue behind it.
    const reading = dispatch(harness.handle.master, (master) => master.metrics());
    for (let index = 0; index < 3; index++) agent.probe.post(harness.masterPid, 'Pong', {});
    const metrics = await reading;
    expect(metrics['master/event_queue_messages']).to.equal(3);
    await harness.clock.settle();
    expect((await metricsOf(harness))['master/event_queue_messages']).to.equal(0);
    expect((await metricsOf(harness))['mesos_ts/master/messages_pong']).to.equal(pongs + 3);
  });

  it('tasks_finished counts once per task, and the gauges follow the task', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness);
    const framework = await registerFramework(harness);
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)]);
    expect(await metricsOf(harness)).to.include({ 'master/tasks_staging': 1, 'master/tasks_finished': 0 });
    await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
    expect(await metricsOf(harness)).to.include({ 'master/tasks_staging': 0, 'master/tasks_running': 1 });
    await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FINISHED');
    expect(await metricsOf(harness)).to.include({ 'master/tasks_running': 0, 'master/tasks_finished': 1, 'master/slave_shutdowns_scheduled': 0 });
  });
});

describe('actors/master: master/<state>/<source>/<reason> counters', () => {
  afterEach(cleanUp);

  it("count terminal tasks by the status's source and reason, in Mesos' spelling", async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness);
    const framework = await registerFramework(harness);
    // A task that asks for more than offered is invalid: TASK_ERROR from the master.
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('too-big', agent.agentId, 'cpus:100'), commandTask('t1', agent.agentId)]);
    // Launching on an offer already used: TASK_LOST (the framework is not partition-aware) for invalid offers.
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('late', agent.agentId)]);
    const uuid = 'agent-made-1';
    const timestamp = harness.clock.now() / 1000;
    agent.probe.post(harness.masterPid, 'StatusUpdate', {
      update: {
        frameworkId: framework.frameworkId, agentId: agent.agentId, timestamp, uuid,
        status: { taskId: 't1', state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_AGENT_RESTARTED', agentId: agent.agentId, timestamp, uuid },
      },
      pid: agent.probe.self().toString(),
    });
    await harness.clock.settle();
    const metrics = await metricsOf(harness);
    expect(metrics).to.include({
      'master/task_error/source_master/reason_task_invalid': 1,
      'master/task_failed/source_slave/reason_slave_restarted': 1,
      'master/task_lost/source_master/reason_invalid_offers': 1,
      'master/tasks_error': 1, 'master/tasks_failed': 1, 'master/tasks_lost': 1,
    });
  });

  it('keep at most MAX_TASK_REASON_COUNTERS combinations, and ignore reasons that are not reason names', () => {
    const counters = new TaskReasonCounters();
    for (let index = 0; index < MAX_TASK_REASON_COUNTERS + 10; index++) counters.reached('TASK_FAILED', 'SOURCE_EXECUTOR', `REASON_X${index}`);
    counters.reached('TASK_FAILED', 'SOURCE_EXECUTOR', 'REASON_X0');
    counters.reached('TASK_FAILED', 'SOURCE_EXECUTOR', 'not a reason');
    const snapshot = counters.snapshot();
    expect(Object.keys(snapshot)).to.have.length(MAX_TASK_REASON_COUNTERS);
    expect(snapshot['master/task_failed/source_executor/reason_x0']).to.equal(2);
    expect(taskReasonKey('TASK_LOST', 'SOURCE_MASTER', 'REASON_AGENT_REMOVED')).to.equal('master/task_lost/source_master/reason_slave_removed');
  });
});
