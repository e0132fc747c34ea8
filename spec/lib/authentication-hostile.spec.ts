/**
 * A hostile review of framework and agent authentication (lib/authentication.ts,
 * lib/authenticatee.ts, the master's side in actors/master/authentication.ts): what an attacker,
 * or an unlucky ordering of messages, can make of the exchange. Virtual clock; hosts joined by a
 * simulated network where the peer a message came from matters.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryDisk } from '../../lib/disk';
import { VirtualClock } from '../../lib/process';
import { authenticationProof, newNonce, parseCredential, parseCredentials, readCredentialFile, readCredentialsFile } from '../../lib/authentication';
import { authenticateRequest, isResponse, type HttpRequest } from '../../lib/process';
import { Registry, registryPathOf, startMaster } from '../../actors/master';
import { defaultMasterFlags } from '../../actors/master/flags';
import { AUTHENTICATION_TIMEOUT_MS, MAX_PENDING_AUTHENTICATIONS, MAX_PENDING_AUTHENTICATIONS_PER_PEER, NO_AUTHENTICATION_IN_PROGRESS } from '../../actors/master/authentication';
import { Scheduler } from '../../actors/framework/scheduler';
import { VirtualNetwork } from '../support/virtual-network';
import { Probe } from '../support/runtime';
import { cleanUp, startHarness } from '../actors/master/harness';

const CREDENTIALS = new Map([['ops', 'kitesurf']]);
const ANSWERS = ['AuthenticationChallenge', 'AuthenticationCompleted', 'AuthenticationFailed'];
const MASTER_ADDRESS = 'master.simulation:5050';

/** A scheduler that records what it is told. */
class Recording extends Scheduler {
  readonly events: string[] = [];
  protected override registered(frameworkId: string): void { this.events.push(`registered ${frameworkId}`); }
  protected override error(message: string): void { this.events.push(`error ${message}`); }
}

function bodies(probe: Probe, name: string): Array<Record<string, string>> {
  return probe.received.filter((received) => received.name === name).map((received) => received.body as Record<string, string>);
}

