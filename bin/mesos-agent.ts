#!/usr/bin/env node
/**
 * mesos-agent: runs an agent that offers this machine's resources to a master.
 *
 *   mesos-agent --master 127.0.0.1:5050 --port 5051 --work_dir /var/lib/mesos/agent [--resources "cpus:4;mem:4096"] [--attributes "rack:r1"]
 */
import { makeDirectoriesSync } from '../lib/disk';
import { lockWorkDir } from '../lib/work-dir-lock';
import type { LogLevel } from '../lib/logging';
import { createCommand, flag, parseBooleanFlag, parseMasterFlag } from '../lib/flags';
import { cleanUpAgent, startAgent } from '../actors/agent';
import { checkAgentFlags } from '../actors/agent/flags';
import { addAgentOptions, addHostOptions, hostFlagsFrom, agentFlagsFrom, agentHttpFrom, openTraceFile, startServerHost } from './server';
import { addCredentialOptions, credentialFrom, endOnSigusr1, fail, type CredentialOptions } from './client';
import { tlsFromOptions } from './tls';
import type { TlsFlags } from '../lib/process/tls';

async function main(): Promise<void> {
  // Until the agent is up and handles it (below): recovery can take a while.
  const startingSigusr1 = endOnSigusr1();
  const program = addCredentialOptions(addAgentOptions(addHostOptions(createCommand('mesos-agent', 'Run a Mesos agent.'), 5051)
    .addOption(flag('--master <host:port|zk://...>', 'the master, or zk://host:port[,host:port...]/path to follow the leader in ZooKeeper').argParser(parseMasterFlag).makeOptionMandatory())
    .addOption(flag('--work_dir <dir>', 'root of the sandboxes').makeOptionMandatory())
    .addOption(flag('--http_credentials <path>', 'principals and secrets for HTTP Basic on /state and /files, Mesos\' JSON {"credentials": [...]}'))
    .addOption(flag('--authenticate_http_readonly [bool]', '/state, /flags, /files, /metrics, /monitor/statistics and /containers need HTTP Basic credentials (and /api/v1, ours)').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--authenticate_http_readwrite [bool]', 'the v1 operator API (/api/v1) needs HTTP Basic credentials (Mesos\' read-write realm)').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--acls <json|path>', "Mesos' ACL JSON; access_sandboxes decides who may read which framework's sandboxes"))), true);
  program.parse(process.argv);
  const options = program.opts<Record<string, unknown> & TlsFlags & CredentialOptions & { ip: string; port: number; master: string; work_dir: string; log_level: LogLevel; trace_file?: string }>();
  const tls = tlsFromOptions('mesos-agent', options);
  const flags = agentFlagsFrom(options, options.master, options.work_dir);
  const credential = credentialFrom('mesos-agent', options);
  let http: ReturnType<typeof agentHttpFrom>;
  try {
    checkAgentFlags(flags); // before anything is created on disk
    http = agentHttpFrom(options, 'http_credentials');
    makeDirectoriesSync(options.work_dir);
    // Before anything is recovered: two agents on one work dir would both recover its checkpoints.
    lockWorkDir(options.work_dir, 'agent');
  } catch (error) {
    fail('mesos-agent', (error as Error).message, 2);
  }
  const host = await startServerHost('mesos-agent', options.ip, options.port, options.log_level, openTraceFile('mesos-agent', options.trace_file), tls, hostFlagsFrom(options));
  if (flags.recover === 'cleanup') {
    // As Mesos: kill what the previous run left and exit; the next start is a new agent.
    try {
      await cleanUpAgent({ flags, host });
    } catch (error) {
      await host.stop();
      fail('mesos-agent', (error as Error).message, 2);
    }
    await host.stop();
    process.stdout.write(`mesos-agent: --recover=cleanup: the previous run's executors are killed and its checkpoints in ${options.work_dir} forgotten (its dynamic reservations, meta/resources/resources.info, are kept, as Mesos keeps them); start again without it to run a new agent\n`);
    process.exit(0);
  }
  let agent;
  try {
    agent = await startAgent({ flags, host, ...(credential !== undefined ? { credential } : {}), ...(http !== undefined ? { http } : {}) });
  } catch (error) {
    await host.stop();
    fail('mesos-agent', (error as Error).message, 2);
  }
  // SIGTERM leaves the executors running (Mesos); the agent's own cgroups go where nothing is left in them.
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGUSR1'] as const) process.once(signal, () => { signalled = true; });
  host.installSignalHandlers(() => { void agent.releaseIfEmpty().finally(() => process.exit(0)); }, ['SIGINT', 'SIGTERM']);
  startingSigusr1();
  // SIGUSR1 is Mesos' way to retire an agent: it unregisters from the master (its tasks are lost
  // there at once, not after the ping timeout) and shuts every executor down, then exits 0. (With
  // no handler, Node would open its inspector on it: a debugger, as root, for any local user.)
  process.once('SIGUSR1', () => {
    process.stderr.write('mesos-agent: received SIGUSR1: unregistering and shutting down\n');
    void agent.stop().then(() => agent.releaseIfEmpty()).then(() => host.stop()).finally(() => process.exit(0));
  });
  process.stdout.write(`mesos-agent: ${agent.pid} — ${host.scheme}://${host.address}/${agent.pid.id}/state\n`);
  // The master can shut an agent down (e.g. after removing it): then the process ends too.
  void agent.terminated.then(async () => {
    if (signalled) return; // stopping on a signal: that path exits (0)
    const reason = agent.agent.shutDownByMaster;
    const id = agent.agent.shutDownAgentId;
    process.stderr.write(reason === undefined ? 'mesos-agent: the agent was shut down\n'
      : id === undefined ? `mesos-agent: the master told the agent to shut down (${reason})\n`
        : `mesos-agent: the master told agent ${id} to shut down (${reason}); its executors are ended. It keeps its id, as Mesos' agent does, so started again here it is refused again; to start a new agent in ${options.work_dir}, run mesos-agent once with --recover=cleanup first\n`);
    await host.stop();
    process.exit(1);
  });
}

void main().catch((error: Error) => fail('mesos-agent', error.message));
