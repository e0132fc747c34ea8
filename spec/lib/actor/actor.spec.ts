import { expect } from 'chai';
import { Actor, defineMessage, dispatch, post, UPID } from '../../../lib/actor';
import { EMPTY_HANDLER_TABLE } from '../../../lib/actor/actor';
import { ActorHost, ok, VirtualClock, type HttpResponse } from '../../../lib/process';
import { captureLogger } from '../../../lib/logging';
import { memoryHost, Probe } from '../../support/runtime';

class Counter extends Actor {
  readonly seen: number[] = [];
  inHandler = false;
  overlaps = 0;
  initialized = false;
  finalized = false;
  constructor(id = 'counter') {
    super(id);
    this.install('Add', (_from, n: number) => {
      if (this.inHandler) this.overlaps++;
      this.inHandler = true;
      this.seen.push(n);
      this.inHandler = false;
    });
    this.install('Boom', () => { throw new Error('boom'); });
  }
  protected override initialize(): void {
    this.initialized = true;
  }
  protected override finalize(): void {
    this.finalized = true;
  }
  total(): number {
    return this.seen.reduce((a, b) => a + b, 0);
  }
  startTimer(ms: number, value: number): { cancel(): void } {
    return this.delay(ms, () => this.seen.push(value));
  }
  startRepeating(periodMs: number, times: number): { cancel(): void } {
    let runs = 0;
    const timer = this.every(periodMs, () => {
      this.seen.push(this.clock.now());
      if (++runs === times) timer.cancel();
    });
    return timer;
  }
  startDeferred(promise: Promise<number>): void {
    this.defer(promise, (value) => this.seen.push(value), (error) => this.seen.push(-error.message.length));
  }
  stop(): void {
    this.terminate();
  }
}

/** A virtual clock, a memory host, a Counter on it and a Probe (`probeId`) to send from. */
function counterRig(probeId = 'sender'): { clock: VirtualClock; host: ReturnType<typeof memoryHost>; counter: Counter; pid: UPID; sender: Probe } {
  const clock = new VirtualClock();
  const host = memoryHost({ clock });
  const counter = new Counter();
  const pid = host.spawn(counter);
  const sender = new Probe(probeId);
  host.spawn(sender);
  return { clock, host, counter, pid, sender };
}

