import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Actor, dispatch, UPID } from '../../../lib/actor';
import { describeDivergence, readTrace, replayTrace, traceFileError, VirtualClock } from '../../../lib/process';
import { memoryHost, Probe } from '../../support/runtime';

/** Saves through async work (a store it is given) and answers Ping with how many saves completed. */
class Saver extends Actor {
  private saved = 0;
  constructor(private readonly store: () => Promise<void>) {
    super('saver');
    this.install('Save', (from) => this.defer(this.store(), () => {
      this.saved++;
      this.send(from, 'Saved', { saved: this.saved });
    }, (error) => this.send(from, 'SaveFailed', { error: error.message })));
    this.install('Ping', (from) => this.send(from, 'Pong', { saved: this.saved }));
  }
}

/** Lets the host run a few event-loop turns (while deferred work is pending, `settle` would wait for it). */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** Rounds of heartbeats: pings a peer every second; on Pong counts; on Stop sends a summary with a random id. */
class Heart extends Actor {
  private beats = 0;
  constructor(private readonly peer: UPID, private readonly intervalMs = 1000, private readonly variant = false, private readonly rounds = 3) {
    super('heart');
    this.install('Pong', (_from, body: { seq: number }) => { this.beats += body.seq; });
    this.install('Stop', (from) => this.send(from, 'Summary', { beats: this.beats, id: this.host.newId(), bytes: Buffer.from([this.beats]) }));
  }
  protected override initialize(): void {
    this.link(this.peer);
    this.tick(1);
  }
  protected override exited(pid: UPID): void {
    this.send(this.peer, 'Noticed', { exited: pid.toString(), variant: this.variant });
  }
  private tick(seq: number): void {
    this.send(this.peer, 'Ping', { seq });
    if (seq < this.rounds) this.delay(this.intervalMs, () => this.tick(seq + 1));
  }
}

