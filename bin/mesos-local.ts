#!/usr/bin/env node
/**
 * mesos-local: a whole cluster in one process: a master and N agents, each in its own actor host
 * (the master on --port, the agents on free ports). Prints the master's address; Ctrl-C stops all:
 * the agents shut their executors and tasks down, then the temporary work dir (if it made one) is
 * removed, as it is when the start fails. With --trace_file, every host records into that one file.
 *
 *   mesos-local --port 5050 --agents 2 --resources "cpus:4;mem:4096"
 */
import * as fs from 'node:fs';
import { makeDirectoriesSync } from '../lib/disk';
import { lockWorkDir } from '../lib/work-dir-lock';
import * as os from 'node:os';
import * as path from 'node:path';
import { STOP_SIGNALS, type ActorHost } from '../lib/process';
import type { LogLevel } from '../lib/logging';
import { InvalidArgumentError } from 'commander';
import { createCommand, flag, parseBooleanFlag, parseCount } from '../lib/flags';
import { checkMasterFlags, type MasterFlags } from '../actors/master/flags';
import { startMaster } from '../actors/master';
import { startAgent, type AgentHandle } from '../actors/agent';
import { addAgentOptions, addHostOptions, hostFlagsFrom, addMasterOptions, agentFlagsFrom, agentHttpFrom, masterFlagsFrom, openTraceFile, startServerHost } from './server';
import { addCredentialOptions, credentialFrom, fail, type CredentialOptions } from './client';
import { tlsFromOptions } from './tls';
import type { TlsFlags } from '../lib/process/tls';

/** Agents mesos-local starts when `--agents` is not given. */
export const DEFAULT_LOCAL_AGENTS = 1;

/**
 * Most agents mesos-local starts: each is a host on a port of its own, with its work dir made
 * and locked before anything else starts, so `--agents 100000000` filled /tmp with a million
 * directories in ten minutes, deaf to SIGTERM, before failing for want of ports. Clusters
 * larger than this are simulated in one process (`npm run bench:scale`).
 */
export const MAX_LOCAL_AGENTS = 1000;

/** Parses `--work_dir`: not empty (an empty one put the master's registry in ./master, wherever mesos-local was started). */
export function parseLocalWorkDirFlag(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty (leave --work_dir out for a temporary work dir)');
  return value;
}

/** Parses `--agents`: a count from 0 to `MAX_LOCAL_AGENTS`. */
export function parseLocalAgentsFlag(value: string): number {
  const count = parseCount(value);
  if (count > MAX_LOCAL_AGENTS) throw new InvalidArgumentError(`'${value}' is more than the ${MAX_LOCAL_AGENTS} agents mesos-local starts (each listens on a port of its own)`);
  return count;
}

type LocalOptions = Record<string, unknown> & TlsFlags & CredentialOptions & {
  ip: string; port: number; agents: number; work_dir?: string; keep_work_dir?: boolean; log_level: LogLevel; trace_file?: string;
};

