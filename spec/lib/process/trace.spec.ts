import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Actor, dispatch, UPID } from '../../../lib/actor';
import { describeDivergence, readTrace, replayTrace, VirtualClock } from '../../../lib/process';
import { memoryHost, Probe } from '../../support/runtime';

/** Rounds of heartbeats: pings a peer every second; on Pong counts; on Stop sends a summary with a random id. */
class Heart extends Actor {
  private beats = 0;
  constructor(private readonly peer: UPID, private readonly intervalMs = 1000, private readonly variant = false) {
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
    if (seq < 3) this.delay(this.intervalMs, () => this.tick(seq + 1));
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

  it('rejects a file that is not a trace, naming the line', () => {
    const file = path.join(dir, 'bad.trace');
    fs.writeFileSync(file, '{"kind":"header","version":1,"address":"a:1","seed":1,"startMs":0}\nnot json\n');
    expect(() => readTrace(file)).to.throw(/bad\.trace:2: not JSON/);
    fs.writeFileSync(file, '{"kind":"send"}\n');
    expect(() => readTrace(file)).to.throw(/:1: not a trace record/);
  });
});
