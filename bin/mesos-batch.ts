#!/usr/bin/env node
/**
 * mesos-batch: launches N copies of a command as offers allow, as many per offer as fit (at most
 * `--tasks_per_offer`), the rest of each offer returned unfiltered; prints each state change;
 * exits 0 when all N finished. When no offer can hold a task for a while it says what is missing
 * (as mesos-execute does); it says when the master goes away and when it is back.
 *
 *   mesos-batch --master 127.0.0.1:5050 --name A --tasks 5 --task_resources 'cpus:3;mem:2048' --command 'sleep 5'
 */
import { Resources } from '../lib/resources';
import { createCommand, flag, parseCount, parseDurationFlag, parseMasterFlag, parseResourceFlag } from '../lib/flags';
import { BatchScheduler, type BatchOptions } from '../actors/framework/examples/batch';
import type { TlsFlags } from '../lib/process/tls';
import { addCredentialOptions, CLIENT_MASTER_TIMEOUT_MS, credentialFrom, DEFAULT_OFFER_WAIT_TIMEOUT_MS, endOnSigusr1, fail, reportMasterBack, reportMasterLost, requireMaster, startClientHost, useHttpCredential, type CredentialOptions } from './client';
import { addTlsOptions, tlsFromOptions } from './tls';

interface BatchFlags extends TlsFlags, CredentialOptions {
  master: string;
  name: string;
  tasks: number;
  task_resources?: string;
  /** `--task-resources`, the spelling before 0.1's flags were made consistent (an alias). */
  taskResources?: string;
  command: string;
  tasks_per_offer?: number;
  role: string;
  ip: string;
  master_timeout: number;
  offer_wait_timeout: number;
}

/**
 * The batch framework, giving up (exit 1, one line) after `--master_timeout` without a master, or
 * when the master refuses it; saying on stderr when no offer can hold a task, when the master is
 * lost and when it is back.
 */
class ClientBatch extends BatchScheduler {
  constructor(options: BatchOptions, private readonly waitForMasterMs: number) {
    super(options);
  }

  protected override stalled(explanation: string): void {
    fail('mesos-batch', `${explanation}; gave up after --offer_wait_timeout with none of its tasks running`);
  }

  protected override error(message: string): void {
    fail('mesos-batch', `framework error: ${message}`);
  }

  protected override noMaster(waitedMs: number): void {
    fail('mesos-batch', `no master for ${waitedMs / 1000} s; giving up`);
  }

  protected override noOfferFits(explanation: string): void {
    process.stderr.write(`mesos-batch: ${explanation}\n`);
  }

  protected override disconnected(): void {
    reportMasterLost('mesos-batch', this.master.toString(), this.waitForMasterMs);
  }

  protected override reregistered(): void {
    reportMasterBack('mesos-batch', this.master.toString());
    super.reregistered();
  }
}

async function main(): Promise<void> {
  const program = addTlsOptions(addCredentialOptions(createCommand('mesos-batch', 'Run N copies of a command as tasks, as many per offer as fit.')))
    .addOption(flag('--master <host:port|zk://...>', 'the master, or zk://host:port[,host:port...]/path to follow the leader in ZooKeeper').argParser(parseMasterFlag).makeOptionMandatory())
    .addOption(flag('--name <name>', 'framework name (tasks are <name>-0, <name>-1, ...)').makeOptionMandatory())
    .addOption(flag('--tasks <n>', 'how many tasks').argParser(parseCount).makeOptionMandatory())
    .addOption(flag('--task_resources <resources>', 'resources of each task (required)').argParser(parseResourceFlag))
    .addOption(flag('--task-resources <resources>', 'the old spelling of --task_resources').argParser(parseResourceFlag).hideHelp())
    .addOption(flag('--command <command>', 'shell command each task runs ($MESOS_TASK_ID names the task)').makeOptionMandatory())
    .addOption(flag('--tasks_per_offer <n>', 'launch at most this many tasks from one offer (default: as many as fit; the seed\'s DRF example uses 1)').argParser(parseCount))
    .addOption(flag('--role <role>', 'role to be offered resources for').default('*'))
    .addOption(flag('--ip <ip>', 'IP address to listen on for the master').default('127.0.0.1'))
    .addOption(flag('--master_timeout <duration>', 'give up after this long without a master').argParser(parseDurationFlag).default(CLIENT_MASTER_TIMEOUT_MS, '1mins'))
    .addOption(flag('--offer_wait_timeout <duration>', 'give up (exit 1) if, with none of its tasks running and some still to launch, no offer could hold one this long').argParser(parseDurationFlag).default(DEFAULT_OFFER_WAIT_TIMEOUT_MS, '2mins'))
    .parse(process.argv);
  const flags = program.opts<BatchFlags>();
  // Two spellings of one flag (and one variable, MESOS_TASK_RESOURCES, which sets both): both on the
  // command line is a flag given twice, refused as createCommand refuses one spelling twice; the
  // one on the command line wins over the variable.
  const onCommandLine = (['task_resources', 'taskResources'] as const).filter((key) => program.getOptionValueSource(key) === 'cli');
  if (onCommandLine.length === 2) fail('mesos-batch', '--task_resources and --task-resources are one flag, given twice: as in Mesos, a flag may be given once', 2);
  const taskResources = onCommandLine.length === 1 ? flags[onCommandLine[0] as 'task_resources' | 'taskResources'] : flags.task_resources ?? flags.taskResources;
  if (taskResources === undefined) fail('mesos-batch', "--task_resources is required: the resources of each task, e.g. 'cpus:1;mem:128'", 2);
  if (flags.tasks === 0) fail('mesos-batch', '--tasks must be at least 1', 2);
  if (flags.tasks_per_offer === 0) fail('mesos-batch', '--tasks_per_offer must be at least 1', 2);
  const credential = credentialFrom('mesos-batch', flags);
  useHttpCredential(credential);
  const tls = tlsFromOptions('mesos-batch', flags);
  const master = await requireMaster('mesos-batch', flags.master, flags.master_timeout, tls);
  const host = await startClientHost(flags.ip, 'error', tls);
  const batch = new ClientBatch({
    master,
    masterTimeoutMs: flags.master_timeout,
    ...(credential !== undefined ? { credential } : {}),
    framework: { name: flags.name, user: process.env.USER ?? 'root', roles: [flags.role] },
    tasks: flags.tasks,
    taskResources: Resources.parse(taskResources),
    command: flags.command,
    ...(flags.tasks_per_offer !== undefined ? { tasksPerOffer: flags.tasks_per_offer } : {}),
    offerWaitTimeoutMs: flags.offer_wait_timeout,
    onUpdate: (status) => {
      const message = status.message ? ` (${status.message})` : '';
      process.stdout.write(`${status.taskId} ${status.state}${message}\n`);
    },
  }, flags.master_timeout);
  host.spawn(batch);
  const result = await batch.done;
  process.stdout.write(`${flags.name}: ${result.finished} of ${flags.tasks} tasks finished, ${result.failed} did not\n`);
  batch.stop();
  await host.stop();
  process.exit(result.failed === 0 ? 0 : 1);
}

endOnSigusr1();
void main().catch((error: Error) => fail('mesos-batch', error.message));
