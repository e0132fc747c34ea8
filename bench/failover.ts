/**
 * `npm run bench:failover [-- --json] [-- --agents N] [-- --frameworks N] [-- --hosts N] [-- --boot-agents N]`:
 * master failover on this machine, with real processes and the wall clock.
 *
 * Failover: a real ZooKeeper 3.8 (spec/support/zookeeper-server.ts), three `mesos-master --zk
 * --quorum 3 --zk_session_timeout 10secs` processes, N agents (default 1,000: real `Agent`
 * actors, each with its own ZooKeeper session, in `--hosts` host processes, bench/failover-agents.ts)
 * and F frameworks (default 10: `Scheduler`s following the leader in ZooKeeper, in this
 * process). Once every agent and framework is registered, the leader is killed with SIGKILL.
 * - `elected_ms`: death → a standby says it was elected (its candidacy leads in ZooKeeper: the
 *   dead leader's session has expired, so its znode is gone);
 * - `leading_ms`: death → that master runs (registry recovered from ZooKeeper);
 * - `agents_back_ms`, `frameworks_back_ms`: death → the last agent / framework re-registered
 *   (AgentReregistered / FrameworkReregistered received), checked afterwards against the new
 *   leader's /metrics/snapshot.
 * No baseline can be measured in the same run: the anchors are the Mesos paper's MTTR (4–8 s)
 * and the goal, the whole cluster back within the session timeout + 1 s (`goal_ms`).
 *
 * Boot storm (`boot_10k_ms`): a fresh `mesos-master` with the file registry (fsync) in its work
 * dir, no ZooKeeper; `--boot-agents` real agents (default 10,000) in `--hosts` host processes are
 * all started at once; the time until every one has its AgentRegistered (durably admitted). The
 * agents register as `mesos-agent` does, after a random wait within the registration backoff
 * factor (1 s) and retrying with backoff, so this includes that jitter (bench:registry measures
 * the master alone, with agents that send at once). `--boot-agents 0` skips it.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from '../lib/logging';
import { ActorHost } from '../lib/process';
import type { MasterInfo, Offer } from '../lib/protocol';
import { Scheduler, type SchedulerOptions } from '../actors/framework/scheduler';
import { getJson } from '../bin/client';
import { freeLoopbackPort, ZooKeeperServer } from '../spec/support/zookeeper-server';
import type { AgentHostCommand, AgentHostReport } from './failover-agents';
import { BENCH_USER } from './cluster';

const DEFAULT_AGENTS = 1_000;
const DEFAULT_FRAMEWORKS = 10;
/** Agent host processes (each runs its share of the agents on one ActorHost). */
const DEFAULT_AGENT_HOSTS = 4;
const DEFAULT_BOOT_AGENTS = 10_000;
/** Masters in the ensemble (`--quorum`). */
const MASTERS = 3;
/** `--zk_session_timeout` of the masters: how long ZooKeeper keeps a dead leader's znode (Mesos' default). */
const SESSION_TIMEOUT_MS = 10_000;
/** The goal: the cluster whole again within the session timeout plus this. */
const GOAL_SLACK_MS = 1_000;
/** ZooKeeper sessions per master: its candidacy, and the registry's while it leads. */
const SESSIONS_PER_MASTER = 2;
/** Connections from 127.0.0.1 allowed beyond those counted (the harness's probes, reconnections overlapping old ones). */
const EXTRA_ZOOKEEPER_CONNECTIONS = 100;
/** How long the first leader, or a master's first line, may take. */
const MASTER_START_TIMEOUT_MS = 60_000;
/** How long the agents and frameworks may take to register with the first leader. */
const REGISTRATION_TIMEOUT_MS = 120_000;
/** How long after the death the cluster may take to come back before the bench gives up. */
const RECOVERY_TIMEOUT_MS = SESSION_TIMEOUT_MS + 60_000;
/** How long the boot storm may take. */
const BOOT_TIMEOUT_MS = 180_000;
/** How long a master's counts may lag behind what its agents and frameworks were told. */
const LEADER_COUNTS_TIMEOUT_MS = 10_000;
/** Between two polls of a master's metrics. */
const POLL_INTERVAL_MS = 200;
/** Quiet time between the cluster being registered and the kill (first offers answered). */
const SETTLE_MS = 1_000;
/** Idle frameworks decline offers for this long, so the cluster is quiet when the leader dies. */
const IDLE_REFUSE_SECONDS = 3_600;
/** A framework keeps its tasks this long after losing its scheduler (it means to survive a failover). */
const FRAMEWORK_FAILOVER_TIMEOUT_SECONDS = 3_600;
/** Characters of a master's stderr kept to show when it fails. */
const STDERR_TAIL_CHARACTERS = 4_000;