describe('lib/authentication: hostile review', () => {
  afterEach(cleanUp);

  // The per-peer bound keyed on the pid's own `host:port`: one machine linking from 64 ports (each
  // a distinct address it can prove, since it listens there) held every one of the master's
  // MAX_PENDING_AUTHENTICATIONS slots, and nobody else could authenticate while it kept them busy.
  it('one machine linking from many ports holds at most MAX_PENDING_AUTHENTICATIONS_PER_PEER exchanges, and others still authenticate', async () => {
    const clock = new VirtualClock({ simulated: true });
    const network = new VirtualNetwork(clock);
    try {
      const masterHost = network.host(MASTER_ADDRESS);
      const flags = { ...defaultMasterFlags('/simulation/master'), hostname: 'master.simulation', stateTurnBudgetMs: undefined, credentials: CREDENTIALS, authenticateFrameworks: true };
      const master = await startMaster({ flags, host: masterHost, registry: await Registry.load(registryPathOf(flags), { disk: new MemoryDisk(clock), clock }) });
      await clock.settle();
      const ports = MAX_PENDING_AUTHENTICATIONS / MAX_PENDING_AUTHENTICATIONS_PER_PEER;
      const attackers: Probe[] = [];
      for (let port = 0; port < ports; port++) {
        const host = network.host(`10.9.9.9:${40_000 + port}`);
        for (let index = 0; index < MAX_PENDING_AUTHENTICATIONS_PER_PEER; index++) {
          const probe = new Probe(`attacker-${index}`, ANSWERS);
          host.spawn(probe);
          probe.post(master.pid, 'Authenticate', { principal: 'ops', clientNonce: newNonce() });
          attackers.push(probe);
        }
      }
      await clock.settle();
      const challenged = attackers.filter((probe) => probe.count('AuthenticationChallenge') === 1).length;
      expect(challenged).to.equal(MAX_PENDING_AUTHENTICATIONS_PER_PEER);
      expect(bodies(attackers.at(-1) as Probe, 'AuthenticationFailed')[0]?.reason).to.match(/too many authentications in progress from 10\.9\.9\.9\b/);

      const legit = new Probe('scheduler', ANSWERS);
      network.host('10.1.1.1:7000').spawn(legit);
      legit.post(master.pid, 'Authenticate', { principal: 'ops', clientNonce: newNonce() });
      await clock.settle();
      expect(bodies(legit, 'AuthenticationFailed')).to.deep.equal([]);
      expect(legit.count('AuthenticationChallenge')).to.equal(1);
    } finally {
      await network.stop();
    }
  });

  it("the master's refusal names the client nonce of the exchange it refuses (an expired one, and one refused at its start), and says when retrying may succeed", async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const client = new Probe('raw-client', ANSWERS);
    harness.host.spawn(client);
    const clientNonce = newNonce();
    client.post(harness.masterPid, 'Authenticate', { principal: 'ops', clientNonce });
    await harness.clock.settle();
    const serverNonce = bodies(client, 'AuthenticationChallenge')[0]?.serverNonce as string;
    await harness.clock.advance(AUTHENTICATION_TIMEOUT_MS + 1);
    const clientProof = authenticationProof('client', { principal: 'ops', secret: 'kitesurf', clientPid: client.self().toString(), masterPid: harness.masterPid.toString(), clientNonce, serverNonce });
    client.post(harness.masterPid, 'AuthenticationResponse', { clientProof });
    await harness.clock.settle();
    expect(bodies(client, 'AuthenticationFailed')).to.deep.equal([{ reason: `the exchange expired (${AUTHENTICATION_TIMEOUT_MS} ms)`, clientNonce, retry: true }]);
    // A proof with no exchange in progress (that one was used up): worth retrying; a wrong secret: not.
    client.post(harness.masterPid, 'AuthenticationResponse', { clientProof });
    await harness.clock.settle();
    expect(bodies(client, 'AuthenticationFailed')[1]).to.deep.equal({ reason: NO_AUTHENTICATION_IN_PROGRESS, retry: true });
    const wrongNonce = newNonce();
    client.post(harness.masterPid, 'Authenticate', { principal: 'ops', clientNonce: wrongNonce });
    await harness.clock.settle();
    const wrongServerNonce = bodies(client, 'AuthenticationChallenge')[1]?.serverNonce as string;
    const wrongProof = authenticationProof('client', { principal: 'ops', secret: 'not-the-secret', clientPid: client.self().toString(), masterPid: harness.masterPid.toString(), clientNonce: wrongNonce, serverNonce: wrongServerNonce });
    client.post(harness.masterPid, 'AuthenticationResponse', { clientProof: wrongProof });
    await harness.clock.settle();
    expect(bodies(client, 'AuthenticationFailed')[2]).to.not.have.property('retry');

    const open = await startHarness({});
    const other = new Probe('raw-client', ANSWERS);
    open.host.spawn(other);
    const otherNonce = newNonce();
    other.post(open.masterPid, 'Authenticate', { principal: 'ops', clientNonce: otherNonce });
    await open.clock.settle();
    expect(bodies(other, 'AuthenticationFailed').map((body) => body.clientNonce)).to.deep.equal([otherNonce]);
    expect(bodies(other, 'AuthenticationFailed')[0]).to.not.have.property('retry');
  });

  // The master answered a proof that came too late (it stalled, or the link was slow) after the
  // client had given that exchange up and started another: the late refusal was taken as the
  // new exchange's, and the scheduler stopped (an agent shuts down) though its secret was right.
  // Mesos runs each attempt in a new authenticatee process, so an old session's answer never
  // reaches a new one (authenticatee.cpp: CRAMMD5Authenticatee::authenticate).
  it("a scheduler ignores a refusal of an exchange it gave up, and completes the one in progress", async () => {
    const harness = await startHarness();
    const master = new Probe('slow-master', ['Authenticate', 'AuthenticationResponse', 'RegisterFramework']);
    const masterPid = harness.host.spawn(master);
    const scheduler = new Recording({ master: masterPid.toString(), framework: { name: 'f', user: 'u' }, credential: { principal: 'ops', secret: 'kitesurf' } });
    harness.host.spawn(scheduler);
    await harness.clock.settle();
    const nonces = (): string[] => bodies(master, 'Authenticate').map((body) => body.clientNonce as string);
    const [first] = nonces() as [string];
    master.post(scheduler.self(), 'AuthenticationChallenge', { serverNonce: newNonce(), clientNonce: first });
    await harness.clock.settle();
    expect(master.count('AuthenticationResponse')).to.equal(1);
    // The master stalls: the scheduler gives the exchange up and starts another.
    for (let step = 0; step < 60 && nonces().length < 2; step++) await harness.clock.advance(1_000);
    const second = nonces()[1] as string;
    expect(second).to.be.a('string').and.not.equal(first);
    // The master wakes and refuses the first exchange's proof: too late.
    master.post(scheduler.self(), 'AuthenticationFailed', { reason: `the exchange expired (${AUTHENTICATION_TIMEOUT_MS} ms)`, clientNonce: first });
    await harness.clock.settle();
    expect(scheduler.events).to.deep.equal([]);
    // Then it answers the second, which completes.
    const serverNonce = newNonce();
    master.post(scheduler.self(), 'AuthenticationChallenge', { serverNonce, clientNonce: second });
    await harness.clock.settle();
    const input = { principal: 'ops', secret: 'kitesurf', clientPid: scheduler.self().toString(), masterPid: masterPid.toString(), clientNonce: second, serverNonce };
    expect(bodies(master, 'AuthenticationResponse').at(-1)?.clientProof).to.equal(authenticationProof('client', input));
    master.post(scheduler.self(), 'AuthenticationCompleted', { serverProof: authenticationProof('server', input) });
    await harness.clock.settle();
    expect(master.count('RegisterFramework')).to.equal(1);
    expect(scheduler.events).to.deep.equal([]);
  });

  // A master that swept the expired exchange before the late proof came says only that no
  // exchange is in progress, naming no nonce; one whose exchange expired says so. Neither is a
  // verdict on the secret: the master says so (`retry`), and the client retries.
  for (const reason of ['no authentication in progress (it expired, or was answered already)', `the exchange expired (${AUTHENTICATION_TIMEOUT_MS} ms)`]) {
    it(`a scheduler retries, instead of stopping, when the master refuses with '${reason}'`, async () => {
      const harness = await startHarness();
      const master = new Probe('forgetful-master', ['Authenticate', 'AuthenticationResponse', 'RegisterFramework']);
      const masterPid = harness.host.spawn(master);
      const scheduler = new Recording({ master: masterPid.toString(), framework: { name: 'f', user: 'u' }, credential: { principal: 'ops', secret: 'kitesurf' } });
      harness.host.spawn(scheduler);
      await harness.clock.settle();
      master.post(scheduler.self(), 'AuthenticationFailed', { reason, retry: true });
      await harness.clock.settle();
      expect(scheduler.events).to.deep.equal([]);
      for (let step = 0; step < 60 && master.count('Authenticate') < 2; step++) await harness.clock.advance(1_000);
      expect(master.count('Authenticate')).to.equal(2);
    });
  }

  describe('credentials files and HTTP Basic', () => {
    const SECRET = 'zq7Wx9Pv-kj3M-Yb2';
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credentials-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    // V8's JSON.parse quotes the text around an unexpected character ("...","secret":hunter2-co"...
    // is not valid JSON"), and the master put its message in the error it exits with.
    for (const [name, text] of [
      ['an unquoted secret', `{"credentials": [{"principal": "ops", "secret": ${SECRET}}]}`],
      ['a stray character after a secret', `{"credentials": [{"principal": "ops", "secret": "${SECRET}"x}]}`],
      ['a secret cut short', `{"credentials": [{"principal": "ops", "secret": "${SECRET}`],
      ['a bad escape in a secret', `{"credentials": [{"principal": "ops", "secret": "${SECRET}\\q"}]}`],
    ] as const) {
      it(`a credentials file that is not JSON (${name}) is refused naming the file and where, never quoting it`, () => {
        let message = '';
        try { parseCredentials(text, '--credentials /etc/mesos/credentials'); } catch (error) { message = (error as Error).message; }
        expect(message).to.match(/^--credentials \/etc\/mesos\/credentials: not valid JSON/);
        expect(message).to.match(/line 1, column \d+/);
        for (let start = 0; start + 4 <= SECRET.length; start++) expect(message).to.not.include(SECRET.slice(start, start + 4));
      });
    }

    it('a single-credential file that is not JSON is refused without quoting it, and the line of the fault is given', () => {
      let message = '';
      try { parseCredential(`{\n  "principal": "agent",\n  "secret": ${SECRET}\n}`, '--credential /etc/agent'); } catch (error) { message = (error as Error).message; }
      expect(message).to.match(/^--credential \/etc\/agent: not valid JSON .*line 3, column 13/);
      expect(message).to.not.include('zq7W');
    });

    // Read as UTF-8 leniently, every invalid byte became U+FFFD: a secret 'ab<0xff>' was stored as
    // 'ab\uFFFD', which 'ab<0xfe>' (or any other bad byte) matched too.
    it('a credentials file that is not UTF-8 is refused at start, naming the flag and the file', () => {
      const file = path.join(dir, 'credentials.json');
      fs.writeFileSync(file, Buffer.concat([Buffer.from('{"credentials": [{"principal": "ops", "secret": "ab'), Buffer.from([0xff]), Buffer.from('"}]}')]));
      expect(() => readCredentialsFile(file, '--credentials')).to.throw(`--credentials ${file}: not valid UTF-8`);
      const single = path.join(dir, 'credential.json');
      fs.writeFileSync(single, Buffer.concat([Buffer.from('{"principal": "ops", "secret": "ab'), Buffer.from([0xc3]), Buffer.from('"}')]));
      expect(() => readCredentialFile(single, '--credential')).to.throw(`--credential ${single}: not valid UTF-8`);
    });

    it('HTTP Basic credentials that are not UTF-8 are refused (401), never taken for a secret holding U+FFFD', () => {
      const credentials = new Map([['ops', 'ab\uFFFD']]);
      const request = (raw: Buffer): HttpRequest => ({ method: 'GET', path: '/state', query: {}, headers: { authorization: `Basic ${raw.toString('base64')}` }, body: Buffer.alloc(0) });
      const bad = authenticateRequest(request(Buffer.concat([Buffer.from('ops:ab'), Buffer.from([0xfe])])), 'readonly', { credentials, readonly: true, readwrite: true });
      expect(isResponse(bad) ? bad.status : 'authenticated').to.equal(401);
      // The secret itself, sent as UTF-8, is fine; and a colon may be part of a password.
      const good = authenticateRequest(request(Buffer.from('ops:ab\uFFFD', 'utf8')), 'readonly', { credentials, readonly: true, readwrite: true });
      expect(good).to.deep.equal({ principal: 'ops' });
      const colon = authenticateRequest(request(Buffer.from('ops:a:b', 'utf8')), 'readonly', { credentials: new Map([['ops', 'a:b']]), readonly: true, readwrite: true });
      expect(colon).to.deep.equal({ principal: 'ops' });
    });
  });
});