async function main(): Promise<void> {
  const program = addCredentialOptions(addAgentOptions(addMasterOptions(addHostOptions(createCommand('mesos-local', 'Run a master and N agents in one process.'), 5050)
    .addOption(flag('--agents <n>', `how many agents (at most ${MAX_LOCAL_AGENTS})`).argParser(parseLocalAgentsFlag).default(DEFAULT_LOCAL_AGENTS))
    .addOption(flag('--work_dir <dir>', 'work dir for the master and the agents (default: a new temporary dir, removed on exit)').argParser(parseLocalWorkDirFlag))
    .addOption(flag('--keep_work_dir [bool]', 'keep the temporary work dir on exit (a --work_dir given is always kept)').argParser(parseBooleanFlag).default(false)))), true);
  program.parse(process.argv);
  const options = program.opts<LocalOptions>();
  const tls = tlsFromOptions('mesos-local', options);
  const workDir = options.work_dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-local-'));
  // A temporary work dir this process made is its own to remove, once every host has stopped.
  const temporary = options.work_dir === undefined && options.keep_work_dir !== true ? workDir : undefined;
  // Whichever way the process ends (a stop signal, or a start that failed: a busy port, a bad
  // flag), the temporary work dir goes with it.
  if (temporary !== undefined) removeOnExit(temporary);
  // Handlers first: a signal that comes while the cluster starts (before any line says it is
  // up) still stops what started; without a listener, SIGTERM would end the process at once.
  const hosts: ActorHost[] = [];
  const agents: AgentHandle[] = [];
  // The agents shut their executors down only where the work dir goes with the process: a --work_dir
  // given (or kept) keeps its checkpoints, and a restarted mesos-local recovers their tasks.
  const stopping = stopAllOnSignal(hosts, temporary !== undefined ? agents : []);
  // Once stopping, what fails because its host stopped under it is not an error: the stop exits 0.
  // (A start that failed then waits for ever, a promise that never settles, while the stop exits.)
  const failUnlessStopping = (error: Error): Promise<never> => (stopping() ? new Promise<never>(() => undefined) : fail('mesos-local', error.message, 2));
  process.stdout.write(`mesos-local: work dir ${workDir}\n`);
  // The agents authenticate with --credential (or --principal and --secret), if given.
  const credential = credentialFrom('mesos-local', options);
  let masterFlags: MasterFlags;
  let agentHttp: ReturnType<typeof agentHttpFrom>;
  try {
    masterFlags = masterFlagsFrom(options, path.join(workDir, 'master'));
    agentHttp = agentHttpFrom(options, 'credentials', masterFlags);
    checkMasterFlags(masterFlags);
    makeDirectoriesSync(masterFlags.workDir);
    // The master's registry and the agents' checkpoints are this process' alone.
    lockWorkDir(masterFlags.workDir, 'master');
    for (let i = 0; i < options.agents; i++) {
      const agentDir = path.join(workDir, `agent-${i + 1}`);
      makeDirectoriesSync(agentDir);
      lockWorkDir(agentDir, 'agent');
    }
  } catch (error) {
    fail('mesos-local', (error as Error).message, 2);
  }
  // One file for every host of the cluster: each host writes its own header, then its records.
  const trace = openTraceFile('mesos-local', options.trace_file);
  // The agents' hosts advertise the master's IP, not its port (each listens on a port of its own).
  const { advertisePort: _masterPort, ...agentHostFlags } = hostFlagsFrom(options);
  const masterHost = await startServerHost('mesos-local', options.ip, options.port, options.log_level, trace, tls, hostFlagsFrom(options)).catch(failUnlessStopping);
  hosts.push(masterHost);
  const master = await startMaster({ flags: masterFlags, host: masterHost }).catch(failUnlessStopping);
  process.stdout.write(`mesos-local: master ${master.pid}\n`);
  for (let i = 0; i < options.agents; i++) {
    const host = await startServerHost('mesos-local', options.ip, 0, options.log_level, trace, tls, agentHostFlags).catch(failUnlessStopping);
    hosts.push(host);
    const agentFlags = agentFlagsFrom(options, masterHost.address, path.join(workDir, `agent-${i + 1}`));
    const agent = await startAgent({ flags: agentFlags, host, ...(credential !== undefined ? { credential } : {}), ...(agentHttp !== undefined ? { http: agentHttp } : {}) }).catch(failUnlessStopping);
    agents.push(agent);
    process.stdout.write(`mesos-local: agent ${agent.pid} — ${host.scheme}://${host.address}/${agent.pid.id}/state\n`);
  }
  process.stdout.write(`mesos-local: web UI ${masterHost.scheme}://${masterHost.address}/ (Ctrl-C to stop)\n`);
}

/**
 * On SIGINT, SIGTERM or SIGUSR1 (`STOP_SIGNALS`): stops the agents in `agents` (those started when the signal comes: it may
 * come while they start; none when the work dir is kept), each shutting its executors and their
 * tasks down (a checkpointing framework's too: their sandboxes are about to go with the work
 * dir), then the agents' hosts, then the master's (the first of `hosts`), and exits 0. A second
 * signal exits 1 at once, leaving the work dir (executors may still run in it).
 */
function stopAllOnSignal(hosts: ActorHost[], agents: AgentHandle[]): () => boolean {
  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      forcedExit = true;
      process.exit(1);
    }
    stopping = true;
    if (agents.length > 0) process.stdout.write('mesos-local: stopping: shutting the executors and their tasks down\n');
    // Agents first, so that their executors are told before the master goes; an agent's stop is
    // bounded by twice its --executor_shutdown_grace_period.
    void Promise.all(agents.map((agent) => agent.stop()))
      .then(() => Promise.all(hosts.slice(1).map((host) => host.stop())))
      .then(() => hosts[0]?.stop())
      .then(() => process.exit(0));
  };
  for (const signal of STOP_SIGNALS) process.once(signal, stop);
  return () => stopping;
}

/** Set by a second stop signal: the process exits at once, with executors that may still run in the work dir. */
let forcedExit = false;

/** Removes `workDir` (this process' temporary work dir) when the process exits, unless a second signal forced the exit. */
function removeOnExit(workDir: string): void {
  process.once('exit', () => {
    if (forcedExit) process.stderr.write(`mesos-local: stopped at once; the work dir ${workDir} is left (its executors may still run)\n`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  });
}

void main().catch((error: Error) => fail('mesos-local', error.message));
