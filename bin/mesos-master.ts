#!/usr/bin/env node
/**
 * mesos-master: runs a master (with its allocator) in one actor host.
 *
 *   mesos-master --port 5050 --work_dir /var/lib/mesos/master [--ip 10.0.0.5]
 *   mesos-master --port 5050 --work_dir /var/lib/mesos/master --zk zk://10.0.0.1:2181,10.0.0.2:2181/mesos --quorum 2
 *   mesos-master --port 5050 --work_dir /var/lib/mesos/master --ssl_cert_file node.crt --ssl_key_file node.key --ssl_ca_file ca.crt --ssl_require_client_cert
 *
 * With `--zk`, masters contend for leadership in ZooKeeper and keep the registry there; without
 * it, one master runs with the registry file in its work dir. With the `--ssl_*` flags (or
 * `LIBPROCESS_SSL_*` variables) it serves TLS only (docs/security.md).
 */
import { STOP_SIGNALS } from '../lib/process';
import { makeDirectoriesSync } from '../lib/disk';
import { lockWorkDir } from '../lib/work-dir-lock';
import type { LogLevel } from '../lib/logging';
import { createCommand, flag, parseCount, parseDurationFlag, parseZooKeeperFlag } from '../lib/flags';
import { checkMasterFlags, type MasterFlags } from '../actors/master/flags';
import { startMaster } from '../actors/master';
import { ContendingMaster } from '../actors/master/contend';
import { connectNodeZooKeeper } from '../lib/ha/node-zookeeper';
import { ZOOKEEPER_SESSION_TIMEOUT_MS } from '../lib/ha/election';
import { parseZooKeeperUrl, shownZooKeeperUrl } from '../lib/ha/zookeeper';
import { addHostOptions, hostFlagsFrom, openTraceFile, addMasterOptions, masterFlagsFrom, startServerHost } from './server';
import { endOnSigusr1, fail } from './client';
import { tlsFromOptions } from './tls';
import type { TlsFlags } from '../lib/process/tls';

async function main(): Promise<void> {
  // Until the master is up and stops on it as on SIGTERM (below).
  const startingSigusr1 = endOnSigusr1();
  const program = addMasterOptions(addHostOptions(createCommand('mesos-master', 'Run a Mesos master.'), 5050)
    .addOption(flag('--work_dir <dir>', 'where the registry is kept').makeOptionMandatory())
    .addOption(flag('--zk <url>', 'contend for leadership, and keep the registry, in ZooKeeper: zk://host:port[,host:port...]/path').argParser(parseZooKeeperFlag))
    .addOption(flag('--quorum <n>', 'masters in the ensemble (accepted as Mesos does; the registry in ZooKeeper is replicated by ZooKeeper itself)').argParser(parseCount))
    .addOption(flag('--zk_session_timeout <duration>', 'ZooKeeper session timeout').argParser(parseDurationFlag).default(ZOOKEEPER_SESSION_TIMEOUT_MS, '10secs')));
  program.parse(process.argv);
  const options = program.opts<Record<string, unknown> & TlsFlags & {
    ip: string; port: number; work_dir: string; log_level: LogLevel; trace_file?: string; zk?: string; quorum?: number; zk_session_timeout: number;
  }>();
  if (options.quorum !== undefined && options.quorum < 1) fail('mesos-master', '--quorum: must be at least 1', 2);
  if (options.quorum !== undefined && options.zk === undefined) fail('mesos-master', '--quorum needs --zk (one master without ZooKeeper needs no quorum)', 2);
  if (options.zk_session_timeout <= 0) fail('mesos-master', '--zk_session_timeout: must be positive', 2);
  const tls = tlsFromOptions('mesos-master', options);
  let flags: MasterFlags;
  try {
    flags = masterFlagsFrom(options, options.work_dir);
    checkMasterFlags(flags);
    makeDirectoriesSync(flags.workDir);
    // The registry file is this master's alone (with --zk the registry is in ZooKeeper, and the work dir unused).
    if (options.zk === undefined) lockWorkDir(flags.workDir, 'master');
  } catch (error) {
    fail('mesos-master', (error as Error).message, 2);
  }
  const host = await startServerHost('mesos-master', options.ip, options.port, options.log_level, openTraceFile('mesos-master', options.trace_file), tls, hostFlagsFrom(options));
  if (options.zk !== undefined) {
    const contending = ContendingMaster.start({ flags, host, zk: { url: parseZooKeeperUrl(options.zk), connect: connectNodeZooKeeper, sessionTimeoutMs: options.zk_session_timeout } });
    contending.onStateChange((state) => process.stdout.write(`mesos-master: ${state === 'leading' ? 'leading' : state === 'recovering' ? 'elected; recovering the registry' : state === 'standby' ? 'not leading' : state}\n`));
    // A stopped master withdraws first: its znode goes at once, and another is elected without waiting for its session to expire.
    const stop = (): void => { void contending.stop().then(() => host.stop()).then(() => process.exit(0)); };
    startingSigusr1();
    for (const signal of STOP_SIGNALS) process.once(signal, stop);
    process.stdout.write(`mesos-master: master@${host.address} contending in ${shownZooKeeperUrl(options.zk)} — ${host.scheme}://${host.address}/master/state\n`);
    process.stdout.write(`mesos-master: web UI ${host.scheme}://${host.address}/ (a standby master's links to the leader's)\n`);
    return;
  }
  // A registry that cannot be read or written (corrupt, or a full or read-only disk) is fatal at start: one line, exit 2.
  const master = await startMaster({ flags, host }).catch((error: Error) => fail('mesos-master', error.message, 2));
  startingSigusr1();
  host.installSignalHandlers();
  process.stdout.write(`mesos-master: ${master.pid} — ${host.scheme}://${host.address}/master/state\n`);
  process.stdout.write(`mesos-master: web UI ${host.scheme}://${host.address}/\n`);
}

void main().catch((error: Error) => fail('mesos-master', error.message));