describe('Actor', () => {
  it('handles messages FIFO, one at a time, after initialize', async () => {
    const { clock, counter, pid, sender } = counterRig();
    for (let i = 1; i <= 1000; i++) sender.post(pid, 'Add', i);
    await clock.settle();
    expect(counter.initialized).to.equal(true);
    expect(counter.seen).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(counter.overlaps).to.equal(0);
  });

  it('logs a throwing handler and keeps handling messages', async () => {
    const clock = new VirtualClock();
    const captured = captureLogger();
    const host = memoryHost({ clock, logger: captured.logger });
    const counter = new Counter();
    const pid = host.spawn(counter);
    const sender = new Probe('sender');
    host.spawn(sender);
    sender.post(pid, 'Add', 1);
    sender.post(pid, 'Boom', null);
    sender.post(pid, 'Add', 2);
    await clock.settle();
    expect(counter.seen).to.deep.equal([1, 2]);
    const logged = captured.find('handler threw');
    expect(logged).to.have.length(1);
    expect(JSON.stringify(logged[0])).to.contain('boom').and.to.contain('Boom');
    // The record names the event and its sender (read from the mailbox record that threw).
    expect(logged[0]).to.include({ event: 'Boom', from: sender.self().toString() });
  });

  it('binds its own id to what it logs (and makes no child logger for a silent host)', async () => {
    class Talker extends Actor {
      say(text: string): void {
        this.log.warn({ text }, 'said');
      }
    }
    const captured = captureLogger();
    const host = memoryHost({ logger: captured.logger });
    const talker = new Talker('talker-1');
    host.spawn(talker);
    await dispatch(talker, (actor) => actor.say('hi'));
    const [record] = captured.find('said');
    expect(record).to.include({ actor: 'talker-1', text: 'hi' });
    const silent = memoryHost();
    const quiet = new Talker('talker-2');
    silent.spawn(quiet);
    await dispatch(quiet, (actor) => actor.say('hush'));
    expect(quiet.runtime.logger, 'a silent host\'s logger serves as it is').to.equal(undefined);
  });

  it('logs and drops messages for unknown actors and unhandled names', async () => {
    const clock = new VirtualClock();
    const captured = captureLogger();
    const host = memoryHost({ clock, logger: captured.logger });
    const sender = new Probe('sender');
    const pid = host.spawn(sender);
    sender.post(UPID.at('nobody', pid.address), 'Hello', 1);
    sender.post(pid, 'NotInstalled', 1);
    await clock.settle();
    expect(captured.find('unknown actor')).to.have.length(1);
    expect(captured.find('no handler installed')).to.have.length(1);
  });

  it('dispatch runs in the mailbox and resolves with the result', async () => {
    const host = memoryHost();
    const counter = new Counter();
    const pid = host.spawn(counter);
    const sender = new Probe('sender');
    host.spawn(sender);
    sender.post(pid, 'Add', 5);
    // The dispatch is queued behind the Add, so it sees it.
    expect(await dispatch(counter, (c) => c.total())).to.equal(5);
  });

  it('post runs in the mailbox in order with messages, and hands a throw or a gone actor to onError', async () => {
    const { clock, host, counter, pid, sender } = counterRig();
    const errors: string[] = [];
    sender.post(pid, 'Add', 1);
    await clock.settle();
    post(counter, (c) => c.seen.push(2), (error) => errors.push(error.message));
    sender.post(pid, 'Add', 3);
    post(counter, () => { throw new Error('refused'); }, (error) => errors.push(error.message));
    await clock.settle();
    expect(counter.seen).to.deep.equal([1, 2, 3]);
    expect(errors).to.deep.equal(['refused']);
    host.terminate(pid);
    await host.wait(pid);
    post(counter, (c) => c.seen.push(4), (error) => errors.push(error.message));
    post(new Counter('never-spawned'), () => undefined, (error) => errors.push(error.message));
    await clock.settle();
    expect(counter.seen).to.deep.equal([1, 2, 3]);
    expect(errors).to.have.length(3);
    expect(errors[1]).to.match(/not running/);
    expect(errors[2]).to.match(/not spawned/);
  });

  it('dispatch rejects when the method throws or the actor is gone', async () => {
    const host = memoryHost();
    const counter = new Counter();
    host.spawn(counter);
    const error = await dispatch(counter, () => { throw new Error('nope'); }).catch((e: Error) => e);
    expect((error as Error).message).to.equal('nope');
    await dispatch(counter, (c) => c.stop());
    await host.wait(counter);
    const gone = await dispatch(counter, (c) => c.total()).catch((e: Error) => e);
    expect((gone as Error).message).to.match(/not running/);
  });

  it('delay fires through the host clock and can be cancelled', async () => {
    const clock = new VirtualClock();
    const host = memoryHost({ clock });
    const counter = new Counter();
    host.spawn(counter);
    await dispatch(counter, (c) => { c.startTimer(1000, 1); c.startTimer(2000, 2).cancel(); c.startTimer(3000, 3); });
    await clock.advance(999);
    expect(counter.seen).to.deep.equal([]);
    await clock.advance(1);
    expect(counter.seen).to.deep.equal([1]);
    await clock.advance(5000);
    expect(counter.seen).to.deep.equal([1, 3]);
  });

  it('actors of one class share one handler table; one that installs a closure of its own gets a copy', async () => {
    class Pinger extends Actor {
      readonly seen: string[] = [];
      constructor(id: string, extra: boolean) {
        super(id);
        this.install('Ping', this.onPing);
        if (extra) this.install('Extra', () => this.seen.push('extra'));
        this.install('Pong', this.onPong);
      }
      onPing(): void { this.seen.push('ping'); }
      onPong(): void { this.seen.push('pong'); }
    }
    const clock = new VirtualClock();
    const host = memoryHost({ clock });
    const [a, b, c] = [new Pinger('a', false), new Pinger('b', false), new Pinger('c', true)];
    for (const actor of [a, b, c]) host.spawn(actor);
    expect(a.runtime.handlers).to.equal(b.runtime.handlers);
    expect(c.runtime.handlers).to.not.equal(a.runtime.handlers);
    expect(EMPTY_HANDLER_TABLE.has('Ping')).to.equal(false);
    expect(a.runtime.handlers.has('Extra')).to.equal(false);
    const sender = new Probe('sender');
    host.spawn(sender);
    for (const actor of [a, b, c]) for (const name of ['Ping', 'Extra', 'Pong']) sender.post(actor.self(), name, null);
    await clock.settle();
    expect([a.seen, b.seen, c.seen]).to.deep.equal([['ping', 'pong'], ['ping', 'pong'], ['ping', 'extra', 'pong']]);
  });

  it('actors of one class share one route table and are served with themselves as this; a closure route gets a copy', async () => {
    class Web extends Actor {
      constructor(id: string, extra: boolean) {
        super(id);
        this.route('/who', this.who);
        if (extra) this.route('/extra', () => ok({ extra: this.id }));
      }
      who(): HttpResponse { return ok({ who: this.id }); }
    }
    const host = await ActorHost.start({ port: 0 });
    try {
      const [a, b, c] = [new Web('a', false), new Web('b', false), new Web('c', true)];
      for (const actor of [a, b, c]) host.spawn(actor);
      expect(a.runtime.routeTable).to.equal(b.runtime.routeTable);
      expect(c.runtime.routeTable).to.not.equal(a.runtime.routeTable);
      expect(a.runtime.routes.has('/extra')).to.equal(false);
      const served = await Promise.all(['a/who', 'b/who', 'c/who', 'c/extra'].map(async (path) => (await fetch(`http://${host.address}/${path}`)).json() as Promise<unknown>));
      expect(served).to.deep.equal([{ who: 'a' }, { who: 'b' }, { who: 'c' }, { extra: 'c' }]);
      expect((await fetch(`http://${host.address}/a/extra`)).status).to.equal(404);
    } finally {
      await host.stop();
    }
  });

  it('every repeats a timer from each run until cancelled, one traced timer per period, and stops with its actor', async () => {
    const clock = new VirtualClock();
    const runs: Array<{ seq: unknown; t: number }> = [];
    const host = memoryHost({ clock, observer: (event) => { if (event.kind === 'run' && event.name === 'timer') runs.push({ seq: (event.body as { seq: unknown }).seq, t: event.t }); } });
    const counter = new Counter();
    host.spawn(counter);
    const start = clock.now();
    await dispatch(counter, (c) => { c.startRepeating(1_000, 3); });
    await clock.advance(10_000);
    // Three runs a period apart; the third cancelled the timer from its own callback.
    expect(counter.seen.map((t) => t - start)).to.deep.equal([1_000, 2_000, 3_000]);
    expect(runs).to.deep.equal([{ seq: 1, t: start + 1_000 }, { seq: 2, t: start + 2_000 }, { seq: 3, t: start + 3_000 }]);
    expect(clock.pendingTimers()).to.equal(0);
    // A timer cancelled from outside stops; a terminated actor's timer never runs again.
    counter.seen.length = 0;
    const outside = await dispatch(counter, (c) => c.startRepeating(500, 100));
    await clock.advance(1_200);
    outside.cancel();
    await clock.advance(5_000);
    expect(counter.seen).to.have.length(2);
    await dispatch(counter, (c) => { c.startRepeating(500, 100); });
    await clock.advance(600);
    host.terminate(counter.self());
    await host.wait(counter.self());
    await clock.advance(5_000);
    expect(counter.seen).to.have.length(3);
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('terminate runs finalize, drops queued messages, cancels timers and tells linked actors', async () => {
    const { clock, host, counter, pid, sender: watcher } = counterRig('watcher');
    await dispatch(watcher, (w) => w.watch(pid));
    await dispatch(counter, (c) => { c.startTimer(10, 99); });
    watcher.post(pid, 'Add', 1);
    host.terminate(pid);
    await host.wait(pid);
    await clock.advance(100);
    expect(counter.finalized).to.equal(true);
    expect(counter.seen).to.deep.equal([]);
    expect(watcher.exits.map(String)).to.deep.equal([pid.toString()]);
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('linking to an actor that does not exist yields exited at once', async () => {
    const clock = new VirtualClock();
    const host = memoryHost({ clock });
    const watcher = new Probe('watcher');
    const pid = host.spawn(watcher);
    await dispatch(watcher, (w) => w.watch(UPID.at('ghost', pid.address)));
    await clock.settle();
    expect(watcher.exits.map((p) => p.id)).to.deep.equal(['ghost']);
  });

  it('defer re-enters the mailbox with the result or the error', async () => {
    const clock = new VirtualClock();
    const host = memoryHost({ clock });
    const counter = new Counter();
    host.spawn(counter);
    await dispatch(counter, (c) => {
      c.startDeferred(new Promise((resolve) => setTimeout(() => resolve(42), 5)));
      c.startDeferred(Promise.reject(new Error('four')));
    });
    await clock.settle();
    expect(counter.seen).to.have.members([42, -4]);
  });

  it('deferWith calls its methods on the actor with their argument before the result or the error', async () => {
    const clock = new VirtualClock();
    const host = memoryHost({ clock });
    class Launches extends Actor {
      readonly seen: string[] = [];
      constructor() {
        super('launches');
      }
      start(promise: Promise<number>, name: string): void {
        this.deferWith(promise, this.started, this.failed, name);
      }
      private started(name: string, value: number): void {
        this.seen.push(`${this.id}:${name}=${value}`);
      }
      private failed(name: string, error: Error): void {
        this.seen.push(`${this.id}:${name}!${error.message}`);
      }
    }
    const launches = new Launches();
    host.spawn(launches);
    await dispatch(launches, (actor) => {
      actor.start(new Promise((resolve) => setTimeout(() => resolve(42), 5)), 'late');
      actor.start(Promise.resolve(7), 'early');
      actor.start(Promise.reject(new Error('four')), 'bad');
    });
    await clock.settle();
    expect(launches.seen).to.have.members(['launches:late=42', 'launches:early=7', 'launches:bad!four']);
  });

  it('refuses duplicate ids, reserved ids and double installs', () => {
    const host = memoryHost();
    host.spawn(new Counter('same'));
    expect(() => host.spawn(new Counter('same'))).to.throw(/already runs/);
    expect(() => new Counter('__links')).to.throw(/invalid actor id/);
    expect(() => new Counter('has space')).to.throw(/invalid actor id/);
    class Twice extends Actor {
      constructor() {
        super('twice');
        this.install('A', () => undefined);
        this.install('A', () => undefined);
      }
    }
    expect(() => new Twice()).to.throw(/installed twice/);
  });

  it('uniqueId numbers ids per prefix like libprocess', () => {
    const host = memoryHost();
    expect([host.uniqueId('slave'), host.uniqueId('slave'), host.uniqueId('executor')]).to.deep.equal(['slave(1)', 'slave(2)', 'executor(1)']);
  });

  it('draws ids from the seeded PRNG: same seed, same ids', () => {
    const a = memoryHost({ seed: 42 });
    const b = memoryHost({ seed: 42 });
    const c = memoryHost({ seed: 43 });
    const ids = (h: typeof a) => [h.newId(), h.newId()];
    expect(ids(a)).to.deep.equal(ids(b));
    expect(ids(memoryHost({ seed: 42 }))).to.not.deep.equal(ids(c));
  });

  it('typed messages: validators run on bodies that arrive off the wire only', () => {
    const Typed = defineMessage('Typed', (body) => {
      if (typeof body !== 'number') throw new Error('body must be a number');
      return body;
    });
    expect(Typed.name).to.equal('Typed');
    expect(Typed.validate(3)).to.equal(3);
    expect(() => Typed.validate('x')).to.throw(/must be a number/);
    expect(() => defineMessage('bad name', (b) => b)).to.throw(/invalid message name/);
  });
});
