import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { statusUpdateBytes, UPDATE_OVERHEAD_BYTES, type AgentInfo, type ExecutorInfo, type FrameworkInfo, type StatusUpdate, type TaskInfo } from '../../../lib/protocol';
import {
  DEFAULT_EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS, EXECUTOR_STATUS_UPDATE_RETRY_INTERVAL_MS, Executor, executorOptionsFromEnvironment, MAX_UNACKNOWLEDGED_UPDATE_BYTES,
  type ExecutorOptions, type ExecutorStatus, type KillOptions,
} from '../../../actors/framework/executor';
import { memoryHost, Probe } from '../../support/runtime';
import { ScriptedProbes } from '../../support/scripted-checks';

/** An executor that records every callback. */
class RecordingExecutor extends Executor {
  readonly calls: Array<[string, unknown]> = [];

  protected override registered(executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, agentInfo: AgentInfo): void {
    this.calls.push(['registered', { executorInfo, frameworkInfo, agentInfo }]);
  }
  protected override launchTask(task: TaskInfo): void {
    this.calls.push(['launchTask', task.taskId]);
  }
  protected override killTask(taskId: string, options: KillOptions): void {
    this.calls.push(['killTask', { taskId, ...options }]);
  }
  protected override frameworkMessage(data: string): void {
    this.calls.push(['frameworkMessage', data]);
  }
  protected override shutdown(): void {
    this.calls.push(['shutdown', null]);
  }
  protected override acknowledged(update: StatusUpdate): void {
    this.calls.push(['acknowledged', update.uuid]);
  }
  update(status: ExecutorStatus): string {
    return this.sendStatusUpdate(status);
  }
  checks(task: TaskInfo): boolean {
    return this.startChecks(task) !== undefined;
  }
  message(data: string): void {
    this.sendFrameworkMessage(data);
  }
  names(): string[] {
    return this.calls.map(([name]) => name);
  }
}

const AGENT_MESSAGES = ['RegisterExecutor', 'ReregisterExecutor', 'StatusUpdate', 'ExecutorToFramework'];
const FRAMEWORK: FrameworkInfo = { id: 'F1', name: 'fw', user: 'u' };
const AGENT_INFO: AgentInfo = { id: 'A1', hostname: 'h', port: 1, resources: [] };
const EXECUTOR_INFO: ExecutorInfo = { executorId: 'E1', command: { value: 'x' } };

