/**
 * Agent checkpointing and recovery (Mesos `--recover=reconnect`): an agent restarted over the
 * same work dir takes back its id, the executors of checkpointing frameworks and their tasks,
 * and the status updates not yet acknowledged. Under a virtual clock, with a memory disk, a
 * Probe as the master and Probes as executors.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { nodeDisk } from '../../../lib/disk';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StatusUpdate, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { AgentCheckpoints, CHECKPOINT_RETRY_INITIAL_MS, checkpointJournalPath, checkpointRecords, cleanUpAgent, recoverCheckpoints, recoveredFrom, startAgent, type AgentFlags, type AgentHandle, type CheckpointRecord, type RecoveredAgent } from '../../../actors/agent';
import { MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK } from '../../../actors/agent/constants';
import { SIMULATED_MACHINE } from '../../cluster/simulation';
import { AgentHarness, AgentMachine, counterUuid, EXECUTOR_MESSAGES, FakeLauncher, TimedProbe } from './harness';

const WORK_DIR = '/agent';
const AGENT_ID = 'A1';
const FRAMEWORK = { id: 'F1', name: 'fw', user: 'u', checkpoint: true };
const PARTITION_AWARE_FRAMEWORK = { ...FRAMEWORK, capabilities: ['PARTITION_AWARE'] };
/** A custom executor, which takes several tasks. */
const CUSTOM_EXECUTOR = 'e1';

/** One machine (`AgentMachine`) with the steps these tests take. */
class Machine extends AgentMachine {
  private updates = 0;

  constructor() {
    super(WORK_DIR, 'cpus:4;mem:4096');
  }

  async register(): Promise<void> {
    await this.clock.advance(1_000);
    expect(this.master.count('RegisterAgent')).to.be.at.least(1);
    this.fromMaster('AgentRegistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
    await this.clock.settle();
  }

  /** A started agent, registered as AGENT_ID. */
  async registeredAgent(overrides: Partial<AgentFlags> = {}): Promise<void> {
    await this.start(overrides);
    await this.register();
  }

  /** Lets the restarted agent's re-registration go out (its backoff) and answers it. */
  async reregister(): Promise<void> {
    await this.clock.advance(1_000);
    this.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, reconciliations: [], executors: [] });
    await this.clock.settle();
  }

  /** The status of the first update about `taskId` the master got. */
  statusOf(taskId: string): StatusUpdate['status'] | undefined {
    return this.forwarded().find((update) => update.status.taskId === taskId)?.status;
  }

  task(taskId: string): TaskInfo {
    return { name: taskId, taskId, agentId: AGENT_ID, resources: Resources.parse('cpus:1;mem:128').toJSON(), command: { value: 'sleep 600' } };
  }

  /** RunTask for a task of `framework`, then its (command) executor registers; returns the executor Probe. */
  async launch(taskId: string, framework: Record<string, unknown> = FRAMEWORK): Promise<TimedProbe> {
    this.fromMaster('RunTask', { framework, frameworkId: framework.id, task: this.task(taskId) });
    await this.clock.settle();
    const executor = new TimedProbe(`executor-${taskId}`, EXECUTOR_MESSAGES);
    this.host.spawn(executor);
    executor.post(this.agent?.pid as never, 'RegisterExecutor', { frameworkId: framework.id, executorId: taskId, ...this.launcher.tokenOf(framework.id as string, taskId) });
    await this.clock.settle();
    expect(executor.count('RunTaskOnExecutor')).to.equal(1);
    return executor;
  }

  /** A task for the custom executor `executorId` (several tasks can share it, unlike a command executor). */
  customTask(taskId: string, executorId = CUSTOM_EXECUTOR): TaskInfo {
    return { ...this.task(taskId), command: undefined, executor: { executorId, command: { value: 'my-executor' } } };
  }

  runTask(task: TaskInfo, framework: Record<string, unknown> = FRAMEWORK): void {
    this.fromMaster('RunTask', { framework, frameworkId: framework.id, task });
  }

  /** A Probe playing executor `executorId`, registered with the agent. */
  async registerExecutor(executorId: string, frameworkId = FRAMEWORK.id): Promise<TimedProbe> {
    const executor = new TimedProbe(`executor-${executorId}`, EXECUTOR_MESSAGES);
    this.host.spawn(executor);
    executor.post(this.agent?.pid as never, 'RegisterExecutor', { frameworkId, executorId, ...this.launcher.tokenOf(frameworkId as string, executorId) });
    await this.clock.settle();
    return executor;
  }

  /** Ids of the tasks `executor` was sent, in order. */
  static tasksSentTo(executor: TimedProbe): string[] {
    return executor.bodies<{ task: TaskInfo }>('RunTaskOnExecutor').map((body) => body.task.taskId);
  }

  /** What a restart would recover now. */
  async journal(): Promise<RecoveredAgent | undefined> {
    return recoverCheckpoints(this.disk, WORK_DIR);
  }

  update(taskId: string, state: StatusUpdate['status']['state'], frameworkId = FRAMEWORK.id): StatusUpdate {
    return { frameworkId, executorId: taskId, status: { taskId, state }, timestamp: this.clock.now() / 1000, uuid: counterUuid(++this.updates) };
  }

  forwarded(): StatusUpdate[] {
    return this.master.bodies<{ update: StatusUpdate }>('StatusUpdate').map((body) => body.update);
  }

  /** `executor` sends the agent `update`, and the clock settles. */
  async report(executor: TimedProbe, update: StatusUpdate): Promise<void> {
    executor.post(this.agent?.pid as never, 'StatusUpdate', { update, pid: executor.self().toString() });
    await this.clock.settle();
  }

  /** The agent's `/state` JSON. */
  async state<T>(): Promise<T> {
    const response = await dispatch((this.agent as AgentHandle).agent, (agent) => agent.stateResponse(undefined));
    return (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as T;
  }

  acknowledge(update: StatusUpdate): void {
    this.fromMaster('StatusUpdateAcknowledgement', { agentId: AGENT_ID, frameworkId: update.frameworkId, taskId: update.status.taskId, uuid: update.uuid });
  }
}

