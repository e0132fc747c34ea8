#!/usr/bin/env node
/**
 * mesos-execute: runs one shell command as a task, prints each state change, then the task's
 * stdout (on stdout) and stderr (on stderr, after a label line), and exits 0 on TASK_FINISHED
 * (1 otherwise). Ctrl-C kills the task and exits 130. When no offer can hold the task it says
 * what is missing, and gives up after `--offer_wait_timeout` (exit 1).
 *
 *   mesos-execute --master 127.0.0.1:5050 --name hello --command 'echo hello' [--resources 'cpus:0.1;mem:32']
 *   mesos-execute --master 127.0.0.1:5050 --task file:///path/task.json   # Mesos' TaskInfo in v1 JSON (command URIs and all)
 *   mesos-execute --master 127.0.0.1:5050 --task_group file:///path/group.json   # a TaskGroupInfo: its tasks on the default executor
 *
 * With `--task_group` the tasks run together on the agent's default executor (LAUNCH_GROUP), each
 * task's stdout and stderr are printed in turn once all have ended, and the exit is 0 only when
 * every task finished.
 */
import { flagFilePath, FILE_URL_PREFIX, readBoundedFile } from '../lib/flag-file';
import * as path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parseV1TaskGroupInfo, parseV1TaskInfo } from '../lib/v1/scheduler';
import { Resources } from '../lib/resources';
import { idError } from '../lib/protocol/ids';
import { isTerminalState, type ExecutorInfo, type Offer, type TaskInfo, type TaskStatus } from '../lib/protocol';
import { createCommand, flag, parseBooleanFlag, parseDurationFlag, parseMasterFlag, parseResourceFlag } from '../lib/flags';
import { fitResources, UnfitOffers } from '../actors/framework/offers';
import { UNFIT_OFFERS_EXPLAIN_AFTER_MS } from '../actors/framework/constants';
import { Scheduler, type SchedulerOptions } from '../actors/framework/scheduler';
import { dispatch, type Timer } from '../lib/actor';
import type { ActorHost } from '../lib/process';
import type { TlsFlags, TlsOptions } from '../lib/process/tls';
import { addCredentialOptions, CLIENT_MASTER_TIMEOUT_MS, credentialFrom, DEFAULT_OFFER_WAIT_TIMEOUT_MS, endOnSigusr1, fail, getJson, reportMasterBack, reportMasterLost, requireMaster, startClientHost, useHttpCredential, type CredentialOptions } from './client';
import { shownZooKeeperUrl } from '../lib/ha/zookeeper';
import { addTlsOptions, tlsFromOptions } from './tls';

/** Task resources when `--resources` is not given (Mesos' mesos-execute uses cpus:1;mem:128; a tenth is plenty for a command). */
export const DEFAULT_TASK_RESOURCES = 'cpus:0.1;mem:32';
/** Longest stdout (and, separately, stderr) printed after the task ends: a terminal, not a log store. */
export const MAX_STDOUT_BYTES = 1024 * 1024;
/** After Ctrl-C, how long to wait for TASK_KILLED before exiting anyway (the executor's kill grace is shorter). */
export const INTERRUPT_KILL_WAIT_MS = 5_000;
/** The default executor's resources for `--task_group` (what Mesos' mesos-execute gives it). */
export const TASK_GROUP_EXECUTOR_RESOURCES = 'cpus:0.1;mem:32;disk:32';
/** The default executor's id for `--task_group` (Mesos' mesos-execute's). */
export const TASK_GROUP_EXECUTOR_ID = 'default-executor';
/** Exit code after Ctrl-C (128 + SIGINT), as a shell reports an interrupted command. */
export const INTERRUPTED_EXIT_CODE = 130;
/** Declining offers that cannot hold the task for this long gets one line saying what is missing (shared with mesos-batch). */
export { UNFIT_OFFERS_EXPLAIN_AFTER_MS };

