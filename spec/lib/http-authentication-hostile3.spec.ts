/**
 * A hostile review of HTTP Basic authentication against Mesos' basic authenticator (libprocess'
 * src/authenticator.cpp, `BasicAuthenticatorProcess::authenticate`, with stout's base64): what
 * Mesos refuses is refused here, with 401 and a `WWW-Authenticate` naming Mesos' realm
 * (src/master/constants.hpp, src/slave/constants.hpp).
 */
import { expect } from 'chai';
import { authenticateRequest, basicAuthorization, isResponse, type HttpAuthentication, type HttpRequest } from '../../lib/process';
import { cleanUp, startListeningHarness, type Harness } from '../actors/master/harness';

const AUTHENTICATION: HttpAuthentication = { credentials: new Map([['ops', 'kitesurf']]), readonly: true, readwrite: true };
const TOKEN = Buffer.from('ops:kitesurf').toString('base64'); // b3BzOmtpdGVzdXJm

/** What `authorization` makes of a request: the principal, or the 401's status and challenge. */
function outcome(authorization: string, authentication: HttpAuthentication = AUTHENTICATION): string {
  const request: HttpRequest = { method: 'GET', path: '/state', query: {}, headers: { authorization }, body: Buffer.alloc(0) };
  const result = authenticateRequest(request, 'readonly', authentication);
  return isResponse(result) ? `${result.status} ${result.headers?.['www-authenticate'] ?? ''}` : `principal ${String(result.principal)}`;
}

describe('HTTP Basic authentication (hostile review 3)', () => {
  it('takes `Basic <base64 of principal:secret>`, as Mesos', () => {
    expect(outcome(`Basic ${TOKEN}`)).to.equal('principal ops');
    expect(outcome(basicAuthorization('ops', 'kitesurf'))).to.equal('principal ops');
    expect(outcome(`Basic ${Buffer.from('ops:kitesurf!').toString('base64')}`)).to.equal('401 Basic realm="mesos"');
  });

  it('refuses the scheme in another case and any separator but one space, as Mesos splits the header on " " and wants "Basic" (they were taken)', () => {
    for (const header of [`basic ${TOKEN}`, `BASIC ${TOKEN}`, `Basic  ${TOKEN}`, `Basic\t${TOKEN}`, `Basic ${TOKEN} x`]) {
      expect(outcome(header), JSON.stringify(header)).to.equal('401 Basic realm="mesos"');
    }
  });

  it('refuses base64 Mesos would not decode, or would decode to other bytes: a character outside the alphabet, spaces inside, padding inside (Node\'s decoder skipped or stopped at them)', () => {
    const half = TOKEN.slice(0, 8);
    for (const header of [`Basic ${half}=${TOKEN.slice(8)}`, `Basic ${half}-${TOKEN.slice(8)}`, `Basic ${TOKEN}===`, 'Basic ', 'Basic']) {
      expect(outcome(header), JSON.stringify(header)).to.equal('401 Basic realm="mesos"');
    }
  });

  it('refuses credentials without a colon or with an empty principal, as Mesos (two parts)', () => {
    for (const decoded of ['opskitesurf', ':kitesurf', '']) {
      expect(outcome(`Basic ${Buffer.from(decoded).toString('base64')}`), decoded).to.equal('401 Basic realm="mesos"');
    }
  });

  it('our choice: a secret may hold a colon (RFC 7617; Mesos splits at every colon, refusing it)', () => {
    expect(outcome(basicAuthorization('ops', 'kite:surf'), { ...AUTHENTICATION, credentials: new Map([['ops', 'kite:surf']]) })).to.equal('principal ops');
  });

  describe("a master's 401s name Mesos' realms (they all said realm=\"mesos\")", () => {
    let harness: Harness;
    before(async () => {
      harness = await startListeningHarness({ credentials: new Map([['ops', 'kitesurf']]), authenticateHttpReadonly: true, authenticateHttpReadwrite: true, authenticateHttpFrameworks: true });
    });
    after(async () => {
      await harness.host.stop();
      await cleanUp();
    });

    it('mesos-master-readonly, mesos-master-readwrite (the operator API too, as Mesos serves it there) and mesos-master-scheduler', async () => {
      const base = `http://${harness.host.address}`;
      const challenge = async (path: string, init: RequestInit = {}): Promise<[number, string | null]> => {
        const response = await fetch(`${base}${path}`, init);
        await response.arrayBuffer();
        return [response.status, response.headers.get('www-authenticate')];
      };
      const post = (body: object): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(await challenge('/master/state')).to.deep.equal([401, 'Basic realm="mesos-master-readonly"']);
      expect(await challenge('/metrics/snapshot')).to.deep.equal([401, 'Basic realm="mesos-master-readonly"']);
      expect(await challenge('/master/teardown', { method: 'POST' })).to.deep.equal([401, 'Basic realm="mesos-master-readwrite"']);
      expect(await challenge('/api/v1', post({ type: 'GET_HEALTH' }))).to.deep.equal([401, 'Basic realm="mesos-master-readwrite"']);
      expect(await challenge('/api/v1/scheduler', post({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } }))).to.deep.equal([401, 'Basic realm="mesos-master-scheduler"']);
    });
  });
});
