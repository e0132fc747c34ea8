import { expect } from 'chai';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import type { CheckInfo, FrameworkInfo, HealthCheck, StatusUpdate, TaskInfo, TaskStatus } from '../../../lib/protocol';
import { CommandExecutor } from '../../../actors/agent/command-executor';
import { COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS } from '../../../actors/agent/constants';
import { memoryHost, Probe } from '../../support/runtime';
import { FakeTaskProcesses, ScriptedProbes } from '../../support/scripted-checks';

const FRAMEWORK: FrameworkInfo = { id: 'F1', name: 'fw', user: 'u' };
const OK = { type: 'HTTP', statusCode: 200 } as const;
const ERROR = { type: 'HTTP', statusCode: 500 } as const;

/** An HTTP health check probed every second from 1 s on, killing after 3 failures, with no grace period unless given. */
function httpHealthCheck(overrides: Partial<HealthCheck> = {}): HealthCheck {
  return { type: 'HTTP', http: { port: 8080, path: '/health' }, delaySeconds: 1, intervalSeconds: 1, timeoutSeconds: 5, consecutiveFailures: 3, gracePeriodSeconds: 0, ...overrides };
}

describe('command executor health checks and checks (harness: virtual clock, scripted probes, an in-memory task)', () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let agent: Probe;
  let probes: ScriptedProbes;
  let processes: FakeTaskProcesses;
  let executor: CommandExecutor;

  beforeEach(() => {
    clock = new VirtualClock({ simulated: true });
    host = memoryHost({ clock });
    agent = new Probe('slave(1)', ['RegisterExecutor', 'StatusUpdate']);
    host.spawn(agent);
    probes = new ScriptedProbes();
    processes = new FakeTaskProcesses();
  });

  afterEach(async () => {
    await host.stop();
  });

  /** Starts a registered command executor and gives it `task`; returns when the task runs. */
  async function launch(checks: { healthCheck?: HealthCheck; check?: CheckInfo }, framework: FrameworkInfo = FRAMEWORK): Promise<void> {
    executor = new CommandExecutor({ agentPid: agent.self().toString(), frameworkId: 'F1', executorId: 'T1', directory: '/sandbox', checkProbes: probes.runner }, processes);
    host.spawn(executor);
    await clock.settle();
    agent.post(executor.self(), 'ExecutorRegistered', {
      executorInfo: { executorId: 'T1', command: { value: 'x' } }, frameworkId: 'F1', frameworkInfo: framework, agentId: 'A1', agentInfo: { id: 'A1', hostname: 'h', port: 1, resources: [] },
    });
    const task: TaskInfo = { name: 't', taskId: 'T1', agentId: 'A1', resources: [], command: { value: 'serve' }, ...checks };
    agent.post(executor.self(), 'RunTaskOnExecutor', { frameworkId: 'F1', framework, task });
    await clock.settle();
  }

  /** The statuses the agent was sent, once each (the executor re-sends unacknowledged ones). */
  function statuses(): TaskStatus[] {
    const seen = new Set<string>();
    return agent.received
      .filter((received) => received.name === 'StatusUpdate')
      .map((received) => (received.body as { update: StatusUpdate }).update)
      .filter((update) => !seen.has(update.uuid as string) && seen.add(update.uuid as string))
      .map((update) => update.status);
  }

  /** Each status as `STATE`, `STATE healthy=B` and/or `check=...`, for compact comparisons. */
  function summary(): string[] {
    return statuses().map((status) => [
      status.state,
      ...(status.healthy === undefined ? [] : [`healthy=${status.healthy}`]),
      ...(status.checkStatus === undefined ? [] : [`check=${JSON.stringify(status.checkStatus)}`]),
      ...(status.reason === undefined ? [] : [status.reason]),
    ].join(' '));
  }

  it('reports healthy at the first passing probe, unhealthy at the first failure, and kills the task after consecutive_failures: TASK_KILLED with the reason and healthy=false', async () => {
    probes.play(OK, OK, ERROR);
    await launch({ healthCheck: httpHealthCheck() });
    expect(summary()).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    await clock.advance(1_000);
    expect(summary()).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING healthy=true REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);
    await clock.advance(2_000); // a second pass (no update), then the first failure
    expect(summary().slice(3)).to.deep.equal(['TASK_RUNNING healthy=false REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);
    await clock.advance(1_000); // the second failure: no change, no update
    expect(summary()).to.have.length(4);
    expect(processes.signals).to.deep.equal([]);
    await clock.advance(1_000); // the third: killed
    expect(processes.signals).to.deep.equal(['SIGTERM', 'SIGKILL']);
    const killed = statuses().at(-1) as TaskStatus;
    expect(killed).to.include({ state: 'TASK_KILLED', reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: false });
    expect(probes.calls).to.have.length(5);
    await clock.advance(60_000);
    expect(probes.calls, 'no probe after the kill').to.have.length(5);
    expect(probes.calls[0]?.probe).to.deep.equal({ type: 'HTTP', port: 8080, path: '/health', scheme: 'http' });
  });

  it('ignores failures within the grace period until a probe has passed; after it, failures count', async () => {
    probes.play(ERROR, ERROR, ERROR, ERROR, OK, ERROR);
    await launch({ healthCheck: httpHealthCheck({ gracePeriodSeconds: 4.5 }) });
    await clock.advance(4_000); // four failures, all within 4.5 s of launch
    expect(summary()).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    await clock.advance(1_000); // passes at 5 s
    expect(summary().slice(2)).to.deep.equal(['TASK_RUNNING healthy=true REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);
    await clock.advance(3_000); // three failures from 6 s: killed
    expect(statuses().map((status) => status.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_KILLED']);
  });

  it('a clock set back during the grace period does not make it last the step as well (audit of clock set-back hazards)', async () => {
    probes.play(ERROR);
    await launch({ healthCheck: httpHealthCheck({ gracePeriodSeconds: 4.5 }) });
    await clock.advance(2_000); // 1 s and 2 s: in the grace period
    // The executor's clock now reads an hour less; its timers still fire on the host clock.
    Object.defineProperty(executor, 'clock', { get: () => ({ now: (): number => clock.now() - 3_600_000 }) });
    await clock.advance(6_000); // the grace period ends a probe interval late at most: killed by 8 s
    expect(statuses().at(-1)).to.include({ state: 'TASK_KILLED', healthy: false });
  });

  it('a repeated kill after a clock set back does not put off the SIGKILL the first kill set (audit of clock set-back hazards)', async () => {
    processes = new FakeTaskProcesses(['SIGKILL']); // a task that ignores SIGTERM
    await launch({});
    agent.post(executor.self(), 'KillTaskOnExecutor', { frameworkId: 'F1', taskId: 'T1', gracePeriodSeconds: 10 });
    await clock.advance(5_000);
    expect(processes.signals).to.deep.equal(['SIGTERM']);
    // The executor's clock now reads an hour less; its timers still fire on the host clock.
    Object.defineProperty(executor, 'clock', { get: () => ({ now: (): number => clock.now() - 3_600_000 }) });
    agent.post(executor.self(), 'KillTaskOnExecutor', { frameworkId: 'F1', taskId: 'T1', gracePeriodSeconds: 30 });
    await clock.advance(4_999);
    expect(processes.signals).to.deep.equal(['SIGTERM']);
    await clock.advance(1); // 10 s after the first kill: its SIGKILL, not 30 s after the second
    expect(processes.signals.slice(0, 2)).to.deep.equal(['SIGTERM', 'SIGKILL']); // (then the group's leftovers are killed too)
    expect(statuses().at(-1)).to.include({ state: 'TASK_KILLED' });
  });

  it('counts failures after the grace period even when no probe ever passed', async () => {
    probes.play(ERROR);
    await launch({ healthCheck: httpHealthCheck({ gracePeriodSeconds: 2 }) });
    await clock.advance(2_000); // 1 s and 2 s: in the grace period (it includes its end, as in Mesos)
    expect(summary()).to.have.length(2);
    await clock.advance(1_000);
    expect(summary().slice(2)).to.deep.equal(['TASK_RUNNING healthy=false REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);
    await clock.advance(2_000);
    expect(statuses().at(-1)).to.include({ state: 'TASK_KILLED', healthy: false });
  });

  it('fails a probe that outlives timeout_seconds, aborts it, and waits interval_seconds from the timeout for the next', async () => {
    probes.play('hang');
    await launch({ healthCheck: httpHealthCheck({ timeoutSeconds: 2, intervalSeconds: 3, consecutiveFailures: 2 }) });
    await clock.advance(2_999); // the first probe starts at 1 s and times out at 3 s
    expect(summary()).to.have.length(2);
    await clock.advance(1);
    expect(probes.calls.map((call) => call.aborted)).to.deep.equal([true]);
    expect(summary().slice(2)).to.deep.equal(['TASK_RUNNING healthy=false REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);
    await clock.advance(4_999); // the second starts at 6 s and times out at 8 s
    expect(probes.calls).to.have.length(2);
    expect(processes.signals).to.deep.equal([]);
    await clock.advance(1);
    expect(statuses().at(-1)).to.include({ state: 'TASK_KILLED', reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' });
  });

  it('treats a probe that cannot be made (connection refused) as a failure', async () => {
    probes.play('reject');
    await launch({ healthCheck: httpHealthCheck({ consecutiveFailures: 1 }) });
    await clock.advance(1_000);
    expect(summary().slice(2)).to.deep.equal([
      'TASK_RUNNING healthy=false REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      'TASK_KILLED healthy=false REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
    ]);
  });

  it('sends one update per change of health, not one per probe', async () => {
    probes.play(OK, OK, OK, ERROR, OK, OK, OK);
    await launch({ healthCheck: httpHealthCheck() });
    await clock.advance(7_000);
    expect(summary().slice(2)).to.deep.equal([
      'TASK_RUNNING healthy=true REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      'TASK_RUNNING healthy=false REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      'TASK_RUNNING healthy=true REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
    ]);
    expect(probes.calls).to.have.length(7);
  });

  it('reports a general check when its result changes, never kills, and puts the latest result on every update', async () => {
    probes.play({ type: 'COMMAND', exitCode: 1 }, { type: 'COMMAND', exitCode: 1 }, { type: 'COMMAND', exitCode: 0 }, 'hang');
    const check: CheckInfo = { type: 'COMMAND', command: { command: { value: 'test -f ready' } }, delaySeconds: 1, intervalSeconds: 1, timeoutSeconds: 1 };
    await launch({ check });
    await clock.advance(10_000);
    expect(summary()).to.deep.equal([
      'TASK_STARTING check={"type":"COMMAND","command":{}}',
      'TASK_RUNNING check={"type":"COMMAND","command":{}}',
      'TASK_RUNNING check={"type":"COMMAND","command":{"exitCode":1}} REASON_TASK_CHECK_STATUS_UPDATED',
      'TASK_RUNNING check={"type":"COMMAND","command":{"exitCode":0}} REASON_TASK_CHECK_STATUS_UPDATED',
      // then the check hangs: a timeout is an empty result, reported once
      'TASK_RUNNING check={"type":"COMMAND","command":{}} REASON_TASK_CHECK_STATUS_UPDATED',
    ]);
    expect(processes.signals).to.deep.equal([]);
    processes.exit(0);
    await clock.settle();
    expect(statuses().at(-1)).to.deep.include({ state: 'TASK_FINISHED', checkStatus: { type: 'COMMAND', command: {} } });
  });

  it('runs the first probe after delay_seconds (default 15 s) and stops probing when the task is killed', async () => {
    probes.play({ type: 'TCP', succeeded: true });
    await launch({ healthCheck: { type: 'TCP', tcp: { port: 9000 } } });
    await clock.advance(14_999);
    expect(probes.calls).to.have.length(0);
    await clock.advance(1);
    expect(probes.calls).to.have.length(1);
    expect(summary().slice(2)).to.deep.equal(['TASK_RUNNING healthy=true REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);
    agent.post(executor.self(), 'KillTaskOnExecutor', { frameworkId: 'F1', taskId: 'T1' });
    await clock.advance(100_000);
    expect(probes.calls).to.have.length(1);
    const killed = statuses().at(-1) as TaskStatus;
    expect(killed.state).to.equal('TASK_KILLED');
    expect(killed.reason, 'a kill asked for by the framework has no health reason').to.equal(undefined);
  });

  it('puts the latest check status on TASK_KILLING too, as on every other update of a task with a check', async () => {
    probes.play({ type: 'TCP', succeeded: true }, 'hang');
    await launch({ check: { type: 'TCP', tcp: { port: 9000 }, delaySeconds: 1, intervalSeconds: 1 } }, { ...FRAMEWORK, capabilities: ['TASK_KILLING_STATE'] });
    await clock.advance(1_000);
    agent.post(executor.self(), 'KillTaskOnExecutor', { frameworkId: 'F1', taskId: 'T1' });
    await clock.settle();
    const killing = statuses().find((status) => status.state === 'TASK_KILLING');
    expect(killing?.checkStatus).to.deep.equal({ type: 'TCP', tcp: { succeeded: true } });
  });

  it('shut down, stops a second after its task\'s TASK_KILLED instead of waiting for the acknowledgement a terminating framework\'s agent never sends (walkthrough: SIGKILLed at every teardown)', async () => {
    await launch({});
    agent.post(executor.self(), 'ShutdownExecutorOnExecutor', {});
    await clock.settle();
    expect(statuses().at(-1)?.state).to.equal('TASK_KILLED');
    // Nothing acknowledged: it stops after COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS, not COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS.
    await clock.advance(COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS);
    expect(host.lookup(executor.id), 'stopped').to.equal(undefined);
  });
});
