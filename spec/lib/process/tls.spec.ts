import { expect } from 'chai';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { WebSocket } from 'ws';
import { Actor } from '../../../lib/actor';
import { captureLogger, type CapturedLogger } from '../../../lib/logging';
import { ok, type ActorHost, type ActorHostOptions } from '../../../lib/process';
import { TLS_REFUSALS_LOGGED_PER_PEER } from '../../../lib/process/host';
import { HOST_HEADER, INCARNATION_HEADER, LINK_PATH, LINK_VERIFY_PATH, NONCE_HEADER } from '../../../lib/process/links';
import {
  certificateNames, certificateNamesHost, describeTlsFailure, loadTlsOptions, resolveTlsFiles, tlsEnvironment, tlsOptionsFromEnvironment, type TlsOptions,
} from '../../../lib/process/tls';
import { makeTestPki, type CertificateFiles, type TestPki } from '../../support/certificates';
import { eventually, netHost, Probe, within } from '../../support/runtime';

/** An actor serving `GET /web/hello`. */
class Web extends Actor {
  constructor() {
    super('web');
    this.route('/hello', () => ok({ hello: 'world' }));
  }
}

interface Answer {
  status: number;
  body: string;
}

/** GETs `url` over https, trusting `ca` and presenting `client` if given. */
function httpsGet(url: string, ca: string, client?: CertificateFiles): Promise<Answer> {
  const options: https.RequestOptions = { ca: fs.readFileSync(ca), ...(client ? { cert: fs.readFileSync(client.cert), key: fs.readFileSync(client.key) } : {}), agent: false };
  return new Promise((resolve, reject) => {
    const request = https.get(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    request.on('error', reject);
  });
}

/**
 * A peer that dials `host`'s link path with the certificate `client` (or none), claiming
 * `claimed` if given, else the address of a small https server of its own that confirms any dial
 * and counts how often it was asked. Resolves with how the handshake ended.
 */
async function certifiedPeer(pki: TestPki, host: ActorHost, client: CertificateFiles | undefined, claimed?: string): Promise<{ outcome: string; verifyRequests: number; close(): Promise<void> }> {
  let verifyRequests = 0;
  const verifier = https.createServer({ cert: fs.readFileSync(pki.local.cert), key: fs.readFileSync(pki.local.key) }, (request, response) => {
    if ((request.url ?? '').startsWith(LINK_VERIFY_PATH)) verifyRequests++;
    response.statusCode = (request.url ?? '').startsWith(LINK_VERIFY_PATH) ? 204 : 404;
    response.end();
  });
  await new Promise<void>((resolve) => verifier.listen(0, '127.0.0.1', () => resolve()));
  const address = claimed ?? `127.0.0.1:${(verifier.address() as { port: number }).port}`;
  const socket = new WebSocket(`wss://${host.address}${LINK_PATH}`, {
    headers: { [HOST_HEADER]: address, [INCARNATION_HEADER]: 'certified-peer', [NONCE_HEADER]: '00112233445566778899aabbccddeeff' },
    ca: fs.readFileSync(pki.ca),
    ...(client ? { cert: fs.readFileSync(client.cert), key: fs.readFileSync(client.key) } : {}),
  });
  const outcome = await within(new Promise<string>((resolve) => {
    socket.once('open', () => resolve('open'));
    socket.once('unexpected-response', (_request, response) => resolve(`refused ${response.statusCode ?? 0}`));
    socket.once('error', (error) => resolve(`error ${error.message}`));
  }), 10_000, 'the handshake of a certified peer');
  const close = async (): Promise<void> => {
    socket.terminate();
    verifier.closeAllConnections();
    await new Promise<void>((resolve) => verifier.close(() => resolve()));
  };
  return { outcome, verifyRequests, close };
}

describe('TLS between hosts', () => {
  let pki: TestPki;
  const hosts: ActorHost[] = [];
  let logs: CapturedLogger;

  before(() => { pki = makeTestPki(); });
  after(() => pki.remove());
  beforeEach(() => { logs = captureLogger(); });
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  const start = async (tls: TlsOptions | undefined, options: ActorHostOptions = {}): Promise<ActorHost> => {
    const host = await netHost({ logger: logs.logger, ...(tls ? { tls } : {}), ...options });
    hosts.push(host);
    return host;
  };

  it('two TLS hosts exchange messages, and serve HTTP over https only', async () => {
    const tls = loadTlsOptions(pki.files(false));
    const [a, b] = [await start(tls), await start(tls)];
    const sender = new Probe('sender', ['Pong']);
    a.spawn(sender);
    const receiver = new Probe('receiver', ['Ping']);
    const to = b.spawn(receiver);
    for (let n = 0; n < 100; n++) sender.post(to, 'Ping', { n });
    await within(receiver.until(() => receiver.count('Ping') === 100), 10_000, '100 pings');
    expect(receiver.received.map((r) => (r.body as { n: number }).n)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    receiver.post(sender.self(), 'Pong', 'back');
    await within(sender.until(() => sender.count('Pong') === 1), 10_000, 'the pong');
    b.spawn(new Web());
    expect(b.scheme).to.equal('https');
    const answer = await httpsGet(`https://${b.address}/web/hello`, pki.ca);
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.deep.equal({ hello: 'world' });
  });

  it('under mutual TLS a link is proven by the certificate: no verification request to the claimed address', async () => {
    const tls = loadTlsOptions(pki.files(true));
    const [a, b] = [await start(tls), await start(tls)];
    const sender = new Probe('sender');
    a.spawn(sender);
    const receiver = new Probe('receiver', ['Ping']);
    sender.post(b.spawn(receiver), 'Ping', 1);
    await within(receiver.until(() => receiver.count('Ping') === 1), 10_000, 'the ping');
    const peer = await certifiedPeer(pki, b, pki.local);
    await peer.close();
    expect(peer.outcome).to.equal('open');
    expect(peer.verifyRequests).to.equal(0);
  });

  it('without client certificates, a link is proven by the verification request, over https', async () => {
    const host = await start(loadTlsOptions(pki.files(false)));
    const peer = await certifiedPeer(pki, host, undefined);
    await peer.close();
    expect(peer.outcome).to.equal('open');
    expect(peer.verifyRequests).to.equal(1);
  });

  it('under mutual TLS a peer without a client certificate is refused, and the host stays up', async () => {
    const host = await start(loadTlsOptions(pki.files(true)));
    const peer = await certifiedPeer(pki, host, undefined);
    await peer.close();
    expect(peer.outcome).to.match(/^error/);
    await eventually(() => logs.find('refused a connection: its TLS handshake failed').length === 1, 5_000, 'the refusal logged');
    expect(logs.find('refused a connection')[0]).to.include({ reason: 'a client certificate is required and none was presented', peer: '127.0.0.1' });
    host.spawn(new Web());
    const withoutCertificate = await httpsGet(`https://${host.address}/web/hello`, pki.ca).then((answer) => `answered ${answer.status}`, (error: Error) => error.message);
    expect(withoutCertificate).to.not.match(/answered/);
    expect((await httpsGet(`https://${host.address}/web/hello`, pki.ca, pki.local)).status).to.equal(200);
  });

  it('a certificate not signed by the CA is refused, whichever side presents it', async () => {
    const host = await start(loadTlsOptions(pki.files(true)));
    const peer = await certifiedPeer(pki, host, pki.rogue);
    await peer.close();
    expect(peer.outcome).to.match(/^error/);
    await eventually(() => logs.find('refused a connection').length === 1, 5_000, 'the refusal logged');
    expect(logs.find('refused a connection')[0]?.reason).to.match(/not signed by a trusted CA/);
    host.spawn(new Web());
    const withRogue = await httpsGet(`https://${host.address}/web/hello`, pki.ca, pki.rogue).then((answer) => `answered ${answer.status}`, (error: Error) => error.message);
    expect(withRogue).to.not.match(/answered/);
    // A host whose own certificate is not from our CA: dialing it fails, with the reason logged.
    const rogue = await start({ cert: fs.readFileSync(pki.rogue.cert), key: fs.readFileSync(pki.rogue.key), ca: fs.readFileSync(pki.ca), requireClientCert: false });
    const sender = new Probe('sender');
    host.spawn(sender);
    sender.post(rogue.spawn(new Probe('receiver', ['Ping'])), 'Ping', 1);
    await eventually(() => logs.find('dial failed: TLS handshake with the peer failed').length === 1, 10_000, 'the failed dial logged');
    expect(logs.find('dial failed')[0]?.reason).to.match(/not signed by a trusted CA/);
  });

  it('under mutual TLS a link claiming an address its certificate does not name is refused (403)', async () => {
    const host = await start(loadTlsOptions(pki.files(true)));
    const peer = await certifiedPeer(pki, host, pki.elsewhere);
    await peer.close();
    expect(peer.outcome).to.equal('refused 403');
    expect(peer.verifyRequests).to.equal(0);
    const refused = logs.find("the claimed address is not named by the peer's certificate");
    expect(refused).to.have.length(1);
    expect(refused[0]?.certificateNames).to.deep.equal(['10.1.2.3', '10.1.2.3']);
  });

  it('refuses plaintext peers with a logged reason (rate-limited per peer) and stays up', async () => {
    const host = await start(loadTlsOptions(pki.files(false)));
    host.spawn(new Web());
    const plainDial = await new Promise<Error>((resolve) => new WebSocket(`ws://${host.address}${LINK_PATH}`).once('error', resolve));
    expect(plainDial.message).to.match(/socket hang up|ECONNRESET|closed/i);
    const attempts = TLS_REFUSALS_LOGGED_PER_PEER + 5;
    for (let i = 1; i < attempts; i++) {
      const [ip, port] = host.address.split(':') as [string, string];
      const socket = net.connect(Number(port), ip, () => socket.write('GET /web/hello HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    }
    await eventually(() => host.tlsHandshakeRefusals === attempts, 5_000, 'every plaintext connection refused');
    const logged = logs.find('refused a connection: its TLS handshake failed');
    expect(logged).to.have.length(TLS_REFUSALS_LOGGED_PER_PEER);
    expect(logged[0]?.reason).to.equal('the other side does not speak TLS (a plaintext peer or port)');
    expect(logged[0]?.peer).to.equal('127.0.0.1');
    expect((await httpsGet(`https://${host.address}/web/hello`, pki.ca)).status).to.equal(200);
  });

  it('a connection past its address\'s bound is closed before its TLS handshake, not counted as a failed one, and the host serves on', async () => {
    const host = await start(loadTlsOptions(pki.files(false)), { maxConnectionsPerOwnAddress: 2 });
    host.spawn(new Web());
    const [ip, port] = host.address.split(':') as [string, string];
    const open = (): Promise<net.Socket> => new Promise((resolve) => {
      const socket = net.connect(Number(port), ip, () => resolve(socket));
      socket.on('error', () => undefined);
    });
    const handshaken = (): Promise<tls.TLSSocket> => new Promise((resolve, reject) => {
      const socket = tls.connect({ host: ip, port: Number(port), ca: fs.readFileSync(pki.ca), servername: ip === '127.0.0.1' ? undefined : ip }, () => resolve(socket));
      socket.on('error', reject);
    });
    const held = [await handshaken(), await handshaken()];
    await eventually(() => host.connectionsFrom('127.0.0.1') === 2, 5_000, 'two connections counted');
    const third = await open();
    await within(new Promise((resolve) => third.once('close', resolve)), 5_000, 'the third closed');
    expect(logs.find('refused a connection: its address holds as many open as one may')).to.have.length(1);
    for (const socket of held) socket.destroy();
    await eventually(() => host.connectionsFrom('127.0.0.1') === 0, 5_000, 'both closed');
    expect((await httpsGet(`https://${host.address}/web/hello`, pki.ca)).status).to.equal(200);
    expect(host.tlsHandshakeRefusals, 'the refused connection is no failed handshake').to.equal(0);
  });

  it('a TLS host dialing a plaintext host fails the dial with a logged reason', async () => {
    const tlsHost = await start(loadTlsOptions(pki.files(false)));
    const plain = await start(undefined);
    const receiver = new Probe('receiver', ['Ping']);
    const sender = new Probe('sender');
    tlsHost.spawn(sender);
    sender.post(plain.spawn(receiver), 'Ping', 1);
    await eventually(() => logs.find('dial failed: TLS handshake with the peer failed').length === 1, 10_000, 'the failed dial logged');
    expect(logs.find('dial failed')[0]?.reason).to.equal('the other side does not speak TLS (a plaintext peer or port)');
    expect(receiver.count('Ping')).to.equal(0);
  });
});

describe('TLS settings', () => {
  let pki: TestPki;
  before(() => { pki = makeTestPki(); });
  after(() => pki.remove());

  it('come from the flags, else from the LIBPROCESS_SSL_* variables, and are off unless one turns them on', () => {
    expect(resolveTlsFiles({}, {})).to.equal(undefined);
    expect(resolveTlsFiles({}, { LIBPROCESS_SSL_CERT_FILE: 'a.crt', LIBPROCESS_SSL_KEY_FILE: 'a.key' })).to.equal(undefined);
    expect(resolveTlsFiles({}, { LIBPROCESS_SSL_ENABLED: 'false', LIBPROCESS_SSL_CERT_FILE: 'a.crt' })).to.equal(undefined);
    const environment = { LIBPROCESS_SSL_ENABLED: 'true', LIBPROCESS_SSL_CERT_FILE: 'env.crt', LIBPROCESS_SSL_KEY_FILE: 'env.key', LIBPROCESS_SSL_CA_FILE: 'env-ca.crt', LIBPROCESS_SSL_REQUIRE_CERT: '1' };
    expect(resolveTlsFiles({}, environment)).to.deep.equal({
      certFile: 'env.crt', keyFile: 'env.key', caFile: 'env-ca.crt', requireClientCert: true,
      names: { certFile: 'LIBPROCESS_SSL_CERT_FILE', keyFile: 'LIBPROCESS_SSL_KEY_FILE', caFile: 'LIBPROCESS_SSL_CA_FILE' },
    });
    expect(resolveTlsFiles({ ssl_cert_file: 'flag.crt', ssl_require_client_cert: false }, environment)).to.deep.equal({
      certFile: 'flag.crt', keyFile: 'env.key', caFile: 'env-ca.crt', requireClientCert: false,
      names: { certFile: '--ssl_cert_file', keyFile: 'LIBPROCESS_SSL_KEY_FILE', caFile: 'LIBPROCESS_SSL_CA_FILE' },
    });
    expect(() => resolveTlsFiles({ ssl_ca_file: 'ca.crt' }, {})).to.throw('--ssl_cert_file (or LIBPROCESS_SSL_CERT_FILE) is required: a TLS flag is given');
    expect(() => resolveTlsFiles({}, { LIBPROCESS_SSL_ENABLED: 'true', LIBPROCESS_SSL_CERT_FILE: 'a.crt' })).to.throw('--ssl_key_file (or LIBPROCESS_SSL_KEY_FILE) is required: LIBPROCESS_SSL_ENABLED is true');
    expect(() => resolveTlsFiles({}, { LIBPROCESS_SSL_ENABLED: 'maybe' })).to.throw("LIBPROCESS_SSL_ENABLED: 'maybe' is not a boolean");
  });

  it('loading names the flag (or variable) and the file that is wrong', () => {
    const missing = path.join(pki.dir, 'missing.crt');
    expect(() => loadTlsOptions({ certFile: missing, keyFile: pki.local.key })).to.throw(`--ssl_cert_file: cannot read '${missing}' (ENOENT)`);
    expect(() => loadTlsOptions({ certFile: pki.local.cert, keyFile: pki.local.cert })).to.throw(`--ssl_key_file: '${pki.local.cert}' is not a PEM private key`);
    expect(() => loadTlsOptions({ certFile: pki.local.key, keyFile: pki.local.key })).to.throw(`--ssl_cert_file: '${pki.local.key}' is not a PEM certificate`);
    expect(() => loadTlsOptions({ certFile: pki.local.cert, keyFile: pki.local.key, caFile: pki.local.key })).to.throw(`--ssl_ca_file: '${pki.local.key}' is not PEM CA certificates`);
    expect(() => loadTlsOptions({ certFile: pki.local.cert, keyFile: pki.elsewhere.key })).to.throw(`--ssl_key_file: '${pki.elsewhere.key}' is not the key of --ssl_cert_file`);
    expect(() => loadTlsOptions({ certFile: missing, keyFile: pki.local.key, names: { certFile: 'LIBPROCESS_SSL_CERT_FILE' } })).to.throw(`LIBPROCESS_SSL_CERT_FILE: cannot read '${missing}'`);
    const loaded = loadTlsOptions(pki.files(true));
    expect(loaded.requireClientCert).to.equal(true);
    expect(loaded.files).to.deep.equal(pki.files(true));
  });

  it('are handed to executors as LIBPROCESS_SSL_* variables, which load back to the same settings', () => {
    expect(tlsEnvironment(undefined)).to.deep.equal({ LIBPROCESS_SSL_ENABLED: 'false' });
    const environment = tlsEnvironment(pki.files(true));
    expect(environment).to.deep.equal({
      LIBPROCESS_SSL_ENABLED: 'true', LIBPROCESS_SSL_CERT_FILE: pki.local.cert, LIBPROCESS_SSL_KEY_FILE: pki.local.key, LIBPROCESS_SSL_CA_FILE: pki.ca, LIBPROCESS_SSL_REQUIRE_CERT: 'true',
    });
    const loaded = tlsOptionsFromEnvironment(environment);
    expect(loaded?.requireClientCert).to.equal(true);
    expect(loaded?.files?.certFile).to.equal(pki.local.cert);
    expect(tlsOptionsFromEnvironment(tlsEnvironment(undefined))).to.equal(undefined);
  });

  it("a certificate names a host by an IP or DNS subjectAltName or its CN, exactly", () => {
    const certificate = { subject: { CN: 'node-1.example' }, subjectaltname: 'DNS:Node-1.Example.com, IP Address:10.0.0.5, DNS:"a,b", URI:http://x' };
    expect(certificateNames(certificate)).to.deep.equal(['Node-1.Example.com', '10.0.0.5', 'node-1.example']);
    expect(certificateNamesHost(certificate, '10.0.0.5')).to.equal(true);
    expect(certificateNamesHost(certificate, 'node-1.example.COM')).to.equal(true);
    expect(certificateNamesHost(certificate, 'node-1.example')).to.equal(true);
    expect(certificateNamesHost(certificate, '10.0.0.50')).to.equal(false);
    expect(certificateNamesHost(certificate, 'example.com')).to.equal(false);
    expect(certificateNamesHost({ subject: { CN: '*.example.com' }, subjectaltname: '' }, 'a.example.com')).to.equal(false);
  });

  it('explains TLS failures in one phrase', () => {
    const failure = (code: string, message: string): Error & { code: string } => Object.assign(new Error(message), { code });
    expect(describeTlsFailure(failure('EPROTO', 'write EPROTO 1234:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'))).to.match(/does not speak TLS/);
    expect(describeTlsFailure(failure('ERR_SSL_HTTP_REQUEST', 'SSL routines::http request'))).to.match(/does not speak TLS/);
    expect(describeTlsFailure(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'))).to.match(/not signed by a trusted CA/);
    expect(describeTlsFailure(failure('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"))).to.match(/does not name the address/);
    expect(describeTlsFailure(failure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'))).to.equal(undefined);
  });
});