/** mesos-execute's flags, as parsed. */
export interface ExecuteFlags extends TlsFlags, CredentialOptions {
  master: string;
  /** The task's (and framework's) name; with `task`, unset. */
  name: string;
  /** The shell command; with `task`, unset. */
  command: string;
  /** Mesos' `--task`: the whole TaskInfo (its `agent_id` set at launch); `name`, `command` and `resources` then come from it. */
  task?: TaskInfo;
  /** Mesos' `--task_group`: the tasks of a TaskGroupInfo, launched together on the default executor (instead of `task`, `name`, `command`). */
  task_group?: TaskInfo[];
  resources: string;
  role: string;
  ip: string;
  master_timeout: number;
  offer_wait_timeout: number;
  /** Mesos' `--checkpoint`: the framework checkpoints (its task outlives an agent restart). */
  checkpoint: boolean;
}

/** How a Ctrl-C ended: the task's state then, if it had been launched. */
export type Interrupted = { launched: false } | { launched: true; taskIds: string[] };

/**
 * mesos-execute's scheduler: one task, or one task group on the default executor, what happens
 * to it printed as Mesos' mesos-execute prints it.
 */
export class Execute extends Scheduler {
  /** The tasks' terminal statuses, in the order they ended, once every task has one. */
  readonly done: Promise<TaskStatus[]>;
  private resolveDone!: (statuses: TaskStatus[]) => void;
  /** Terminal statuses so far, by task id. */
  private readonly ended = new Map<string, TaskStatus>();
  /** True once the task has been launched. */
  private launched = false;
  /** The offers declined for being too small, and the task's resources (for explaining). */
  private readonly unfit: UnfitOffers;
  /** Says once what is missing, `UNFIT_OFFERS_EXPLAIN_AFTER_MS` after the first offer that could not fit. */
  private explainTimer: Timer | undefined;
  /** Gives up `--offer_wait_timeout` after subscribing if the task was never launched. */
  private offerWaitTimer: Timer | undefined;
  /** The tasks it launches (one, or a task group's), but for their agent and the resources picked from the offer. */
  private readonly templates: readonly TaskInfo[];
  /** The default executor a task group runs on (its framework id is filled in by the master). */
  private readonly groupExecutor: ExecutorInfo | undefined;

  /** @param print where its lines go (default standard output) */
  constructor(options: SchedulerOptions, private readonly flags: ExecuteFlags, private readonly print: (text: string) => void = (text) => { process.stdout.write(text); }) {
    super(options);
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
    this.templates = flags.task_group ?? [flags.task ?? { name: flags.name, taskId: flags.name, agentId: '', resources: Resources.parse(flags.resources).toJSON(), command: { value: flags.command } }];
    this.groupExecutor = flags.task_group === undefined ? undefined : { executorId: TASK_GROUP_EXECUTOR_ID, type: 'DEFAULT', resources: Resources.parse(TASK_GROUP_EXECUTOR_RESOURCES).toJSON() };
    // A group's executor is new on the agent: its resources must fit too (Mesos' mesos-execute fits the tasks only, and the master refuses the rest).
    const wanted = this.templates.reduce((sum, task) => sum.add(Resources.fromJSON(task.resources)), Resources.fromJSON(this.groupExecutor?.resources ?? []));
    this.unfit = new UnfitOffers(wanted);
  }

  /** What the launch is called in messages: the task, or the group's tasks. */
  private get what(): string {
    return this.groupExecutor === undefined ? `task '${this.templates[0]?.name ?? ''}'` : `task group [${this.templates.map((task) => task.taskId).join(', ')}]`;
  }

  /** `host:port` of the master this scheduler follows now (after a failover, the new leader's). */
  get masterAddress(): string {
    return this.master.address;
  }

  /** Ctrl-C: kills the task if it was launched (the caller waits for `done`). */
  interrupt(): Interrupted {
    this.cancelTimers();
    if (!this.launched) return { launched: false };
    const live = this.templates.map((task) => task.taskId).filter((taskId) => !this.ended.has(taskId));
    for (const taskId of live) this.kill(taskId);
    return { launched: true, taskIds: live };
  }