describe('traces', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Records a run: heart pings a peer three times (1 s apart), gets Pongs, a Stop, an exited. */
  async function record(file: string): Promise<void> {
    const clock = new VirtualClock();
    const host = memoryHost({ clock, seed: 99 });
    host.startTrace(file);
    const peer = new Probe('peer', ['Ping', 'Summary', 'Noticed']);
    const peerPid = host.spawn(peer);
    const heart = new Heart(peerPid);
    const heartPid = host.spawn(heart);
    await clock.settle();
    for (let seq = 1; seq <= 3; seq++) {
      await dispatch(peer, (p) => p.post(heartPid, 'Pong', { seq }));
      await clock.advance(1000);
    }
    await dispatch(peer, (p) => p.post(heartPid, 'Stop', null));
    await clock.advance(500);
    host.injectExited(heartPid, UPID.at('gone', host.address));
    await clock.advance(500);
    await host.stop();
  }

  it('records deliveries and sends with virtual times, and mesos-trace prints them', async () => {
    const file = path.join(dir, 'run.trace');
    await record(file);
    const { header, events } = readTrace(file);
    expect(header.seed).to.equal(99);
    const heartSends = events.filter((e) => e.kind === 'send' && e.from.startsWith('heart@'));
    expect(heartSends.map((e) => e.name)).to.deep.equal(['Ping', 'Ping', 'Ping', 'Summary', 'Noticed']);
    expect(heartSends.slice(0, 3).map((e) => e.t - header.startMs)).to.deep.equal([0, 1000, 2000]);
    const summary = heartSends[3]?.body as { bytes: Buffer };
    expect(Buffer.isBuffer(summary.bytes)).to.equal(true);
    const bin = path.resolve(__dirname, '../../../bin/mesos-trace.js');
    const printed = execFileSync(process.execPath, [bin, file, '--actor', 'heart', '--name', 'Ping', '--kind', 'send']).toString();
    const lines = printed.trim().split('\n');
    expect(lines[0]).to.match(/^trace of memory-\d+:1 \(seed 99\)/);
    expect(lines.slice(1)).to.have.length(3);
    expect(lines[2]).to.match(/\+\s+1\.000s\s+send\s+heart@memory-\d+:1 ──▶ peer@memory-\d+:1 {2}Ping {"seq":2}/);
  });

  it('replays a recorded trace into a fresh actor with no divergence', async () => {
    const file = path.join(dir, 'run.trace');
    await record(file);
    const trace = readTrace(file);
    const peer = UPID.at('peer', trace.header.address);
    const result = await replayTrace({ trace, actorId: 'heart', create: () => new Heart(peer) });
    expect(result.divergence, result.divergence && describeDivergence(result.divergence)).to.equal(undefined);
    expect(result.delivered).to.equal(5); // 3 Pongs, Stop, exited
    expect(result.matched).to.equal(5);
  });

  it('reports the first divergence when the actor behaves differently', async () => {
    const file = path.join(dir, 'run.trace');
    await record(file);
    const trace = readTrace(file);
    const peer = UPID.at('peer', trace.header.address);
    const slower = await replayTrace({ trace, actorId: 'heart', create: () => new Heart(peer, 1000, true) });
    expect(slower.matched).to.equal(4);
    expect(slower.divergence?.index).to.equal(4);
    expect(slower.divergence?.reason).to.match(/body of Noticed differs/);
    expect(describeDivergence(slower.divergence!)).to.match(/send #4/);
  });

  /**
   * Records a Saver whose store completes only after a Ping was handled (`outcome` says how), so
   * the recorded order is Save, Ping, then the store's completion.
   */
  async function recordSaver(file: string, outcome: 'resolve' | 'reject'): Promise<void> {
    const clock = new VirtualClock();
    const host = memoryHost({ clock, seed: 5 });
    host.startTrace(file);
    let finish: (() => void) | undefined;
    const saver = new Saver(() => new Promise<void>((resolve, reject) => {
      finish = outcome === 'resolve' ? resolve : () => reject(new Error('disk full'));
    }));
    const client = new Probe('client', ['Saved', 'SaveFailed', 'Pong']);
    host.spawn(saver);
    host.spawn(client);
    await dispatch(client, (c) => c.post(saver.self(), 'Save', null));
    await turns(5);
    await dispatch(client, (c) => c.post(saver.self(), 'Ping', null));
    await client.until(() => client.count('Pong') === 1);
    finish?.();
    await client.until(() => client.count('Saved') + client.count('SaveFailed') === 1);
    await clock.settle();
    await host.stop();
  }

  it('replays deferred work where the recording completed it, however fast the replay\'s own promise settles', async () => {
    const file = path.join(dir, 'saver.trace');
    await recordSaver(file, 'resolve');
    const trace = readTrace(file);
    const sends = trace.events.filter((e) => e.kind === 'send' && e.from.startsWith('saver@'));
    expect(sends.map((e) => [e.name, e.body])).to.deep.equal([['Pong', { saved: 0 }], ['Saved', { saved: 1 }]]);
    // The replay's store resolves at once; run free, the save would complete before the Ping (Pong {saved: 1}).
    const result = await replayTrace({ trace, actorId: 'saver', create: () => new Saver(() => Promise.resolve()) });
    expect(result.divergence, result.divergence && describeDivergence(result.divergence)).to.equal(undefined);
    expect(result.matched).to.equal(2);
    expect(result.ran).to.equal(3); // initialize, the deferred completion, the termination when the host stopped
  });

  it('fails deferred work where the recording saw it fail, with the recorded error, though the replay\'s promise resolves', async () => {
    const file = path.join(dir, 'saver.trace');
    await recordSaver(file, 'reject');
    const trace = readTrace(file);
    const sends = trace.events.filter((e) => e.kind === 'send' && e.from.startsWith('saver@'));
    expect(sends.map((e) => [e.name, e.body])).to.deep.equal([['Pong', { saved: 0 }], ['SaveFailed', { error: 'disk full' }]]);
    const result = await replayTrace({ trace, actorId: 'saver', create: () => new Saver(() => Promise.resolve()) });
    expect(result.divergence, result.divergence && describeDivergence(result.divergence)).to.equal(undefined);
    expect(result.matched).to.equal(2);
  });

  it('reports deferred work that succeeded in the recording but fails in the replay (its result cannot be made up)', async () => {
    const file = path.join(dir, 'saver.trace');
    await recordSaver(file, 'resolve');
    const result = await replayTrace({ trace: readTrace(file), actorId: 'saver', create: () => new Saver(() => Promise.reject(new Error('no disk here'))) });
    expect(result.matched).to.equal(1); // the Pong
    expect(result.divergence?.reason).to.equal('deferred work #1 of saver resolved in the recording but was rejected (no disk here) in the replay');
    expect(result.divergence?.at?.name).to.equal('defer');
  });

  it('reports a timer the recording fired that the replayed actor never set, or set for later', async () => {
    const file = path.join(dir, 'run.trace');
    await record(file);
    const trace = readTrace(file);
    const peer = UPID.at('peer', trace.header.address);
    const once = await replayTrace({ trace, actorId: 'heart', create: () => new Heart(peer, 1000, false, 1) });
    expect(once.divergence?.reason).to.equal('timer #1 of heart fired here in the recording; in the replay it is not pending (never set, cancelled or fired)');
    expect(once.matched).to.equal(1); // the first Ping
    const slower = await replayTrace({ trace, actorId: 'heart', create: () => new Heart(peer, 5000) });
    expect(slower.divergence?.reason).to.equal('timer #1 of heart fired here in the recording, 4000 ms before the replayed timer is due');
  });

  it('replays an actor stopped before it ran anything, and refuses a trace begun after the actor was spawned', async () => {
    const file = path.join(dir, 'short.trace');
    const clock = new VirtualClock();
    const host = memoryHost({ clock, seed: 3 });
    host.startTrace(file);
    const peer = UPID.at('peer', host.address);
    host.spawn(new Heart(peer));
    await host.stop(); // before its initialize ran: the trace has only its termination
    const trace = readTrace(file);
    expect(trace.events.map((e) => `${e.kind} ${e.name}`)).to.deep.equal(['run terminate']);
    const result = await replayTrace({ trace, actorId: 'heart', create: () => new Heart(peer) });
    expect(result.divergence).to.equal(undefined);
    expect(result.ran).to.equal(1);

    const late = path.join(dir, 'late.trace');
    const lateHost = memoryHost({ clock, seed: 3 });
    lateHost.spawn(new Heart(UPID.at('peer', lateHost.address)));
    await clock.settle();
    lateHost.startTrace(late);
    await clock.advance(1000);
    await lateHost.stop();
    await replayTrace({ trace: readTrace(late), actorId: 'heart', create: () => new Heart(peer) }).then(
      () => expect.fail('replayed a trace begun after the actor started'),
      (error: Error) => expect(error.message).to.match(/the trace of heart@memory-\d+:1 starts after it was spawned \(its first record is run timer, not its initialize\)/),
    );
  });

  it('keeps the complete lines of a trace whose last line was cut short, and says so', () => {
    const file = path.join(dir, 'cut.trace');
    const header = '{"kind":"header","version":2,"address":"a:1","seed":1,"startMs":0,"draws":8}';
    const event = (n: number): string => `{"kind":"send","t":${n},"from":"x@a:1","to":"y@a:1","name":"N","body":{"n":${n}}}`;
    fs.writeFileSync(file, `${header}\n${event(1)}\n${event(2)}\n${event(3).slice(0, 30)}`);
    const trace = readTrace(file);
    expect(trace.truncated).to.equal(true);
    expect(trace.truncatedLine).to.deep.equal({ line: 4, bytes: 30 });
    expect(trace.events.map((e) => e.body)).to.deep.equal([{ n: 1 }, { n: 2 }]);
    const printed = spawnSync(process.execPath, [path.resolve(__dirname, '../../../bin/mesos-trace.js'), file]);
    expect(printed.status).to.equal(0);
    expect(printed.stderr.toString()).to.match(/^mesos-trace: warning: .*cut\.trace:4 is cut short \(30 bytes; the recording process probably died mid-write\); it is left out\n$/);
    expect(printed.stdout.toString().split('\n')[0]).to.equal('trace of a:1 (seed 1), 2 records (truncated)');
    // A last line that is complete but has no newline is kept.
    fs.writeFileSync(file, `${header}\n${event(1)}`);
    expect(readTrace(file)).to.include({ truncated: false }).and.to.have.nested.property('events.length', 1);
  });

  it('rejects a line cut short or corrupted before the last one, naming its line', () => {
    const file = path.join(dir, 'bad.trace');
    const header = '{"kind":"header","version":2,"address":"a:1","seed":1,"startMs":0}';
    const event = '{"kind":"deliver","t":1,"from":"x@a:1","to":"y@a:1","name":"N","body":null}';
    fs.writeFileSync(file, `${header}\n${event}\n${event.slice(0, 20)}\n${event}\n`);
    expect(() => readTrace(file)).to.throw(/bad\.trace:3: not JSON/);
    fs.writeFileSync(file, `${header}\n${event}\n{"kind":"deliver","t":"soon","from":"x@a:1","to":"y@a:1","name":"N"}\n${event}\n`);
    expect(() => readTrace(file)).to.throw(/bad\.trace:3: not a trace record \(no numeric t\)/);
    fs.writeFileSync(file, header.slice(0, 25));
    expect(() => readTrace(file)).to.throw(/bad\.trace:1: the first line is incomplete/);
    fs.writeFileSync(file, header.replace('"version":2', '"version":9') + '\n');
    expect(() => readTrace(file)).to.throw(/bad\.trace:1: not a trace record \(format version 9 is not one of 1, 2\)/);
    const printed = spawnSync(process.execPath, [path.resolve(__dirname, '../../../bin/mesos-trace.js'), file]);
    expect(printed.status).to.equal(1);
    expect(printed.stderr.toString()).to.match(/^mesos-trace: .*bad\.trace:1: not a trace record/);
  });

  it('says why a path cannot be a trace file', () => {
    expect(traceFileError(path.join(dir, 'ok.trace'))).to.equal(undefined);
    expect(traceFileError(path.join(dir, 'missing', 'x.trace'))).to.equal(`directory ${path.join(dir, 'missing')} does not exist`);
    expect(traceFileError(dir)).to.equal(`${dir} is a directory`);
    fs.writeFileSync(path.join(dir, 'plain'), '');
    expect(traceFileError(path.join(dir, 'plain', 'x.trace'))).to.equal(`${path.join(dir, 'plain')} is not a directory`);
    expect(traceFileError('')).to.equal('the trace file path is empty');
  });

  it('rejects a file that is not a trace, naming the line', () => {
    const file = path.join(dir, 'bad.trace');
    fs.writeFileSync(file, '{"kind":"header","version":1,"address":"a:1","seed":1,"startMs":0}\nnot json\n');
    expect(() => readTrace(file)).to.throw(/bad\.trace:2: not JSON/);
    fs.writeFileSync(file, '{"kind":"send"}\n');
    expect(() => readTrace(file)).to.throw(/:1: not a trace record/);
  });
});
