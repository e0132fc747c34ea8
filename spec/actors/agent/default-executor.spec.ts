import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import type { FrameworkInfo, HealthCheck, StatusUpdate, TaskInfo, TaskStatus } from '../../../lib/protocol';
import { DefaultExecutor, sandboxedTaskProcesses } from '../../../actors/agent/default-executor';
import type { StartedTask } from '../../../actors/agent/task-process';
import { COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS, COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS, DEFAULT_EXECUTOR_MAX_TASKS, DEFAULT_KILL_GRACE_PERIOD_MS } from '../../../actors/agent/constants';
import { memoryHost, Probe } from '../../support/runtime';
import { ScriptedProbes, ScriptedTaskProcesses } from '../../support/scripted-checks';

const FRAMEWORK: FrameworkInfo = { id: 'F1', name: 'fw', user: 'u' };
const SANDBOX = '/sandbox';

/** A command task of the group. */
function task(taskId: string, overrides: Partial<TaskInfo> = {}): TaskInfo {
  return { name: taskId, taskId, agentId: 'A1', resources: [], command: { value: `run ${taskId}` }, ...overrides };
}

/** Scripted task processes whose starts wait until the test releases (or fails) them. */
class HeldStarts extends ScriptedTaskProcesses {
  private readonly held = new Map<string, { resolve: (started: StartedTask) => void; reject: (error: Error) => void; task: TaskInfo; sandbox: string }>();

  override start(task: TaskInfo, sandbox: string): Promise<StartedTask> {
    return new Promise((resolve, reject) => this.held.set(task.taskId, { resolve, reject, task, sandbox }));
  }

  /** The task's process starts now. */
  release(taskId: string): void {
    const held = this.take(taskId);
    void super.start(held.task, held.sandbox).then(held.resolve);
  }

  /** The task's process cannot start. */
  fail(taskId: string, error: Error): void {
    this.take(taskId).reject(error);
  }

  private take(taskId: string): { resolve: (started: StartedTask) => void; reject: (error: Error) => void; task: TaskInfo; sandbox: string } {
    const held = this.held.get(taskId);
    if (held === undefined) throw new Error(`HeldStarts: no start of ${taskId} held`);
    this.held.delete(taskId);
    return held;
  }
}