  protected override registered(frameworkId: string): void {
    this.print(`Subscribed with ID ${frameworkId}\n`);
    this.offerWaitTimer ??= this.delay(this.flags.offer_wait_timeout, () => this.giveUpWaiting());
    // Said after a while whether or not any offer came (with none, it waited the whole
    // --offer_wait_timeout in silence: walkthrough).
    this.explainTimer ??= this.delay(UNFIT_OFFERS_EXPLAIN_AFTER_MS, () => process.stderr.write(`mesos-execute: ${this.explanation()}\n`));
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const picked = this.launched ? undefined : this.pick(offer);
      if (!picked) {
        if (!this.launched) this.noteUnfit(offer);
        this.decline(offer.id);
        continue;
      }
      this.launched = true;
      this.cancelTimers();
      if (this.groupExecutor === undefined) {
        this.launch(offer.id, picked);
        this.print(`Submitted task '${this.templates[0]?.name ?? ''}' to agent '${offer.agentId}'\n`);
      } else {
        this.launchGroup(offer.id, this.groupExecutor, picked);
        this.print(`Submitted task group with tasks [ ${picked.map((task) => task.taskId).join(', ')} ] to agent '${offer.agentId}'\n`);
      }
    }
  }

  /**
   * The tasks with resources picked from `offer` for each in turn (after the group's executor's),
   * or undefined when the offer cannot hold them all.
   */
  private pick(offer: Offer): TaskInfo[] | undefined {
    if (fitResources(offer, this.unfit.wanted) === undefined) return undefined;
    let left = Resources.fromJSON(offer.resources);
    const take = (wanted: Resources): Resources | undefined => {
      const picked = fitResources({ ...offer, resources: left.toJSON() }, wanted);
      if (picked !== undefined) left = left.subtract(picked);
      return picked;
    };
    if (this.groupExecutor !== undefined && take(Resources.fromJSON(this.groupExecutor.resources)) === undefined) return undefined;
    const tasks: TaskInfo[] = [];
    for (const template of this.templates) {
      const picked = take(Resources.fromJSON(template.resources));
      if (picked === undefined) return undefined;
      tasks.push({ ...template, agentId: offer.agentId, resources: picked.toJSON() });
    }
    return tasks;
  }

  /** Each update as Mesos' mesos-execute prints it: the state, then its message, source, reason and health, each on a line of its own. */
  protected override statusUpdate(status: TaskStatus): void {
    const lines = [`Received status update ${status.state} for task '${status.taskId}'`];
    if (status.message !== undefined) lines.push(`  message: '${status.message}'`);
    if (status.source !== undefined) lines.push(`  source: ${status.source}`);
    if (status.reason !== undefined) lines.push(`  reason: ${status.reason}`);
    // C++'s `cout << bool`, as Mesos prints it: 1 or 0.
    if (status.healthy !== undefined) lines.push(`  healthy?: ${status.healthy ? 1 : 0}`);
    this.print(`${lines.join('\n')}\n`);
    if (isTerminalState(status.state) && this.templates.some((task) => task.taskId === status.taskId) && !this.ended.has(status.taskId)) {
      this.ended.set(status.taskId, status);
      if (this.ended.size === this.templates.length) this.resolveDone([...this.ended.values()]);
    }
  }

  /** Remembers the declined offer that comes closest to holding the task, and starts the explain timer. */
  private noteUnfit(offer: Offer): void {
    this.unfit.note(offer);
    this.explainTimer ??= this.delay(UNFIT_OFFERS_EXPLAIN_AFTER_MS, () => process.stderr.write(`mesos-execute: ${this.explanation()}\n`));
  }

  /** One sentence: what the task wants and what the closest offer lacks. */
  private explanation(): string {
    return this.unfit.explain(this.what);
  }

  private giveUpWaiting(): void {
    if (this.launched) return;
    fail('mesos-execute', `${this.explanation()}; gave up after --offer_wait_timeout ${this.flags.offer_wait_timeout / 1000} s`);
  }

  private cancelTimers(): void {
    this.explainTimer?.cancel();
    this.offerWaitTimer?.cancel();
  }

  protected override error(message: string): void {
    fail('mesos-execute', `framework error: ${message}`);
  }

  protected override noMaster(waitedMs: number): void {
    fail('mesos-execute', `no master at ${shownZooKeeperUrl(this.flags.master)} for ${waitedMs / 1000} s; giving up`);
  }

  protected override disconnected(): void {
    reportMasterLost('mesos-execute', this.master.toString(), this.flags.master_timeout);
  }

  protected override reregistered(): void {
    reportMasterBack('mesos-execute', this.master.toString());
    this.reconcileTask();
  }

  protected override agentLost(): void {
    this.reconcileTask();
  }

  /** Asks about the tasks once launched and not ended: one the master no longer knows (its agent never came back) is answered TASK_LOST, not waited for in vain. */
  private reconcileTask(): void {
    if (!this.launched) return;
    const live = this.templates.filter((task) => !this.ended.has(task.taskId)).map((task) => ({ taskId: task.taskId }));
    if (live.length > 0) this.reconcile(live);
  }
}

