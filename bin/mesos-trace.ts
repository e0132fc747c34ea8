#!/usr/bin/env node
/**
 * mesos-trace: prints a recorded message trace as a readable sequence.
 *
 *   mesos-trace run.trace [--actor master] [--name StatusUpdate] [--kind send] [--full]
 *
 * A trace whose last line was cut short (the recording process died mid-write) is printed up to
 * that line, with a warning on stderr; any other bad line is an error naming it (exit 1).
 */
import { Option } from 'commander';
import { createCommand, parseBooleanFlag } from '../lib/flags';
import { formatEvent, readTrace, type Trace, type TraceEvent, type TraceEventKind } from '../lib/process/trace';

/** Body characters shown per line unless `--full`. */
const BODY_PREVIEW_CHARS = 160;

/** What `--kind` accepts. */
const KINDS: TraceEventKind[] = ['send', 'deliver', 'run', 'input'];

interface TraceFlags {
  actor?: string;
  name?: string;
  kind?: TraceEventKind;
  full?: boolean;
}

function main(argv: string[]): void {
  const program = createCommand('mesos-trace', 'Print a recorded message trace (from a host started with a trace path, or a bin run with --trace_file).')
    .argument('<file>', 'trace file (JSON lines)')
    // Filters of one reading, not settings: no MESOS_* variable (MESOS_NAME would collide with the clients' --name).
    .addOption(new Option('--actor <id>', 'only records from or to this actor (an id, or a full UPID)'))
    .addOption(new Option('--name <name>', 'only records with this name (a message, a run such as timer, or an input)'))
    .addOption(new Option('--kind <kind>', "only 'send', 'deliver', 'run' or 'input' records").choices(KINDS))
    .addOption(new Option('--full [bool]', 'print whole bodies').argParser(parseBooleanFlag).default(false))
    .parse(argv);
  const [file] = program.args as [string];
  const options = program.opts<TraceFlags>();
  let trace: Trace;
  try {
    trace = readTrace(file);
  } catch (error) {
    process.stderr.write(`mesos-trace: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const { header, headers, events } = trace;
  if (trace.truncatedLine) {
    process.stderr.write(`mesos-trace: warning: ${file}:${trace.truncatedLine.line} is cut short (${trace.truncatedLine.bytes} bytes; ` +
      'the recording process probably died mid-write); it is left out\n');
  }
  const hosts = headers.map((each) => `${each.address} (seed ${each.seed})`).join(', ');
  process.stdout.write(`trace of ${hosts}, ${events.length} records${trace.truncated ? ' (truncated)' : ''}\n`);
  for (const event of events.filter((e) => selected(e, options))) {
    process.stdout.write(formatEvent(event, header.startMs, options.full ? 0 : BODY_PREVIEW_CHARS) + '\n');
  }
}

function selected(event: TraceEvent, options: TraceFlags): boolean {
  if (options.kind && event.kind !== options.kind) return false;
  if (options.name && event.name !== options.name) return false;
  if (options.actor) {
    const matchesPid = (pid: string): boolean => pid === options.actor || pid.slice(0, pid.lastIndexOf('@')) === options.actor;
    if (!matchesPid(event.from) && !matchesPid(event.to)) return false;
  }
  return true;
}

main(process.argv);