const logger = createLogger('bench-failover', 'error');

function argument(name: string, fallback: number, minimum = 1): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value < minimum) throw new Error(`${name} must be an integer >= ${minimum}`);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Polls `condition` until it holds; throws `what()` after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${await what()} (after ${timeoutMs} ms)`);
    await sleep(POLL_INTERVAL_MS);
  }
}

/** A `mesos-master` child process, with the wall-clock time of each line it printed. */
class MasterProcess {
  readonly lines: Array<{ text: string; atMs: number }> = [];
  private stderr = '';
  private pending = '';
  private readonly child: ChildProcess;

  constructor(readonly port: number, args: string[]) {
    const bin = path.resolve(__dirname, '../bin/mesos-master.js');
    this.child = spawn(process.execPath, [bin, '--ip', '127.0.0.1', '--port', String(port), '--log_level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const atMs = Date.now();
      const parts = (this.pending + chunk.toString()).split('\n');
      this.pending = parts.pop() ?? '';
      for (const text of parts) this.lines.push({ text, atMs });
    });
    this.child.stderr?.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL_CHARACTERS); });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** When it first printed a line containing `text` at or after `sinceMs`, if it has. */
  printedAt(text: string, sinceMs = 0): number | undefined {
    return this.lines.find((line) => line.atMs >= sinceMs && line.text.includes(text))?.atMs;
  }

  /** The last state it printed (`leading`, `not leading`, ...). */
  get leading(): boolean {
    const states = this.lines.filter((line) => line.text.startsWith('mesos-master: ') && !line.text.includes('contending in'));
    return states.at(-1)?.text === 'mesos-master: leading';
  }

  describe(): string {
    return `master ${this.address} (${this.alive ? 'alive' : `exited ${this.child.exitCode ?? this.child.signalCode}`}): ${this.lines.map((line) => line.text).join(' | ')}\n${this.stderr}`;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }
}

/** An agent host process (bench/failover-agents.ts) and the last report of each kind it sent. */
class AgentHostProcess {
  private readonly child: ChildProcess;
  private readonly reports = new Map<AgentHostReport['type'], AgentHostReport>();
  private failure: string | undefined;

  constructor() {
    this.child = fork(path.join(__dirname, 'failover-agents.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (report: AgentHostReport) => {
      if (report.type === 'failed') this.failure = report.message;
      this.reports.set(report.type, report);
    });
    this.child.once('exit', (code, signal) => { this.failure ??= `agent host exited (${signal ?? `code ${code}`})`; });
  }

  command(command: AgentHostCommand): void {
    this.child.send(command);
  }

  /** The last report of `type`, if any; throws if the process failed. */
  report<T extends AgentHostReport['type']>(type: T): Extract<AgentHostReport, { type: T }> | undefined {
    if (this.failure !== undefined) throw new Error(`an agent host failed: ${this.failure}`);
    return this.reports.get(type) as Extract<AgentHostReport, { type: T }> | undefined;
  }

  /** Asks for its counts and waits (briefly) for them. */
  async status(): Promise<string> {
    this.reports.delete('status');
    this.command({ type: 'status' });
    await until(() => this.reports.has('status') || this.failure !== undefined, 5_000, () => 'no status').catch(() => undefined);
    const status = this.reports.get('status') as Extract<AgentHostReport, { type: 'status' }> | undefined;
    return status === undefined ? `(${this.failure ?? 'no answer'})` : `${status.registered}/${status.agents} registered, ${status.reregistered} re-registered`;
  }

  kill(): void {
    this.child.removeAllListeners('exit');
    this.child.kill('SIGKILL');
  }
}

/** When each framework registered, and re-registered since `armedAtMs`. */
class FrameworkTracker {
  readonly registered = new Set<string>();
  readonly reregisteredAtMs = new Map<string, number>();
  armedAtMs = Number.POSITIVE_INFINITY;

  noteRegistered(name: string): void {
    this.registered.add(name);
  }

  noteReregistered(name: string): void {
    const nowMs = Date.now();
    if (nowMs >= this.armedAtMs && !this.reregisteredAtMs.has(name)) this.reregisteredAtMs.set(name, nowMs);
  }
}

/** A framework that registers, declines every offer for a long while, and reports (re-)registrations. */
class IdleFramework extends Scheduler {
  constructor(options: SchedulerOptions, private readonly tracker: FrameworkTracker) {
    super(options);
  }

  protected override registered(_frameworkId: string, _masterInfo: MasterInfo): void {
    this.tracker.noteRegistered(this.framework.name);
  }

  protected override reregistered(_masterInfo: MasterInfo): void {
    this.tracker.noteReregistered(this.framework.name);
  }

  protected override resourceOffers(offers: Offer[]): void {
    this.decline(offers.map((offer) => offer.id), { refuseSeconds: IDLE_REFUSE_SECONDS });
  }
}

/** A master's /metrics/snapshot (counts). */
type Metrics = Record<string, number>;

async function metricsOf(master: MasterProcess): Promise<Metrics | undefined> {
  return getJson<Metrics>(master.address, '/metrics/snapshot').catch(() => undefined);
}

/**
 * Starts `hosts` agent host processes, then `agents` agents over them, following `master`;
 * `startedAtMs` is when the agents were told to start (the processes' own start, node loading
 * the code, is not the agents').
 */
async function startAgentHosts(hosts: number, agents: number, master: string): Promise<{ processes: AgentHostProcess[]; startedAtMs: number }> {
  const processes = Array.from({ length: Math.min(hosts, agents) }, () => new AgentHostProcess());
  await until(() => processes.every((host) => host.report('ready') !== undefined), MASTER_START_TIMEOUT_MS, () => 'agent hosts not ready');
  let firstIndex = 0;
  const startedAtMs = Date.now();
  processes.forEach((host, index) => {
    const share = Math.floor(agents / processes.length) + (index < agents % processes.length ? 1 : 0);
    host.command({ type: 'start', master, agents: share, firstIndex });
    firstIndex += share;
  });
  return { processes, startedAtMs };
}

async function agentCounts(hosts: AgentHostProcess[]): Promise<string> {
  return (await Promise.all(hosts.map((host) => host.status()))).join('; ');
}

interface FailoverFigures {
  agents: number;
  frameworks: number;
  agent_hosts: number;
  session_timeout_ms: number;
  elected_ms: number;
  leading_ms: number;
  agents_back_ms: number;
  agents_first_back_ms: number;
  agents_back_p50_ms: number;
  agents_back_p90_ms: number;
  frameworks_back_ms: number;
  goal_ms: number;
  back_over_goal: number;
}

/** What the failover run starts; `stop` ends whatever of it was started. */
class FailoverCluster {
  readonly workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-failover-'));
  readonly masters: MasterProcess[] = [];
  readonly frameworks = new FrameworkTracker();
  zooKeeper: ZooKeeperServer | undefined;
  agentHosts: AgentHostProcess[] = [];
  frameworkHost: ActorHost | undefined;

  /** ZooKeeper, the masters, then the agents and frameworks; resolves once all are registered with the leader, which it returns. */
  async start(agents: number, frameworks: number, hostCount: number): Promise<MasterProcess> {
    const sessions = agents + frameworks + MASTERS * SESSIONS_PER_MASTER;
    this.zooKeeper = await ZooKeeperServer.start({ maxSessionTimeoutMs: SESSION_TIMEOUT_MS, maxClientConnectionsPerAddress: sessions + EXTRA_ZOOKEEPER_CONNECTIONS });
    const zk = this.zooKeeper.url('/mesos');
    for (let index = 0; index < MASTERS; index++) {
      this.masters.push(new MasterProcess(await freeLoopbackPort(), [
        '--work_dir', path.join(this.workDir, `master-${index}`), '--zk', zk, '--quorum', String(MASTERS), '--zk_session_timeout', `${SESSION_TIMEOUT_MS}ms`,
      ]));
    }
    await until(() => this.masters.some((master) => master.leading), MASTER_START_TIMEOUT_MS, () => `no master leads: ${this.describeMasters()}`);
    const leader = this.masters.find((master) => master.leading) as MasterProcess;
    this.agentHosts = (await startAgentHosts(hostCount, agents, zk)).processes;
    this.frameworkHost = await ActorHost.start({ ip: '127.0.0.1', port: 0, logger });
    for (let index = 0; index < frameworks; index++) {
      this.frameworkHost.spawn(new IdleFramework({
        master: zk, id: `scheduler-${index}`, framework: { name: `bench-${index}`, user: BENCH_USER, failoverTimeout: FRAMEWORK_FAILOVER_TIMEOUT_SECONDS },
      }, this.frameworks));
    }
    await until(
      async () => {
        if (!this.agentHosts.every((host) => host.report('registered') !== undefined) || this.frameworks.registered.size < frameworks) return false;
        const metrics = await metricsOf(leader);
        return metrics?.['master/slaves_active'] === agents && metrics['master/frameworks_active'] === frameworks;
      },
      REGISTRATION_TIMEOUT_MS,
      async () => `the cluster did not register: agents ${await agentCounts(this.agentHosts)}; frameworks ${this.frameworks.registered.size}/${frameworks}; leader ${JSON.stringify(await metricsOf(leader))}`,
    );
    return leader;
  }

  describeMasters(): string {
    return this.masters.map((master) => master.describe()).join('\n');
  }

  async stop(): Promise<void> {
    for (const host of this.agentHosts) host.kill();
    await this.frameworkHost?.stop();
    for (const master of this.masters) master.kill('SIGKILL');
    await this.zooKeeper?.stop();
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

async function failover(agents: number, frameworks: number, hostCount: number): Promise<FailoverFigures> {
  const cluster = new FailoverCluster();
  try {
    const leader = await cluster.start(agents, frameworks, hostCount);
    await sleep(SETTLE_MS);
    for (const host of cluster.agentHosts) host.command({ type: 'arm' });
    const deathAtMs = Date.now();
    cluster.frameworks.armedAtMs = deathAtMs;
    leader.kill('SIGKILL');

    const standbys = cluster.masters.filter((master) => master !== leader);
    const newLeader = (): MasterProcess | undefined => standbys.find((master) => master.printedAt('mesos-master: leading', deathAtMs) !== undefined);
    await until(
      () => newLeader() !== undefined && cluster.agentHosts.every((host) => host.report('reregistered') !== undefined) && cluster.frameworks.reregisteredAtMs.size === frameworks,
      RECOVERY_TIMEOUT_MS,
      async () => `the cluster did not come back: new leader ${newLeader()?.address ?? 'none'}; agents ${await agentCounts(cluster.agentHosts)}; ` +
        `frameworks ${cluster.frameworks.reregisteredAtMs.size}/${frameworks}\n${cluster.describeMasters()}`,
    );
    const elected = newLeader() as MasterProcess;
    // Every agent and framework heard it is back: the new leader must count them all, active.
    await until(async () => {
      const metrics = await metricsOf(elected);
      return metrics?.['master/slaves_active'] === agents && metrics['mesos_ts/master/recovered_slaves'] === 0 && metrics['master/frameworks_active'] === frameworks;
    }, LEADER_COUNTS_TIMEOUT_MS, async () => `the new leader's counts disagree: ${JSON.stringify(await metricsOf(elected))}`);

    const agentsBackAfterMs = cluster.agentHosts
      .flatMap((host) => (host.report('reregistered') as Extract<AgentHostReport, { type: 'reregistered' }>).atMs)
      .map((atMs) => atMs - deathAtMs)
      .sort((a, b) => a - b);
    const agentsBackMs = agentsBackAfterMs.at(-1) as number;
    const frameworksBackMs = Math.max(...cluster.frameworks.reregisteredAtMs.values()) - deathAtMs;
    const goalMs = SESSION_TIMEOUT_MS + GOAL_SLACK_MS;
    return {
      agents, frameworks, agent_hosts: cluster.agentHosts.length, session_timeout_ms: SESSION_TIMEOUT_MS,
      elected_ms: (elected.printedAt('mesos-master: elected', deathAtMs) as number) - deathAtMs,
      leading_ms: (elected.printedAt('mesos-master: leading', deathAtMs) as number) - deathAtMs,
      agents_back_ms: agentsBackMs,
      agents_first_back_ms: agentsBackAfterMs[0] as number,
      agents_back_p50_ms: percentile(agentsBackAfterMs, 0.5),
      agents_back_p90_ms: percentile(agentsBackAfterMs, 0.9),
      frameworks_back_ms: frameworksBackMs,
      goal_ms: goalMs,
      back_over_goal: +(Math.max(agentsBackMs, frameworksBackMs) / goalMs).toFixed(2),
    };
  } finally {
    await cluster.stop();
  }
}

