/**
 * libprocess' `/__processes__`: every actor of the host with the events waiting in its mailbox,
 * without message bodies, bounded, behind the read-only credentials when they are asked for.
 */
import { expect } from 'chai';
import { MAX_PROCESS_EVENTS_LISTED, PROCESSES_ACTOR_ID, ProcessesActor } from '../../lib/info-actors';
import { dispatch } from '../../lib/actor';
import { basicAuthorization, type HttpRequest, type HttpResponse } from '../../lib/process';
import { memoryHost, Probe, within } from '../support/runtime';
import { cleanUp, makeWorkDir, startListeningHarness } from '../actors/master/harness';

type Listed = Array<{ id: string; events: Array<Record<string, string>>; events_total: number }>;

/** GET `/__processes__` of `actor`, handled now (before the host runs any mailbox). */
function listNow(actor: ProcessesActor, headers: Record<string, string> = {}, method = 'GET'): HttpResponse {
  const handler = actor.runtime.routes.get('/');
  if (handler === undefined) throw new Error('no route /');
  const request: HttpRequest = { method, path: '/', query: {}, headers, body: Buffer.alloc(0) };
  return handler.call(actor, request) as HttpResponse;
}

describe('/__processes__', () => {
  it('lists every actor with the events in its mailbox, messages by name, sender and receiver but no body; at most MAX_PROCESS_EVENTS_LISTED each, all counted', async () => {
    const host = memoryHost();
    try {
      const processes = new ProcessesActor();
      host.spawn(processes);
      const busy = new Probe('busy', ['Ping']);
      const sender = new Probe('sender');
      host.spawn(busy);
      host.spawn(sender);
      await dispatch(busy, () => undefined);
      // Queued now, handled once this test yields.
      for (let index = 0; index < MAX_PROCESS_EVENTS_LISTED + 5; index++) sender.post(busy.self(), 'Ping', { secret: 'do-not-show' });
      void dispatch(busy, () => undefined);
      const answer = listNow(processes);
      expect(answer.status).to.equal(200);
      const listed = answer.body as unknown as Listed;
      expect(listed.map((process) => process.id)).to.include.members([PROCESSES_ACTOR_ID, 'busy', 'sender']);
      const entry = listed.find((process) => process.id === 'busy');
      expect(entry?.events_total).to.equal(MAX_PROCESS_EVENTS_LISTED + 6);
      expect(entry?.events).to.have.length(MAX_PROCESS_EVENTS_LISTED);
      expect(entry?.events[0]).to.deep.equal({ type: 'MESSAGE', name: 'Ping', from: sender.self().toString(), to: busy.self().toString() });
      expect(JSON.stringify(listed)).to.not.contain('do-not-show');
      expect(listed.find((process) => process.id === 'sender')?.events_total).to.equal(0);
      await dispatch(busy, () => undefined);
      expect(busy.count('Ping'), 'the listing took nothing from the mailbox').to.equal(MAX_PROCESS_EVENTS_LISTED + 5);
      const after = (listNow(processes).body as unknown as Listed).find((process) => process.id === 'busy');
      expect(after?.events_total).to.equal(0);
    } finally {
      await host.stop();
    }
  });

  it('names a dispatch as DISPATCH and a termination as TERMINATE; asks for the read-only credentials when they are required; takes GET only', async () => {
    const host = memoryHost();
    try {
      const credentials = new Map([['ops', 'secret']]);
      const processes = new ProcessesActor({ authentication: { credentials, readonly: true, readwrite: true } });
      host.spawn(processes);
      const busy = new Probe('busy');
      host.spawn(busy);
      await dispatch(busy, () => undefined);
      void dispatch(busy, () => undefined);
      host.terminate(busy);
      expect(listNow(processes).status).to.equal(401);
      const authorization = basicAuthorization('ops', 'secret');
      const listed = listNow(processes, { authorization }).body as unknown as Listed;
      expect(listed.find((process) => process.id === 'busy')?.events).to.deep.equal([{ type: 'TERMINATE' }, { type: 'DISPATCH', name: 'dispatch' }]);
      expect(listNow(processes, { authorization }, 'POST').status).to.equal(405);
    } finally {
      await host.stop();
    }
  });

  it("is served at /__processes__ of a master's host, over HTTP", async () => {
    const harness = await startListeningHarness({}, makeWorkDir());
    try {
      const url = `http://${harness.host.address}/__processes__`;
      const response = await within(fetch(url), 10_000, url);
      expect(response.status).to.equal(200);
      const listed = await response.json() as Listed;
      expect(listed.map((process) => process.id)).to.include.members(['master', PROCESSES_ACTOR_ID]);
    } finally {
      await cleanUp();
    }
  });
});