describe("actors/agent: the checkpoint directory on the machine's disk", () => {
  it("is the agent's alone (0700): a task read the journal and played the agent with it (security review)", async () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meta-'));
    try {
      fs.mkdirSync(path.join(workDir, 'meta'), { mode: 0o755 });
      await AgentCheckpoints.open(nodeDisk, workDir, undefined, { setTimer: () => ({ cancel: () => undefined }) });
      expect(fs.statSync(path.join(workDir, 'meta')).mode & 0o777).to.equal(0o700);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('a journal that cannot be read is named in the error (a directory in its place said only "EISDIR: illegal operation on a directory, read")', async () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meta-'));
    try {
      fs.mkdirSync(checkpointJournalPath(workDir), { recursive: true });
      const failure = await recoverCheckpoints(nodeDisk, workDir).then(() => 'read', (error: Error) => error.message);
      expect(failure).to.equal(`cannot read the agent checkpoint ${checkpointJournalPath(workDir)}: EISDIR: illegal operation on a directory, read`);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });
});

describe('actors/agent: checkpoints and recovery', () => {
  const machines: Machine[] = [];
  const machine = (): Machine => {
    const created = new Machine();
    machines.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(machines.splice(0).map((used) => used.host.stop()));
  });

  it('a checkpointing framework\'s update is forwarded to the master, and acknowledged to its executor, only once it is durable', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    m.disk.delayWritesMs(500);
    executor.post(m.agent?.pid as never, 'StatusUpdate', { update: m.update('t1', 'TASK_RUNNING'), pid: executor.self().toString() });
    await m.clock.advance(499);
    expect(executor.count('StatusUpdateAcknowledgement')).to.equal(0);
    expect(m.forwarded(), 'not forwarded before it is on disk (a crash could take it back)').to.deep.equal([]);
    await m.clock.advance(1);
    expect(executor.count('StatusUpdateAcknowledgement')).to.equal(1);
    expect(m.forwarded().map((update) => update.status.state)).to.deep.equal(['TASK_RUNNING']);
  });

  it('a repeated update (a retry) is acknowledged only once the first copy is durable, not at once', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    m.disk.delayWritesMs(500);
    const running = m.update('t1', 'TASK_RUNNING');
    executor.post(m.agent?.pid as never, 'StatusUpdate', { update: running, pid: executor.self().toString() });
    await m.clock.advance(100);
    executor.post(m.agent?.pid as never, 'StatusUpdate', { update: running, pid: executor.self().toString() }); // the executor's retry
    await m.clock.advance(399);
    expect(executor.count('StatusUpdateAcknowledgement'), 'nothing acknowledged before the write').to.equal(0);
    await m.clock.advance(1);
    expect(executor.count('StatusUpdateAcknowledgement')).to.equal(2);
  });

  it('after kill -9 and a restart: the same agent id, the executor reconnected, its tasks and unacknowledged updates taken back and sent on', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    const running = m.update('t1', 'TASK_RUNNING');
    await m.report(executor, running);
    m.acknowledge(m.forwarded()[0] as StatusUpdate);
    await m.clock.settle();
    const starting = m.forwarded().length;

    await m.kill();
    const registrations = m.master.count('RegisterAgent');
    const finished = m.update('t1', 'TASK_FINISHED'); // produced while the agent was down: the executor keeps it
    await m.start();
    const recoveryTime = async (): Promise<number | undefined> => (await dispatch((m.agent as AgentHandle).agent, (agent) => agent.metrics()))['slave/recovery_time_secs'];
    expect(await recoveryTime(), 'no recovery time while recovering (as Mesos)').to.equal(undefined);
    expect(executor.bodies<{ agentId: string }>('ReconnectExecutor')).to.deep.equal([{ agentId: AGENT_ID }]);
    executor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: 'F1', executorId: 't1', tasks: [m.task('t1')], updates: [finished] });
    await m.clock.settle();
    expect(executor.count('ExecutorReregistered')).to.equal(1);
    expect(await recoveryTime()).to.be.a('number').and.at.least(0);
    expect(executor.bodies<{ uuid: string }>('StatusUpdateAcknowledgement').map((ack) => ack.uuid)).to.include(finished.uuid);
    await m.clock.advance(1_000); // registration backoff
    const [reregistration] = m.master.bodies<{ agent: { id?: string }; tasks: Array<{ taskId: string; state: string }> }>('ReregisterAgent');
    expect(reregistration?.agent.id).to.equal(AGENT_ID);
    expect(reregistration?.tasks.map((task) => [task.taskId, task.state])).to.deep.equal([['t1', 'TASK_FINISHED']]);
    expect(m.master.count('RegisterAgent'), 'no registration as a new agent').to.equal(registrations);
    m.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, reconciliations: [], executors: [] });
    await m.clock.settle();
    expect(m.forwarded().slice(starting).map((update) => [update.status.state, update.uuid])).to.deep.equal([['TASK_FINISHED', finished.uuid]]);
  });

  it('recovering a run that ended, its last update not yet acknowledged, asks no container to change its limits (agent-recovery walkthrough: a warning per task, ENOENT)', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    executor.post(m.agent?.pid as never, 'StatusUpdate', { update: m.update('t1', 'TASK_FINISHED'), pid: executor.self().toString() });
    await m.clock.settle();
    m.launcher.run('t1').exit();
    await m.clock.settle();
    await m.kill();
    const before = m.launcher.updates.length;
    await m.start();
    await m.clock.advance(1_000);
    expect(m.launcher.updates.slice(before), 'no update of the ended run').to.deep.equal([]);
    // Its update is still sent on once the agent is back.
    await m.reregister();
    expect(m.forwarded().map((update) => update.status.state)).to.include('TASK_FINISHED');
  });

  it('after a restart, runs that ended are in completed_executors again and an ended framework in completed_frameworks, with their tasks\' last states, across two restarts (Mesos recovers them; agent-recovery walkthrough: they were gone)', async () => {
    type Run = { id: string; directory: string; completed_tasks: Array<{ id: string; state: string }> };
    type Framework = { id: string; executors: Run[]; completed_executors: Run[] };
    const books = (): Promise<{ frameworks: Framework[]; completed_frameworks: Framework[] }> => m.state();
    const shown = (frameworks: Framework[]): string[] => frameworks.flatMap((framework) => framework.completed_executors.map((run) => `${framework.id}/${run.id} ${run.directory} ${run.completed_tasks.map((task) => `${task.id}:${task.state}`).join()}`));
    const m = machine();
    await m.registeredAgent();
    // F1: one task that finished, its framework then ended here. F2: a run that ended beside one that still runs.
    const F2 = { ...FRAMEWORK, id: 'F2' };
    for (const [taskId, framework] of [['t1', FRAMEWORK], ['t2', F2]] as const) {
      const executor = await m.launch(taskId, framework);
      const finished = m.update(taskId, 'TASK_FINISHED', framework.id);
      await m.report(executor, finished);
      m.acknowledge(finished);
      await m.clock.settle();
      m.launcher.run(taskId).exit();
      await m.clock.settle();
    }
    await m.launch('t3', F2);
    const before = await books();
    expect(shown(before.completed_frameworks)).to.have.length(1);
    expect(shown(before.frameworks)).to.have.length(1);
    for (let restart = 0; restart < 2; restart++) {
      await m.kill();
      await m.start();
      const after = await books();
      expect(shown(after.completed_frameworks), `restart ${restart + 1}`).to.deep.equal(shown(before.completed_frameworks));
      expect(shown(after.frameworks), `restart ${restart + 1}`).to.deep.equal(shown(before.frameworks));
      expect(after.frameworks.flatMap((framework) => framework.executors.map((run) => run.id))).to.deep.equal(['t3']);
    }
  });

  it("a journal from before 2026-12-08 whose task lists a reservation in a form refused since (a refined STATIC one, one of '*': the agent took them, read as their last role) is recovered: the task runs on, and /state renders it", async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    await m.report(executor, m.update('t1', 'TASK_RUNNING'));
    await m.kill();
    // The task's record as the agent wrote it then: its resources as the framework gave them (RunTask carries them as given).
    const journal = checkpointJournalPath(WORK_DIR);
    const before = (await m.disk.readFile(journal)) ?? '';
    const resources = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: '*' }] },
      { name: 'mem', type: 'SCALAR', scalar: { value: 128 }, reservations: [{ role: '*' }] },
      { name: 'disk', type: 'SCALAR', scalar: { value: 16 }, reservations: [{ type: 'STATIC', role: 'eng' }, { role: 'eng/x' }] },
    ];
    const rewritten = before.split('\n').map((line) => {
      if (line === '') return line;
      const record = JSON.parse(line) as CheckpointRecord;
      return JSON.stringify(record.t === 'task' && record.task.taskId === 't1' ? { ...record, task: { ...record.task, resources } } : record);
    }).join('\n');
    expect(rewritten, 'the task record rewritten').to.not.equal(before);
    await m.disk.writeFileAtomically(journal, rewritten);
    await m.start();
    executor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: 'F1', executorId: 't1', tasks: [m.task('t1')], updates: [] });
    await m.clock.settle();
    expect(executor.count('ExecutorReregistered')).to.equal(1);
    await m.reregister();
    const state = await m.state<{ frameworks: Array<{ executors: Array<{ tasks: Array<{ id: string; state: string }> }> }> }>();
    expect(state.frameworks.flatMap((framework) => framework.executors.flatMap((run) => run.tasks.map((task) => [task.id, task.state])))).to.deep.equal([['t1', 'TASK_RUNNING']]);
    // Re-registered with them as they were read: cpus and mem unreserved, the disk eng/x's.
    const [reregistration] = m.master.bodies<{ tasks: Array<{ taskId: string; resources: unknown }> }>('ReregisterAgent');
    expect(Resources.fromJSON(reregistration?.tasks.find((task) => task.taskId === 't1')?.resources).toString()).to.equal('cpus:1;mem:128;disk(eng/x):16');
  });

  it('a task the journal gave to a run that had ended, with no update (the agent stopped between the two records), is TASK_LOST after a restart (it stayed STAGING for good)', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    const finished = m.update('t1', 'TASK_FINISHED');
    await m.report(executor, finished);
    m.launcher.run('t1').exit();
    await m.clock.settle();
    await m.kill();
    // What `deliverTask` writes first for a RunTask meeting the ended run, its TASK_LOST not yet after it.
    const stray: CheckpointRecord = { t: 'task', frameworkId: FRAMEWORK.id, executorId: 't1', task: { ...m.task('t2'), executor: { executorId: 't1', command: { value: 'x' } }, command: undefined } };
    await m.disk.appendFile(checkpointJournalPath(WORK_DIR), `${JSON.stringify(stray)}\n`);
    await m.start();
    await m.reregister();
    await m.clock.advance(1_000);
    expect(m.forwarded().filter((update) => update.status.taskId === 't2').map((update) => [update.status.state, update.status.reason])).to.deep.equal([['TASK_LOST', 'REASON_EXECUTOR_TERMINATED']]);
  });

  it('after a restart, a live run shows its completed tasks again (a review: none until the run itself completed; Mesos\' recoverTask restores them)', async () => {
    const m = machine();
    await m.registeredAgent();
    m.runTask(m.customTask('t1'));
    m.runTask(m.customTask('t2'));
    await m.clock.settle();
    const executor = await m.registerExecutor(CUSTOM_EXECUTOR);
    const finished = { ...m.update('t1', 'TASK_FINISHED'), executorId: CUSTOM_EXECUTOR };
    await m.report(executor, finished);
    m.acknowledge(finished);
    await m.clock.settle();
    type Run = { id: string; tasks: Array<{ id: string }>; completed_tasks: Array<{ id: string; state: string }> };
    const runs = async (): Promise<string[]> => {
      const state = await m.state<{ frameworks: Array<{ executors: Run[] }> }>();
      return state.frameworks.flatMap((framework) => framework.executors.map((run) => `${run.id} live:${run.tasks.map((task) => task.id).join()} completed:${run.completed_tasks.map((task) => `${task.id}:${task.state}`).join()}`));
    };
    const before = await runs();
    expect(before).to.deep.equal([`${CUSTOM_EXECUTOR} live:t2 completed:t1:TASK_FINISHED`]);
    await m.kill();
    await m.start();
    expect(await runs()).to.deep.equal(before);
  });

  it('the journal keeps a completed task without its data, a completed run within its bounds, and writes back what replays to the same', () => {
    const info = { executorId: 'e', command: { value: 'x' } };
    const records: CheckpointRecord[] = [{ t: 'framework', frameworkId: 'F1', info: { id: 'F1', name: 'fw', user: 'u', checkpoint: true } }];
    for (let run = 0; run < MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK + 2; run++) {
      const taskId = `t${run}`;
      const update: StatusUpdate = { frameworkId: 'F1', executorId: 'e', status: { taskId, state: 'TASK_FINISHED' }, timestamp: run, uuid: counterUuid(run + 1) };
      records.push(
        { t: 'executor', frameworkId: 'F1', info, runId: `r${run}`, directory: `/d/${run}`, commandExecutor: false },
        { t: 'task', frameworkId: 'F1', executorId: 'e', task: { name: taskId, taskId, agentId: AGENT_ID, resources: Resources.parse('cpus:1;mem:128').toJSON(), command: { value: 'true' }, data: 'a'.repeat(1024) } },
        { t: 'update', update }, { t: 'ack', frameworkId: 'F1', taskId, uuid: update.uuid as string },
        { t: 'executorEnded', frameworkId: 'F1', executorId: 'e', runId: `r${run}` },
      );
    }
    const model = recoveredFrom(records);
    const completed = model.frameworks.get('F1')?.completedExecutors ?? [];
    expect(completed.map((run) => run.runId)).to.have.length(MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK);
    expect(completed[0]?.runId, 'the oldest runs dropped').to.equal('r2');
    expect(completed.every((run) => run.completedTasks.length === 1 && run.completedTasks[0]?.info.data === undefined)).to.equal(true);
    expect(checkpointRecords(recoveredFrom(checkpointRecords(model)))).to.deep.equal(checkpointRecords(model));
  });

  it('after a restart only the executor at its checkpointed pid may re-register; an impostor that knows the ids is shut down (review)', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    await m.kill();
    await m.start();
    expect(executor.count('ReconnectExecutor')).to.equal(1);
    // Framework and executor ids are public (state endpoints); the impostor answers first.
    const impostor = new TimedProbe('impostor', EXECUTOR_MESSAGES);
    m.host.spawn(impostor);
    impostor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: 'F1', executorId: 't1', tasks: [m.task('t1')], updates: [m.update('t1', 'TASK_FINISHED')] });
    await m.clock.settle();
    expect(impostor.count('ExecutorReregistered')).to.equal(0);
    expect(impostor.count('ShutdownExecutorOnExecutor')).to.equal(1);
    executor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: 'F1', executorId: 't1', tasks: [m.task('t1')], updates: [] });
    await m.clock.settle();
    expect(executor.count('ExecutorReregistered'), 'the real executor is taken back').to.equal(1);
    expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(0);
    await m.reregister();
    expect(m.forwarded().filter((update) => update.status.state === 'TASK_FINISHED'), "the impostor's update was not taken").to.deep.equal([]);
  });

  it('/state answers 503 "Agent has not finished recovery" while the restarted agent waits for its executors, as Mesos; 200 once they are back', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    await m.kill();
    await m.start();
    const stateRoute = async (): Promise<{ status: number; body: unknown }> => dispatch((m.agent as AgentHandle).agent, async (agent) => {
      const route = agent.runtime.routes.get('/state');
      if (route === undefined) throw new Error('no /state route');
      const response = await route.call(agent, { method: 'GET', path: '/state', query: {}, headers: {}, body: Buffer.alloc(0) });
      return { status: response.status, body: response.body };
    });
    expect(await stateRoute()).to.deep.equal({ status: 503, body: 'Agent has not finished recovery' });
    executor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: 'F1', executorId: 't1', tasks: [m.task('t1')], updates: [] });
    await m.clock.settle();
    expect((await stateRoute()).status).to.equal(200);
  });

  it('an executor that does not re-register within the timeout is killed, and its task is lost with REASON_EXECUTOR_REREGISTRATION_TIMEOUT (as Mesos)', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.launch('t1');
    await m.kill();
    await m.start();
    const runId = [...m.launcher.runs].find((run) => run.launch.executorId === 't1')?.launch.runId as string;
    await m.clock.advance(m.flags().executorReregistrationTimeoutMs);
    expect(m.launcher.recovered.get(runId)?.destroyed).to.equal(true);
    await m.reregister();
    expect(m.statusOf('t1')).to.include({ state: 'TASK_LOST', reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', source: 'SOURCE_AGENT' });
  });

  it('a checkpointed executor process is taken back with its start time, which tells it from a later process with its pid (hostile recovery pass: such a process was killed)', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.launch('t1');
    const run = m.launcher.runs[0];
    await m.kill();
    const processId = (await m.journal())?.frameworks.get('F1')?.executors.get('t1')?.processId as number;
    expect((await m.journal())?.frameworks.get('F1')?.executors.get('t1')?.startTime).to.equal(FakeLauncher.startTimeOf(processId));
    await m.start();
    expect(m.launcher.recovered.get(run?.launch.runId as string)).to.include({ processId, startTime: FakeLauncher.startTimeOf(processId) });
  });

  it('after a reboot, a checkpointed executor process id is neither adopted nor killed (it may be another process now); its task fails', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.launch('t1');
    await m.kill();
    m.bootId = 'boot-2';
    await m.start();
    expect(m.launcher.recovered.size, 'no process adopted, so none killed').to.equal(0);
    await m.reregister();
    expect(m.statusOf('t1')).to.include({ state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED' });
  });

  it('a recovered executor whose process cannot be watched is taken as exited when its link breaks; its task fails', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    await m.kill();
    (m.launcher as { recover?: unknown }).recover = undefined; // a launcher that cannot watch a process it did not start
    await m.start();
    executor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: 'F1', executorId: 't1', tasks: [m.task('t1')], updates: [] });
    await m.clock.settle();
    expect(executor.count('ExecutorReregistered')).to.equal(1);
    m.host.terminate(executor); // the executor dies
    await m.reregister();
    expect(m.statusOf('t1')).to.include({ state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED' });
  });

  it('a framework that does not checkpoint is not recovered: the agent comes back under its id with nothing, and its executor is turned away', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1', { id: 'F2', name: 'fw', user: 'u' });
    await m.kill();
    await m.start();
    expect(executor.count('ReconnectExecutor')).to.equal(0);
    await m.clock.advance(1_000);
    const [reregistration] = m.master.bodies<{ agent: { id?: string }; tasks: unknown[]; frameworks: unknown[] }>('ReregisterAgent');
    expect(reregistration).to.deep.include({ tasks: [], frameworks: [] });
    expect(reregistration?.agent.id).to.equal(AGENT_ID);
    executor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: 'F2', executorId: 't1', tasks: [], updates: [] });
    await m.clock.settle();
    expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(1);
  });

  describe('told to shut down by the master (e.g. marked gone), or stopped (SIGUSR1)', () => {
    /** Advances the clock until `promise` settles (at most `limitMs`); whether it did. */
    async function settledWithin(m: Machine, promise: Promise<unknown>, limitMs: number): Promise<boolean> {
      let settled = false;
      void promise.then(() => { settled = true; }, () => { settled = true; });
      for (let waited = 0; !settled && waited < limitMs; waited += 100) await m.clock.advance(100);
      return settled;
    }

    /** A registered agent running task t1, its disk slow (500 ms a write): its last records are not durable at once. */
    async function runningOnSlowDisk(): Promise<{ m: Machine; executor: Awaited<ReturnType<Machine['launch']>> }> {
      const m = machine();
      await m.registeredAgent();
      const executor = await m.launch('t1');
      await m.report(executor, m.update('t1', 'TASK_RUNNING'));
      m.disk.delayWritesMs(500);
      return { m, executor };
    }

    /** Executor ids of the runs `journal` holds as not ended. */
    function liveRuns(journal: RecoveredAgent | undefined): string[] {
      return [...journal?.frameworks.values() ?? []].flatMap((framework) => [...framework.executors.values()].filter((run) => !run.ended).map((run) => run.info.executorId));
    }

    it('the master\'s Shutdown: the agent ends only once the ends of its executors are durable, keeps its id (as Mesos), and the next start takes back nothing (it took them for live and re-registered them at every start; hostile recovery pass)', async () => {
      const { m, executor } = await runningOnSlowDisk();
      m.fromMaster('Shutdown', { message: 'Agent has been marked gone' });
      await m.clock.settle();
      expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(1);
      m.launcher.runs[0]?.exit({ code: 0, signal: null });
      expect(await settledWithin(m, (m.agent as AgentHandle).terminated, 10_000), 'the agent ended').to.equal(true);
      expect((m.agent as AgentHandle).agent.shutDownByMaster).to.equal('Agent has been marked gone');
      // Read at once, the clock held: what a process exiting now leaves on disk.
      expect(liveRuns(await m.journal()), 'no run the journal still calls live').to.deep.equal([]);
      expect((await m.journal())?.agentId, 'the id kept, as Mesos keeps it').to.equal(AGENT_ID);
      m.disk.delayWritesMs(0);
      const reregistrations = m.master.count('ReregisterAgent');
      await m.start();
      expect(m.launcher.recovered.size, 'nothing taken back').to.equal(0);
      await m.clock.advance(1_000);
      expect(m.master.count('ReregisterAgent'), 're-registers under its id (the master decides)').to.be.greaterThan(reregistrations);
    });

    it('SIGUSR1 (stop): the agent ends only once the ends of its executors are durable; the next start keeps its id and takes back nothing (as Mesos)', async () => {
      const { m } = await runningOnSlowDisk();
      void dispatch((m.agent as AgentHandle).agent, (agent) => agent.stop());
      await m.clock.settle();
      m.launcher.runs[0]?.exit({ code: 0, signal: null });
      expect(await settledWithin(m, (m.agent as AgentHandle).terminated, 10_000), 'the agent ended').to.equal(true);
      // Read at once, the clock held: what a process exiting now leaves on disk.
      expect(liveRuns(await m.journal()), 'no run the journal still calls live').to.deep.equal([]);
      expect((await m.journal())?.agentId, 'the id kept (Mesos\' SlaveRecoveryTest.ShutdownSlave)').to.equal(AGENT_ID);
    });
  });

  it('--recover=cleanup kills the checkpointed executors and starts as a new agent', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.launch('t1');
    await m.kill();
    const registrations = m.master.count('RegisterAgent');
    await m.start({ recover: 'cleanup' });
    expect([...m.launcher.recovered.values()].map((run) => run.destroyed)).to.deep.equal([true]);
    await m.clock.advance(1_000);
    expect(m.master.count('RegisterAgent')).to.be.greaterThan(registrations);
    expect(m.master.count('ReregisterAgent')).to.equal(0);
    expect((await recoverCheckpoints(m.disk, WORK_DIR))?.agentId).to.equal(undefined);
  });

  it('cleanUpAgent (mesos-agent --recover=cleanup, as Mesos\'): kills the checkpointed executors, forgets the checkpoints, and starts no agent (agent-recovery walkthrough: it registered a new agent)', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.launch('t1');
    await m.kill();
    const registrations = m.master.count('RegisterAgent');
    await cleanUpAgent({ id: 'slave(1)', flags: m.flags({ recover: 'cleanup' }), host: m.host, launcher: m.launcher, disk: m.disk, probe: SIMULATED_MACHINE, files: false, bootId: m.bootId });
    expect([...m.launcher.recovered.values()].map((run) => run.destroyed)).to.deep.equal([true]);
    expect(m.host.lookup('slave(1)'), 'no agent actor').to.equal(undefined);
    await m.clock.advance(5_000);
    expect(m.master.count('RegisterAgent') + m.master.count('ReregisterAgent')).to.equal(registrations);
    expect((await recoverCheckpoints(m.disk, WORK_DIR))?.agentId).to.equal(undefined);
    // The next start (reconnect) is a new agent.
    await m.start();
    await m.clock.advance(1_000);
    expect([m.master.count('RegisterAgent') > registrations, m.master.count('ReregisterAgent')]).to.deep.equal([true, 0]);
  });

  describe("--reconfiguration_policy: a restart declaring other resources or attributes (Mesos' Slave::compatible; it was accepted silently, and an agent shrunk below its tasks waited for good; walkthroughs)", () => {
    it('equal (the default): other resources or attributes stop the start, naming the change and the ways on; nothing is recovered or killed', async () => {
      const m = machine();
      await m.registeredAgent();
      await m.launch('t1');
      await m.kill();
      const refused = await m.start({ resources: 'cpus:2;mem:4096' }).then(() => undefined, (error: Error) => error.message);
      expect(refused).to.match(/^cannot recover agent A1 from \/agent\/meta\/\S+: resources changed from cpus:4;mem:4096\S* to cpus:2;mem:4096\S* \(--reconfiguration_policy=equal allows no change\)\. To keep the agent id .* run it once with --recover=cleanup \(it kills the checkpointed executors and their tasks, and exits\), then start it again$/);
      expect(m.launcher.recovered.size, 'no executor adopted or killed').to.equal(0);
      const attributes = await m.start({ attributes: 'rack:r9' }).then(() => undefined, (error: Error) => error.message);
      expect(attributes).to.match(/attributes changed from none to rack:r9/);
      // Unchanged, it recovers as before.
      await m.start();
      await m.clock.advance(5_000); // its executor's re-registration timeout: the probe playing it does not answer
      expect(m.master.bodies<{ agent: { id?: string } }>('ReregisterAgent').at(-1)?.agent.id).to.equal(AGENT_ID);
    });

    it('additive: more resources and new attributes keep the id (and are checkpointed for the next restart); less of a resource is refused', async () => {
      const m = machine();
      await m.registeredAgent({ attributes: 'rack:r1' });
      await m.launch('t1');
      await m.kill();
      await m.start({ reconfigurationPolicy: 'additive', resources: 'cpus:8;mem:4096;gpus:1', attributes: 'rack:r1;zone:z1' });
      await m.clock.advance(5_000); // its executor's re-registration timeout: the probe playing it does not answer
      await m.reregister();
      const reregistration = m.master.bodies<{ agent: { id?: string; resources: unknown } }>('ReregisterAgent').at(-1);
      expect(reregistration?.agent.id).to.equal(AGENT_ID);
      expect(Resources.fromJSON(reregistration?.agent.resources).scalar('cpus')).to.equal(8);
      expect((await recoverCheckpoints(m.disk, WORK_DIR))?.registeredAs?.info.attributes).to.deep.equal({ rack: 'r1', zone: 'z1' });
      await m.kill();
      // The checkpoint now says cpus:8: back to 4 is a decrease.
      const refused = await m.start({ reconfigurationPolicy: 'additive', resources: 'cpus:4;mem:4096;gpus:1', attributes: 'rack:r1;zone:z1' }).then(() => undefined, (error: Error) => error.message);
      expect(refused).to.match(/resources cpus:4;\S* do not hold the cpus:8;\S* the agent had \(--reconfiguration_policy=additive allows only additions: missing cpus:4\)/);
      const attribute = await m.start({ reconfigurationPolicy: 'additive', resources: 'cpus:8;mem:4096;gpus:1', attributes: 'rack:r2;zone:z1' }).then(() => undefined, (error: Error) => error.message);
      expect(attribute).to.match(/attribute 'rack' changed from r1 to r2/);
    });

    it('a recovery in a new boot checkpoints that boot at once: a refused change later in the same boot stops the start instead of starting anew and killing its executors (review)', async () => {
      const m = machine();
      await m.registeredAgent();
      await m.kill();
      m.bootId = 'boot-2';
      await m.start();
      expect((await recoverCheckpoints(m.disk, WORK_DIR))?.registeredAs?.bootId, 'written at the recovery, before any re-registration').to.equal('boot-2');
      await m.reregister();
      await m.launch('t2');
      await m.kill();
      const refused = await m.start({ resources: 'cpus:2;mem:4096' }).then(() => undefined, (error: Error) => error.message);
      expect(refused).to.match(/resources changed from cpus:4/);
      expect([...m.launcher.recovered.values()].filter((run) => run.destroyed)).to.deep.equal([]);
    });

    it('after a reboot a refused change starts a new agent instead (Mesos, MESOS-6223): registered anew, the old id forgotten', async () => {
      const m = machine();
      await m.registeredAgent();
      await m.kill();
      m.bootId = 'boot-2';
      const registrations = m.master.count('RegisterAgent');
      await m.start({ resources: 'cpus:2;mem:4096' });
      await m.clock.advance(1_000);
      expect(m.master.count('RegisterAgent')).to.be.greaterThan(registrations);
      expect(m.master.count('ReregisterAgent')).to.equal(0);
    });
  });

  it('a torn last journal line is ignored; a corrupt journal stops the agent from starting, naming the file and line', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.kill();
    const journal = checkpointJournalPath(WORK_DIR);
    await m.disk.appendFile(journal, '{"t":"framework","frame');
    expect((await recoverCheckpoints(m.disk, WORK_DIR))?.agentId).to.equal(AGENT_ID);
    await m.disk.writeFileAtomically(journal, '{"t":"agent"}\n{"t":"agent","agentId":"A1"}\n');
    const failure = await startAgent({ id: 'slave(1)', flags: m.flags(), host: m.host, launcher: m.launcher, disk: m.disk, probe: SIMULATED_MACHINE, files: false })
      .then(() => 'started', (error: Error) => error.message);
    expect(failure).to.match(/^agent checkpoint \/agent\/meta\/journal\.log is corrupt at line 1: invalid at agentId/);
  });

  it('--strict=false: a corrupt line is skipped (logged, counted in slave/recovery_errors) and the rest recovered; with --strict (the default) the start is refused (Mesos\' --strict; the flag was unknown)', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    await m.report(executor, m.update('t1', 'TASK_RUNNING'));
    await m.kill();
    const journal = checkpointJournalPath(WORK_DIR);
    const lines = ((await m.disk.readFile(journal)) ?? '').split('\n');
    const updateLine = lines.findIndex((line) => line.startsWith('{"t":"update"'));
    lines[updateLine] = '{"t":"update","upd\u0000\u0000';
    await m.disk.writeFileAtomically(journal, lines.join('\n'));
    const refused = await m.start().then(() => 'started', (error: Error) => error.message);
    expect(refused).to.match(new RegExp(`^agent checkpoint /agent/meta/journal\\.log is corrupt at line ${updateLine + 1}: not JSON`));
    await m.start({ strict: false });
    expect(executor.bodies<{ agentId: string }>('ReconnectExecutor'), 'the executor is taken back').to.deep.equal([{ agentId: AGENT_ID }]);
    expect((await dispatch((m.agent as AgentHandle).agent, (agent) => agent.metrics()))['slave/recovery_errors']).to.equal(1);
  });

  it('--recovery_timeout is what a checkpointing framework\'s executor is told (MESOS_RECOVERY_TIMEOUT; it was 15 min, fixed)', async () => {
    const m = machine();
    await m.registeredAgent({ recoveryTimeoutMs: 30 * 60_000 });
    await m.launch('t1');
    expect(m.launcher.runs[0]?.launch.recovery?.timeoutMs).to.equal(30 * 60_000);
  });

  it('a failed checkpoint write is retried; the executor hears its update arrived only once it is durable', async () => {
    const m = machine();
    await m.registeredAgent();
    const executor = await m.launch('t1');
    m.disk.failNextWrites(2);
    executor.post(m.agent?.pid as never, 'StatusUpdate', { update: m.update('t1', 'TASK_RUNNING'), pid: executor.self().toString() });
    await m.clock.advance(1_000);
    expect(executor.count('StatusUpdateAcknowledgement')).to.equal(0);
    await m.clock.advance(2_000);
    expect(executor.count('StatusUpdateAcknowledgement')).to.equal(1);
    const recovered = await recoverCheckpoints(m.disk, WORK_DIR);
    expect(recovered?.frameworks.get('F1')?.executors.get('t1')?.tasks.get('t1')?.updates.map((entry) => entry.update.status.state)).to.deep.equal(['TASK_RUNNING']);
  });

  describe('a task reaches its executor only once it is checkpointed (Mesos checkpoints the executor and task first)', () => {
    /** The task ids the journal holds for executor `executorId` of F1. */
    const journaledTasks = async (m: Machine, executorId: string): Promise<string[]> =>
      [...((await m.journal())?.frameworks.get(FRAMEWORK.id)?.executors.get(executorId)?.tasks.keys() ?? [])];

    it('a new executor is not launched before it and its task are durable: an agent killed before that leaves no process it does not know', async () => {
      const m = machine();
      await m.registeredAgent();
      m.disk.failNextWrites(1);
      m.runTask(m.task('t1'));
      await m.clock.settle();
      expect(m.launcher.runs, 'no executor process while its checkpoint is not durable').to.have.length(0);
      await m.kill();
      expect((await m.journal())?.frameworks.get(FRAMEWORK.id)?.executors.size ?? 0).to.equal(0);
      await m.start();
      expect(m.launcher.runs).to.have.length(0);
    });

    it('the executor is launched once the (retried) write is durable, with its executor and task records in the journal', async () => {
      const m = machine();
      await m.registeredAgent();
      m.disk.failNextWrites(1);
      m.runTask(m.task('t1'));
      await m.clock.advance(CHECKPOINT_RETRY_INITIAL_MS);
      expect(m.launcher.runs.map((run) => run.launch.executorId)).to.deep.equal(['t1']);
      expect(await journaledTasks(m, 't1')).to.deep.equal(['t1']);
    });

    it('a task for a registered executor is sent once its record is durable, not before: an agent killed before that has not given it away', async () => {
      const m = machine();
      await m.registeredAgent();
      m.runTask(m.customTask('t1'));
      await m.clock.settle();
      const executor = await m.registerExecutor(CUSTOM_EXECUTOR);
      expect(Machine.tasksSentTo(executor)).to.deep.equal(['t1']);
      m.disk.failNextWrites(1);
      m.runTask(m.customTask('t2'));
      await m.clock.settle();
      expect(Machine.tasksSentTo(executor), 'not sent while its record is not durable').to.deep.equal(['t1']);
      await m.clock.advance(CHECKPOINT_RETRY_INITIAL_MS);
      expect(Machine.tasksSentTo(executor)).to.deep.equal(['t1', 't2']);

      m.disk.failNextWrites(1);
      m.runTask(m.customTask('t3'));
      await m.clock.settle();
      await m.kill();
      expect(await journaledTasks(m, CUSTOM_EXECUTOR)).to.deep.equal(['t1', 't2']);
      expect(Machine.tasksSentTo(executor), 'the executor runs nothing the journal does not hold').to.deep.equal(['t1', 't2']);
    });

    it('a task queued for a registering executor is sent at its registration only once its record is durable', async () => {
      const m = machine();
      await m.registeredAgent();
      m.runTask(m.customTask('t1'));
      await m.clock.settle();
      m.disk.failNextWrites(1);
      m.runTask(m.customTask('t2'));
      await m.clock.settle();
      const executor = await m.registerExecutor(CUSTOM_EXECUTOR);
      expect(Machine.tasksSentTo(executor)).to.deep.equal(['t1']);
      await m.clock.advance(CHECKPOINT_RETRY_INITIAL_MS);
      expect(Machine.tasksSentTo(executor)).to.deep.equal(['t1', 't2']);
    });

    /** A registered custom executor running t1, and t2 sent to it while the disk is slow: its record is not durable yet. */
    async function secondTaskInFlight(): Promise<{ m: Machine; executor: TimedProbe }> {
      const m = machine();
      await m.registeredAgent();
      m.runTask(m.customTask('t1'));
      await m.clock.settle();
      const executor = await m.registerExecutor(CUSTOM_EXECUTOR);
      m.disk.delayWritesMs(500);
      m.runTask(m.customTask('t2'));
      await m.clock.advance(100);
      return { m, executor };
    }

    it('a task killed while its record is written is never sent: TASK_KILLED (REASON_TASK_KILLED_DURING_LAUNCH), no KillTask to the executor', async () => {
      const { m, executor } = await secondTaskInFlight();
      m.fromMaster('KillTaskOnAgent', { frameworkId: FRAMEWORK.id, taskId: 't2' });
      await m.clock.advance(2_000);
      expect(Machine.tasksSentTo(executor)).to.deep.equal(['t1']);
      expect(executor.count('KillTaskOnExecutor')).to.equal(0);
      expect(m.statusOf('t2')).to.include({ state: 'TASK_KILLED', reason: 'REASON_TASK_KILLED_DURING_LAUNCH' });
    });

    it('an executor that exits while a task\'s record is written never gets the task, which fails with it', async () => {
      const { m, executor } = await secondTaskInFlight();
      m.launcher.run(CUSTOM_EXECUTOR).exit({ code: 1, signal: null });
      await m.clock.advance(2_000);
      expect(Machine.tasksSentTo(executor)).to.deep.equal(['t1']);
      expect(m.statusOf('t2')).to.include({ state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED' });
    });

    it('a framework shut down while its new executor\'s records are written: the executor is never launched, and the framework is ended', async () => {
      const m = machine();
      await m.registeredAgent();
      m.disk.failNextWrites(1);
      m.runTask(m.task('t1'));
      await m.clock.settle();
      m.fromMaster('ShutdownFramework', { frameworkId: FRAMEWORK.id });
      await m.clock.advance(CHECKPOINT_RETRY_INITIAL_MS * 4);
      expect(m.launcher.runs).to.have.length(0);
      expect((await m.journal())?.frameworks.has(FRAMEWORK.id)).to.equal(false);
    });
  });

  describe('a re-registering executor\'s tasks (Mesos\' reregisterExecutor)', () => {
    it('a task still STAGING that the executor does not report never reached it: TASK_LOST with REASON_AGENT_RESTARTED; tasks it reports, or that have updates, stay', async () => {
      const m = machine();
      await m.registeredAgent();
      for (const taskId of ['t1', 't2', 't3']) m.runTask(m.customTask(taskId));
      await m.clock.settle();
      const executor = await m.registerExecutor(CUSTOM_EXECUTOR);
      expect(Machine.tasksSentTo(executor)).to.deep.equal(['t1', 't2', 't3']);
      executor.post(m.agent?.pid as never, 'StatusUpdate', { update: { ...m.update('t3', 'TASK_RUNNING'), executorId: CUSTOM_EXECUTOR }, pid: executor.self().toString() });
      await m.clock.settle();
      m.acknowledge(m.forwarded()[0] as StatusUpdate);
      await m.clock.settle();
      const before = m.forwarded().length;

      await m.kill();
      await m.start();
      // t2 was lost on its way (the agent died before delivering it); t3 was acknowledged, so the executor no longer lists it.
      executor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: FRAMEWORK.id, executorId: CUSTOM_EXECUTOR, tasks: [m.customTask('t1')], updates: [] });
      await m.clock.settle();
      await m.reregister();
      const after = m.forwarded().slice(before);
      expect(after.map((update) => update.status.taskId)).to.deep.equal(['t2']);
      expect(after[0]?.status).to.include({ state: 'TASK_LOST', reason: 'REASON_AGENT_RESTARTED', source: 'SOURCE_AGENT', executorId: CUSTOM_EXECUTOR });
    });

    it('for a partition-aware framework the task is TASK_DROPPED', async () => {
      const m = machine();
      await m.registeredAgent();
      const executor = await m.launch('t1', PARTITION_AWARE_FRAMEWORK);
      await m.kill();
      await m.start();
      executor.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: FRAMEWORK.id, executorId: 't1', tasks: [], updates: [] });
      await m.clock.settle();
      await m.reregister();
      expect(m.statusOf('t1')).to.include({ state: 'TASK_DROPPED', reason: 'REASON_AGENT_RESTARTED' });
    });

    it('an executor left with nothing to run that was never sent a task is shut down (Mesos; found by chaos seed 281 --masters 3 --agent-recovery); one that ran a task is not', async () => {
      const m = machine();
      await m.registeredAgent();
      const dropped = await m.launch('t1');
      const ran = await m.launch('t2');
      ran.post(m.agent?.pid as never, 'StatusUpdate', { update: { ...m.update('t2', 'TASK_FINISHED'), executorId: 't2' }, pid: ran.self().toString() });
      await m.clock.settle();
      await m.kill();
      await m.start();
      dropped.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: FRAMEWORK.id, executorId: 't1', tasks: [], updates: [] });
      ran.post(m.agent?.pid as never, 'ReregisterExecutor', { frameworkId: FRAMEWORK.id, executorId: 't2', tasks: [m.task('t2')], updates: [] });
      await m.clock.settle();
      await m.reregister();
      expect(m.statusOf('t1')).to.include({ state: 'TASK_LOST', reason: 'REASON_AGENT_RESTARTED' });
      expect(dropped.count('ShutdownExecutorOnExecutor'), 'the executor whose task never came').to.equal(1);
      expect(ran.count('ShutdownExecutorOnExecutor'), 'the executor that ran its task').to.equal(0);
    });
  });
});
