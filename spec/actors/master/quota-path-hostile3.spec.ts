/**
 * A hostile review of `/master/quota/<path>` against Mesos (`Master::Http::quota`,
 * src/master/http.cpp): libprocess routes a request to the longest route that prefixes its path,
 * so every path under `/master/quota` reaches the quota handler, which dispatches on the method
 * alone: GET is the status (all quotas), POST sets the quota its body names, DELETE removes the
 * role the path names; anything else is 405 `Allow: GET, POST, DELETE`. This master answered GET
 * and POST there 405 with `Allow: DELETE`.
 */
import { expect } from 'chai';
import { basicAuthorization } from '../../../lib/process';
import { within } from '../../support/runtime';
import { cleanUp, registerAgent, startListeningHarness, type Harness } from './harness';

const CPUS = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }];

describe('/master/quota/<path> (hostile review 3)', () => {
  let harness: Harness;
  afterEach(async () => {
    await harness.host.stop();
    await cleanUp();
  });

  async function call(path: string, init: RequestInit = {}): Promise<{ status: number; text: string; allow: string | null }> {
    const url = `http://${harness.host.address}${path}`;
    const response = await within(fetch(url, { redirect: 'manual', ...init }), 5_000, url);
    return { status: response.status, text: await response.text(), allow: response.headers.get('allow') };
  }

  it('GET /master/quota/<role> answers the quota status, as /master/quota (it was 405)', async () => {
    harness = await startListeningHarness();
    await registerAgent(harness, 'cpus:4;mem:1024');
    expect((await call('/master/quota', { method: 'POST', body: JSON.stringify({ role: 'eng', guarantee: CPUS }) })).status).to.equal(200);
    const whole = await call('/master/quota');
    expect(whole.status).to.equal(200);
    for (const path of ['/master/quota/eng', '/master/quota/other', '/master/quota/eng/sub']) {
      const answer = await call(path);
      expect([answer.status, answer.text], path).to.deep.equal([200, whole.text]);
    }
  });

  it('POST /master/quota/<anything> sets the quota its body names, as Mesos\' handler ignores the rest of the path (it was 405)', async () => {
    harness = await startListeningHarness();
    await registerAgent(harness, 'cpus:4;mem:1024');
    const posted = await call('/master/quota/ignored', { method: 'POST', body: JSON.stringify({ role: 'web', guarantee: CPUS }) });
    expect(posted.status, posted.text).to.equal(200);
    expect(JSON.parse((await call('/master/quota')).text)).to.have.nested.property('infos[0].role', 'web');
    expect((await call('/master/quota/web', { method: 'DELETE' })).status).to.equal(200);
    expect(JSON.parse((await call('/master/quota')).text)).to.deep.equal({ infos: [], configs: [] });
  });

  it('another method there is 405 with Allow: GET, POST, DELETE, as at /master/quota (it said Allow: DELETE)', async () => {
    harness = await startListeningHarness();
    const put = await call('/master/quota/eng', { method: 'PUT', body: '{}' });
    expect([put.status, put.allow]).to.deep.equal([405, 'GET, POST, DELETE']);
  });

  it('GET there is in the read-only realm, as GET /master/quota: open with --authenticate_http_readwrite alone (it asked for credentials), DELETE not', async () => {
    harness = await startListeningHarness({ credentials: new Map([['ops', 'secret']]), authenticateHttpReadwrite: true });
    expect((await call('/master/quota/eng')).status).to.equal(200);
    expect((await call('/master/quota/eng', { method: 'DELETE' })).status).to.equal(401);
    const answer = await call('/master/quota/eng', { method: 'DELETE', headers: { authorization: basicAuthorization('ops', 'secret') } });
    expect([answer.status, answer.text]).to.deep.equal([400, JSON.stringify({ error: "Failed to remove quota: Role 'eng' has no quota set" })]);
  });
});