interface BootFigures {
  boot_agents: number;
  boot_10k_ms: number;
  boot_first_ms: number;
  boot_p50_ms: number;
  boot_p90_ms: number;
}

async function bootStorm(agents: number, hostCount: number): Promise<BootFigures> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-failover-boot-'));
  const master = new MasterProcess(await freeLoopbackPort(), ['--work_dir', workDir]);
  let hosts: AgentHostProcess[] = [];
  try {
    await until(() => master.printedAt('/master/state') !== undefined, MASTER_START_TIMEOUT_MS, () => `the master did not start: ${master.describe()}`);
    const started = await startAgentHosts(hostCount, agents, master.address);
    hosts = started.processes;
    await until(() => hosts.every((host) => host.report('registered') !== undefined), BOOT_TIMEOUT_MS, async () => `the agents did not all register: ${await agentCounts(hosts)}; ${master.describe()}`);
    const registeredAfterMs = hosts
      .flatMap((host) => (host.report('registered') as Extract<AgentHostReport, { type: 'registered' }>).atMs)
      .map((atMs) => atMs - started.startedAtMs)
      .sort((a, b) => a - b);
    await until(async () => (await metricsOf(master))?.['master/slaves_active'] === agents, LEADER_COUNTS_TIMEOUT_MS, async () => `the master's counts disagree: ${JSON.stringify(await metricsOf(master))}`);
    return {
      boot_agents: agents, boot_10k_ms: registeredAfterMs.at(-1) as number,
      boot_first_ms: registeredAfterMs[0] as number, boot_p50_ms: percentile(registeredAfterMs, 0.5), boot_p90_ms: percentile(registeredAfterMs, 0.9),
    };
  } finally {
    for (const host of hosts) host.kill();
    master.kill('SIGKILL');
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const agents = argument('--agents', DEFAULT_AGENTS);
  const frameworks = argument('--frameworks', DEFAULT_FRAMEWORKS);
  const hostCount = argument('--hosts', DEFAULT_AGENT_HOSTS);
  const bootAgents = argument('--boot-agents', DEFAULT_BOOT_AGENTS, 0);

  const failed = await failover(agents, frameworks, hostCount);
  const boot = bootAgents > 0 ? await bootStorm(bootAgents, hostCount) : undefined;
  const figures = { ...failed, ...(boot ?? {}) };
  if (json) {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const within = Math.max(failed.agents_back_ms, failed.frameworks_back_ms) <= failed.goal_ms;
  process.stdout.write([
    `failover: ${agents} agents in ${failed.agent_hosts} host processes, ${frameworks} frameworks, ${MASTERS} masters, real ZooKeeper; session timeout ${failed.session_timeout_ms} ms; leader killed (SIGKILL)`,
    `  elected ${failed.elected_ms} ms, leading ${failed.leading_ms} ms (registry recovered from ZooKeeper)`,
    `  agents back ${failed.agents_back_ms} ms (first ${failed.agents_first_back_ms}, p50 ${failed.agents_back_p50_ms}, p90 ${failed.agents_back_p90_ms} ms), frameworks back ${failed.frameworks_back_ms} ms (death -> last re-registered)`,
    `  goal: whole within session timeout + 1 s = ${failed.goal_ms} ms: ${within ? 'met' : 'missed'} (${failed.back_over_goal}x); Mesos paper MTTR 4-8 s`,
    boot === undefined
      ? 'boot storm: skipped (--boot-agents 0)'
      : `boot storm: ${boot.boot_agents} real agents in ${Math.min(hostCount, boot.boot_agents)} host processes started at once against a fresh mesos-master (file registry, fsync): all admitted in ${boot.boot_10k_ms} ms (first ${boot.boot_first_ms}, p50 ${boot.boot_p50_ms}, p90 ${boot.boot_p90_ms} ms)`,
    '',
  ].join('\n'));
}

void main().then(() => process.exit(0), (error: Error) => {
  process.stderr.write(`bench:failover: ${error.message}\n`);
  process.exit(1);
});
