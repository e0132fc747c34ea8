import { Resources } from '../../../lib/resources';
import { isTerminalState, type Offer, type TaskStatus } from '../../../lib/protocol';
import { fitResources } from '../offers';
import { Scheduler, type SchedulerOptions } from '../scheduler';
import { createCommand, flag, parseCount, parseDurationFlag, parseMasterFlag, parseResourceFlag } from '../../../lib/flags';
import * as client from '../../../bin/client';
import { addTlsOptions, tlsFromOptions } from '../../../bin/tls';
import type { TlsFlags } from '../../../lib/process/tls';

/** How long offers a full service does not need are refused (it revives when an instance dies). */
export const SERVICE_FULL_REFUSE_SECONDS = 3600;

/** A long-running service: `instances` copies of a command, kept running. */
export interface ServiceOptions extends SchedulerOptions {
  instances: number;
  taskResources: Resources;
  command: string;
  onUpdate?: (status: TaskStatus) => void;
}

/**
 * A long-running service framework: keeps `instances` copies of a command running, one per
 * offer, and relaunches any that finish, fail, are killed or lost. When it has all it needs it
 * declines offers for an hour; when an instance dies it revives.
 */
export class ServiceScheduler extends Scheduler {
  /** Task ids launched and not yet terminal. */
  private readonly live = new Set<string>();
  /** Launches so far (names the next task). */
  private launchCount = 0;
  /** Relaunches after an instance died. */
  relaunches = 0;

  constructor(private readonly service: ServiceOptions) {
    super(service);
  }

  /** Ids of the instances currently launched and not terminal. */
  instances(): string[] {
    return [...this.live];
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const picked = this.live.size < this.service.instances ? fitResources(offer, this.service.taskResources) : undefined;
      if (!picked) {
        this.decline(offer.id, { refuseSeconds: this.live.size >= this.service.instances ? SERVICE_FULL_REFUSE_SECONDS : 0 });
        continue;
      }
      const taskId = `${this.framework.name}-${this.launchCount++}`;
      this.live.add(taskId);
      this.launch(offer.id, [{ name: taskId, taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: this.service.command } }], { refuseSeconds: 0 });
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.service.onUpdate?.(status);
    if (!isTerminalState(status.state) || !this.live.delete(status.taskId)) return;
    this.relaunches++;
    this.revive();
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
  }
  const service = new ClientService({
    master: flags.master,
    masterTimeoutMs: flags.master_timeout,
    ...(credential !== undefined ? { credential } : {}),
    framework: { name: flags.name, user: process.env.USER ?? 'root', roles: [flags.role] },
    instances: flags.instances,
    taskResources: Resources.parse(flags.resources),
    command: flags.command,
    onUpdate: (status) => process.stdout.write(`${status.taskId} ${status.state}${status.message ? ` (${status.message})` : ''}\n`),
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
