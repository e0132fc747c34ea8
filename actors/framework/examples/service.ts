import { Resources } from '../../../lib/resources';
import { isTerminalState, type HealthCheck, type Offer, type TaskInfo, type TaskStatus } from '../../../lib/protocol';
import { fitResources } from '../offers';
import { Scheduler, type SchedulerOptions } from '../scheduler';
import { createCommand, flag, parseCount, parseDurationFlag, parseMasterFlag, parseResourceFlag } from '../../../lib/flags';
import * as client from '../../../bin/client';
import { addTlsOptions, tlsFromOptions } from '../../../bin/tls';
import type { TlsFlags } from '../../../lib/process/tls';

/** How long offers a full service does not need are refused (it revives when an instance dies). */
export const SERVICE_FULL_REFUSE_SECONDS = 3600;

/** The reason of a TASK_KILLED sent because the task failed its health check. */
export const UNHEALTHY_KILL_REASON = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';

/**
 * An HTTP health check of each instance: the instance is given one port of its offer (in `$PORT`)
 * and must answer `GET http://127.0.0.1:$PORT<path>` with 200–399. Unset timings take Mesos'
 * defaults (first check after 15 s, every 10 s, 20 s timeout, killed after 3 failures in a
 * row, failures in the first 10 s ignored until one check has passed).
 */
export interface ServiceHealthCheck extends Pick<HealthCheck, 'delaySeconds' | 'intervalSeconds' | 'timeoutSeconds' | 'consecutiveFailures' | 'gracePeriodSeconds'> {
  /** The path to GET, e.g. `/health`. */
  path: string;
}

/** A long-running service: `instances` copies of a command, kept running. */
export interface ServiceOptions extends SchedulerOptions {
  instances: number;
  taskResources: Resources;
  command: string;
  /** Health-check each instance over HTTP on a port from its offer; an unhealthy instance is killed by its executor and relaunched. */
  healthCheck?: ServiceHealthCheck;
  onUpdate?: (status: TaskStatus) => void;
}

/**
 * A long-running service framework: keeps `instances` copies of a command running, one per
 * offer, and relaunches any that finish, fail, are killed or lost. When it has all it needs it
 * declines offers for an hour; when an instance dies it revives.
 *
 * With `healthCheck`, each instance gets a port of its offer in `$PORT` and an HTTP health check
 * on it; the command executor kills an instance that fails it `consecutiveFailures` times in a
 * row (TASK_KILLED, reason `REASON_TASK_HEALTH_CHECK_STATUS_UPDATED`), and the service launches
 * a new one in its place (counted in `unhealthyRelaunches`).
 *
 * @example
 *   new ServiceScheduler({ master, framework: { name: 'web', user: os.userInfo().username }, instances: 2, taskResources: Resources.parse('cpus:0.1;mem:32'),
 *     command: 'python3 -m http.server $PORT', healthCheck: { path: '/' } });
 */
export class ServiceScheduler extends Scheduler {
  /** Task ids launched and not yet terminal. */
  private readonly live = new Set<string>();
  /** Instances it killed as one too many (`adoptOrKill`), until they end. */
  private readonly killing = new Set<string>();
  /** Launches so far (names the next task). */
  private launchCount = 0;
  /** Relaunches after an instance died. */
  relaunches = 0;
  /** Of `relaunches`, those of instances killed for failing their health check. */
  unhealthyRelaunches = 0;

  constructor(private readonly service: ServiceOptions) {
    super(service);
  }

  /** Ids of the instances currently launched and not terminal. */
  instances(): string[] {
    return [...this.live];
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const task = this.live.size < this.service.instances ? this.instanceFor(offer) : undefined;
      if (task === undefined) {
        this.decline(offer.id, { refuseSeconds: this.live.size >= this.service.instances ? SERVICE_FULL_REFUSE_SECONDS : 0 });
        continue;
      }
      this.live.add(task.taskId);
      this.launch(offer.id, [task], { refuseSeconds: 0 });
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.service.onUpdate?.(status);
    if (isTerminalState(status.state)) this.killing.delete(status.taskId);
    if (!isTerminalState(status.state) && !this.live.has(status.taskId)) return this.adoptOrKill(status);
    if (!isTerminalState(status.state) || !this.live.delete(status.taskId)) return;
    this.relaunches++;
    if (status.state === 'TASK_KILLED' && status.reason === UNHEALTHY_KILL_REASON) {
      this.unhealthyRelaunches++;
      this.log.warn({ taskId: status.taskId }, 'an instance was killed for failing its health check; launching another');
    }
    this.revive();
  }

  /**
   * After a master failover, and when an agent is lost, asks the master about every instance it
   * counts live: one the master no longer knows (its agent never came back) is answered TASK_LOST
   * and replaced, instead of being counted for good.
   */
  protected override reregistered(): void {
    this.reconcileLive();
  }

  protected override agentLost(): void {
    this.reconcileLive();
  }

  private reconcileLive(): void {
    if (this.live.size > 0) this.reconcile([...this.live].map((taskId) => ({ taskId })));
  }

  /**
   * An instance it had given up on runs after all (its agent was unreachable and came back, after
   * it was replaced): counted again while the service has room, else killed, so that N stay N.
   */
  private adoptOrKill(status: TaskStatus): void {
    if (this.killing.has(status.taskId)) return;
    if (this.live.size < this.service.instances) {
      this.live.add(status.taskId);
      this.log.info({ taskId: status.taskId, state: status.state }, 'an instance given up on runs after all; counting it again');
      return;
    }
    this.log.warn({ taskId: status.taskId, state: status.state }, 'an instance given up on runs after all, and the service is full; killing it');
    this.killing.add(status.taskId);
    this.kill(status.taskId, status.agentId);
  }

