import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UPID } from '../../lib/actor';
import { ActorHost, describeDivergence, readTrace, replayTrace, type ReplayResult, type Trace, type TraceEvent } from '../../lib/process';
import { KillTaskOnAgent } from '../../lib/protocol';
import { Master, replayMaster } from '../../actors/master';
import { replayAgent } from '../../actors/agent';
import { quietLogger, within } from '../support/runtime';
import { binPath, startBin, type BinProcess } from './processes';
import { KILLED_TASK, TRACED_TASKS, TracedFramework } from './trace-framework';

/** Real time allowed for the recorded run (start, three tasks, a kill, shutdown). */
const RUN_TIMEOUT_MS = 30_000;

/** A master that never forwards a kill to the agent: the deliberately altered handler. */
class KillDroppingMaster extends Master {
  protected override send<T>(to: UPID | string, type: { name: string } | string, body: T): void {
    const name = typeof type === 'string' ? type : type.name;
    if (name === KillTaskOnAgent.name) return;
    super.send(to, name, body);
  }
}

/** The master's state, over HTTP. */
async function masterState(address: string): Promise<{ completed_frameworks: unknown[] }> {
  return (await (await fetch(`http://${address}/master/state`)).json()) as { completed_frameworks: unknown[] };
}

/** Polls an async `test` until it holds, or fails after `ms` of real time. */
async function eventually(test: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The divergence, described, for a failing assertion's message. */
function explain(result: ReplayResult): string {
  return result.divergence ? describeDivergence(result.divergence) : 'no divergence';
}

describe('traces of the real actors (mesos-local --trace_file, replayed)', function () {
  this.timeout(90_000);
  let dir: string;
  let clusterTraceFile: string;
  let schedulerTraceFile: string;
  let local: BinProcess | undefined;
  let framework: TracedFramework;
  let masterAddress: string;

  /**
   * Records one live run: `mesos-local` as a real process with `--trace_file`, and the framework's
   * scheduler in a traced host of this process: three tasks, two finish, one is killed.
   */
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-replay-'));
    clusterTraceFile = path.join(dir, 'cluster.trace');
    schedulerTraceFile = path.join(dir, 'scheduler.trace');
    local = startBin('mesos-local', [
      '--port', '0', '--agents', '1', '--resources', 'cpus:2;mem:1024;disk:1024;ports:[31000-31099]',
      // A temporary work dir (none given): its stop shuts the agent down from outside, which the agent's replay feeds back.
      '--trace_file', clusterTraceFile, '--allocation_interval', '100ms',
      // Frequent pings, so the master's own timers are in the trace; many may be missed before the agent is removed (a loaded machine).
      '--agent_ping_timeout', '100ms', '--max_agent_ping_timeouts', '50',
    ]);
    const [, master] = await local.waitFor(/master master@(\S+)/);
    masterAddress = master as string;
    await local.waitFor(/web UI/);
    const host = await ActorHost.start({ logger: quietLogger, tracePath: schedulerTraceFile });
    try {
      framework = new TracedFramework(master as string);
      host.spawn(framework);
      await within(host.wait(framework), RUN_TIMEOUT_MS, 'the framework to finish its tasks and stop');
    } finally {
      await host.stop();
    }
    // The master has torn the framework down (asked over HTTP, which the trace records and replay skips); then the cluster stops.
    await eventually(async () => (await masterState(masterAddress)).completed_frameworks.length === 1, 10_000, 'the framework to be torn down');
    // The master's first ping timer fires one ping interval (plus its registry write) after the agent
    // registered, and a quick run (a warm test process: earlier specs loaded fetch, JIT-compiled the
    // scheduler) is torn down before that: stop only once the trace holds one, whatever the run's speed.
    await eventually(async () => masterTimers(readTrace(clusterTraceFile)).length > 0, 10_000, 'a ping timer of the master in the trace');
    // And one after the last HTTP request: a request that changed the master's timers (a replay
    // leaves requests out) diverges only where a timer fires after it. (A state request armed the
    // state cache's sweep on 2026-12-04: every master timer after it had another number in the replay.)
    await masterState(masterAddress);
    const timersBefore = masterTimers(readTrace(clusterTraceFile)).length;
    await eventually(async () => masterTimers(readTrace(clusterTraceFile)).length > timersBefore, 10_000, 'a ping timer of the master after its last HTTP request');
    local.kill('SIGTERM');
    expect(await within(local.exited, 15_000, 'mesos-local to stop')).to.equal(0);
  });

  after(() => {
    local?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the run did what the tests below replay: two tasks finished, one was killed', () => {
    const outcomes = framework.outcomes();
    expect([...outcomes.keys()].sort()).to.deep.equal(TRACED_TASKS.map((task) => task.taskId).sort());
    expect(outcomes.get('quick-1')).to.equal('TASK_FINISHED');
    expect(outcomes.get('quick-2')).to.equal('TASK_FINISHED');
    expect(outcomes.get(KILLED_TASK)).to.equal('TASK_KILLED');
  });

  it('mesos-local recorded its master and agent hosts in one file, which mesos-trace prints', () => {
    const trace = readTrace(clusterTraceFile);
    expect(trace.truncated).to.equal(false);
    expect(trace.headers).to.have.length(2);
    const names = new Set(trace.events.map((event) => `${event.kind} ${event.name}`));
    for (const expected of ['deliver RegisterAgent', 'deliver RegisterFramework', 'send RunTask', 'deliver KillTask', 'send KillTaskOnAgent', 'run timer', 'run defer', 'run dispatch', 'input master-start', 'input agent-start', 'input executor-exit']) {
      expect(names, expected).to.include(expected);
    }
    expect(masterTimers(trace).length, 'ping timers of the master').to.be.greaterThan(0);
    const printed = execFileSync(process.execPath, [binPath('mesos-trace'), clusterTraceFile, '--actor', 'master', '--name', 'KillTask']).toString();
    expect(printed.split('\n')[0]).to.match(/^trace of 127\.0\.0\.1:\d+ \(seed \d+\), 127\.0\.0\.1:\d+ \(seed \d+\), \d+ records$/);
    expect(printed).to.match(/deliver master@127\.0\.0\.1:\d+ ◀── scheduler@127\.0\.0\.1:\d+ {2}KillTask {"frameworkId":"[^"]+","taskId":"sleeper"}/);
  });

  it('replays into a fresh master (with its allocator) with zero divergence', async () => {
    const result = await replayMaster(readTrace(clusterTraceFile));
    expect(result.divergence, explain(result)).to.equal(undefined);
    expect(result.matched).to.be.greaterThan(20);
    expect(result.delivered).to.be.greaterThan(10);
    expect(result.prngSkipped).to.equal(0);
    // Only the HTTP requests for /master/state were not repeated.
    expect(result.skipped).to.be.greaterThan(0);
    expect(new Set(result.skippedEvents.map((skipped) => skipped.event.name))).to.deep.equal(new Set(['http']));
    const masterSends = countSends(readTrace(clusterTraceFile), `@${result.address}`, ['master', 'allocator']);
    expect(result.matched).to.equal(masterSends);
  });

  it('replays into a fresh agent, its executors\' exits and tokens fed from the trace, with zero divergence', async () => {
    const trace = readTrace(clusterTraceFile);
    const result = await replayAgent(trace);
    expect(result.divergence, explain(result)).to.equal(undefined);
    const tokens = trace.events.filter((event) => event.name === 'executor-token').length;
    expect(tokens, 'one token per executor run').to.be.greaterThan(0);
    // Besides: what its sandbox garbage collection read from the disk (the start's scan, each disk usage reading).
    const diskReadings = trace.events.filter((event) => event.kind === 'input' && (event.name === 'sandbox-scan' || event.name === 'disk-usage')).length;
    expect(diskReadings, 'the scan of the work dir at start').to.be.greaterThan(0);
    // mesos-local's stop (SIGINT; its work dir is temporary) stops the agent from outside: the replay stops it there too.
    const stops = trace.events.filter((event) => event.kind === 'input' && event.name === 'agent-stop').length;
    expect(stops, "mesos-local's stop").to.equal(1);
    expect(result.inputs).to.equal(1 + trace.events.filter((event) => event.name === 'executor-exit').length + tokens + diskReadings + stops);
    expect(result.matched).to.equal(countSends(trace, `@${result.address}`, ['slave(1)']));
    expect(result.matched).to.be.greaterThan(10);
  });

  it('replays into a fresh scheduler with zero divergence', async () => {
    const trace = readTrace(schedulerTraceFile);
    const result = await replayTrace({ trace, actorId: 'scheduler', create: () => new TracedFramework(masterAddress) });
    expect(result.divergence, explain(result)).to.equal(undefined);
    expect(result.matched).to.equal(countSends(trace, `@${trace.header.address}`, ['scheduler']));
    expect(result.matched).to.be.greaterThan(5);
  });

  it('a master whose KillTask handler drops its send to the agent is reported at the first divergence, naming the message', async () => {
    const trace = readTrace(clusterTraceFile);
    const result = await replayMaster(trace, { createMaster: (flags, registry, allocator) => new KillDroppingMaster(flags, registry, allocator) });
    const divergence = result.divergence;
    expect(divergence, 'a divergence').to.not.equal(undefined);
    expect(divergence?.expected?.name).to.equal('KillTaskOnAgent');
    expect(divergence?.actual).to.equal(undefined);
    expect(divergence?.at?.kind).to.equal('deliver');
    expect(divergence?.at?.name).to.equal('KillTask');
    // First: every send before it matched, and it is the first KillTaskOnAgent recorded.
    const sends = trace.events.filter((event) => event.kind === 'send' && /^(master|allocator)@/.test(event.from) && event.from.endsWith(`@${result.address}`));
    expect(divergence?.index).to.equal(sends.findIndex((event) => event.name === 'KillTaskOnAgent'));
    expect(result.matched).to.equal(divergence?.index);
    expect(describeDivergence(divergence!)).to.match(/did not send KillTaskOnAgent/).and.match(/while replaying: deliver .*KillTask/);
  });

  it('a trace cut short mid-line still reads and replays: the complete lines are kept, the cut is reported', async () => {
    const text = fs.readFileSync(clusterTraceFile, 'utf8');
    const cutFile = path.join(dir, 'cut.trace');
    // As if the process died while writing its last line: keep half of that line.
    const lastLineStart = text.lastIndexOf('\n', text.length - 2) + 1;
    fs.writeFileSync(cutFile, text.slice(0, lastLineStart + Math.floor((text.length - lastLineStart) / 2)));
    const whole = readTrace(clusterTraceFile);
    const cut = readTrace(cutFile);
    expect(cut.truncated).to.equal(true);
    expect(cut.truncatedLine?.line).to.equal(whole.events.length + whole.headers.length);
    expect(cut.events).to.deep.equal(whole.events.slice(0, -1));
    const printed = startBin('mesos-trace', [cutFile]);
    expect(await within(printed.exited, 10_000, 'mesos-trace')).to.equal(0);
    expect(printed.stderr).to.match(/warning: .*cut\.trace:\d+ is cut short/);
    const result = await replayMaster(cut);
    expect(result.divergence, explain(result)).to.equal(undefined);
    expect(result.truncated).to.equal(true);
  });
});

