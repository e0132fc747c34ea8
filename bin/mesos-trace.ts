#!/usr/bin/env node
/**
 * mesos-trace: prints a recorded message trace as a readable sequence.
 *
 *   mesos-trace run.trace [--actor master] [--name StatusUpdate] [--kind send] [--full]
 */
import { createCommand, flag } from '../lib/flags';
import { formatEvent, readTrace, type TraceEvent } from '../lib/process/trace';

/** Body characters shown per line unless `--full`. */
const BODY_PREVIEW_CHARS = 160;

interface TraceFlags {
  actor?: string;
  name?: string;
  kind?: 'send' | 'deliver';
  full?: boolean;
}

function main(argv: string[]): void {
  const program = createCommand('mesos-trace', 'Print a recorded message trace (from a host started with a trace path).')
    .argument('<file>', 'trace file (JSON lines)')
    .addOption(flag('--actor <id>', 'only messages from or to this actor (an id, or a full UPID)'))
    .addOption(flag('--name <name>', 'only messages with this name'))
    .addOption(flag('--kind <kind>', "only 'send' or 'deliver' records").choices(['send', 'deliver']))
    .addOption(flag('--full', 'print whole bodies'))
    .parse(argv);
  const [file] = program.args as [string];
  const options = program.opts<TraceFlags>();
  let trace;
  try {
    trace = readTrace(file);
  } catch (error) {
    process.stderr.write(`mesos-trace: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const { header, events } = trace;
  process.stdout.write(`trace of ${header.address} (seed ${header.seed}), ${events.length} records\n`);
  for (const event of events.filter((e) => selected(e, options))) {
    process.stdout.write(formatEvent(event, header.startMs, options.full ? 0 : BODY_PREVIEW_CHARS) + '\n');
  }
}

function selected(event: TraceEvent, options: TraceFlags): boolean {
  if (options.kind && event.kind !== options.kind) return false;
  if (options.name && event.name !== options.name) return false;
  if (options.actor) {
    const matchesPid = (pid: string): boolean => pid === options.actor || pid.split('@')[0] === options.actor;
    if (!matchesPid(event.from) && !matchesPid(event.to)) return false;
  }
  return true;
}

main(process.argv);
