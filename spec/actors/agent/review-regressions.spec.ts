/**
 * Regression tests for the protocol bugs a review against Apache Mesos 1.11 found in the agent
 * (issue 7). Each test failed before its fix; the describe titles carry the bug's number.
 */
import { expect } from 'chai';
import { dispatch, UPID } from '../../../lib/actor';
import type { StatusUpdate, Task } from '../../../lib/protocol';
import { MASTER_PING_TIMEOUT_MS, MAX_REMEMBERED_EXECUTOR_REPORTS } from '../../../actors/agent/constants';
import { AGENT_ID, AgentHarness, FRAMEWORK_ID } from './harness';

describe('agent: regressions from the review against Mesos (issue 7)', () => {
  let harness: AgentHarness;

  afterEach(async () => {
    await harness.stop();
  });

  /** The link to the master breaks as a lost socket breaks it. */
  function breakMasterLink(): void {
    harness.host.breakLink(harness.agentPid, UPID.at('master', harness.host.address));
  }

  describe('3. latest_state on forwarded updates', () => {
    /** A fresh registered agent running command task `taskId`, and its executor, registered. */
    async function registeredExecutor(taskId: string): Promise<Awaited<ReturnType<AgentHarness['registerExecutor']>>> {
      harness = new AgentHarness();
      await harness.register();
      harness.runTask(AgentHarness.commandTask(taskId));
      await harness.clock.settle();
      return harness.registerExecutor(taskId);
    }

    it('tells the master the task\'s latest state with the unacknowledged head it re-sends', async () => {
      const executor = await registeredExecutor('T1');
      for (const state of ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'] as const) harness.sendUpdate(executor, harness.executorUpdate('T1', state));
      await harness.clock.settle();
      const first = harness.forwarded();
      expect(first.map((update) => update.status.state)).to.deep.equal(['TASK_STARTING']);
      await harness.clock.advance(10_000);
      const retried = harness.forwarded()[1] as StatusUpdate & { latestState?: string };
      expect(retried.status.state).to.equal('TASK_STARTING');
      expect(retried.latestState).to.equal('TASK_FINISHED');
    });

    it('never passes on a latest state the executor put in its update: the agent\'s own view goes, or none when it is the update\'s own state', async () => {
      const executor = await registeredExecutor('T1');
      // A buggy or hostile executor says its running task is finished: the master would free its resources.
      harness.sendUpdate(executor, { ...harness.executorUpdate('T1', 'TASK_RUNNING'), latestState: 'TASK_FINISHED' });
      await harness.clock.settle();
      const forwarded = harness.forwarded() as Array<StatusUpdate & { latestState?: string }>;
      expect(forwarded.map((update) => [update.status.state, update.latestState])).to.deep.equal([['TASK_RUNNING', 'TASK_RUNNING']]);
    });
  });

  describe('5. the ping timeout the master announces', () => {
    it('waits for the total ping timeout the master sends, not its own 75 s default', async () => {
      harness = new AgentHarness({ masterPingTimeoutMs: MASTER_PING_TIMEOUT_MS });
      await harness.clock.advance(harness.flags.registrationBackoffFactorMs);
      harness.fromMaster('AgentRegistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, connection: { totalPingTimeoutSeconds: 600 } });
      await harness.clock.settle();
      await harness.clock.advance(MASTER_PING_TIMEOUT_MS + 60_000);
      expect(harness.master.count('ReregisterAgent')).to.equal(0);
      await harness.clock.advance(600_000);
      expect(harness.master.count('ReregisterAgent')).to.be.greaterThan(0);
    });
  });

  describe('8. RunTask while disconnected', () => {
    it('launches a task that arrives while the agent is re-registering (only recovery or termination ignore it)', async () => {
      harness = new AgentHarness();
      await harness.register();
      breakMasterLink();
      await harness.clock.settle();
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      expect(harness.launcher.runs.map((run) => run.launch.executorId)).to.deep.equal(['T1']);
    });
  });

  describe('9. the allocation role of each task', () => {
    it('reports each task\'s role (from RunTask) when re-registering', async () => {
      harness = new AgentHarness();
      await harness.register();
      harness.fromMaster('RunTask', {
        framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u', roles: ['web', 'analytics'], capabilities: ['MULTI_ROLE'] },
        frameworkId: FRAMEWORK_ID, task: AgentHarness.commandTask('T1'), role: 'analytics',
      });
      await harness.clock.settle();
      breakMasterLink();
      await harness.clock.advance(3_000);
      const [reregistration] = harness.master.bodies<{ tasks: Task[] }>('ReregisterAgent');
      expect(reregistration?.tasks.map((task) => [task.taskId, task.role])).to.deep.equal([['T1', 'analytics']]);
    });
  });

  describe('found by the simulation\'s new faults', () => {
    it('reports each executor the master counts but that does not run here as exited, when it re-registers', async () => {
      harness = new AgentHarness();
      await harness.register();
      breakMasterLink();
      await harness.clock.advance(3_000);
      harness.fromMaster('AgentReregistered', {
        agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, reconciliations: [], executors: [{ frameworkId: FRAMEWORK_ID, executorId: 'E5' }],
      });
      await harness.clock.settle();
      expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['E5']);
    });

    /** Runs task `taskId` under custom executor `executorId` on a registered harness agent. */
    async function runUnderCustomExecutor(executorId: string, taskId: string): Promise<void> {
      harness.runTask({ ...AgentHarness.commandTask(taskId), command: undefined, executor: { executorId, command: { value: 'x' } } });
      await harness.clock.settle();
    }

    /** The executor's process ends (exit 0). */
    async function endExecutor(executorId: string): Promise<void> {
      harness.launcher.run(executorId).exit({ code: 0, signal: null });
      await harness.clock.settle();
    }

    /** The agent loses its master (the link breaks) and asks to re-register. */
    async function loseMaster(): Promise<void> {
      breakMasterLink();
      await harness.clock.advance(3_000);
    }

    /** An answer to a ReregisterAgent, counting these custom executors on the agent. */
    async function answerReregistration(counted: readonly string[]): Promise<void> {
      harness.fromMaster('AgentReregistered', {
        agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, reconciliations: [], executors: counted.map((executorId) => ({ frameworkId: FRAMEWORK_ID, executorId })),
      });
      await harness.clock.settle();
    }

    /** The executors the agent reported exited, in order. */
    function exitedExecutors(): string[] {
      return harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId);
    }

    /** The exits the agent remembers having told its master (`reportedNotRunning`), oldest first. */
    function rememberedReports(): Promise<string[]> {
      return dispatch(harness.agent, (agent) => [...(agent as unknown as { reportedNotRunning: Set<string> }).reportedNotRunning]);
    }

    it('does not report an executor whose exit it told the master since re-registering, when a retried re-registration\'s answer still counts it (chaos seed 1400014)', async () => {
      harness = new AgentHarness();
      await harness.register();
      await runUnderCustomExecutor('E1', 'T1');
      await loseMaster();
      // The answer to the first ReregisterAgent: E1 runs, as the master counts.
      await answerReregistration(['E1']);
      // E1 ends (its task killed), and the agent tells the master so.
      await endExecutor('E1');
      expect(exitedExecutors()).to.deep.equal(['E1']);
      // The answer to a retried ReregisterAgent, made before that ExitedExecutor reached the master: it still counts E1.
      // A second report could reach the master after the framework launched E1 anew, and end the new E1 in its books.
      await answerReregistration(['E1']);
      expect(exitedExecutors()).to.deep.equal(['E1']);
    });

    it('remembers no report while registered anew (no re-registration\'s answer can come), and remembers them again once re-registered', async () => {
      harness = new AgentHarness();
      await harness.register();
      await runUnderCustomExecutor('E1', 'T1');
      await endExecutor('E1');
      expect(exitedExecutors()).to.deep.equal(['E1']);
      // One key per ended executor for as long as the master is not lost was ~150 B a task at the scale bench.
      expect(await rememberedReports()).to.deep.equal([]);
      await loseMaster();
      await answerReregistration([]);
      await runUnderCustomExecutor('E2', 'T2');
      await endExecutor('E2');
      expect(await rememberedReports()).to.deep.equal([`${FRAMEWORK_ID}/E2`]);
    });

    it(`once re-registered, remembers custom executors' reported exits only (the master counts no command executor), at most ${MAX_REMEMBERED_EXECUTOR_REPORTS.toLocaleString('en-US')}, the oldest forgotten first`, async () => {
      harness = new AgentHarness();
      await harness.register();
      await loseMaster();
      await answerReregistration([]);
      // A command task's executor: not told (Mesos' executorTerminated: since 2026-12-08), not remembered.
      harness.runTask(AgentHarness.commandTask('C1'));
      await harness.clock.settle();
      await endExecutor('C1');
      expect(exitedExecutors()).to.deep.equal([]);
      expect(await rememberedReports()).to.deep.equal([]);
      // One custom executor more than the bound, each ended in turn.
      for (let index = 0; index <= MAX_REMEMBERED_EXECUTOR_REPORTS; index++) {
        await runUnderCustomExecutor(`E${index}`, `T${index}`);
        await endExecutor(`E${index}`);
      }
      const kept = await rememberedReports();
      expect(kept).to.have.length(MAX_REMEMBERED_EXECUTOR_REPORTS);
      expect(kept[0]).to.equal(`${FRAMEWORK_ID}/E1`);
      expect(kept.at(-1)).to.equal(`${FRAMEWORK_ID}/E${MAX_REMEMBERED_EXECUTOR_REPORTS}`);
    });

    it('reports an executor whose exit went out while it had lost its master, when the re-registration\'s answer counts it', async () => {
      harness = new AgentHarness();
      await harness.register();
      await runUnderCustomExecutor('E1', 'T1');
      await loseMaster();
      // E1 ends before the agent is re-registered: what it sent then may never have reached a master.
      await endExecutor('E1');
      const before = exitedExecutors().length;
      await answerReregistration(['E1']);
      expect(exitedExecutors().slice(before)).to.deep.equal(['E1']);
    });

    it('tells the master an executor it expects to run is not here (RunTask without launchExecutor, none running)', async () => {
      harness = new AgentHarness();
      await harness.register();
      const executor = { executorId: 'E1', command: { value: 'x' } };
      harness.fromMaster('RunTask', {
        framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: FRAMEWORK_ID,
        task: { ...AgentHarness.commandTask('T1'), command: undefined, executor }, launchExecutor: false,
      });
      await harness.clock.settle();
      expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['E1']);
      expect(harness.forwarded().map((update) => update.status.state)).to.deep.equal(['TASK_LOST']);
    });

    it('reports a custom executor the master counts but that never started here as exited, and the task it lists lost', async () => {
      harness = new AgentHarness();
      await harness.register();
      breakMasterLink();
      await harness.clock.advance(3_000);
      harness.fromMaster('AgentReregistered', {
        agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, reconciliations: [{ frameworkId: FRAMEWORK_ID, taskId: 'T9' }],
        executors: [{ frameworkId: FRAMEWORK_ID, executorId: 'E9' }],
      });
      await harness.clock.settle();
      expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['E9']);
      expect(harness.forwarded().map((update) => [update.status.taskId, update.status.state])).to.deep.equal([['T9', 'TASK_LOST']]);
    });

    it('a RunTask that arrives before the late AgentRegistered waits for it and is launched then, not dropped (chaos seed 528)', async () => {
      harness = new AgentHarness();
      await harness.clock.advance(harness.flags.registrationBackoffFactorMs); // it asked to register; the reply is late
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      expect(harness.launcher.runs).to.have.length(0);
      harness.fromMaster('AgentRegistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
      await harness.clock.settle();
      expect(harness.launcher.runs.map((run) => run.launch.executorId)).to.deep.equal(['T1']);
    });
  });
});