describe('default executor (harness: virtual clock, scripted task processes)', () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let agent: Probe;
  let processes: ScriptedTaskProcesses;
  let executor: DefaultExecutor;

  beforeEach(() => {
    clock = new VirtualClock({ simulated: true });
    host = memoryHost({ clock });
    agent = new Probe('slave(1)', ['RegisterExecutor', 'StatusUpdate']);
    host.spawn(agent);
    processes = new ScriptedTaskProcesses();
  });

  afterEach(async () => {
    await host.stop();
  });

  /** Starts a default executor and registers it with the agent probe. */
  async function start(options: { framework?: FrameworkInfo; probes?: ScriptedProbes } = {}): Promise<void> {
    executor = new DefaultExecutor({
      agentPid: agent.self().toString(), frameworkId: 'F1', executorId: 'E1', directory: SANDBOX,
      ...(options.probes === undefined ? {} : { checkProbes: options.probes.runner }),
    }, processes);
    host.spawn(executor);
    await clock.settle();
    agent.post(executor.self(), 'ExecutorRegistered', {
      executorInfo: { executorId: 'E1', type: 'DEFAULT' }, frameworkId: 'F1', frameworkInfo: options.framework ?? FRAMEWORK, agentId: 'A1', agentInfo: { id: 'A1', hostname: 'h', port: 1, resources: [] },
    });
    await clock.settle();
  }

  /** Delivers a task group, as the agent does once the executor registered. */
  async function launchGroup(...tasks: TaskInfo[]): Promise<void> {
    agent.post(executor.self(), 'RunTaskGroupOnExecutor', { frameworkId: 'F1', framework: FRAMEWORK, taskGroup: { tasks } });
    await clock.settle();
  }

  async function kill(taskId: string, gracePeriodSeconds?: number): Promise<void> {
    agent.post(executor.self(), 'KillTaskOnExecutor', { frameworkId: 'F1', taskId, ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }) });
    await clock.settle();
  }

  /** The updates the agent was sent, once each (the executor re-sends unacknowledged ones). */
  function updates(): StatusUpdate[] {
    const seen = new Set<string>();
    return agent.received
      .filter((received) => received.name === 'StatusUpdate')
      .map((received) => (received.body as { update: StatusUpdate }).update)
      .filter((update) => !seen.has(update.uuid as string) && seen.add(update.uuid as string));
  }

  /** Each task's states, in order. */
  function states(taskId: string): string[] {
    return updates().filter((update) => update.status.taskId === taskId).map((update) => update.status.state);
  }

  function last(taskId: string): TaskStatus {
    const status = updates().filter((update) => update.status.taskId === taskId).at(-1)?.status;
    if (status === undefined) throw new Error(`no update for ${taskId}`);
    return status;
  }

  /** Acknowledges every update sent so far (or those `which` picks). */
  async function acknowledge(which: (update: StatusUpdate) => boolean = () => true): Promise<void> {
    for (const update of updates().filter(which)) {
      agent.post(executor.self(), 'StatusUpdateAcknowledgement', { agentId: 'A1', frameworkId: 'F1', taskId: update.status.taskId, uuid: update.uuid as string });
    }
    await clock.settle();
  }

  function alive(): boolean {
    return host.lookup(executor.self().id) !== undefined;
  }

  it('runs a group of three, each in its own sandbox: TASK_STARTING, TASK_RUNNING, TASK_FINISHED for each', async () => {
    await start();
    await launchGroup(task('A'), task('B'), task('C'));
    for (const id of ['A', 'B', 'C']) expect(states(id), id).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    expect(processes.starts.map((started) => started.sandbox)).to.deep.equal(['A', 'B', 'C'].map((id) => path.join(SANDBOX, 'tasks', id)));
    expect(processes.starts[0]?.task.command?.environment).to.have.property('MESOS_CONTAINER_IP', executor.self().host);
    for (const id of ['A', 'B', 'C']) processes.exit(id, 0);
    await clock.settle();
    for (const id of ['A', 'B', 'C']) {
      expect(states(id), id).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      expect(last(id)).to.include({ message: 'Command exited with status 0', source: 'SOURCE_EXECUTOR', executorId: 'E1' });
    }
    expect(processes.signals).to.deep.equal([]);
  });

  it('kills the rest of the group when a task fails (TASK_KILLED), leaving one that finished TASK_FINISHED', async () => {
    await start();
    await launchGroup(task('A'), task('B'), task('C'));
    processes.exit('A', 0);
    await clock.settle();
    processes.exit('B', 1);
    await clock.settle();
    expect(states('A')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(last('B')).to.include({ state: 'TASK_FAILED', message: 'Command exited with status 1' });
    expect(last('C')).to.include({ state: 'TASK_KILLED', message: 'Command terminated with signal SIGTERM' });
    expect(processes.signals).to.deep.equal(['C:SIGTERM']);
    expect(processes.running()).to.deep.equal([]);
  });

  it('kills the rest of the group when a task is terminated by a signal it was not sent', async () => {
    await start();
    await launchGroup(task('A'), task('B'));
    processes.signal(processes.starts[0]?.processId as number, 'SIGKILL'); // the OOM killer, say
    await clock.settle();
    expect(last('A')).to.include({ state: 'TASK_FAILED', message: 'Command terminated with signal SIGKILL' });
    expect(last('B')).to.include({ state: 'TASK_KILLED' });
  });

  it('a KILL of one task kills the whole group: SIGTERM, then SIGKILL after each task\'s own grace period', async () => {
    processes = new ScriptedTaskProcesses(new Set(['B', 'C']));
    await start();
    await launchGroup(task('A'), task('B', { killPolicy: { gracePeriodSeconds: 10 } }), task('C'));
    await kill('A');
    expect(last('A')).to.include({ state: 'TASK_KILLED', message: 'Command terminated with signal SIGTERM' });
    expect(processes.signals).to.deep.equal(['A:SIGTERM', 'B:SIGTERM', 'C:SIGTERM']);
    await clock.advance(DEFAULT_KILL_GRACE_PERIOD_MS); // C has no kill policy: 3 s
    expect(processes.signals.slice(3)).to.deep.equal(['C:SIGKILL']);
    expect(last('C')).to.include({ state: 'TASK_KILLED', message: 'Command terminated with signal SIGKILL' });
    expect(states('B')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    await clock.advance(10_000 - DEFAULT_KILL_GRACE_PERIOD_MS); // B's own kill policy: 10 s
    expect(last('B')).to.include({ state: 'TASK_KILLED', message: 'Command terminated with signal SIGKILL' });
  });

  it("a KILL's grace period comes first, then the task's kill policy", async () => {
    processes = new ScriptedTaskProcesses(new Set(['A']));
    await start();
    await launchGroup(task('A', { killPolicy: { gracePeriodSeconds: 10 } }));
    await kill('A', 1);
    await clock.advance(999);
    expect(processes.signals).to.deep.equal(['A:SIGTERM']);
    await clock.advance(1);
    expect(processes.signals).to.deep.equal(['A:SIGTERM', 'A:SIGKILL']);
    expect(last('A')).to.include({ state: 'TASK_KILLED' });
  });

  it('sends TASK_KILLING first to a framework that takes it', async () => {
    await start({ framework: { ...FRAMEWORK, capabilities: ['TASK_KILLING_STATE'] } });
    await launchGroup(task('A'), task('B'));
    await kill('A');
    expect(states('A')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    expect(states('B')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
  });

  it('fails a task without a command, naming why, and starts none of its group (the others TASK_KILLED)', async () => {
    await start();
    await launchGroup(task('A'), task('B', { command: undefined }));
    expect(last('B').state).to.equal('TASK_FAILED');
    expect(last('B').message).to.contain('no command');
    expect(last('A')).to.include({ state: 'TASK_KILLED' });
    expect(last('A').message).to.contain("'B'");
    expect(processes.starts).to.deep.equal([]);
  });

  it(`refuses a group that would take it beyond ${DEFAULT_EXECUTOR_MAX_TASKS} tasks at once`, async () => {
    await start();
    await launchGroup(...Array.from({ length: DEFAULT_EXECUTOR_MAX_TASKS }, (_, index) => task(`T${index}`)));
    expect(processes.starts).to.have.length(DEFAULT_EXECUTOR_MAX_TASKS);
    await launchGroup(task('X'));
    expect(last('X').state).to.equal('TASK_FAILED');
    expect(last('X').message).to.contain(`at most ${DEFAULT_EXECUTOR_MAX_TASKS}`);
  });

  it('runs an old-style LAUNCH (RunTaskOnExecutor) as a group of one', async () => {
    await start();
    agent.post(executor.self(), 'RunTaskOnExecutor', { frameworkId: 'F1', framework: FRAMEWORK, task: task('A') });
    await clock.settle();
    expect(processes.starts.map((started) => started.sandbox)).to.deep.equal([path.join(SANDBOX, 'tasks', 'A')]);
    processes.exit('A', 0);
    await clock.settle();
    expect(states('A')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  });

  it('runs a second group on the same executor; a failure in one group leaves the other running', async () => {
    await start();
    await launchGroup(task('A1'), task('A2'));
    await launchGroup(task('B1'), task('B2'));
    processes.exit('A1', 2);
    await clock.settle();
    expect(last('A2').state).to.equal('TASK_KILLED');
    expect(processes.running()).to.deep.equal(['B1', 'B2']);
    expect(states('B1')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    await acknowledge();
    expect(alive(), 'tasks still run').to.equal(true);
    processes.exit('B1', 0);
    processes.exit('B2', 0);
    await clock.settle();
    expect(last('B2').state).to.equal('TASK_FINISHED');
  });

  it('takes a new group while it waits for the acknowledgements of the last, and keeps running', async () => {
    await start();
    await launchGroup(task('A'));
    processes.exit('A', 0);
    await clock.settle();
    await clock.advance(COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS - 1);
    await launchGroup(task('B'));
    await clock.advance(COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS);
    expect(alive()).to.equal(true);
    expect(states('B')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
  });

  it('exits once no task is live and every update is acknowledged', async () => {
    await start();
    await launchGroup(task('A'), task('B'));
    processes.exit('A', 0);
    processes.exit('B', 0);
    await clock.settle();
    await acknowledge((update) => update.status.taskId === 'A');
    expect(alive(), "B's updates are not acknowledged yet").to.equal(true);
    await acknowledge((update) => update.status.taskId === 'B');
    expect(alive()).to.equal(false);
  });

  it('exits after the terminal acknowledgement timeout when the acknowledgements never come', async () => {
    await start();
    await launchGroup(task('A'));
    processes.exit('A', 0);
    await clock.settle();
    await clock.advance(COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS - 1);
    expect(alive()).to.equal(true);
    await clock.advance(1);
    expect(alive()).to.equal(false);
  });

  it('kills every task at shutdown (no group policy), SIGKILLs one that ignores SIGTERM within the shutdown grace period, then exits', async () => {
    processes = new ScriptedTaskProcesses(new Set(['B']));
    await start();
    await launchGroup(task('A'), task('B', { killPolicy: { gracePeriodSeconds: 60 } }));
    await launchGroup(task('C'));
    agent.post(executor.self(), 'ShutdownExecutorOnExecutor', {});
    await clock.settle();
    expect(last('A')).to.include({ state: 'TASK_KILLED' });
    expect(last('C')).to.include({ state: 'TASK_KILLED' });
    expect(processes.running()).to.deep.equal(['B']);
    await clock.advance(3_000); // the 5 s shutdown grace period less the 2 s margin
    expect(last('B')).to.include({ state: 'TASK_KILLED', message: 'Command terminated with signal SIGKILL' });
    expect(alive()).to.equal(true);
    await clock.advance(COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS);
    expect(alive()).to.equal(false);
  });

  it('a task killed while it starts ends TASK_KILLED whether its start then fails or succeeds (Mesos: a killed container is TASK_KILLED)', async () => {
    const held = new HeldStarts();
    processes = held;
    await start();
    await launchGroup(task('A'), task('B'));
    expect(states('A')).to.deep.equal(['TASK_STARTING']);
    await kill('A');
    held.fail('A', new Error('spawn sh ENOENT'));
    await clock.settle();
    expect(last('A')).to.include({ state: 'TASK_KILLED' });
    held.release('B');
    await clock.settle();
    // The group policy: its sibling, started meanwhile, is killed (SIGTERM) and ends TASK_KILLED.
    expect(last('B')).to.include({ state: 'TASK_KILLED' });
    expect(processes.signals).to.deep.equal(['B:SIGTERM']);
  });

  it('SIGKILLs every running task when it is stopped from outside (its process ends)', async () => {
    processes = new ScriptedTaskProcesses(new Set(['A', 'B']));
    await start();
    await launchGroup(task('A'), task('B'));
    host.terminate(executor);
    await clock.settle();
    expect(processes.signals).to.deep.equal(['A:SIGKILL', 'B:SIGKILL']);
  });

  it('kills a task that fails its health check, and with it the rest of its group', async () => {
    const probes = new ScriptedProbes();
    probes.play({ type: 'COMMAND', exitCode: 1 });
    await start({ probes });
    const healthCheck: HealthCheck = { type: 'COMMAND', command: { value: 'false' }, delaySeconds: 1, intervalSeconds: 1, timeoutSeconds: 1, consecutiveFailures: 2, gracePeriodSeconds: 0 };
    await launchGroup(task('A', { healthCheck }), task('B'));
    await clock.advance(2_000);
    expect(last('A')).to.include({ state: 'TASK_KILLED', healthy: false, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' });
    expect(last('B')).to.include({ state: 'TASK_KILLED' });
    expect(last('B').healthy).to.equal(undefined);
  });
});

describe('default executor task processes (real processes)', () => {
  let directory: string;
  beforeEach(() => { directory = fs.mkdtempSync(path.join(os.tmpdir(), 'default-executor-')); });
  afterEach(() => { fs.rmSync(directory, { recursive: true, force: true }); });

  it("makes the task's sandbox and runs the task there, with MESOS_SANDBOX set to it and its output in its stdout", async () => {
    const sandbox = path.join(directory, 'tasks', 'T1');
    const started = await sandboxedTaskProcesses.start(task('T1', { command: { value: 'echo "$MESOS_SANDBOX"; pwd' } }), sandbox);
    expect(await started.exited).to.deep.equal({ code: 0, signal: null });
    const real = fs.realpathSync(sandbox);
    expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).to.equal(`${sandbox}\n${real}\n`);
    expect(fs.existsSync(path.join(sandbox, 'stderr'))).to.equal(true);
  });
});
