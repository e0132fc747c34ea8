#!/usr/bin/env node
/**
 * mesos-master: runs a master (with its allocator) in one actor host.
 *
 *   mesos-master --port 5050 --work_dir /var/lib/mesos/master [--ip 10.0.0.5]
 */
import * as fs from 'node:fs';
import type { LogLevel } from '../lib/logging';
import { createCommand, flag } from '../lib/flags';
import { checkMasterFlags } from '../actors/master/flags';
import { startMaster } from '../actors/master';
import { addHostOptions, openTraceFile, addMasterOptions, masterFlagsFrom, startServerHost } from './server';
import { fail } from './client';

async function main(): Promise<void> {
  const program = addMasterOptions(addHostOptions(createCommand('mesos-master', 'Run a Mesos master.'), 5050)
    .addOption(flag('--work_dir <dir>', 'where the registry is kept').makeOptionMandatory()));
  program.parse(process.argv);
  const options = program.opts<Record<string, unknown> & { ip: string; port: number; work_dir: string; log_level: LogLevel; trace_file?: string }>();
  const flags = masterFlagsFrom(options, options.work_dir);
  try {
    checkMasterFlags(flags);
    fs.mkdirSync(flags.workDir, { recursive: true });
  } catch (error) {
    fail('mesos-master', (error as Error).message, 2);
  }
  const host = await startServerHost('mesos-master', options.ip, options.port, options.log_level, openTraceFile('mesos-master', options.trace_file));
  // A registry that cannot be read or written (corrupt, or a full or read-only disk) is fatal at start: one line, exit 2.
  const master = await startMaster({ flags, host }).catch((error: Error) => fail('mesos-master', error.message, 2));
  host.installSignalHandlers();
  process.stdout.write(`mesos-master: ${master.pid} — http://${host.address}/master/state\n`);
}

void main().catch((error: Error) => fail('mesos-master', error.message));
