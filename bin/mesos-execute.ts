#!/usr/bin/env node
/**
 * mesos-execute: runs one shell command as a task, prints each state change and the task's
 * stdout, and exits 0 on TASK_FINISHED (1 otherwise).
 *
 *   mesos-execute --master 127.0.0.1:5050 --name hello --command 'echo hello' [--resources 'cpus:0.1;mem:32']
 */
import { Resources } from '../lib/resources';
import { isTerminalState, type Offer, type TaskStatus } from '../lib/protocol';
import { createCommand, flag, parseDurationFlag, parseMasterFlag, parseResourceFlag } from '../lib/flags';
import { fitResources } from '../actors/framework/offers';
import { Scheduler, type SchedulerOptions } from '../actors/framework/scheduler';
import type { TlsFlags, TlsOptions } from '../lib/process/tls';
import { addCredentialOptions, CLIENT_MASTER_TIMEOUT_MS, credentialFrom, fail, getJson, requireMaster, startClientHost, useHttpCredential } from './client';
import { addTlsOptions, tlsFromOptions } from './tls';

/** Task resources when `--resources` is not given (Mesos' mesos-execute uses cpus:1;mem:128; a tenth is plenty for a command). */
export const DEFAULT_TASK_RESOURCES = 'cpus:0.1;mem:32';
/** Longest stdout printed after the task ends. */
export const MAX_STDOUT_BYTES = 1024 * 1024;

interface ExecuteFlags extends TlsFlags {
  master: string;
  name: string;
  command: string;
  resources: string;
  role: string;
  ip: string;
  master_timeout: number;
  principal?: string;
  secret?: string;
  secret_file?: string;
}

class Execute extends Scheduler {
  /** The task's terminal status, once it has one. */
  readonly done: Promise<TaskStatus>;
  private resolveDone!: (status: TaskStatus) => void;
  /** True once the task has been launched. */
  private launched = false;

  constructor(options: SchedulerOptions, private readonly flags: ExecuteFlags) {
    super(options);
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
  }

  protected override registered(frameworkId: string): void {
    process.stdout.write(`Subscribed with ID ${frameworkId}\n`);
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const picked = this.launched ? undefined : fitResources(offer, Resources.parse(this.flags.resources));
      if (!picked) {
        this.decline(offer.id);
        continue;
      }
      this.launched = true;
      this.launch(offer.id, [{ name: this.flags.name, taskId: this.flags.name, agentId: offer.agentId, resources: picked.toJSON(), command: { value: this.flags.command } }]);
      process.stdout.write(`Submitted task '${this.flags.name}' to agent '${offer.agentId}'\n`);
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    const message = status.message ? ` (${status.message})` : '';
    process.stdout.write(`Received status update ${status.state} for task '${status.taskId}'${message}\n`);
    if (isTerminalState(status.state)) this.resolveDone(status);
  }

  protected override error(message: string): void {
    fail('mesos-execute', `framework error: ${message}`);
  }

  protected override noMaster(waitedMs: number): void {
    fail('mesos-execute', `no master at ${this.flags.master} for ${waitedMs / 1000} s; giving up`);
  }
}

async function main(): Promise<void> {
  const program = addTlsOptions(addCredentialOptions(createCommand('mesos-execute', 'Run one shell command as a task and print what happens to it.')))
    .addOption(flag('--master <host:port|zk://...>', 'the master, or zk://host:port[,host:port...]/path to follow the leader in ZooKeeper').argParser(parseMasterFlag).makeOptionMandatory())
    .addOption(flag('--name <name>', 'task (and framework) name').makeOptionMandatory())
    .addOption(flag('--command <command>', 'shell command to run').makeOptionMandatory())
    .addOption(flag('--resources <resources>', 'task resources').argParser(parseResourceFlag).default(DEFAULT_TASK_RESOURCES))
    .addOption(flag('--role <role>', 'role to be offered resources for').default('*'))
    .addOption(flag('--ip <ip>', 'IP address to listen on for the master').default('127.0.0.1'))
    .addOption(flag('--master_timeout <duration>', 'give up after this long without a master').argParser(parseDurationFlag).default(CLIENT_MASTER_TIMEOUT_MS, '1mins'))
    .parse(process.argv);
  const flags = program.opts<ExecuteFlags>();
  const credential = credentialFrom('mesos-execute', flags);
  useHttpCredential(credential);
  const tls = tlsFromOptions('mesos-execute', flags);
  const address = await requireMaster('mesos-execute', flags.master, flags.master_timeout, tls);
  const host = await startClientHost(flags.ip, 'error', tls);
  const execute = new Execute({ master: flags.master, framework: { name: flags.name, user: process.env.USER ?? 'root', roles: [flags.role] }, masterTimeoutMs: flags.master_timeout, ...(credential !== undefined ? { credential } : {}) }, flags);
  host.spawn(execute);
  const status = await execute.done;
  await printStdout(address, status, tls).catch((error: Error) => process.stderr.write(`mesos-execute: could not read the task's stdout: ${error.message}\n`));
  execute.stop();
  await host.stop();
  process.exit(status.state === 'TASK_FINISHED' ? 0 : 1);
}

/** Finds the task's sandbox through the master and agent state, and prints its stdout. */
async function printStdout(master: string, status: TaskStatus, tls: TlsOptions | undefined): Promise<void> {
  if (!status.agentId) return;
  const options = tls ? { tls } : {};
  const state = await getJson<{ slaves: Array<{ id: string; pid: string }> }>(master, '/master/state', options);
  const agent = state.slaves.find((slave) => slave.id === status.agentId);
  if (!agent) return;
  const [agentId, agentAddress] = agent.pid.split('@') as [string, string];
  const agentState = await getJson<AgentState>(agentAddress, `/${agentId}/state`, options);
  const directory = findDirectory(agentState, status.taskId);
  if (!directory) return;
  // The agent serves at most a page per read (FILES_MAX_READ_BYTES): read until done or the cap.
  const file = encodeURIComponent(`${directory}/stdout`);
  for (let offset = 0; offset < MAX_STDOUT_BYTES;) {
    const read = await getJson<{ data: string }>(agentAddress, `/files/read?path=${file}&offset=${offset}&length=${MAX_STDOUT_BYTES - offset}`, options);
    if (read.data.length === 0) return;
    process.stdout.write(read.data);
    offset += Buffer.byteLength(read.data);
  }
  process.stdout.write(`mesos-execute: (stdout cut at ${MAX_STDOUT_BYTES} bytes)\n`);
}

interface AgentState {
  frameworks: AgentFramework[];
  completed_frameworks: AgentFramework[];
}
interface AgentFramework {
  executors: AgentExecutor[];
  completed_executors?: AgentExecutor[];
}
interface AgentExecutor {
  directory: string;
  tasks?: Array<{ id: string }>;
  completed_tasks?: Array<{ id: string }>;
  queued_tasks?: Array<{ id: string }>;
}

function findDirectory(state: AgentState, taskId: string): string | undefined {
  const frameworks = [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])];
  for (const framework of frameworks) {
    for (const executor of [...(framework.executors ?? []), ...(framework.completed_executors ?? [])]) {
      const tasks = [...(executor.tasks ?? []), ...(executor.completed_tasks ?? []), ...(executor.queued_tasks ?? [])];
      if (tasks.some((task) => task.id === taskId)) return executor.directory;
    }
  }
  return undefined;
}

void main().catch((error: Error) => fail('mesos-execute', error.message));