describe('Executor base actor (harness: virtual clock, a Probe as the agent)', () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let agent: Probe;
  let executor: RecordingExecutor;

  async function start(options: Partial<ExecutorOptions> = {}): Promise<void> {
    executor = new RecordingExecutor({ agentPid: agent.self().toString(), frameworkId: 'F1', executorId: 'E1', ...options });
    host.spawn(executor);
    await clock.settle();
  }

  async function registered(options: Partial<ExecutorOptions> = {}): Promise<void> {
    await start(options);
    agent.post(executor.self(), 'ExecutorRegistered', { executorInfo: EXECUTOR_INFO, frameworkId: 'F1', frameworkInfo: FRAMEWORK, agentId: 'A1', agentInfo: AGENT_INFO });
    await clock.settle();
  }

  function sentUpdates(): StatusUpdate[] {
    return agent.received.filter((r) => r.name === 'StatusUpdate').map((r) => (r.body as { update: StatusUpdate }).update);
  }

  beforeEach(() => {
    clock = new VirtualClock();
    host = memoryHost({ clock });
    agent = new Probe('slave(1)', AGENT_MESSAGES);
    host.spawn(agent);
  });

  afterEach(async () => {
    await host.stop();
  });

  it('registers with the agent at start and calls registered()', async () => {
    await registered();
    expect(agent.received[0]).to.deep.include({ name: 'RegisterExecutor', body: { frameworkId: 'F1', executorId: 'E1' } });
    expect(executor.calls[0]).to.deep.equal(['registered', { executorInfo: EXECUTOR_INFO, frameworkInfo: FRAMEWORK, agentInfo: AGENT_INFO }]);
  });

  it('passes tasks, kills and framework messages to the callbacks', async () => {
    await registered();
    const task: TaskInfo = { name: 't', taskId: 'T1', agentId: 'A1', resources: [] };
    agent.post(executor.self(), 'RunTaskOnExecutor', { frameworkId: 'F1', framework: FRAMEWORK, task });
    agent.post(executor.self(), 'KillTaskOnExecutor', { frameworkId: 'F1', taskId: 'T1', gracePeriodSeconds: 2 });
    agent.post(executor.self(), 'FrameworkToExecutor', { agentId: 'A1', frameworkId: 'F1', executorId: 'E1', data: 'hi' });
    await clock.settle();
    expect(executor.calls.slice(1)).to.deep.equal([['launchTask', 'T1'], ['killTask', { taskId: 'T1', gracePeriodMs: 2000 }], ['frameworkMessage', 'hi']]);
  });

  it('ignores tasks before registration and messages from anyone but its agent', async () => {
    await start();
    const task: TaskInfo = { name: 't', taskId: 'T1', agentId: 'A1', resources: [] };
    agent.post(executor.self(), 'RunTaskOnExecutor', { frameworkId: 'F1', framework: FRAMEWORK, task });
    const stranger = new Probe('stranger');
    host.spawn(stranger);
    stranger.post(executor.self(), 'ExecutorRegistered', { executorInfo: EXECUTOR_INFO, frameworkId: 'F1', frameworkInfo: FRAMEWORK, agentId: 'A1', agentInfo: AGENT_INFO });
    await clock.settle();
    expect(executor.calls).to.deep.equal([]);
  });

  it('startChecks: a custom executor gets health updates, and killTask once the health check failed consecutive_failures times', async () => {
    const probes = new ScriptedProbes();
    probes.play({ type: 'TCP', succeeded: true }, { type: 'TCP', succeeded: false });
    await registered({ checkProbes: probes.runner });
    const task: TaskInfo = { name: 't', taskId: 'T1', agentId: 'A1', resources: [], healthCheck: { type: 'TCP', tcp: { port: 7 }, delaySeconds: 1, intervalSeconds: 1, consecutiveFailures: 2, gracePeriodSeconds: 0 } };
    expect(await dispatch(executor, (e) => e.checks({ ...task, healthCheck: undefined })), 'no checks: nothing started').to.equal(false);
    expect(await dispatch(executor, (e) => e.checks(task))).to.equal(true);
    await clock.advance(3_000);
    expect(sentUpdates().map((update) => [update.status.state, update.status.healthy, update.status.reason])).to.deep.equal([
      ['TASK_RUNNING', true, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'],
      ['TASK_RUNNING', false, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'],
    ]);
    expect(executor.calls.slice(1)).to.deep.equal([['killTask', { taskId: 'T1' }]]);
    expect(probes.calls).to.have.length(3);
  });

  it('stamps status updates (uuid, timestamps, executor id, SOURCE_EXECUTOR) and retries them until acknowledged', async () => {
    await registered();
    const uuid = await dispatch(executor, (e) => e.update({ taskId: 'T1', state: 'TASK_RUNNING', message: 'up' }));
    await clock.settle();
    const [update] = sentUpdates();
    expect(update).to.deep.include({ frameworkId: 'F1', executorId: 'E1', agentId: 'A1', uuid });
    expect(update?.status).to.include({ taskId: 'T1', state: 'TASK_RUNNING', message: 'up', source: 'SOURCE_EXECUTOR', executorId: 'E1', uuid });
    expect(update?.timestamp).to.equal(clock.now() / 1000);
    await clock.advance(EXECUTOR_STATUS_UPDATE_RETRY_INTERVAL_MS);
    expect(sentUpdates()).to.have.length(2);
    agent.post(executor.self(), 'StatusUpdateAcknowledgement', { agentId: 'A1', frameworkId: 'F1', taskId: 'T1', uuid });
    await clock.settle();
    expect(executor.calls.at(-1)).to.deep.equal(['acknowledged', uuid]);
    await clock.advance(5 * EXECUTOR_STATUS_UPDATE_RETRY_INTERVAL_MS);
    expect(sentUpdates()).to.have.length(2);
  });

  it('refuses TASK_STAGING, which only the master may use', async () => {
    await registered();
    let error: unknown;
    await dispatch(executor, (e) => e.update({ taskId: 'T1', state: 'TASK_STAGING' })).catch((caught: unknown) => { error = caught; });
    expect(String(error)).to.contain('TASK_STAGING');
  });

  it('sends framework messages through the agent', async () => {
    await registered();
    await dispatch(executor, (e) => e.message('hello'));
    await clock.settle();
    expect(agent.received.at(-1)).to.deep.include({ name: 'ExecutorToFramework', body: { agentId: 'A1', frameworkId: 'F1', executorId: 'E1', data: 'hello' } });
  });

  it('on ShutdownExecutor calls shutdown() and terminates after the grace period', async () => {
    await registered();
    agent.post(executor.self(), 'ShutdownExecutorOnExecutor', { gracePeriodSeconds: 2 });
    await clock.settle();
    expect(executor.names()).to.include('shutdown');
    expect(executor.runtime.state).to.equal('running');
    await clock.advance(2_000);
    expect(executor.runtime.state).to.equal('terminated');
  });

  it('shuts down when its agent goes away', async () => {
    await registered();
    host.injectExited(executor.self(), agent.self());
    await clock.settle();
    expect(executor.names()).to.include('shutdown');
    await clock.advance(DEFAULT_EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS);
    expect(executor.runtime.state).to.equal('terminated');
  });

  it('with checkpointing, waits the recovery timeout for the agent to reconnect before shutting down', async () => {
    await registered({ checkpoint: true, recoveryTimeoutMs: 60_000 });
    host.injectExited(executor.self(), agent.self());
    await clock.advance(59_000);
    expect(executor.names()).to.not.include('shutdown');
    agent.post(executor.self(), 'ReconnectExecutor', { agentId: 'A1' });
    await clock.settle();
    expect(agent.received.at(-1)?.name).to.equal('ReregisterExecutor');
    agent.post(executor.self(), 'ExecutorReregistered', { agentId: 'A1', agentInfo: AGENT_INFO });
    await clock.advance(120_000);
    expect(executor.names()).to.not.include('shutdown');
  });

  it('reads its identity from the MESOS_* environment, and says what is missing', () => {
    const options = executorOptionsFromEnvironment({
      MESOS_SLAVE_PID: 'slave(1)@127.0.0.1:5051', MESOS_FRAMEWORK_ID: 'F1', MESOS_EXECUTOR_ID: 'E1', MESOS_AGENT_ID: 'A1',
      MESOS_DIRECTORY: '/sandbox', MESOS_CHECKPOINT: '1', MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
    });
    expect(options).to.deep.equal({ agentPid: 'slave(1)@127.0.0.1:5051', frameworkId: 'F1', executorId: 'E1', agentId: 'A1', directory: '/sandbox', checkpoint: true, shutdownGracePeriodMs: 5_000 });
    expect(() => executorOptionsFromEnvironment({ MESOS_AGENT_PID: 'slave(1)@127.0.0.1:5051' })).to.throw(/MESOS_FRAMEWORK_ID/);
  });

  it("takes the run's token out of the process environment once read (the tasks it starts inherit it), as Mesos' executor library does (security review)", () => {
    const names = ['MESOS_AGENT_PID', 'MESOS_FRAMEWORK_ID', 'MESOS_EXECUTOR_ID', 'MESOS_EXECUTOR_AUTHENTICATION_TOKEN'];
    const saved = names.map((name) => [name, process.env[name]] as const);
    Object.assign(process.env, { MESOS_AGENT_PID: 'slave(1)@127.0.0.1:5051', MESOS_FRAMEWORK_ID: 'F1', MESOS_EXECUTOR_ID: 'E1', MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'run-secret' });
    try {
      expect(executorOptionsFromEnvironment().token).to.equal('run-secret');
      expect(process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN).to.equal(undefined);
      // An environment passed in is only read.
      const given = { MESOS_AGENT_PID: 'slave(1)@127.0.0.1:5051', MESOS_FRAMEWORK_ID: 'F1', MESOS_EXECUTOR_ID: 'E1', MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 't' };
      executorOptionsFromEnvironment(given);
      expect(given.MESOS_EXECUTOR_AUTHENTICATION_TOKEN).to.equal('t');
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('keeps at most MAX_UNACKNOWLEDGED_UPDATE_BYTES of unacknowledged updates: one more is refused, one acknowledged makes room (security review: an HTTP executor filled the agent)', async () => {
    const quarter = 'x'.repeat(MAX_UNACKNOWLEDGED_UPDATE_BYTES / 4);
    expect(statusUpdateBytes({ status: { data: quarter, message: 'm' } })).to.equal(UPDATE_OVERHEAD_BYTES + quarter.length + 1);
    await registered();
    for (let index = 0; index < 3; index++) executor.update({ taskId: 'T1', state: 'TASK_RUNNING', data: quarter });
    expect(() => executor.update({ taskId: 'T1', state: 'TASK_RUNNING', data: quarter + quarter })).to.throw(/bytes of unacknowledged status updates/);
    await clock.settle();
    const [first] = sentUpdates();
    agent.post(executor.self(), 'StatusUpdateAcknowledgement', { agentId: 'A1', frameworkId: 'F1', taskId: 'T1', uuid: first?.uuid });
    await clock.settle();
    expect(() => executor.update({ taskId: 'T1', state: 'TASK_RUNNING', data: quarter })).to.not.throw();
  });

  it('reads durations in the syntax of the agent flags (lib/flags parseDuration), naming a bad variable', () => {
    const identity = { MESOS_AGENT_PID: 'slave(1)@127.0.0.1:5051', MESOS_FRAMEWORK_ID: 'F1', MESOS_EXECUTOR_ID: 'E1' };
    const durations: Array<[string, number]> = [['500ms', 500], ['5secs', 5_000], ['1mins', 60_000], ['2hrs', 7_200_000], ['1days', 86_400_000], ['1weeks', 604_800_000]];
    for (const [text, ms] of durations) {
      const options = executorOptionsFromEnvironment({ ...identity, MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: text, MESOS_RECOVERY_TIMEOUT: text });
      expect([options.shutdownGracePeriodMs, options.recoveryTimeoutMs], text).to.deep.equal([ms, ms]);
    }
    expect(() => executorOptionsFromEnvironment({ ...identity, MESOS_RECOVERY_TIMEOUT: 'soon' })).to.throw(/^executor: MESOS_RECOVERY_TIMEOUT: 'soon' is not a duration/);
    // A unit is required, as in Mesos.
    expect(() => executorOptionsFromEnvironment({ ...identity, MESOS_RECOVERY_TIMEOUT: '2' })).to.throw(/'2' is not a duration: a number and a unit/);
  });
});
