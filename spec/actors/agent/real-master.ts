/**
 * For real-process tests: a Probe playing the master on a listening host. It accepts the
 * agent's registration, acknowledges every status update at once, and records everything.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UPID } from '../../../lib/actor';
import type { ActorHost } from '../../../lib/process';
import type { StatusUpdate, TaskInfo, TaskState } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { defaultAgentFlags, NATIVE_COMMAND_EXECUTOR_PATH, startAgent, TYPESCRIPT_COMMAND_EXECUTOR_PATH, type AgentFlags, type AgentHandle } from '../../../actors/agent';
import { eventually, netHost, Probe, quietLogger, type Received } from '../../support/runtime';
import { AgentHarness, MASTER_MESSAGES } from './harness';

export const REAL_FRAMEWORK_ID = 'F1';

/** A master that registers agents and acknowledges their updates. */
export class AckingMaster extends Probe {
  agentId = 'A1';

  constructor() {
    super('master', MASTER_MESSAGES);
  }

  protected override record(received: Received): void {
    super.record(received);
    if (received.name === 'RegisterAgent') {
      this.send(received.from, 'AgentRegistered', { agentId: this.agentId, masterInfo: AgentHarness.masterInfo });
    }
    if (received.name === 'StatusUpdate') {
      const { update } = received.body as { update: StatusUpdate };
      this.send(received.from, 'StatusUpdateAcknowledgement', { agentId: this.agentId, frameworkId: update.frameworkId, taskId: update.status.taskId, uuid: update.uuid });
    }
  }

  updates(taskId?: string): StatusUpdate[] {
    return this.received
      .filter((r) => r.name === 'StatusUpdate')
      .map((r) => (r.body as { update: StatusUpdate }).update)
      .filter((update) => taskId === undefined || update.status.taskId === taskId);
  }

  states(taskId: string): TaskState[] {
    return this.updates(taskId).map((update) => update.status.state);
  }
}

/** A real agent on a listening host with an acking master beside it, in a fresh work dir. */
export class RealCluster {
  host!: ActorHost;
  master!: AckingMaster;
  agent!: AgentHandle;
  workDir!: string;

  static async start(overrides: Partial<AgentFlags> = {}): Promise<RealCluster> {
    const cluster = new RealCluster();
    cluster.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-agent-'));
    cluster.host = await netHost({ logger: quietLogger });
    cluster.master = new AckingMaster();
    cluster.host.spawn(cluster.master);
    const flags = defaultAgentFlags({ switchUser: false, master: cluster.host.address, workDir: cluster.workDir, resources: 'cpus:2;mem:1024;disk:1024', ...overrides });
    cluster.agent = await startAgent({ flags, host: cluster.host });
    await eventually(() => cluster.master.count('RegisterAgent') > 0, 10_000, 'the agent to register');
    return cluster;
  }

  get agentPid(): UPID {
    return this.agent.pid;
  }

  runTask(task: TaskInfo): void {
    this.master.post(this.agentPid, 'RunTask', { framework: { id: REAL_FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: REAL_FRAMEWORK_ID, task });
  }

  static commandTask(taskId: string, command: string, extra: Partial<TaskInfo> = {}): TaskInfo {
    return { name: taskId, taskId, agentId: 'A1', resources: Resources.parse('cpus:0.1;mem:32').toJSON(), command: { value: command }, ...extra };
  }

  /** The sandbox of the executor `executorId` (its one run). */
  sandbox(executorId: string): string {
    const runs = path.join(this.workDir, 'agents', 'A1', 'frameworks', REAL_FRAMEWORK_ID, 'executors', executorId, 'runs');
    // The run's own directory, not the `latest` symlink to it (readdir's order is the file system's).
    const [run] = fs.readdirSync(runs).filter((name) => name !== 'latest');
    if (run === undefined) throw new Error(`no run of ${executorId}`);
    return path.join(runs, run);
  }

  async stop(): Promise<void> {
    await this.agent.stop();
    await this.host.stop();
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** A command executor real-process specs run with: its name, program, and whether it is built. */
export interface CommandExecutorUnderTest {
  readonly name: string;
  readonly path: string;
  readonly built: boolean;
}

/** The TypeScript command executor, and the native one (built when a C compiler was found). */
export const COMMAND_EXECUTORS: readonly CommandExecutorUnderTest[] = [
  { name: 'TypeScript', path: TYPESCRIPT_COMMAND_EXECUTOR_PATH, built: true },
  { name: 'native', path: NATIVE_COMMAND_EXECUTOR_PATH, built: fs.existsSync(NATIVE_COMMAND_EXECUTOR_PATH) },
];

/**
 * One suite per command executor, titled `<what> with the <name> command executor (real
 * processes)` (skipped, saying why, when it is not built), each test on a fresh RealCluster
 * started with that executor (and `overrides`) and stopped after.
 */
export function describeWithEachCommandExecutor(what: string, body: (cluster: () => RealCluster) => void, overrides: Partial<AgentFlags> = {}): void {
  for (const executor of COMMAND_EXECUTORS) {
    const suite = executor.built ? describe : describe.skip;
    suite(`${what} with the ${executor.name} command executor (real processes)${executor.built ? '' : ' (skipped: not built)'}`, function () {
      this.timeout(30_000);
      let cluster: RealCluster | undefined;
      beforeEach(async () => {
        cluster = await RealCluster.start({ executorRegistrationTimeoutMs: 10_000, commandExecutorPath: executor.path, ...overrides });
      });
      afterEach(async () => {
        await cluster?.stop();
        cluster = undefined;
      });
      body(() => {
        if (cluster === undefined) throw new Error('no cluster outside a test');
        return cluster;
      });
    });
  }
}