/**
 * `--task`'s value: a TaskInfo in Mesos' v1 JSON, inline, or in a file named `file:///path` or
 * `/path` (as Mesos' mesos-execute reads it). Throws, naming the problem, for a file that cannot
 * be read, text that is not JSON, or a TaskInfo the v1 scheduler API would refuse.
 */
export function parseTaskFlag(value: string): TaskInfo {
  const parsed = parseV1TaskInfo(flagJson(value));
  if (!parsed.ok) throw new InvalidArgumentError(`not a TaskInfo: ${parsed.error}`);
  return parsed.task;
}

/**
 * `--task_group`'s value: a TaskGroupInfo in Mesos' v1 JSON (`{"tasks": [...]}`, each task's
 * `agent_id` unset), inline or in a file, as `--task` reads one. Throws, naming the problem.
 */
export function parseTaskGroupFlag(value: string): TaskInfo[] {
  const parsed = parseV1TaskGroupInfo(flagJson(value));
  if (!parsed.ok) throw new InvalidArgumentError(`not a TaskGroupInfo: ${parsed.error}`);
  return parsed.tasks;
}

/** A JSON flag's value: inline, or read (bounded) from the file `file:///path` or `/path` names. */
function flagJson(value: string): unknown {
  const file = value.startsWith(FILE_URL_PREFIX) || value.startsWith('/') ? flagFilePath(value) : undefined;
  let text = value;
  if (file !== undefined) {
    try {
      // Bounded, a regular file only: a FIFO or a device (`/dev/zero`) would hang the read or fill memory.
      text = readBoundedFile(file);
    } catch (error) {
      throw new InvalidArgumentError(`cannot read '${file}': ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${(error as Error).message}`);
  }
}

/**
 * Why the flags mix `--task` with what it replaces, or lack what they need without it (Mesos'
 * words), or give a `--name` that cannot be the task's id (empty, `..`, a `/`...), or undefined.
 */
export function taskFlagsError(flags: Pick<ExecuteFlags, 'task' | 'task_group' | 'name' | 'command'>, resourcesGiven: boolean): string | undefined {
  if (flags.task !== undefined && flags.task_group !== undefined) return "Either task or task group should be set but not both. Provide either '--task' OR '--task_group'";
  const whole = flags.task !== undefined ? '--task' : flags.task_group !== undefined ? '--task_group' : undefined;
  if (whole !== undefined) {
    if (flags.name !== undefined || flags.command !== undefined || resourcesGiven) return `'--name', '--command' and '--resources' can only be set when '${whole}' is not set (the ${whole === '--task' ? 'task gives its own' : 'tasks give their own'})`;
    return undefined;
  }
  if (flags.name === undefined) return 'Missing required option --name (or give the whole task with --task, or a task group with --task_group)';
  // The name is the task's id too (as in Mesos' mesos-execute): one the master would refuse fails here, not as a TASK_ERROR.
  if (flags.name === '') return '--name is empty: the task needs a name (it is its id too)';
  const badId = idError(flags.name);
  if (badId !== undefined) return `--name '${flags.name}' is the task's id too, and not a valid one: ${badId}`;
  if (flags.command === undefined) return 'Missing required option --command (or give the whole task with --task, or a task group with --task_group)';
  return undefined;
}

async function main(): Promise<void> {
  const program = addTlsOptions(addCredentialOptions(createCommand('mesos-execute', 'Run one shell command as a task and print what happens to it.')))
    .addOption(flag('--master <host:port|zk://...>', 'the master, or zk://host:port[,host:port...]/path to follow the leader in ZooKeeper').argParser(parseMasterFlag).makeOptionMandatory())
    .addOption(flag('--task <json|file:///path|/path>', 'the task as Mesos\' TaskInfo in v1 JSON, inline or in a file (its agent_id need not be set); instead of --name, --command and --resources').argParser(parseTaskFlag))
    .addOption(flag('--task_group <json|file:///path|/path>', 'a task group as Mesos\' TaskGroupInfo in v1 JSON ({"tasks": [...]}), inline or in a file: its tasks run together on the agent\'s default executor; instead of --name, --command and --resources').argParser(parseTaskGroupFlag))
    .addOption(flag('--name <name>', 'task (and framework) name (required without --task or --task_group)'))
    .addOption(flag('--command <command>', 'shell command to run (required without --task)'))
    .addOption(flag('--resources <resources>', 'task resources (without --task)').argParser(parseResourceFlag).default(DEFAULT_TASK_RESOURCES))
    .addOption(flag('--role <role>', 'role to be offered resources for').default('*'))
    .addOption(flag('--checkpoint [bool]', 'checkpoint the task on its agent, so that it survives the agent\'s restart').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--ip <ip>', 'IP address to listen on for the master').default('127.0.0.1'))
    .addOption(flag('--master_timeout <duration>', 'give up after this long without a master').argParser(parseDurationFlag).default(CLIENT_MASTER_TIMEOUT_MS, '1mins'))
    .addOption(flag('--offer_wait_timeout <duration>', 'give up (exit 1) if no offer could hold the task this long after subscribing').argParser(parseDurationFlag).default(DEFAULT_OFFER_WAIT_TIMEOUT_MS, '2mins'))
    .parse(process.argv);
  const flags = program.opts<ExecuteFlags>();
  const mixed = taskFlagsError(flags, program.getOptionValueSource('resources') !== 'default');
  if (mixed !== undefined) program.error(`error: ${mixed}`);
  const credential = credentialFrom('mesos-execute', flags);
  useHttpCredential(credential);
  const tls = tlsFromOptions('mesos-execute', flags);
  const master = await requireMaster('mesos-execute', flags.master, flags.master_timeout, tls);
  const host = await startClientHost(flags.ip, 'error', tls);
  const execute = new Execute({ master, framework: { name: flags.task?.name ?? flags.task_group?.[0]?.name ?? flags.name, user: process.env.USER ?? 'root', roles: [flags.role], ...(flags.checkpoint === true ? { checkpoint: true } : {}) }, masterTimeoutMs: flags.master_timeout, ...(credential !== undefined ? { credential } : {}) }, flags);
  host.spawn(execute);
  process.once('SIGINT', () => { void interrupted(execute, host); });
  const statuses = await execute.done;
  // The master that answered last: after a failover, the new leader (the one asked at start may be
  // gone). None once a Ctrl-C has stopped the scheduler: that path prints and exits (130) itself.
  const leaderNow = await dispatch(execute, (e) => e.masterAddress).catch(() => undefined);
  if (leaderNow === undefined) return;
  for (const status of statuses) {
    await printOutput(leaderNow, status, tls, statuses.length > 1).catch((error: Error) => process.stderr.write(`mesos-execute: could not read the output of task '${status.taskId}': ${error.message}\n`));
  }
  execute.stop();
  await host.stop();
  process.exit(statuses.every((status) => status.state === 'TASK_FINISHED') ? 0 : 1);
}

/**
 * Ctrl-C: kills the task, waits up to `INTERRUPT_KILL_WAIT_MS` for its terminal state, says so in
 * one line and exits 130. A second Ctrl-C exits at once.
 */
async function interrupted(execute: Execute, host: ActorHost): Promise<void> {
  process.once('SIGINT', () => process.exit(INTERRUPTED_EXIT_CODE));
  const result = await dispatch(execute, (e) => e.interrupt());
  if (!result.launched) {
    process.stderr.write('mesos-execute: interrupted before the task was launched\n');
    process.exit(INTERRUPTED_EXIT_CODE);
  }
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), INTERRUPT_KILL_WAIT_MS); });
  const statuses = await Promise.race([execute.done, waited]);
  clearTimeout(timer);
  const named = result.taskIds.map((taskId) => `'${taskId}'`).join(', ');
  if (statuses) process.stdout.write(`Killed task${result.taskIds.length === 1 ? '' : 's'} ${named} on interrupt (${statuses.filter((status) => result.taskIds.includes(status.taskId)).map((status) => status.state).join(', ')})\n`);
  else process.stderr.write(`mesos-execute: asked to kill task${result.taskIds.length === 1 ? '' : 's'} ${named}; no terminal state within ${INTERRUPT_KILL_WAIT_MS / 1000} s\n`);
  execute.stop(); // unregisters the framework, as after a task that ended by itself
  await host.stop();
  process.exit(INTERRUPTED_EXIT_CODE);
}

