#!/usr/bin/env node
/**
 * mesos-ps: a table of the cluster's tasks (framework, task, agent, state, resources), from the
 * master's /master/state.
 *
 *   mesos-ps --master 127.0.0.1:5050 [--all]
 *   mesos-ps --master zk://10.0.0.1:2181,10.0.0.2:2181/mesos [--master_timeout 1mins]
 */
import { createCommand, flag, parseBooleanFlag, parseDurationFlag, parseMasterFlag } from '../lib/flags';
import type { TlsFlags } from '../lib/process/tls';
import { addCredentialOptions, CLIENT_MASTER_TIMEOUT_MS, credentialFrom, endOnSigusr1, fail, getJson, leaderBehind, leadingMasterAddress, useHttpCredential, type CredentialOptions } from './client';
import { isZooKeeperMaster } from '../lib/ha/detector';
import { addTlsOptions, tlsFromOptions } from './tls';

interface StateTask {
  id: string;
  name: string;
  framework_id: string;
  slave_id: string;
  state: string;
  resources: Record<string, number | string>;
}
interface StateFramework {
  id: string;
  name: string;
  tasks: StateTask[];
  completed_tasks?: StateTask[];
}
interface MasterState {
  /** False on a master that does not lead (a standby, or a leader stepping down). */
  elected?: boolean;
  frameworks: StateFramework[];
  completed_frameworks?: StateFramework[];
  slaves: Array<{ id: string; hostname: string; pid: string }>;
}

/** One row per task; `all` adds completed tasks and frameworks. */
export function taskRows(state: MasterState, all: boolean): string[][] {
  const agents = new Map(state.slaves.map((slave) => [slave.id, `${slave.hostname} (${slave.pid.split('@')[1] ?? ''})`]));
  const frameworks = all ? [...state.frameworks, ...(state.completed_frameworks ?? [])] : state.frameworks;
  const rows: string[][] = [];
  for (const framework of frameworks) {
    const tasks = all ? [...framework.tasks, ...(framework.completed_tasks ?? [])] : framework.tasks;
    for (const task of tasks) {
      const cpus = task.resources.cpus ?? 0;
      const mem = task.resources.mem ?? 0;
      rows.push([framework.name, task.id, agents.get(task.slave_id) ?? task.slave_id, task.state, `cpus:${cpus};mem:${mem}`]);
    }
  }
  return rows;
}

/** Formats rows as an aligned table under a header. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

async function main(): Promise<void> {
  const program = addTlsOptions(addCredentialOptions(createCommand('mesos-ps', "List the cluster's tasks.")))
    .addOption(flag('--master <host:port|zk://...>', 'the master, or zk://host:port[,host:port...]/path to ask the leader').argParser(parseMasterFlag).makeOptionMandatory())
    .addOption(flag('--master_timeout <duration>', 'give up after this long without a leading master in ZooKeeper').argParser(parseDurationFlag).default(CLIENT_MASTER_TIMEOUT_MS, '1mins'))
    .addOption(flag('--all [bool]', 'include completed tasks and frameworks (MESOS_ALL=false is false)').argParser(parseBooleanFlag).default(false))
    .parse(process.argv);
  const flags = program.opts<TlsFlags & { master: string; master_timeout: number; all?: boolean } & CredentialOptions>();
  useHttpCredential(credentialFrom('mesos-ps', flags));
  const tls = tlsFromOptions('mesos-ps', flags);
  // A standby redirects its state to the leader: ask the leader it names, and say so. The master
  // ZooKeeper names may not lead either (one that stepped down while its session lives on): asked the same way.
  const named = isZooKeeperMaster(flags.master) ? await leadingMasterAddress('mesos-ps', flags.master, flags.master_timeout) : flags.master;
  const address = await leaderBehind('mesos-ps', named, tls);
  let state: MasterState;
  try {
    state = await getJson<MasterState>(address, '/master/state', tls ? { tls } : {});
  } catch (error) {
    fail('mesos-ps', `no master at ${address}: ${(error as Error).message}`);
  }
  // An empty table from a master that does not lead would read as "nothing runs" (HA walkthrough):
  // a master older than the tenth session served a standby's state of its own, `elected: false`.
  if (state.elected === false) fail('mesos-ps', `${address} is a master that does not lead now; try again, or give --master zk://... to ask the leader`);
  process.stdout.write(formatTable(['FRAMEWORK', 'TASK', 'AGENT', 'STATE', 'RESOURCES'], taskRows(state, flags.all === true)));
}

if (require.main === module) {
  endOnSigusr1();
  void main().catch((error: Error) => fail('mesos-ps', error.message));
}
