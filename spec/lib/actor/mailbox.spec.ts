import { expect } from 'chai';
import type { ActorTimer } from '../../../lib/actor/actor';
import { EventKind, INITIALIZE_LABEL, Mailbox, Tag, type MailboxEvent } from '../../../lib/actor/mailbox';
import { UPID } from '../../../lib/actor/upid';
import { Prng } from '../../../lib/process/prng';

const SEED = 4012;

/** One record as the model keeps it. */
type Record = readonly [Tag, unknown, unknown, unknown];

/** What the mailbox's first record is, read as the host reads it. */
function takeFirst(mailbox: Mailbox): Record {
  const record: Record = [mailbox.firstTag(), mailbox.firstA(), mailbox.firstB(), mailbox.firstC()];
  mailbox.dropFirst();
  return record;
}

function recordsOf(mailbox: Mailbox): Record[] {
  const seen: Record[] = [];
  mailbox.forEach((event) => seen.push([event.tag, event.a, event.b, event.c]));
  return seen;
}

describe('lib/actor/mailbox', () => {
  const from = UPID.parse('scheduler(1)@127.0.0.1:5050');

  it('views say what each kind of record is', () => {
    const mailbox = new Mailbox();
    const run = (): void => {};
    const fail = (): void => {};
    const label = { name: 'dispatch' as const, seq: 2, source: 'master' };
    const timer = { seq: 7 } as ActorTimer;
    mailbox.push(Tag.ValidatedMessage, from, 'Ping', { n: 1 });
    mailbox.push(Tag.Message, from, 'Pong', null);
    mailbox.push(Tag.Run, label, run, fail);
    mailbox.push(Tag.Timer, timer, undefined, undefined);
    mailbox.push(Tag.Initialize, undefined, undefined, undefined);
    mailbox.push(Tag.Exited, from, undefined, undefined);
    const deferred = { name: 'defer' as const, seq: 3, source: '', ok: true };
    mailbox.push(Tag.Deferred, deferred, undefined, undefined);
    mailbox.unshift(Tag.Terminate, undefined, undefined, undefined);
    const views: MailboxEvent[] = [];
    mailbox.forEach((event) => views.push(event));
    const seen = views.map((event) => ({ kind: event.kind, name: event.name, from: event.from, remote: event.remote }));
    expect(seen).to.deep.equal([
      { kind: EventKind.Terminate, name: 'terminate', from: undefined, remote: false },
      { kind: EventKind.Message, name: 'Ping', from, remote: true },
      { kind: EventKind.Message, name: 'Pong', from, remote: false },
      { kind: EventKind.Run, name: 'dispatch', from: undefined, remote: false },
      { kind: EventKind.Run, name: 'timer', from: undefined, remote: false },
      { kind: EventKind.Run, name: 'initialize', from: undefined, remote: false },
      { kind: EventKind.Exited, name: 'exited', from, remote: false },
      { kind: EventKind.Run, name: 'defer', from: undefined, remote: false },
    ]);
    expect(views[1]!.body).to.deep.equal({ n: 1 });
    expect([views[3]!.body, views[3]!.run, views[3]!.fail]).to.deep.equal([label, run, fail]);
    expect(views[4]!.body).to.deep.equal({ name: 'timer', seq: 7, source: '', timer });
    expect(views[5]!.body).to.equal(INITIALIZE_LABEL);
    expect([views[1]!.run, views[1]!.fail, views[6]!.body]).to.deep.equal([undefined, undefined, undefined]);
    expect([views[7]!.body, views[7]!.run, views[7]!.fail]).to.deep.equal([deferred, undefined, undefined]);
    expect(mailbox.length).to.equal(8);
  });

  it(`is first in, first out (terminate in front) under random pushes, unshifts, takes and removals, past several growths (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    const mailbox = new Mailbox();
    let model: Record[] = [];
    let counter = 0;
    for (let step = 0; step < 20_000; step++) {
      const filling = step < 12_000;
      const roll = prng.nextInt(10);
      if (roll < (filling ? 6 : 3)) {
        const record: Record = [Tag.Message, from, `m${counter}`, { counter }];
        counter++;
        mailbox.push(...record);
        model.push(record);
      } else if (roll === 9) {
        const record: Record = [Tag.Terminate, counter++, undefined, undefined];
        mailbox.unshift(...record);
        model.unshift(record);
      } else if (roll === 8 && model.length > 0) {
        // A scripted replay's removal from the middle.
        const target = model[prng.nextInt(model.length)]!;
        const removed = mailbox.removeFirst((event) => event.a === target[1] && event.b === target[2]);
        expect(removed?.c).to.equal(target[3]);
        model = model.filter((record) => record !== target);
      } else if (model.length > 0) {
        expect(takeFirst(mailbox)).to.deep.equal(model.shift());
      }
      expect(mailbox.length).to.equal(model.length);
      if (step % 997 === 0) expect(recordsOf(mailbox)).to.deep.equal(model);
    }
    expect(counter).to.be.greaterThan(8_000);
    const rest = mailbox.clear().map((event): Record => [event.tag, event.a, event.b, event.c]);
    expect(rest).to.deep.equal(model);
    expect(mailbox.length).to.equal(0);
    mailbox.push(Tag.Exited, from, undefined, undefined);
    expect(takeFirst(mailbox)).to.deep.equal([Tag.Exited, from, undefined, undefined]);
  });

  it('lets go of what it handed out', () => {
    const mailbox = new Mailbox();
    for (let index = 0; index < 100; index++) mailbox.push(Tag.Message, from, 'm', { index });
    for (let index = 0; index < 100; index++) takeFirst(mailbox);
    const slots = (mailbox as unknown as { slots: unknown[] }).slots;
    expect(slots.filter((slot) => slot !== undefined)).to.deep.equal([]);
  });
});