/**
 * Finds the task's sandbox through the master and agent state, and prints its stdout, then its
 * stderr (a task group's task: its own directory in the default executor's sandbox, each file
 * labelled with the task when `labelled`).
 */
async function printOutput(master: string, status: TaskStatus, tls: TlsOptions | undefined, labelled = false): Promise<void> {
  if (!status.agentId) return;
  const options = tls ? { tls } : {};
  // The one agent (`/master/slaves?slave_id=`), not the whole state: tens of MB on a large cluster.
  const found = await getJson<{ slaves: Array<{ id: string; pid: string }> }>(master, `/master/slaves?slave_id=${encodeURIComponent(status.agentId)}`, options);
  const agent = found.slaves.find((slave) => slave.id === status.agentId);
  if (!agent) return;
  const [agentId, agentAddress] = agent.pid.split('@') as [string, string];
  const agentState = await getJson<AgentState>(agentAddress, `/${agentId}/state`, options);
  const directory = findDirectory(agentState, status.taskId);
  if (!directory) return;
  await printFile(agentAddress, `${directory}/stdout`, process.stdout, labelled ? `--- stdout of task '${status.taskId}' ---\n` : undefined, options);
  await printFile(agentAddress, `${directory}/stderr`, process.stderr, `--- stderr of task '${status.taskId}' ---\n`, options);
}

