/**
 * A hostile review of the master's v0 HTTP endpoints (`/master/*`): what Mesos answers, and what
 * this master answered instead before each fix.
 */
import { expect } from 'chai';
import { parseAcls } from '../../../lib/acls';
import { dispatch } from '../../../lib/actor';
import { basicAuthorization, VirtualClock, type HttpResponse } from '../../../lib/process';
import { VERSION } from '../../../lib/version';
import { StandbyMaster } from '../../../actors/master/standby';
import { memoryHost, within } from '../../support/runtime';
import { all, cleanUp, offersOf, registerAgent, registerFramework, startListeningHarness, type Harness } from './harness';

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

async function call(harness: Harness, path: string, init: RequestInit = {}): Promise<Answer> {
  const url = `http://${harness.host.address}${path}`;
  const response = await within(fetch(url, { redirect: 'manual', ...init }), 5_000, url);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

function form(fields: Record<string, string>, method = 'POST'): RequestInit {
  return { method, body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

async function frameworkIds(harness: Harness): Promise<string[]> {
  const { text } = await call(harness, '/master/frameworks');
  return (JSON.parse(text) as { frameworks: Array<{ id: string }> }).frameworks.map((framework) => framework.id);
}

describe('actors/master: the v0 HTTP endpoints against hostile requests', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.host.stop();
    harness = undefined;
    await cleanUp();
  });

  describe('?jsonp= on a request that changes the books', () => {
    // Mesos' teardown, reserve, weights and quota handlers never look at `jsonp`. Here a callback
    // this master refuses (400) was refused after the handler ran: the framework was gone, the
    // weight set, and the operator was told the request failed.
    it('a bad jsonp callback on POST /master/teardown is refused before the teardown: 400, and the framework is still registered', async () => {
      harness = await startListeningHarness();
      const framework = await registerFramework(harness);
      const answer = await call(harness, '/master/teardown?jsonp=%3Cscript%3E', form({ frameworkId: framework.frameworkId }));
      expect(answer.status, answer.text).to.equal(400);
      expect(answer.text).to.contain("invalid 'jsonp' callback");
      expect(await frameworkIds(harness)).to.deep.equal([framework.frameworkId]);
    });

    it('a bad jsonp callback on PUT /master/weights is refused before the weights change: 400, and no weight is set', async () => {
      harness = await startListeningHarness();
      const answer = await call(harness, '/master/weights?jsonp=a-b', { method: 'PUT', body: JSON.stringify([{ role: 'eng', weight: 3 }]) });
      expect(answer.status, answer.text).to.equal(400);
      expect((await call(harness, '/master/weights')).text).to.equal('[]');
    });

    it('a good jsonp callback on POST /master/teardown changes nothing of the answer: 200, the framework torn down', async () => {
      harness = await startListeningHarness();
      const framework = await registerFramework(harness);
      const answer = await call(harness, '/master/teardown?jsonp=cb', form({ frameworkId: framework.frameworkId }));
      expect([answer.status, answer.text]).to.deep.equal([200, '']);
      expect(await frameworkIds(harness)).to.deep.equal([]);
    });
  });

  describe('a master that does not lead', () => {
    // Mesos' reserve, unreserve, createVolumes and destroyVolumes handlers redirect to the leader
    // when the master is not elected (src/master/http.cpp, `if (!master->elected()) return redirect(request)`),
    // as teardown does. The standby answered 404 "no route" for them.
    it('redirects /master/reserve, /unreserve, /create-volumes and /destroy-volumes to the leader (307), or answers 503 while none leads', async () => {
      const clock = new VirtualClock({ simulated: true });
      const host = memoryHost({ clock });
      const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'master.local' });
      host.spawn(standby);
      const post = (path: string): Promise<HttpResponse> => dispatch(standby, async (actor) => {
        const handler = actor.runtime.routes.get(path);
        if (handler === undefined) return { status: 404, body: `no route ${path}` };
        return handler.call(actor, { method: 'POST', path, query: {}, headers: {}, body: Buffer.from('slaveId=S0&resources=%5B%5D') });
      });
      const paths = ['/reserve', '/unreserve', '/create-volumes', '/destroy-volumes'];
      for (const path of paths) expect((await post(path)).status, path).to.equal(503);
      const leaderInfo = { id: 'L', ip: '10.0.0.9', port: 5050, pid: 'master@10.0.0.9:5050', hostname: 'leader.example', version: VERSION };
      await dispatch(standby, (actor) => actor.leaderChanged({ pid: leaderInfo.pid, info: leaderInfo }));
      for (const path of paths) {
        const answer = await post(path);
        expect([answer.status, answer.headers?.location], path).to.deep.equal([307, `//leader.example:5050/master${path}`]);
      }
      await host.stop();
    });
  });

  describe('/master/flags and a method other than GET', () => {
    // Mesos' Master::Http::flags: with an authorizer (--acls), a method other than GET is 405
    // (Allow: GET); without one, any method is served. This master served any method always.
    it('with --acls: DELETE /master/flags and /flags are 405 with Allow: GET, GET is served', async () => {
      harness = await startListeningHarness({ acls: parseAcls({ view_flags: [{ principals: { type: 'ANY' }, flags: { type: 'ANY' } }] }) });
      for (const path of ['/master/flags', '/flags']) {
        const deleted = await call(harness, path, { method: 'DELETE' });
        expect([deleted.status, deleted.headers.get('allow')], path).to.deep.equal([405, 'GET']);
        expect(deleted.text, path).to.contain("Expecting 'GET', received 'DELETE'");
        expect((await call(harness, path)).status, path).to.equal(200);
      }
    });

    it('without --acls: POST /master/flags is served (200), as Mesos serves it', async () => {
      harness = await startListeningHarness();
      expect((await call(harness, '/master/flags', { method: 'POST' })).status).to.equal(200);
    });
  });

  describe('the maintenance endpoints (spec/actors/master/maintenance*.spec.ts test what they do)', () => {
    // Mesos serves /master/maintenance/schedule (GET, POST), /maintenance/status (GET),
    // /machine/down and /machine/up (POST): 405 with Allow for any other method.
    it('answers the methods Mesos serves, 405 with Allow for others', async () => {
      harness = await startListeningHarness();
      expect((await call(harness, '/master/maintenance/schedule')).status).to.equal(200);
      expect((await call(harness, '/master/maintenance/status')).status).to.equal(200);
      for (const path of ['/master/machine/down', '/master/machine/up']) {
        const empty = await call(harness, path, { method: 'POST', body: '[]' });
        expect([empty.status, empty.text], path).to.deep.equal([400, JSON.stringify({ error: 'List of machines is empty' })]);
        const get = await call(harness, path);
        expect([get.status, get.headers.get('allow')], path).to.deep.equal([405, 'POST']);
      }
      const put = await call(harness, '/master/maintenance/schedule', { method: 'PUT', body: '{}' });
      expect([put.status, put.headers.get('allow')]).to.deep.equal([405, 'GET, POST']);
      const post = await call(harness, '/master/maintenance/status', { method: 'POST', body: '{}' });
      expect([post.status, post.headers.get('allow')]).to.deep.equal([405, 'GET']);
    });

    it('asks for credentials as Mesos does: read-write for the schedule and machines, read-only for the status', async () => {
      harness = await startListeningHarness({ credentials: new Map([['ops', 'secret']]), authenticateHttpReadwrite: true });
      expect((await call(harness, '/master/machine/down', { method: 'POST', body: '[]' })).status).to.equal(401);
      expect((await call(harness, '/master/maintenance/schedule')).status).to.equal(401);
      expect((await call(harness, '/master/maintenance/status')).status, 'read-only: no credentials needed here').to.equal(200);
      const ops = { authorization: basicAuthorization('ops', 'secret') };
      expect((await call(harness, '/master/machine/down', { method: 'POST', body: '[]', headers: ops })).status).to.equal(400);
      expect((await call(harness, '/master/maintenance/schedule', { headers: ops })).status).to.equal(200);
    });
  });

  describe('PUT /master/weights and the offers outstanding', () => {
    // Mesos' WeightsHandler::__updateWeights, once the registry holds the weights, rescinds every
    // outstanding offer if a role updated has a registered framework (`rescindOffers`), so that
    // the new weights take hold. This master left the offers out: a framework that kept its
    // offers kept the cluster as the old weights shared it.
    it('rescinds every outstanding offer when a role updated has a registered framework', async () => {
      harness = await startListeningHarness();
      await registerAgent(harness, 'cpus:4;mem:4096');
      await registerAgent(harness, 'cpus:4;mem:4096', 'agent2.local');
      const eng = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
      await harness.clock.advance(1_000);
      const held = offersOf(eng.probe).map((offer) => offer.id).sort();
      expect(held).to.have.length(2);
      const answer = await call(harness, '/master/weights', { method: 'PUT', body: JSON.stringify([{ role: 'eng', weight: 2 }]) });
      expect(answer.status, answer.text).to.equal(200);
      await harness.clock.settle();
      expect(all(eng.probe, 'RescindResourceOffer').map((message) => (message.body as { offerId: string }).offerId).sort()).to.deep.equal(held);
    });

    it('leaves the offers when no role updated has a registered framework', async () => {
      harness = await startListeningHarness();
      await registerAgent(harness, 'cpus:4;mem:4096');
      const eng = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
      await harness.clock.advance(1_000);
      expect(offersOf(eng.probe)).to.have.length(1);
      expect((await call(harness, '/master/weights', { method: 'PUT', body: JSON.stringify([{ role: 'web', weight: 2 }]) })).status).to.equal(200);
      await harness.clock.settle();
      expect(all(eng.probe, 'RescindResourceOffer')).to.deep.equal([]);
    });
  });

  describe('PUT /master/weights and the roles it names', () => {
    // Mesos' WeightsHandler::_updateWeights trims the whitespace around each role before it
    // validates it; this master refused ' eng ' (400) where Mesos set the weight of 'eng'.
    it("takes a role with whitespace around it as the role itself: ' eng\\t' sets the weight of 'eng'", async () => {
      harness = await startListeningHarness();
      const answer = await call(harness, '/master/weights', { method: 'PUT', body: JSON.stringify([{ role: ' eng\t', weight: 2 }]) });
      expect(answer.status, answer.text).to.equal(200);
      expect(JSON.parse((await call(harness, '/master/weights')).text)).to.deep.equal([{ role: 'eng', weight: 2 }]);
    });

    it('still refuses a role that is only whitespace, or has whitespace inside, naming the entry', async () => {
      harness = await startListeningHarness();
      for (const role of [' \t ', 'e ng']) {
        const answer = await call(harness, '/master/weights', { method: 'PUT', body: JSON.stringify([{ role, weight: 2 }]) });
        expect(answer.status, role).to.equal(400);
        expect(answer.text).to.contain('Invalid weights: entry 0');
      }
      expect((await call(harness, '/master/weights')).text).to.equal('[]');
    });
  });

  describe('/master/quota and its methods', () => {
    // Mesos' Master::Http::quota serves GET, POST and DELETE (405 says 'GET, POST, DELETE'); a
    // DELETE without a role in the path is a 400 from its remove handler (it expects
    // /master/quota/<role>). This master answered 405 with Allow: GET, POST, hiding DELETE.
    it("DELETE /master/quota without a role is 400 naming the path it expects; PUT is 405 with Allow: GET, POST, DELETE", async () => {
      harness = await startListeningHarness();
      const deleted = await call(harness, '/master/quota', { method: 'DELETE' });
      expect(deleted.status, deleted.text).to.equal(400);
      expect(deleted.text).to.contain('DELETE /master/quota/<role>');
      const put = await call(harness, '/master/quota', { method: 'PUT', body: '{}' });
      expect([put.status, put.headers.get('allow')]).to.deep.equal([405, 'GET, POST, DELETE']);
    });
  });

  describe("/master/reserve's 'source'", () => {
    // Mesos 1.11's reserve handler reads 'source' (the resources as reserved now) and re-reserves
    // them as 'resources'. This master ignored it: the request reserved unreserved resources
    // instead, left the old reservation, and answered 202.
    const ENG = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'eng' }] }];
    const WEB = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'web' }] }];

    it('refuses a source it would not honour (400 saying so) and reserves nothing', async () => {
      harness = await startListeningHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      expect((await call(harness, '/master/reserve', form({ slaveId: agent.agentId, resources: JSON.stringify(ENG) }))).status).to.equal(202);
      const moved = await call(harness, '/master/reserve', form({ slaveId: agent.agentId, source: JSON.stringify(ENG), resources: JSON.stringify(WEB) }));
      expect(moved.status, moved.text).to.equal(400);
      expect(moved.text).to.contain("'source'").and.to.contain('not supported');
      const { slaves } = JSON.parse((await call(harness, '/master/slaves')).text) as { slaves: Array<{ reserved_resources: Record<string, unknown> }> };
      expect(Object.keys(slaves[0]?.reserved_resources ?? {})).to.deep.equal(['eng']);
    });

    it("takes an empty source as none (as Mesos does), and refuses a source that is not a JSON array", async () => {
      harness = await startListeningHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      expect((await call(harness, '/master/reserve', form({ slaveId: agent.agentId, source: '[]', resources: JSON.stringify(WEB) }))).status).to.equal(202);
      for (const source of ['{', '{}']) {
        const answer = await call(harness, '/master/reserve', form({ slaveId: agent.agentId, source, resources: JSON.stringify(WEB) }));
        expect(answer.status, source).to.equal(400);
        expect(answer.text, source).to.contain("'source'");
      }
    });
  });

  describe('form bodies read as Mesos reads them (query::decode)', () => {
    // libprocess' query::decode: pairs split at '&' or ';', the last of a repeated key wins, and a
    // '%' without two hex digits fails the whole body (400 "Unable to decode query string").
    // URLSearchParams kept the first of a repeated key: the teardown acted on another framework
    // than Mesos would.
    it('a repeated frameworkId tears down the last one named, as Mesos does; the first is left', async () => {
      harness = await startListeningHarness();
      const first = await registerFramework(harness, { name: 'first' });
      const second = await registerFramework(harness, { name: 'second' });
      const answer = await call(harness, '/master/teardown', { method: 'POST', body: `frameworkId=${first.frameworkId}&frameworkId=${second.frameworkId}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(answer.status, answer.text).to.equal(200);
      expect(await frameworkIds(harness)).to.deep.equal([first.frameworkId]);
    });

    it("';' separates pairs too: frameworkId=<id>;x=1 names the framework", async () => {
      harness = await startListeningHarness();
      const framework = await registerFramework(harness);
      const answer = await call(harness, '/master/teardown', { method: 'POST', body: `frameworkId=${framework.frameworkId};x=1` });
      expect(answer.status, answer.text).to.equal(200);
      expect(await frameworkIds(harness)).to.deep.equal([]);
    });

    it('a malformed % escape is 400 "Unable to decode query string" naming it, on /master/teardown and /master/reserve', async () => {
      harness = await startListeningHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      const framework = await registerFramework(harness);
      const teardown = await call(harness, '/master/teardown', { method: 'POST', body: `frameworkId=${framework.frameworkId}%zz` });
      expect(teardown.status).to.equal(400);
      expect(teardown.text).to.contain('Unable to decode query string: Malformed % escape').and.to.contain("'%zz'");
      const reserve = await call(harness, '/master/reserve', { method: 'POST', body: `slaveId=${agent.agentId}&resources=%5B%5` });
      expect(reserve.status).to.equal(400);
      expect(reserve.text).to.contain('Unable to decode query string: Malformed % escape');
      expect(await frameworkIds(harness)).to.deep.equal([framework.frameworkId]);
    });
  });
});
