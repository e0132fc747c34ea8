import { expect } from 'chai';
import { dispatch, UPID } from '../../../lib/actor';
import type { StatusUpdate, Task, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { CONTAINER_MEM_HEADROOM_BYTES, MASTER_PING_TIMEOUT_MS, REGISTER_RETRY_INTERVAL_MAX_MS, STATUS_UPDATE_RETRY_INTERVAL_MAX_MS } from '../../../actors/agent/constants';
import { Probe } from '../../support/runtime';
import { captureLogger } from '../../../lib/logging';
import { AGENT_ID, AgentHarness, EXECUTOR_MESSAGES, FRAMEWORK_ID, namedUuid, TimedProbe } from './harness';

describe('agent (harness: virtual clock, fake master, fake executors)', () => {
  let harness: AgentHarness;

  beforeEach(() => {
    harness = new AgentHarness();
  });

  afterEach(async () => {
    await harness.stop();
  });

  describe('registration', () => {
    it('registers with backoff while the master is silent: first within 1 s, then random delays doubling up to 1 min', async () => {
      await harness.clock.advance(10 * 60_000);
      const times = harness.master.timesOf('RegisterAgent');
      expect(times.length).to.be.greaterThan(8);
      const start = harness.clock.now() - 10 * 60_000;
      expect((times[0] as number) - start).to.be.at.most(1_000);
      for (let attempt = 1; attempt < times.length; attempt++) {
        const gapMs = (times[attempt] as number) - (times[attempt - 1] as number);
        expect(gapMs, `gap before attempt ${attempt}`).to.be.at.most(Math.min(1_000 * 2 ** attempt, REGISTER_RETRY_INTERVAL_MAX_MS));
      }
      const body = harness.master.bodies<{ agent: { hostname: string; resources: unknown[]; attributes: unknown; id?: string } }>('RegisterAgent')[0];
      expect(body?.agent.hostname).to.equal('agent-host');
      expect(body?.agent.id).to.equal(undefined);
      expect(body?.agent.attributes).to.deep.equal({ rack: 'r1' });
    });

    it('stops retrying once AgentRegistered arrives', async () => {
      await harness.register();
      const attempts = harness.master.count('RegisterAgent');
      await harness.clock.advance(10 * 60_000);
      expect(harness.master.count('RegisterAgent')).to.equal(attempts);
    });

    it('ignores registration messages that do not come from the master', async () => {
      await harness.clock.advance(1_000);
      const impostor = new Probe('impostor');
      harness.host.spawn(impostor);
      impostor.post(harness.agentPid, 'AgentRegistered', { agentId: 'X', masterInfo: AgentHarness.masterInfo });
      await harness.clock.advance(5_000);
      expect((await harness.state()).id).to.equal('');
      expect(harness.master.count('RegisterAgent')).to.be.greaterThan(1);
    });

    /** Registers, and runs task T1 (TASK_RUNNING) on its executor, which it returns. */
    async function registeredWithRunningTask(): Promise<TimedProbe> {
      await harness.register();
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING'));
      await harness.clock.settle();
      return executor;
    }

    /** Answers the agent's re-registration, then checks no more come for `quietMs`. */
    async function expectReregistrationsEndOnceAnswered(quietMs: number): Promise<void> {
      harness.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
      await harness.clock.settle();
      const count = harness.master.count('ReregisterAgent');
      await harness.clock.advance(quietMs);
      expect(harness.master.count('ReregisterAgent')).to.equal(count);
    }

    it('a late AgentRegistered naming another id (an answer to a RegisterAgent sent before it had its id) does not end the agent or its tasks: it re-registers with its own id (chaos seeds 940005, 940058)', async () => {
      const executor = await registeredWithRunningTask();
      harness.fromMaster('AgentRegistered', { agentId: 'A2', masterInfo: AgentHarness.masterInfo });
      await harness.clock.advance(3_000);
      expect((await harness.state()).id).to.equal(AGENT_ID);
      expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(0);
      const reregistrations = harness.master.bodies<{ agent: { id: string }; tasks: Task[] }>('ReregisterAgent');
      expect(reregistrations.length).to.be.greaterThan(0);
      expect(reregistrations[0]?.agent.id).to.equal(AGENT_ID);
      expect(reregistrations[0]?.tasks.map((task) => task.taskId)).to.deep.equal(['T1']);
      await expectReregistrationsEndOnceAnswered(10 * 60_000);
    });

    it('answers Ping with Pong', async () => {
      await harness.register();
      harness.fromMaster('Ping', { connected: true });
      await harness.clock.settle();
      expect(harness.master.count('Pong')).to.equal(1);
    });

    it('re-registers with its id and tasks when the master link breaks, until AgentReregistered', async () => {
      await registeredWithRunningTask();
      harness.host.injectExited(harness.agentPid, UPID.at('master', harness.host.address));
      await harness.clock.advance(3_000);
      const reregistrations = harness.master.bodies<{ agent: { id: string }; tasks: Task[]; frameworks: Array<{ id: string }> }>('ReregisterAgent');
      expect(reregistrations.length).to.be.greaterThan(0);
      expect(reregistrations[0]?.agent.id).to.equal(AGENT_ID);
      expect(reregistrations[0]?.tasks.map((task) => [task.taskId, task.state])).to.deep.equal([['T1', 'TASK_RUNNING']]);
      expect(reregistrations[0]?.frameworks.map((framework) => framework.id)).to.deep.equal([FRAMEWORK_ID]);
      await expectReregistrationsEndOnceAnswered(5 * 60_000);
    });

    it('re-registers when no ping arrives for 75 s', async () => {
      await harness.stop();
      harness = new AgentHarness({ masterPingTimeoutMs: MASTER_PING_TIMEOUT_MS });
      await harness.register();
      await harness.clock.advance(MASTER_PING_TIMEOUT_MS - 1_000);
      harness.fromMaster('Ping', { connected: true });
      await harness.clock.advance(MASTER_PING_TIMEOUT_MS - 1_000);
      expect(harness.master.count('ReregisterAgent')).to.equal(0);
      await harness.clock.advance(3_000);
      expect(harness.master.count('ReregisterAgent')).to.be.greaterThan(0);
    });

    it('gives the master up 75 s after the last ping even when the clock is set back an hour meanwhile (its timer fires early by the clock)', async () => {
      await harness.stop();
      harness = new AgentHarness({ masterPingTimeoutMs: MASTER_PING_TIMEOUT_MS });
      await harness.register();
      // A ping 10 s in moves the deadline and keeps the timer set at registration (75 s).
      await harness.clock.advance(10_000);
      harness.fromMaster('Ping', { connected: true });
      await harness.clock.settle();
      // 10 s later the agent's clock is set back an hour; its timers still fire on the host clock (a real one's wait on the monotonic clock).
      await harness.clock.advance(10_000);
      const hostClock = harness.clock;
      const setBack = { now: (): number => hostClock.now() - 3_600_000 };
      Object.defineProperty(harness.agent, 'clock', { get: () => setBack });
      // The timer fires at 75 s, early by the clock, and waits the 10 s left (to 85 s, 75 s after the ping), not an hour more.
      await harness.clock.advance(MASTER_PING_TIMEOUT_MS - 11_000);
      expect(harness.master.count('ReregisterAgent')).to.equal(0);
      await harness.clock.advance(1_000 + harness.flags.registrationBackoffFactorMs);
      expect(harness.master.count('ReregisterAgent')).to.be.greaterThan(0);
    });

    it('pinged every 15 s for 10 minutes, arms one ping timer per timeout period (not one per ping), and still gives the master up exactly 75 s after the last ping', async () => {
      await harness.stop();
      harness = new AgentHarness({ masterPingTimeoutMs: MASTER_PING_TIMEOUT_MS });
      await harness.register();
      const timersBefore = harness.agent.runtime.timerCount;
      for (let ping = 0; ping < 40; ping++) {
        await harness.clock.advance(15_000);
        harness.fromMaster('Ping', { connected: true });
        await harness.clock.settle();
      }
      // 40 pings over 600 s: a timer per ping would make 40 timers on its own; re-armed when it
      // fires early (every 75 s or so: 8 times), with the agent's other timers, it is under 40.
      expect(harness.agent.runtime.timerCount - timersBefore).to.be.below(40);
      await harness.clock.advance(MASTER_PING_TIMEOUT_MS - 1);
      expect(harness.master.count('ReregisterAgent')).to.equal(0);
      await harness.clock.advance(1);
      await harness.clock.advance(harness.flags.registrationBackoffFactorMs);
      expect(harness.master.count('ReregisterAgent')).to.be.greaterThan(0);
    });

    /** A registered agent whose executor of T1 sent TASK_RUNNING, forwarded once and not acknowledged. */
    async function forwardedRunningUpdate(): Promise<void> {
      await registeredWithRunningTask();
      expect(harness.forwarded()).to.have.length(1);
    }

    it('re-sends unacknowledged status updates at once after re-registering', async () => {
      await forwardedRunningUpdate();
      harness.host.injectExited(harness.agentPid, UPID.at('master', harness.host.address));
      await harness.clock.advance(3_000);
      expect(harness.forwarded()).to.have.length(1);
      harness.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
      await harness.clock.settle();
      expect(harness.forwarded()).to.have.length(2);
    });

    it("re-sends unacknowledged status updates at once when the master says the framework's scheduler is back (UpdateFramework), as Mesos' agent does", async () => {
      // After a master failover the agent may re-register before the framework: the new master
      // drops the updates it re-sends (no scheduler yet), and tells the agent once the framework
      // is back. Waiting for the 10 s retry would hold the framework's updates back for nothing.
      await forwardedRunningUpdate();
      await harness.clock.advance(1_000);
      harness.fromMaster('UpdateFramework', { frameworkId: FRAMEWORK_ID, pid: 'scheduler@127.0.0.1:9999' });
      await harness.clock.settle();
      expect(harness.forwarded().map((update) => update.status.state)).to.deep.equal(['TASK_RUNNING', 'TASK_RUNNING']);
    });
  });

  describe('reconciliation on re-registration', () => {
    /** The agent loses its master, re-registers, and is told the master's view of its tasks. */
    async function reregister(reconciliations: Array<{ frameworkId: string; taskId: string }>): Promise<void> {
      harness.host.injectExited(harness.agentPid, UPID.at('master', harness.host.address));
      await harness.clock.advance(3_000);
      expect(harness.master.count('ReregisterAgent')).to.be.greaterThan(0);
      harness.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, reconciliations });
      await harness.clock.settle();
    }

    function reconciled(): Array<[string, string, string | undefined]> {
      return harness.forwarded()
        .filter((update) => update.status.reason === 'REASON_RECONCILIATION')
        .map((update) => [update.frameworkId, update.status.taskId, update.status.state]);
    }

    it('answers each task it never heard of with TASK_LOST, or TASK_DROPPED when partition-aware, and leaves known tasks alone', async () => {
      await harness.register();
      harness.runTask(AgentHarness.commandTask('queued'));
      harness.runTask(AgentHarness.commandTask('running'));
      harness.runTask(AgentHarness.commandTask('finished'));
      harness.fromMaster('RunTask', {
        framework: { id: 'F2', name: 'aware', user: 'u', capabilities: ['PARTITION_AWARE'] }, frameworkId: 'F2', task: AgentHarness.commandTask('aware-running'),
      });
      await harness.clock.settle();
      harness.sendUpdate(await harness.registerExecutor('running'), harness.executorUpdate('running', 'TASK_RUNNING'));
      harness.sendUpdate(await harness.registerExecutor('finished'), harness.executorUpdate('finished', 'TASK_FINISHED'));
      await harness.clock.settle();
      await reregister([
        { frameworkId: FRAMEWORK_ID, taskId: 'queued' },
        { frameworkId: FRAMEWORK_ID, taskId: 'running' },
        { frameworkId: FRAMEWORK_ID, taskId: 'finished' },
        { frameworkId: 'F2', taskId: 'aware-running' },
        { frameworkId: FRAMEWORK_ID, taskId: 'never-seen' },
        { frameworkId: 'F2', taskId: 'aware-never-seen' },
        { frameworkId: 'F9', taskId: 'unknown-framework' },
      ]);
      expect(reconciled()).to.deep.equal([
        [FRAMEWORK_ID, 'never-seen', 'TASK_LOST'],
        ['F2', 'aware-never-seen', 'TASK_DROPPED'],
        ['F9', 'unknown-framework', 'TASK_LOST'],
      ]);
      const lost = harness.forwarded().find((update) => update.status.taskId === 'never-seen') as StatusUpdate;
      expect(lost.status).to.include({ source: 'SOURCE_AGENT', agentId: AGENT_ID, uuid: lost.uuid });
      expect(lost.status.executorId).to.equal(undefined);
      expect(harness.master.bodies<{ pid: string }>('StatusUpdate').at(-1)?.pid).to.equal(harness.agentPid.toString());
    });

    it('retries a reconciliation update until it is acknowledged, and does not report a task twice meanwhile', async () => {
      await harness.register();
      const reconciliations = [{ frameworkId: FRAMEWORK_ID, taskId: 'never-seen' }];
      await reregister(reconciliations);
      await reregister(reconciliations);
      expect(reconciled()).to.have.length(2); // the first update, re-sent on the second re-registration
      expect(new Set(harness.forwarded().map((update) => update.uuid)).size).to.equal(1);
      await harness.clock.advance(10_000);
      expect(reconciled()).to.have.length(3);
      harness.acknowledge(harness.forwarded()[0] as StatusUpdate);
      await harness.clock.advance(60 * 60_000);
      expect(reconciled()).to.have.length(3);
    });

    it('reconciles nothing when the master lists nothing', async () => {
      await harness.register();
      harness.runTask(AgentHarness.commandTask('queued'));
      await harness.clock.settle();
      await reregister([]);
      expect(harness.forwarded()).to.deep.equal([]);
    });
  });

  describe('tasks and executors', () => {
    beforeEach(async () => {
      await harness.register();
    });

    it('launches the command executor for a command task in its sandbox and hands it the task once it registers', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const launch = harness.launcher.run('T1').launch;
      expect(launch.commandExecutor).to.equal(true);
      expect(launch.agentPid).to.equal(harness.agentPid.toString());
      expect(launch.directory).to.equal(`/work-dir/agents/${AGENT_ID}/frameworks/${FRAMEWORK_ID}/executors/T1/runs/${launch.runId}`);
      const executor = await harness.registerExecutor('T1');
      expect(executor.count('ExecutorRegistered')).to.equal(1);
      const run = executor.bodies<{ task: { taskId: string } }>('RunTaskOnExecutor');
      expect(run.map((body) => body.task.taskId)).to.deep.equal(['T1']);
      const state = await harness.state();
      const frameworks = state.frameworks as Array<{ executors: Array<{ id: string; directory: string; tasks: Array<{ id: string; state: string }> }> }>;
      expect(frameworks[0]?.executors[0]?.tasks.map((task) => [task.id, task.state])).to.deep.equal([['T1', 'TASK_STAGING']]);
      expect(frameworks[0]?.executors[0]?.directory).to.equal(launch.directory);
    });

    it('fails a task whose resources cannot be counted, and launches nothing for it: its /state still renders (found by the wire fuzzer, seed 3)', async () => {
      const bad = { ...AgentHarness.commandTask('T1'), resources: [{ name: 'mem', type: 'SCALAR' as const }] };
      const executorInfo = { executorId: 'E1', command: { value: './executor' }, resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 } }] };
      const conflicting = { ...AgentHarness.commandTask('T2'), command: undefined, executor: executorInfo, resources: [{ name: 'cpus', type: 'SET' as const, set: { item: ['a'] } }] };
      harness.runTask(bad);
      harness.runTask(conflicting);
      await harness.clock.settle();
      expect(harness.launcher.runs).to.have.length(0);
      expect(harness.forwarded().map((update) => [update.status.taskId, update.status.state])).to.deep.equal([['T1', 'TASK_FAILED'], ['T2', 'TASK_FAILED']]);
      expect(harness.forwarded().every((update) => update.status.message?.startsWith('Task uses invalid resources: '))).to.equal(true);
      expect((await harness.state()).id).to.equal(AGENT_ID);
    });

    it('fails every task of a group whose members\' resources cannot be counted together (each can alone), and launches nothing: its /state still renders', async () => {
      const executorInfo = { executorId: 'pod', frameworkId: FRAMEWORK_ID, type: 'DEFAULT' as const, resources: Resources.parse('mem:32').toJSON() };
      const scalar = { ...AgentHarness.commandTask('a'), command: undefined, executor: executorInfo, resources: [{ name: 'gpus', type: 'SCALAR' as const, scalar: { value: 1 } }] };
      const set = { ...AgentHarness.commandTask('b'), command: undefined, executor: executorInfo, resources: [{ name: 'gpus', type: 'SET' as const, set: { item: ['g0'] } }] };
      harness.fromMaster('RunTaskGroup', { framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: FRAMEWORK_ID, executor: executorInfo, taskGroup: { tasks: [scalar, set] }, launchExecutor: true });
      await harness.clock.settle();
      expect(harness.launcher.runs).to.have.length(0);
      expect(harness.forwarded().map((update) => [update.status.taskId, update.status.state])).to.deep.equal([['a', 'TASK_FAILED'], ['b', 'TASK_FAILED']]);
      expect(harness.forwarded().every((update) => update.status.message?.startsWith('Task uses invalid resources: '))).to.equal(true);
      expect((await harness.state()).id).to.equal(AGENT_ID);
    });

    it('starts a custom executor once per executor id; later tasks go to the running executor', async () => {
      const executorInfo = { executorId: 'E1', command: { value: 'node my-executor.js' } };
      harness.runTask({ ...AgentHarness.commandTask('T1'), command: undefined, executor: executorInfo });
      harness.runTask({ ...AgentHarness.commandTask('T2'), command: undefined, executor: executorInfo });
      await harness.clock.settle();
      expect(harness.launcher.runs.map((run) => run.launch.executorId)).to.deep.equal(['E1']);
      expect(harness.launcher.run('E1').launch.commandExecutor).to.equal(false);
      const executor = await harness.registerExecutor('E1');
      harness.runTask({ ...AgentHarness.commandTask('T3'), command: undefined, executor: executorInfo });
      await harness.clock.settle();
      expect(executor.bodies<{ task: { taskId: string } }>('RunTaskOnExecutor').map((body) => body.task.taskId)).to.deep.equal(['T1', 'T2', 'T3']);
      expect(harness.launcher.runs).to.have.length(1);
    });

    it('acks an executor update at once and forwards it with the agent pid, stamped SOURCE_EXECUTOR', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING', 'u-running'));
      await harness.clock.settle();
      expect(executor.bodies<{ uuid: string }>('StatusUpdateAcknowledgement').map((ack) => ack.uuid)).to.deep.equal([namedUuid('u-running')]);
      const message = harness.master.bodies<{ update: StatusUpdate; pid: string }>('StatusUpdate')[0];
      expect(message?.pid).to.equal(harness.agentPid.toString());
      expect(message?.update.status).to.include({ state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agentId: AGENT_ID, uuid: namedUuid('u-running'), executorId: 'T1' });
    });

    it('takes and forwards an update whose uuid is text of its own, as an executor an older agent started makes (refused, an upgrade would strand its task\'s updates)', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, { ...harness.executorUpdate('T1', 'TASK_RUNNING'), uuid: 'T1-V1StGXR8_Z5jdHi6B-myT-1' });
      await harness.clock.settle();
      expect(harness.forwarded().map((update) => update.uuid)).to.deep.equal(['T1-V1StGXR8_Z5jdHi6B-myT-1']);
    });

    it('retries an unacknowledged update after 10 s, 20 s, 40 s ... capped at 10 min, until the acknowledgement', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING'));
      await harness.clock.settle();
      await harness.clock.advance(40 * 60_000);
      const times = harness.master.timesOf('StatusUpdate');
      const gaps = times.slice(1).map((time, index) => time - (times[index] as number));
      expect(gaps.slice(0, 8)).to.deep.equal([10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000]);
      expect(Math.max(...gaps)).to.equal(STATUS_UPDATE_RETRY_INTERVAL_MAX_MS);
      const sent = harness.forwarded().length;
      harness.acknowledge(harness.forwarded()[0] as StatusUpdate);
      await harness.clock.advance(60 * 60_000);
      expect(harness.forwarded().length).to.equal(sent);
    });

    it('keeps per-task order: the next update leaves only when the previous one is acknowledged', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_STARTING'));
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING'));
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FINISHED'));
      await harness.clock.settle();
      expect(harness.forwarded().map((update) => update.status.state)).to.deep.equal(['TASK_STARTING']);
      expect(executor.count('StatusUpdateAcknowledgement')).to.equal(3);
      for (const expected of ['TASK_RUNNING', 'TASK_FINISHED']) {
        harness.acknowledge(harness.forwarded().at(-1) as StatusUpdate);
        await harness.clock.settle();
        expect(harness.forwarded().at(-1)?.status.state).to.equal(expected);
      }
      harness.acknowledge(harness.forwarded().at(-1) as StatusUpdate);
      await harness.clock.settle();
      const state = await harness.state();
      const executors = (state.frameworks as Array<{ executors: Array<{ completed_tasks: Array<{ id: string; state: string }> }> }>)[0]?.executors;
      expect(executors?.[0]?.completed_tasks.map((task) => [task.id, task.state])).to.deep.equal([['T1', 'TASK_FINISHED']]);
    });

    it('ignores a duplicate update (same uuid) but acknowledges it to the executor again', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      const update = harness.executorUpdate('T1', 'TASK_RUNNING', 'same');
      harness.sendUpdate(executor, update);
      harness.sendUpdate(executor, update);
      await harness.clock.settle();
      expect(harness.forwarded()).to.have.length(1);
      expect(executor.count('StatusUpdateAcknowledgement')).to.equal(2);
      harness.acknowledge(update);
      await harness.clock.advance(60_000);
      expect(harness.forwarded()).to.have.length(1);
    });

    it("ignores status updates not sent by an executor of the task's framework here (found by the wire fuzzer, seed 1)", async () => {
      // Issue 9: another host's actor sent TASK_FINISHED for a running task (the master freed its
      // resources while it ran) and TASK_STAGING for another (the agent shut its executor down).
      harness.runTask(AgentHarness.commandTask('T1'));
      harness.runTask(AgentHarness.commandTask('T2'));
      harness.runTask(AgentHarness.commandTask('O1'), [], 'F2');
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      const second = await harness.registerExecutor('T2');
      const otherFrameworks = await harness.registerExecutor('O1', 'F2');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING', 'u-running'));
      await harness.clock.settle();
      const stranger = new TimedProbe('stranger', EXECUTOR_MESSAGES);
      harness.host.spawn(stranger);
      harness.sendUpdate(stranger, harness.executorUpdate('T1', 'TASK_FINISHED', 'u-forged'));
      harness.sendUpdate(stranger, harness.executorUpdate('T2', 'TASK_STAGING', 'u-staging'));
      harness.sendUpdate(otherFrameworks, harness.executorUpdate('T1', 'TASK_FAILED', 'u-other'));
      await harness.clock.settle();
      expect(harness.forwarded().map((update) => update.uuid)).to.deep.equal([namedUuid('u-running')]);
      expect(stranger.count('StatusUpdateAcknowledgement') + otherFrameworks.count('StatusUpdateAcknowledgement')).to.equal(0);
      expect(second.count('ShutdownExecutorOnExecutor')).to.equal(0);
      const state = await harness.state();
      const executors = (state.frameworks as Array<{ id: string; executors: Array<{ id: string; tasks: Array<{ id: string; state: string }> }> }>)
        .find((framework) => framework.id === FRAMEWORK_ID)?.executors ?? [];
      expect(executors.flatMap((record) => record.tasks.map((task) => [task.id, task.state])).sort()).to.deep.equal([['T1', 'TASK_RUNNING'], ['T2', 'TASK_STAGING']]);
    });

    it('acknowledges but does not forward a retried update of a task already completed', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      const finished = harness.executorUpdate('T1', 'TASK_FINISHED');
      harness.sendUpdate(executor, finished);
      await harness.clock.settle();
      harness.acknowledge(finished);
      await harness.clock.settle();
      harness.sendUpdate(executor, finished);
      await harness.clock.advance(60_000);
      expect(harness.forwarded()).to.have.length(1);
      expect(executor.count('StatusUpdateAcknowledgement')).to.equal(2);
    });

    it('an executor re-sending the state its task is in here is said at info level (a retry loses nothing); an older state, at warn (walkthrough: every restart warned as if something was lost)', async () => {
      await harness.stop();
      const captured = captureLogger();
      harness = new AgentHarness({}, captured.logger);
      await harness.register();
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FINISHED', 'first'));
      await harness.clock.settle();
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FINISHED', 'again'));
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING', 'older'));
      await harness.clock.settle();
      const retry = captured.find('ignoring an executor update the agent has already');
      expect(retry.map((record) => [record.level, record.uuid])).to.deep.equal([[30, namedUuid('again')]]);
      const dropped = captured.find('dropping an out-of-date executor update');
      expect(dropped.map((record) => [record.level, record.uuid])).to.deep.equal([[40, namedUuid('older')]]);
      expect(executor.bodies<{ uuid: string }>('StatusUpdateAcknowledgement').map((ack) => ack.uuid)).to.include.members([namedUuid('again'), namedUuid('older')]);
    });

    it("acknowledges but does not forward an executor's update about a task no executor here has: a copy re-sent after a restart that forgot the ended task (chaos seed 3138)", async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, harness.executorUpdate('ENDED', 'TASK_STARTING', 'u-ended'));
      await harness.clock.settle();
      expect(harness.forwarded()).to.deep.equal([]);
      expect(executor.bodies<{ uuid: string }>('StatusUpdateAcknowledgement').map((ack) => ack.uuid)).to.deep.equal([namedUuid('u-ended')]);
    });

    it('acknowledges but drops an executor update older than the task: a lost STARTING re-sent after RUNNING, anything after a terminal state', async () => {
      // Found by the chaos simulation (seed 4): the executor's STARTING was lost on its way, its
      // RUNNING got through, and the STARTING re-sent 10 s later took the task back at the framework.
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      const starting = harness.executorUpdate('T1', 'TASK_STARTING', 'u-starting');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING', 'u-running'));
      harness.sendUpdate(executor, starting);
      await harness.clock.settle();
      expect(executor.bodies<{ uuid: string }>('StatusUpdateAcknowledgement').map((ack) => ack.uuid)).to.deep.equal([namedUuid('u-running'), namedUuid('u-starting')]);
      harness.acknowledge(harness.forwarded()[0] as StatusUpdate);
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FAILED', 'u-failed'));
      await harness.clock.settle();
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING', 'u-running-again'));
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FINISHED', 'u-finished'));
      await harness.clock.settle();
      expect(harness.forwarded().map((update) => update.status.state)).to.deep.equal(['TASK_RUNNING', 'TASK_FAILED']);
      expect(executor.count('StatusUpdateAcknowledgement')).to.equal(5);
      const state = await harness.state();
      // Terminal and awaiting its acknowledgement: listed under completed_tasks, as in Mesos.
      const tasks = (state.frameworks as Array<{ executors: Array<{ completed_tasks: Array<{ id: string; state: string }> }> }>)[0]?.executors[0]?.completed_tasks;
      expect(tasks?.map((task) => [task.id, task.state])).to.deep.equal([['T1', 'TASK_FAILED']]);
    });

    it('logs and ignores an acknowledgement for an unknown uuid', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING'));
      await harness.clock.settle();
      harness.acknowledge({ ...(harness.forwarded()[0] as StatusUpdate), uuid: 'nope' });
      await harness.clock.advance(10_000);
      expect(harness.forwarded()).to.have.length(2);
    });

    it('kills an executor that does not register in time; its queued tasks fail with REASON_EXECUTOR_REGISTRATION_TIMEOUT', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      await harness.clock.advance(harness.flags.executorRegistrationTimeoutMs - 1);
      expect(harness.launcher.run('T1').destroyed).to.equal(false);
      await harness.clock.advance(1);
      expect(harness.launcher.run('T1').destroyed).to.equal(true);
      const failed = harness.forwarded()[0];
      expect(failed?.status).to.include({ taskId: 'T1', state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', source: 'SOURCE_AGENT' });
      expect(harness.master.bodies('ExitedExecutor'), "a command executor's exit is not reported (Mesos' executorTerminated)").to.deep.equal([]);
      harness.acknowledge(failed as StatusUpdate);
      await harness.clock.advance(60_000);
      expect(harness.forwarded()).to.have.length(1);
    });

    it('answers a kill of a queued task with TASK_KILLED at once', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      harness.fromMaster('KillTaskOnAgent', { frameworkId: FRAMEWORK_ID, taskId: 'T1' });
      await harness.clock.settle();
      expect(harness.forwarded()[0]?.status).to.include({ taskId: 'T1', state: 'TASK_KILLED', source: 'SOURCE_AGENT', reason: 'REASON_TASK_KILLED_DURING_LAUNCH' });
      const executor = await harness.registerExecutor('T1');
      expect(executor.count('RunTaskOnExecutor')).to.equal(0);
      expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(1);
    });

    it('passes a kill of a launched task to its executor with the kill policy grace period', async () => {
      harness.runTask(AgentHarness.commandTask('T1', 'sleep 60', { killPolicy: { gracePeriodSeconds: 1.5 } }));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.fromMaster('KillTaskOnAgent', { frameworkId: FRAMEWORK_ID, taskId: 'T1' });
      await harness.clock.settle();
      expect(executor.bodies('KillTaskOnExecutor')).to.deep.equal([{ frameworkId: FRAMEWORK_ID, taskId: 'T1', gracePeriodSeconds: 1.5 }]);
    });

    it("a kill's own policy (the framework's KILL call) overrides the task's, as Mesos' (v1 walkthrough: it was dropped)", async () => {
      harness.runTask(AgentHarness.commandTask('T1', 'sleep 60', { killPolicy: { gracePeriodSeconds: 12 } }));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.fromMaster('KillTaskOnAgent', { frameworkId: FRAMEWORK_ID, taskId: 'T1', killPolicy: { gracePeriodSeconds: 1 } });
      await harness.clock.settle();
      expect(executor.bodies('KillTaskOnExecutor')).to.deep.equal([{ frameworkId: FRAMEWORK_ID, taskId: 'T1', gracePeriodSeconds: 1 }]);
    });

    /** Executor E1 runs T1 and T2; T1 has finished (its update not yet acknowledged). Resolves with T1's update. */
    async function twoTasksOneFinished(): Promise<ReturnType<AgentHarness['executorUpdate']> & { executorId: string }> {
      const executorInfo = { executorId: 'E1', command: { value: 'x' } };
      harness.runTask({ ...AgentHarness.commandTask('T1'), command: undefined, executor: executorInfo });
      harness.runTask({ ...AgentHarness.commandTask('T2'), command: undefined, executor: executorInfo });
      await harness.clock.settle();
      const executor = await harness.registerExecutor('E1');
      const finished = { ...harness.executorUpdate('T1', 'TASK_FINISHED'), executorId: 'E1' };
      harness.sendUpdate(executor, finished);
      await harness.clock.settle();
      return finished;
    }

    it('fails live tasks with REASON_EXECUTOR_TERMINATED when the executor exits, keeping an executor terminal update', async () => {
      const finished = await twoTasksOneFinished();
      harness.launcher.run('E1').exit({ code: 1, signal: null });
      await harness.clock.settle();
      harness.acknowledge(finished);
      await harness.clock.settle();
      const updates = harness.forwarded().map((update) => [update.status.taskId, update.status.state, update.status.reason]);
      expect(updates).to.deep.equal([['T1', 'TASK_FINISHED', undefined], ['T2', 'TASK_FAILED', 'REASON_EXECUTOR_TERMINATED']]);
      expect(harness.master.bodies('ExitedExecutor')).to.deep.equal([{ agentId: AGENT_ID, frameworkId: FRAMEWORK_ID, executorId: 'E1', status: 256 }]);
    });

    it("tells the master of a custom executor's exit (ExitedExecutor, its wait status), never of a command executor's, as Mesos' executorTerminated skips an executor generated for a command task (the master does not count it); it did until 2026-12-08", async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      harness.runTask({ ...AgentHarness.commandTask('T2'), command: undefined, executor: { executorId: 'E1', command: { value: 'x' } } });
      await harness.clock.settle();
      harness.launcher.run('T1').exit({ code: 2, signal: null });
      await harness.clock.settle();
      expect(harness.forwarded().map((update) => [update.status.taskId, update.status.state, update.status.reason])).to.deep.equal([['T1', 'TASK_FAILED', 'REASON_EXECUTOR_TERMINATED']]);
      expect(harness.master.bodies('ExitedExecutor'), 'the command executor').to.deep.equal([]);
      harness.launcher.run('E1').exit({ code: null, signal: 'SIGKILL' });
      await harness.clock.settle();
      expect(harness.master.bodies('ExitedExecutor'), 'the custom one').to.deep.equal([{ agentId: AGENT_ID, frameworkId: FRAMEWORK_ID, executorId: 'E1', status: 9 }]);
    });

    it('fails live tasks with the container\'s limitation (reason and message) when its isolation destroyed it, before any pending termination (issue 12)', async () => {
      const finished = await twoTasksOneFinished();
      // The agent was shutting it down when it went past its memory limit: the limitation is what its tasks hear.
      harness.fromMaster('ShutdownExecutor', { frameworkId: FRAMEWORK_ID, executorId: 'E1' });
      await harness.clock.settle();
      const limitation = { reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded: Requested: 96MB Maximum Used: 96MB' } as const;
      harness.launcher.run('E1').exit({ code: null, signal: 'SIGKILL', limitation });
      await harness.clock.settle();
      harness.acknowledge(finished);
      await harness.clock.settle();
      const updates = harness.forwarded().map((update) => [update.status.taskId, update.status.state, update.status.reason, update.status.message, update.status.source]);
      expect(updates).to.deep.equal([
        ['T1', 'TASK_FINISHED', undefined, undefined, 'SOURCE_EXECUTOR'],
        ['T2', 'TASK_FAILED', 'REASON_CONTAINER_LIMITATION_MEMORY', limitation.message, 'SOURCE_AGENT'],
      ]);
    });

    it('holds a container to its tasks: limits at launch, raised with each task sent, lowered as tasks end (issue 12)', async () => {
      const executorInfo = { executorId: 'E1', command: { value: 'x' } };
      harness.runTask({ ...AgentHarness.commandTask('T1'), command: undefined, executor: executorInfo });
      await harness.clock.settle();
      const executor = await harness.registerExecutor('E1');
      harness.runTask({ ...AgentHarness.commandTask('T2'), command: undefined, executor: executorInfo });
      await harness.clock.settle();
      const cpus = (): number[] => harness.launcher.updates.map((update) => Math.round(update.limits.cpus * 100) / 100);
      const launched = harness.launcher.run('E1').launch.limits?.cpus ?? 0;
      expect(cpus().at(-1), 'both tasks').to.be.greaterThan(launched);
      harness.sendUpdate(executor, { ...harness.executorUpdate('T2', 'TASK_FINISHED'), executorId: 'E1' });
      await harness.clock.settle();
      expect(cpus().at(-1), 'T2 ended: back to one task').to.be.closeTo(launched, 1e-9);
      expect(harness.launcher.updates.every((update) => update.runId === harness.launcher.run('E1').launch.runId)).to.equal(true);
    });

    it('gives a container its cpus in thousandths, as Mesos\' fixed-point scalars (0.2 and the executor\'s 0.1 were 0.30000000000000004 in /monitor/statistics: monitoring walkthrough)', async () => {
      harness.runTask(AgentHarness.commandTask('T1', 'sleep 60', { resources: Resources.parse('cpus:0.2;mem:64').toJSON() }));
      await harness.clock.settle();
      expect(harness.launcher.run('T1').launch.limits?.cpus).to.equal(0.3);
    });

    it('holds a command task\'s container to the task\'s resources plus its executor\'s own 0.1 cpus and 32 MB (Mesos\' DEFAULT_EXECUTOR_CPUS and _MEM: its containerizer gets the executor\'s and the task\'s), and any other executor\'s to its resources, its tasks\' and the headroom', async () => {
      const MB = 1024 * 1024;
      harness.runTask(AgentHarness.commandTask('T1', 'sleep 60', { resources: Resources.parse('cpus:0.5;mem:64').toJSON() }));
      const custom = { executorId: 'E2', command: { value: 'x' }, resources: Resources.parse('cpus:0.2;mem:16').toJSON() };
      harness.runTask({ ...AgentHarness.commandTask('T2', 'sleep 60', { resources: Resources.parse('cpus:0.5;mem:64').toJSON() }), command: undefined, executor: custom });
      await harness.clock.settle();
      // Before, a headroom (0.1 cpus and 64 MB) stood in for the command executor's own: 0.6 cpus and 128 MB.
      expect(harness.launcher.run('T1').launch.limits).to.deep.equal({ cpus: 0.6, memBytes: 96 * MB });
      expect(harness.launcher.run('E2').launch.limits).to.deep.equal({ cpus: 0.8, memBytes: 80 * MB + CONTAINER_MEM_HEADROOM_BYTES });
      // A task added to a run raises its limits by the task's, the executor's own counted once.
      const executor = await harness.registerExecutor('E2');
      harness.runTask({ ...AgentHarness.commandTask('T3', 'sleep 60', { resources: Resources.parse('cpus:1;mem:32').toJSON() }), command: undefined, executor: custom });
      await harness.clock.settle();
      expect(harness.launcher.updates.at(-1)?.limits).to.deep.equal({ cpus: 1.8, memBytes: 112 * MB + CONTAINER_MEM_HEADROOM_BYTES });
      expect(executor.count('RunTaskOnExecutor')).to.be.greaterThan(0);
    });

    it('gives a Node.js command executor\'s container (the TypeScript one, for a checkpointing framework) the rest of the 64 MB headroom beyond its own 32 MB: its task keeps the memory it asked for', async () => {
      const MB = 1024 * 1024;
      const node = new AgentHarness({}, undefined, { recoverableCommandExecutor: { value: process.execPath, shell: false, arguments: [process.execPath, 'command-executor.js'] } });
      try {
        await node.register();
        const task = AgentHarness.commandTask('T1', 'sleep 60', { resources: Resources.parse('cpus:0.5;mem:64').toJSON() });
        node.fromMaster('RunTask', { framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u', checkpoint: true }, frameworkId: FRAMEWORK_ID, task });
        await node.clock.settle();
        expect(node.launcher.run('T1').launch.limits).to.deep.equal({ cpus: 0.6, memBytes: 64 * MB + CONTAINER_MEM_HEADROOM_BYTES });
      } finally {
        await node.stop();
      }
    });

    it('destroys what is left of the process tree of an executor that exits, normally or not', async () => {
      const executorInfo = { executorId: 'E1', command: { value: 'x' } };
      harness.runTask(AgentHarness.commandTask('T1'));
      harness.runTask({ ...AgentHarness.commandTask('T2'), command: undefined, executor: executorInfo });
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FINISHED'));
      await harness.clock.settle();
      harness.launcher.run('T1').exit({ code: 0, signal: null });
      harness.launcher.run('E1').exit({ code: 1, signal: null });
      await harness.clock.settle();
      expect(harness.launcher.run('T1').destroyed).to.equal(true);
      expect(harness.launcher.run('E1').destroyed).to.equal(true);
      expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId), 'the custom executor only').to.deep.equal(['E1']);
    });

    it('destroys what an executor left even when it exited before its launch was reported', async () => {
      harness.launcher.exitOnLaunch = { code: 0, signal: null };
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      expect(harness.launcher.run('T1').destroyed).to.equal(true);
      expect(harness.forwarded()[0]?.status).to.include({ taskId: 'T1', state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED' });
    });

    it('answers a task for a terminating executor with TASK_LOST, or TASK_DROPPED for partition-aware frameworks', async () => {
      const executorInfo = { executorId: 'E1', command: { value: 'x' } };
      harness.runTask({ ...AgentHarness.commandTask('T1'), command: undefined, executor: executorInfo });
      await harness.clock.settle();
      await harness.registerExecutor('E1');
      harness.fromMaster('ShutdownExecutor', { frameworkId: FRAMEWORK_ID, executorId: 'E1' });
      harness.runTask({ ...AgentHarness.commandTask('T2'), command: undefined, executor: executorInfo });
      harness.runTask({ ...AgentHarness.commandTask('T3'), command: undefined, executor: executorInfo }, ['PARTITION_AWARE']);
      await harness.clock.settle();
      const states = harness.forwarded().map((update) => [update.status.taskId, update.status.state, update.status.reason]);
      expect(states).to.deep.equal([['T2', 'TASK_LOST', 'REASON_EXECUTOR_TERMINATED'], ['T3', 'TASK_DROPPED', 'REASON_EXECUTOR_TERMINATED']]);
    });

    describe('a custom executor that has exited while its tasks wait for acknowledgements (found by the chaos simulation)', () => {
      const executorInfo = { executorId: 'E1', command: { value: 'x' } };
      const withExecutor = (taskId: string, executorId = 'E1'): TaskInfo => ({ ...AgentHarness.commandTask(taskId), command: undefined, executor: { ...executorInfo, executorId } });
      const runTask = (task: TaskInfo, launchExecutor: boolean): void => {
        harness.fromMaster('RunTask', { framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: FRAMEWORK_ID, task, launchExecutor });
      };

      /** E1 ran T1, sent TASK_FINISHED and exited; the framework has not acknowledged T1's update yet. */
      async function exitedExecutor(): Promise<void> {
        runTask(withExecutor('T1'), true);
        await harness.clock.settle();
        const executor = await harness.registerExecutor('E1');
        harness.sendUpdate(executor, { ...harness.executorUpdate('T1', 'TASK_FINISHED'), executorId: 'E1' });
        await harness.clock.settle();
        harness.launcher.run('E1').exit({ code: 0, signal: null });
        await harness.clock.settle();
      }

      it('is left out of ReregisterAgent, like a Mesos agent leaves it out (seed 45): the master would count it for good', async () => {
        await exitedExecutor();
        harness.host.injectExited(harness.agentPid, UPID.at('master', harness.host.address));
        await harness.clock.advance(3_000);
        const [reregistration] = harness.master.bodies<{ tasks: Task[]; executors: Array<{ executorId: string }> }>('ReregisterAgent');
        expect(reregistration?.tasks.map((task) => [task.taskId, task.state])).to.deep.equal([['T1', 'TASK_FINISHED']]);
        expect(reregistration?.executors).to.deep.equal([]);
      });

      it('drops a task the master means to start it anew, and reports the executor exited again (seed 517)', async () => {
        await exitedExecutor();
        // The master got the first ExitedExecutor, forgot E1, and now tracks it again for T2.
        runTask(withExecutor('T2'), true);
        await harness.clock.settle();
        const t2 = harness.forwarded().filter((update) => update.status.taskId === 'T2').map((update) => [update.status.state, update.status.reason, update.status.message]);
        expect(t2).to.deep.equal([['TASK_LOST', 'REASON_EXECUTOR_TERMINATED', 'Master wants to launch executor, but one already exists']]);
        expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['E1', 'E1']);
        expect(harness.launcher.runs).to.have.length(1);
      });

      it('drops a task for an executor the master believes runs when none does, and shuts down one it no longer tracks', async () => {
        runTask(withExecutor('T1', 'E2'), false); // E2 never ran here: the master, which counts it, is told it exited
        runTask(withExecutor('T2', 'E3'), true);
        await harness.clock.settle();
        const lingering = await harness.registerExecutor('E3');
        runTask(withExecutor('T3', 'E3'), true); // the master forgot E3 (the agent re-registered meanwhile)
        await harness.clock.settle();
        const dropped = harness.forwarded().filter((update) => update.status.state === 'TASK_LOST').map((update) => update.status.taskId);
        expect(dropped).to.deep.equal(['T1', 'T3']);
        expect(harness.launcher.runs.map((run) => run.launch.executorId)).to.deep.equal(['E3']);
        expect(lingering.count('ShutdownExecutorOnExecutor')).to.equal(1);
        expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['E2']);
      });

      it('drops a task the master means to start a custom executor for whose id is a running command executor\'s (its task\'s id), and reports that executor exited at once: the master counts it, and the command executor\'s exit is not reported', async () => {
        harness.runTask(AgentHarness.commandTask('X'));
        await harness.clock.settle();
        runTask(withExecutor('T2', 'X'), true); // the master counts a custom executor X from here on
        await harness.clock.settle();
        const t2 = harness.forwarded().filter((update) => update.status.taskId === 'T2').map((update) => [update.status.state, update.status.message]);
        expect(t2).to.deep.equal([['TASK_LOST', 'Master wants to launch executor, but one already exists']]);
        await harness.clock.advance(60_000);
        expect(harness.launcher.run('X').destroyed, 'the command executor, shut down as Mesos shuts down a lingering executor').to.equal(true);
        // Else the master counted X's resources until the agent re-registered, and dropped each later task on X ('No executor is expected to launch').
        expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['X']);
      });

      it('reports a custom executor the master counts exited when it re-registers, though a command executor of that id (its task\'s) runs here', async () => {
        harness.runTask(AgentHarness.commandTask('X'));
        await harness.clock.settle();
        harness.host.injectExited(harness.agentPid, UPID.at('master', harness.host.address));
        await harness.clock.advance(3_000);
        harness.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, reconciliations: [], executors: [{ frameworkId: FRAMEWORK_ID, executorId: 'X' }] });
        await harness.clock.settle();
        // Not the command executor: the master never counts one, and its exit is not reported.
        expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['X']);
        expect(harness.launcher.run('X').destroyed).to.equal(false);
      });

      it('drops a command task whose id is a running custom executor\'s (TASK_LOST, REASON_TASK_INVALID), as Mesos drops it (MESOS-9657): it was handed to that executor', async () => {
        runTask(withExecutor('T1', 'X'), true);
        await harness.clock.settle();
        const custom = await harness.registerExecutor('X');
        harness.runTask(AgentHarness.commandTask('X'));
        await harness.clock.settle();
        expect(custom.bodies<{ task: { taskId: string } }>('RunTaskOnExecutor').map((body) => body.task.taskId)).to.deep.equal(['T1']);
        const dropped = harness.forwarded().filter((update) => update.status.taskId === 'X').map((update) => [update.status.state, update.status.reason, update.status.message]);
        expect(dropped).to.deep.equal([['TASK_LOST', 'REASON_TASK_INVALID', 'Cannot reuse an already existing executor for a command task']]);
        expect(harness.launcher.runs.map((run) => run.launch.executorId)).to.deep.equal(['X']);
        expect(harness.master.bodies('ExitedExecutor')).to.deep.equal([]);
      });
    });

    it('asks an executor to shut down and kills it after the grace period', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.fromMaster('ShutdownExecutor', { frameworkId: FRAMEWORK_ID, executorId: 'T1' });
      await harness.clock.settle();
      expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(1);
      await harness.clock.advance(harness.flags.executorShutdownGracePeriodMs);
      expect(harness.launcher.run('T1').destroyed).to.equal(true);
    });

    it('relays framework messages both ways', async () => {
      const executorInfo = { executorId: 'E1', command: { value: 'x' } };
      harness.runTask({ ...AgentHarness.commandTask('T1'), command: undefined, executor: executorInfo });
      await harness.clock.settle();
      const executor = await harness.registerExecutor('E1');
      harness.fromMaster('FrameworkToExecutor', { agentId: AGENT_ID, frameworkId: FRAMEWORK_ID, executorId: 'E1', data: 'hi' });
      executor.post(harness.agentPid, 'ExecutorToFramework', { agentId: 'as-the-executor-knows-it', frameworkId: FRAMEWORK_ID, executorId: 'E1', data: 'hello' });
      await harness.clock.settle();
      expect(executor.bodies<{ data: string }>('FrameworkToExecutor').map((body) => body.data)).to.deep.equal(['hi']);
      expect(harness.master.bodies('ExecutorToFramework')).to.deep.equal([{ agentId: AGENT_ID, frameworkId: FRAMEWORK_ID, executorId: 'E1', data: 'hello' }]);
    });

    it('on Shutdown asks every executor to shut down, then terminates once they have exited', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.fromMaster('Shutdown', { message: 'bye' });
      await harness.clock.settle();
      expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(1);
      expect(harness.agent.runtime.state).to.equal('running');
      harness.launcher.run('T1').exit({ code: 0, signal: null });
      await harness.clock.settle();
      expect(harness.agent.runtime.state).to.equal('terminated');
      expect(harness.forwarded()).to.have.length(0);
    });

    it('stop() unregisters from the master, shuts executors down and terminates', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      const stopped = dispatch(harness.agent, (agent) => agent.stop());
      await harness.clock.settle();
      expect(harness.master.bodies('UnregisterAgent')).to.deep.equal([{ agentId: AGENT_ID }]);
      expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(1);
      await harness.clock.advance(harness.flags.executorShutdownGracePeriodMs);
      expect(harness.launcher.run('T1').destroyed).to.equal(true);
      await stopped;
      expect(harness.agent.runtime.state).to.equal('terminated');
    });

    it('shows id, resources in Mesos form, attributes and the master host name in /state', async () => {
      const state = await harness.state();
      expect(state).to.include({ id: AGENT_ID, pid: harness.agentPid.toString(), hostname: 'agent-host', master_hostname: 'master-host' });
      expect(state.resources).to.deep.equal({ cpus: 4, gpus: 0, mem: 4096, disk: 0, ports: '[31000-32000]' });
      expect(state.attributes).to.deep.equal({ rack: 'r1' });
      expect(state.frameworks).to.deep.equal([]);
      expect(state.completed_frameworks).to.deep.equal([]);
    });
  });
});