/**
 * Copies a sandbox file to `out`, up to `MAX_STDOUT_BYTES`, after `label` if the file is not
 * empty; a cut file gets a notice on stderr, on its own line.
 */
async function printFile(agentAddress: string, filePath: string, out: NodeJS.WriteStream, label: string | undefined, options: { tls?: TlsOptions }): Promise<void> {
  // The agent serves at most a page per read (FILES_MAX_READ_BYTES): read until done or the cap.
  const file = encodeURIComponent(filePath);
  let last = '\n';
  for (let offset = 0; offset < MAX_STDOUT_BYTES;) {
    const read = await getJson<{ data: string }>(agentAddress, `/files/read?path=${file}&offset=${offset}&length=${MAX_STDOUT_BYTES - offset}`, options);
    if (read.data.length === 0) return;
    if (offset === 0 && label) out.write(label);
    out.write(read.data);
    last = read.data;
    offset += Buffer.byteLength(read.data);
  }
  if (!last.endsWith('\n')) out.write('\n');
  process.stderr.write(`mesos-execute: (${path.basename(filePath)} cut at ${MAX_STDOUT_BYTES} bytes)\n`);
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
  type?: string;
  tasks?: Array<{ id: string }>;
  completed_tasks?: Array<{ id: string }>;
  queued_tasks?: Array<{ id: string }>;
}

function findDirectory(state: AgentState, taskId: string): string | undefined {
  const frameworks = [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])];
  for (const framework of frameworks) {
    for (const executor of [...(framework.executors ?? []), ...(framework.completed_executors ?? [])]) {
      const tasks = [...(executor.tasks ?? []), ...(executor.completed_tasks ?? []), ...(executor.queued_tasks ?? [])];
      // The default executor runs each task of a group in a directory of its own (`tasks/<id>`).
      if (tasks.some((task) => task.id === taskId)) return executor.type === 'DEFAULT' ? `${executor.directory}/tasks/${taskId}` : executor.directory;
    }
  }
  return undefined;
}

if (require.main === module) {
  endOnSigusr1();
  void main().catch((error: Error) => fail('mesos-execute', error.message));
}