  /** The next instance, on resources of `offer` (plus one of its ports with a health check), or undefined when it does not fit. */
  private instanceFor(offer: Offer): TaskInfo | undefined {
    const check = this.service.healthCheck;
    const port = check === undefined ? undefined : Resources.fromJSON(offer.resources).unreserved().ranges('ports')[0]?.begin;
    if (check !== undefined && port === undefined) return undefined;
    const wanted = port === undefined ? this.service.taskResources : this.service.taskResources.add(Resources.parse(`ports:[${port}-${port}]`));
    const picked = fitResources(offer, wanted);
    if (picked === undefined) return undefined;
    const taskId = `${this.framework.name}-${this.launchCount++}`;
    const task: TaskInfo = { name: taskId, taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: this.service.command } };
    if (check === undefined || port === undefined) return task;
    const { path, ...timings } = check;
    task.command = { value: this.service.command, environment: { PORT: String(port) } };
    task.healthCheck = { type: 'HTTP', http: { port, path }, ...timings };
    return task;
  }
}

/** What `service.js` does when run as a program (see `main`). */
interface ServiceFlags extends TlsFlags, client.CredentialOptions {
  master: string;
  name: string;
  instances: number;
  resources: string;
  command: string;
  role: string;
  ip: string;
  master_timeout: number;
  health_check_path?: string;
  health_check_grace_period?: number;
}

/**
 * `node dist/actors/framework/examples/service.js --master HOST:PORT --command CMD
 * [--instances N] [--resources R]`: keeps N copies of CMD running, prints each state change,
 * and runs until interrupted (Ctrl-C: it tears the framework down, killing the instances, and exits 130).
 */
async function main(): Promise<void> {
  const program = addTlsOptions(client.addCredentialOptions(createCommand('service', 'Keep N copies of a command running as tasks; relaunch any that end.')))
    .addOption(flag('--master <host:port|zk://...>', 'the master, or zk://host:port[,host:port...]/path').argParser(parseMasterFlag).makeOptionMandatory())
    .addOption(flag('--command <command>', 'shell command each instance runs ($MESOS_TASK_ID names the instance)').makeOptionMandatory())
    .addOption(flag('--name <name>', 'framework name (instances are <name>-0, <name>-1, ...)').default('service'))
    .addOption(flag('--instances <n>', 'how many instances to keep running').argParser(parseCount).default(2))
    .addOption(flag('--resources <resources>', 'resources of each instance').argParser(parseResourceFlag).default('cpus:0.1;mem:32'))
    .addOption(flag('--role <role>', 'role to be offered resources for').default('*'))
    .addOption(flag('--ip <ip>', 'IP address to listen on for the master').default('127.0.0.1'))
    .addOption(flag('--master_timeout <duration>', 'give up after this long without a master').argParser(parseDurationFlag).default(client.CLIENT_MASTER_TIMEOUT_MS, '1mins'))
    .addOption(flag('--health_check_path <path>', 'health-check each instance with GET http://127.0.0.1:$PORT<path> ($PORT: a port of its offer); relaunch unhealthy ones'))
    .addOption(flag('--health_check_grace_period <duration>', 'ignore health check failures this long after launch, until one passes').argParser(parseDurationFlag))
    .parse(process.argv);
  const flags = program.opts<ServiceFlags>();
  if (flags.instances === 0) client.fail('service', '--instances must be at least 1', 2);
  const credential = client.credentialFrom('service', flags);
  client.useHttpCredential(credential);
  const tls = tlsFromOptions('service', flags);
  await client.requireMaster('service', flags.master, flags.master_timeout, tls);
  const host = await client.startClientHost(flags.ip, 'error', tls);
  class ClientService extends ServiceScheduler {
    protected override error(message: string): void {
      client.fail('service', `framework error: ${message}`);
    }

    protected override noMaster(waitedMs: number): void {
      client.fail('service', `no master for ${waitedMs / 1000} s; giving up`);
    }

    protected override disconnected(): void {
      client.reportMasterLost('service', this.master.toString(), flags.master_timeout);
    }

    protected override reregistered(): void {
      client.reportMasterBack('service', this.master.toString());
      super.reregistered();
    }
  }
  const service = new ClientService({
    master: flags.master,
    masterTimeoutMs: flags.master_timeout,
    ...(credential !== undefined ? { credential } : {}),
    framework: { name: flags.name, user: process.env.USER ?? 'root', roles: [flags.role] },
    instances: flags.instances,
    taskResources: Resources.parse(flags.resources),
    command: flags.command,
    ...(flags.health_check_path === undefined ? {} : {
      healthCheck: {
        path: flags.health_check_path,
        ...(flags.health_check_grace_period === undefined ? {} : { gracePeriodSeconds: flags.health_check_grace_period / 1000 }),
      },
    }),
    onUpdate: (status) => process.stdout.write(`${status.taskId} ${status.state}${status.healthy === undefined ? '' : status.healthy ? ' healthy' : ' unhealthy'}${status.message ? ` (${status.message})` : ''}\n`),
  });
  host.spawn(service);
  process.once('SIGINT', () => {
    process.stdout.write(`${flags.name}: interrupted; tearing the framework down (its instances are killed)\n`);
    service.stop();
    void host.stop().finally(() => process.exit(130));
  });
}

if (require.main === module) void main().catch((error: Error) => {
  process.stderr.write(`service: ${error.message}\n`);
  process.exit(1);
});