/** The master's timers that ran (its agent observer's pings), as recorded. */
function masterTimers(trace: Trace): TraceEvent[] {
  return trace.events.filter((event) => event.kind === 'run' && event.name === 'timer' && event.to.startsWith('master@'));
}

/** Sends recorded by the given actors of the host whose pids end with `suffix`. */
function countSends(trace: Trace, suffix: string, actorIds: string[]): number {
  const pids = new Set(actorIds.map((id) => `${id}${suffix}`));
  return trace.events.filter((event) => event.kind === 'send' && pids.has(event.from)).length;
}

describe('--trace_file and MESOS_TRACE_FILE on the server bins', function () {
  this.timeout(30_000);
  let dir: string;
  const started: BinProcess[] = [];
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-flag-')); });
  afterEach(() => {
    for (const bin of started.splice(0)) bin.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): BinProcess {
    const bin = startBin(name, args, env);
    started.push(bin);
    return bin;
  }

  it('a trace file in a missing directory, or a directory, is a bad flag: one line, exit 2', async () => {
    const missing = path.join(dir, 'nope', 'run.trace');
    const cases: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
      ['mesos-master', ['--work_dir', path.join(dir, 'm'), '--trace_file', missing], {}, /directory .*nope does not exist/],
      ['mesos-agent', ['--master', '127.0.0.1:1', '--work_dir', path.join(dir, 'a')], { MESOS_TRACE_FILE: dir }, /is a directory/],
      ['mesos-local', ['--port', '0', '--work_dir', path.join(dir, 'l')], { MESOS_TRACE_FILE: missing }, /directory .*nope does not exist/],
    ];
    for (const [name, args, env, message] of cases) {
      const bin = start(name, args, env);
      expect(await within(bin.exited, 10_000, name), name).to.equal(2);
      expect(bin.stderr, name).to.match(message);
      expect(bin.stderr.trim().split('\n'), name).to.have.length(1);
    }
    expect(fs.existsSync(path.join(dir, 'm')), 'nothing started').to.equal(false);
  });

  it('MESOS_TRACE_FILE records a mesos-master from its start, and the trace replays', async () => {
    const file = path.join(dir, 'master.trace');
    const master = start('mesos-master', ['--port', '0', '--work_dir', path.join(dir, 'master')], { MESOS_TRACE_FILE: file });
    const [, address] = await master.waitFor(/master@(127\.0\.0\.1:\d+)/);
    // Answered from the master's mailbox, so after its initialize.
    expect((await fetch(`http://${address as string}/master/health`)).status).to.equal(200);
    master.kill('SIGTERM');
    expect(await within(master.exited, 10_000, 'mesos-master to stop')).to.equal(0);
    const trace = readTrace(file);
    expect(trace.headers).to.have.length(1);
    expect(trace.events.map((event) => `${event.kind} ${event.to.split('@')[0]} ${event.name}`)).to.include.members([
      'input master master-start', 'run allocator initialize', 'run master initialize', 'run master terminate',
    ]);
    const result = await replayMaster(trace);
    expect(result.divergence, explain(result)).to.equal(undefined);
    expect(result.ran).to.be.greaterThan(3);
    expect(result.skippedEvents.map((skipped) => skipped.event.name)).to.deep.equal(['http']);
  });
});
