import { expect } from 'chai';
import { Actor, defineMessage, dispatch, UPID } from '../../../lib/actor';
import { VirtualClock } from '../../../lib/process/clock';
import type { ActorHost } from '../../../lib/process';
import { memoryHost } from '../../support/runtime';

/** A message whose validator checks the shape and hands over the body itself (as the protocol's fast check does). */
const Note = defineMessage('Note', (body: unknown) => body as { items: string[] });

/** Keeps the last body it got; `mutate` says whether its handler changes it. */
class Keeper extends Actor {
  kept: { items: string[] } | undefined;
  constructor(private readonly mutate: boolean) {
    super('keeper');
    this.install(Note, (_from, note) => {
      this.kept = note;
      if (this.mutate) note.items.push('added by the receiver');
    });
  }
}

/** Sends a body; `changeLater` makes it change the body in a timer 1 ms after sending. */
class Sender extends Actor {
  readonly body = { items: ['a'] };
  constructor(private readonly changeLater = false) {
    super('sender');
  }
  sendNote(to: UPID): void {
    this.send(to, Note, this.body);
    if (this.changeLater) this.delay(1, () => this.body.items.push('added by the sender'));
  }
}

/** Runs `run` with mocha's uncaught-exception handlers set aside; resolves with what was thrown uncaught, if anything. */
async function uncaughtDuring(run: () => Promise<void>): Promise<Error | undefined> {
  const mochaListeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  let caught: Error | undefined;
  process.on('uncaughtException', (error) => { caught = error; });
  try {
    await run();
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    process.removeAllListeners('uncaughtException');
    for (const listener of mochaListeners) process.on('uncaughtException', listener);
  }
  return caught;
}

describe('shared local bodies (a validating host freezes them)', () => {
  let host: ActorHost;
  afterEach(async () => host.stop());

  it('a receiver that changes a body it was sent fails loudly (thrown outside the host), and the sender\'s object is unchanged', async () => {
    host = memoryHost();
    const keeper = new Keeper(true);
    const sender = new Sender();
    const keeperPid = host.spawn(keeper);
    host.spawn(sender);
    const thrown = await uncaughtDuring(async () => {
      await dispatch(sender, (actor) => actor.sendNote(keeperPid));
      await new Promise<void>((resolve) => setImmediate(resolve));
    });
    expect(thrown?.message).to.match(/actor 'keeper' changed an object a message shares/);
    expect(sender.body.items).to.deep.equal(['a']);
  });

  it('a sender that changes a body after sending it (in a later turn) fails loudly too, and the receiver keeps what was sent', async () => {
    const clock = new VirtualClock();
    host = memoryHost({ clock });
    const keeper = new Keeper(false);
    const sender = new Sender(true);
    const keeperPid = host.spawn(keeper);
    host.spawn(sender);
    const thrown = await uncaughtDuring(async () => {
      await dispatch(sender, (actor) => actor.sendNote(keeperPid));
      await clock.advance(5);
    });
    expect(thrown?.message).to.match(/actor 'sender' changed an object a message shares/);
    expect(keeper.kept?.items).to.deep.equal(['a']);
  });

  it('a host that does not validate local messages shares bodies unfrozen (production in one process: the rule is the actors\')', async () => {
    host = memoryHost({ validateLocalMessages: false });
    const keeper = new Keeper(false);
    const sender = new Sender();
    const keeperPid = host.spawn(keeper);
    host.spawn(sender);
    await dispatch(sender, (actor) => actor.sendNote(keeperPid));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(keeper.kept).to.equal(sender.body);
    expect(Object.isFrozen(sender.body)).to.equal(false);
  });
});
