/**
 * Hostile pass 5 on text decoding: bytes from a peer read as other text than was sent. A query
 * string's `%ff` was U+FFFD (`URLSearchParams`), a malformed `%zz` kept as it was; a msgpack
 * string with a byte that is not UTF-8 was U+FFFD (msgpackr), so `'a<0xff>'` and `'a<0xfe>'` were
 * one principal or framework id, and a map key 5 was '5'; a lone surrogate a short string held
 * was written as bytes that are not UTF-8; JSON's `"\ud800"` was taken; an ACL file's bad byte
 * was U+FFFD.
 */
import { expect } from 'chai';
import { Packr } from 'msgpackr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WebSocket } from 'ws';
import { ok, type ActorHost } from '../../lib/process';
import { checkFrame, decodeFrame, decodeFrameEach, encodeEnvelope, MAX_DECODE_DEPTH, type WireEnvelope } from '../../lib/process/codec';
import { decodeQuery, splitActorPath } from '../../lib/process/http';
import { captureLogger, type CapturedLogger } from '../../lib/logging';
import { loadAcls } from '../../lib/acls';
import { readBoundedFile } from '../../lib/flag-file';
import { completeUtf8Length, hasLoneSurrogate, loneSurrogateInJson } from '../../lib/utf8';
import { eventually, netHost, Probe, rawLinkPeer, within, type RawLinkPeer } from '../support/runtime';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

/** `encoded` with the UTF-8 bytes of `marker` (its first occurrence) replaced by `bytes` of the same length. */
function patched(encoded: Buffer, marker: string, bytes: readonly number[]): Buffer {
  const at = encoded.indexOf(Buffer.from(marker, 'utf8'));
  expect(at, `'${marker}' in the encoding`).to.be.at.least(0);
  expect(Buffer.byteLength(marker), 'a patch keeps every length').to.equal(bytes.length);
  const copy = Buffer.from(encoded);
  copy.set(bytes, at);
  return copy;
}

/** What `decodeFrameEach` passes on of `frame`, and why it refuses the rest. */
function decodeAll(frame: Buffer): { values: unknown[]; refused: string[] } {
  const values: unknown[] = [];
  const refused: string[] = [];
  decodeFrameEach(frame, (value) => values.push(value), (reason) => refused.push(reason));
  return { values, refused };
}

function envelope(body: unknown, name = 'Ok'): WireEnvelope {
  return { from: 'sender@127.0.0.1:1', to: 'receiver@127.0.0.1:2', name, body };
}

describe('text decoding, hostile pass 5: query strings', () => {
  it('decodes as libprocess\' query::decode: `&` and `;` split, `+` is a space, the last of a key wins, a key alone is empty', () => {
    expect([...(decodeQuery('a=x+y;b=%C3%A9&a=z&c&=v') as Map<string, string>)]).to.deep.equal([['a', 'z'], ['b', 'é'], ['c', ''], ['', 'v']]);
    expect([...(decodeQuery('') as Map<string, string>)]).to.deep.equal([]);
  });

  it('refuses escapes of bytes that are not UTF-8 (each was U+FFFD: %ff and %fe one value), a surrogate, an overlong form, and a malformed %', () => {
    expect(decodeQuery('path=%ff')).to.equal("'%ff' does not decode to UTF-8 text");
    expect(decodeQuery('path=%fe')).to.equal("'%fe' does not decode to UTF-8 text");
    expect(decodeQuery('role=%ED%A0%80')).to.equal("'%ED%A0%80' does not decode to UTF-8 text");
    expect(decodeQuery('role=%C0%80')).to.equal("'%C0%80' does not decode to UTF-8 text");
    expect(decodeQuery('%ff=1')).to.equal("'%ff' does not decode to UTF-8 text");
    expect(decodeQuery('a=%zz')).to.equal("Malformed % escape in '%zz': '%zz'");
    expect(decodeQuery('a=1%')).to.equal("Malformed % escape in '1%': '%'");
    // U+FFFD sent as its UTF-8 is what was sent.
    expect([...(decodeQuery('a=%EF%BF%BD') as Map<string, string>)]).to.deep.equal([['a', '\ufffd']]);
  });

  it('splitActorPath says why a query does not decode, and keeps no part of it', () => {
    expect(splitActorPath('/files/read?path=%ff&offset=0')).to.deep.equal({ actorId: 'files', path: '/read', query: {}, queryError: "'%ff' does not decode to UTF-8 text" });
    expect(splitActorPath('/files/read?path=%C3%A9;offset=0')).to.deep.equal({ actorId: 'files', path: '/read', query: { path: 'é', offset: '0' } });
  });

  describe('over HTTP', () => {
    let host: ActorHost;
    let served: number;
    before(async () => {
      host = await netHost();
      served = 0;
      class Web extends Probe {
        constructor() {
          super('web');
          this.route('/echo', (request) => { served++; return ok({ query: request.query }); });
        }
      }
      host.spawn(new Web());
    });
    after(async () => {
      await host.stop();
    });

    async function get(query: string, method = 'GET'): Promise<{ status: number; json: unknown }> {
      const url = `http://${host.address}/web/echo?${query}`;
      const response = await within(fetch(url, { method, ...(method === 'POST' ? { body: 'x' } : {}) }), 10_000, url);
      return { status: response.status, json: await response.json() };
    }

    it('answers 400 naming why, before the handler runs (it took %ff and %fe for one U+FFFD, and %zz as it was)', async () => {
      for (const [query, why] of [
        ['path=%ff', "'%ff' does not decode to UTF-8 text"],
        ['path=%fe', "'%fe' does not decode to UTF-8 text"],
        ['role=%ED%A0%80', "'%ED%A0%80' does not decode to UTF-8 text"],
        ['a=%zz', "Malformed % escape in '%zz': '%zz'"],
      ] as const) {
        expect(await get(query), query).to.deep.equal({ status: 400, json: { error: `Unable to decode query string: ${why}` } });
        expect(await get(query, 'POST'), `POST ${query}`).to.deep.equal({ status: 400, json: { error: `Unable to decode query string: ${why}` } });
      }
      expect(served, 'no handler ran').to.equal(0);
    });

    it('serves a query that decodes, as Mesos reads it', async () => {
      expect(await get('a=x+y;b=%C3%A9&a=z&c=%EF%BF%BD')).to.deep.equal({ status: 200, json: { query: { a: 'z', b: 'é', c: '\ufffd' } } });
      expect(served).to.equal(1);
    });
  });
});

describe('text decoding, hostile pass 5: msgpack frames from a peer', () => {
  it("refuses a message whose string is not UTF-8, alone: 'a<0xff>' and 'a<0xfe>' were one principal (U+FFFD), the messages around it are passed on", () => {
    const frame = Buffer.concat([
      encodeEnvelope(envelope({ principal: 'first' })),
      patched(encodeEnvelope(envelope({ principal: 'evilX' })), 'X', [0xff]),
      patched(encodeEnvelope(envelope({ principal: 'evilX' })), 'X', [0xfe]),
      encodeEnvelope(envelope({ principal: 'last' })),
    ]);
    const { values, refused } = decodeAll(frame);
    expect(values.map((value) => (value as WireEnvelope).body)).to.deep.equal([{ principal: 'first' }, { principal: 'last' }]);
    const why = "a string under 'body.principal' is not UTF-8 (msgpackr would read each bad byte as U+FFFD: other text than was sent)";
    expect(refused).to.deep.equal([why, why]);
  });

  it('refuses an envelope field, a key and a message name that are not UTF-8, a lone surrogate (ED A0 80) and an overlong form (C0 80), long strings too', () => {
    const cases: Array<[Buffer, string]> = [
      [patched(encodeEnvelope({ ...envelope(null), from: 'sXnder@127.0.0.1:1' }), 'X', [0xff]), "a string under 'from' is not UTF-8"],
      [patched(encodeEnvelope(envelope(null, 'OXk')), 'X', [0xfe]), "a string under 'name' is not UTF-8"],
      [patched(encodeEnvelope(envelope({ rolXe: 1 })), 'X', [0x80]), "a map key under 'body' is not UTF-8"],
      [patched(encodeEnvelope(envelope({ role: 'aXYZ' })), 'XYZ', [0xed, 0xa0, 0x80]), "a string under 'body.role' is not UTF-8"],
      [patched(encodeEnvelope(envelope({ role: 'aXY' })), 'XY', [0xc0, 0x80]), "a string under 'body.role' is not UTF-8"],
      [patched(encodeEnvelope(envelope({ data: [{ text: `${'x'.repeat(300)}Y` }] })), 'Y', [0xff]), "a string under 'body.data.text' is not UTF-8"],
    ];
    for (const [frame, why] of cases) {
      const { values, refused } = decodeAll(frame);
      expect(values, why).to.deep.equal([]);
      expect(refused, why).to.have.length(1);
      expect(refused[0], why).to.contain(why);
    }
  });

  it('passes U+FFFD, and every other character, on as sent when it is UTF-8', () => {
    const body = { principal: 'a\ufffd', role: 'é/日本/😀', long: `${'z'.repeat(200)}\ufffd😀` };
    expect(decodeAll(encodeEnvelope(envelope(body)))).to.deep.equal({ values: [envelope(body)], refused: [] });
  });

  it("refuses a map key msgpackr reads as other text: a number (5 read '5', one key with '5'), nil ('null'); lets '__proto__' through (read '__proto_', as before)", () => {
    // {body: {5: 'x'}}: a map whose key is the integer 5.
    const numbered = Buffer.concat([Buffer.from([0x84]), packr.pack('from'), packr.pack('a@h:1'), packr.pack('to'), packr.pack('b@h:1'), packr.pack('name'), packr.pack('Ok'), packr.pack('body'), Buffer.from([0x81, 0x05]), packr.pack('x')]);
    expect(decodeAll(numbered).refused).to.deep.equal(["a map key under 'body' is not a string (msgpackr would read it as text: 5 as '5', nil as 'null')"]);
    const nil = Buffer.concat([Buffer.from([0x81, 0xc0]), packr.pack('x')]);
    expect(decodeAll(nil).refused).to.deep.equal(["a map key is not a string (msgpackr would read it as text: 5 as '5', nil as 'null')"]);
    // A known limit (see checkFrame): refused, a framework whose offer filters name the role `__proto__` could launch no task.
    const proto = patched(Buffer.from(packr.pack({ from: 'a@h:1', to: 'b@h:1', name: 'Ok', body: { offerFilters: { __proto_X: {} } } })), '__proto_X', [...Buffer.from('__proto__')]);
    expect(decodeAll(proto)).to.deep.equal({ values: [{ from: 'a@h:1', to: 'b@h:1', name: 'Ok', body: { offerFilters: { __proto_: {} } } }], refused: [] });
  });

  it("refuses a frame whole that holds what the check cannot follow: msgpackr's bundled strings or record definitions, the byte 0xc1", () => {
    // Bundled strings: the extension 0x62 (its 4 bytes: the bundle's offset), then a value whose strings come from the bundle.
    const bundled = Buffer.concat([Buffer.from([0xd6, 0x62, 0, 0, 0, 9]), Buffer.from([0x81, 0xa1]), packr.pack('x')]);
    expect(checkFrame(bundled, MAX_DECODE_DEPTH)).to.equal("the frame holds msgpackr's bundled strings (extension 0x62), which this host never writes");
    const record = Buffer.concat([Buffer.from([0xd4, 0x72, 0x40]), packr.pack(['a'])]);
    expect(checkFrame(record, MAX_DECODE_DEPTH)).to.equal("the frame holds msgpackr's record definitions (extension 0x72), which this host never writes");
    // 0xc1 stopped the depth check where it stood (msgpackr reads it as an object): what came after went unchecked.
    const deep = Buffer.concat([Buffer.from([0x92, 0xc1]), Buffer.alloc(10_000, 0x91), Buffer.from([0xc0])]);
    expect(checkFrame(deep, MAX_DECODE_DEPTH)).to.equal('the frame holds the byte 0xc1, which msgpack never uses');
    expect(() => decodeAll(deep)).to.throw('0xc1');
  });

  it('walks an extension and the value it reads as one value (a Set, an Error), and checks the strings inside', () => {
    const set = packr.pack({ from: 'a@h:1', to: 'b@h:1', name: 'Ok', body: { roles: new Set(['eng', 'opX']) } });
    expect(decodeAll(Buffer.concat([set, set])).values).to.have.length(2);
    const { values, refused } = decodeAll(Buffer.concat([set, patched(set, 'opX', [0x6f, 0x70, 0xff]), set]));
    expect(values).to.have.length(2);
    expect(refused).to.deep.equal(["a string under 'body.roles' is not UTF-8 (msgpackr would read each bad byte as U+FFFD: other text than was sent)"]);
  });

  it('writes a lone surrogate as U+FFFD, in a short string as in a long one (a short one was ED A0 80, which a receiver refuses), and the receiver takes it', () => {
    const short = `cut\ud83d`;
    const long = `${'x'.repeat(100)}\ud800`;
    const encoded = encodeEnvelope(envelope({ short, long, [`k\udc00`]: 1, pair: '😀', binary: Buffer.from([0xed, 0xa0, 0x80]) }));
    const [decoded] = decodeFrame(encoded) as [WireEnvelope];
    expect(decoded.body).to.deep.equal({ short: 'cut\ufffd', long: `${'x'.repeat(100)}\ufffd`, 'k\ufffd': 1, pair: '😀', binary: Buffer.from([0xed, 0xa0, 0x80]) });
  });

  describe('over a link', () => {
    let captured: CapturedLogger;
    let host: ActorHost;
    let receiver: Probe;
    let peer: RawLinkPeer | undefined;
    beforeEach(async () => {
      captured = captureLogger();
      host = await netHost({ logger: captured.logger });
      receiver = new Probe('receiver', ['Ok']);
      host.spawn(receiver);
    });
    afterEach(async () => {
      await peer?.close();
      await host.stop();
    });

    it('drops the message whose principal is not UTF-8, says why, and delivers the rest of the frame', async () => {
      peer = await rawLinkPeer(host);
      const socket: WebSocket = peer.socket;
      const one = (principal: string): Buffer => encodeEnvelope({ from: `sender@${peer?.address ?? ''}`, to: receiver.self().toString(), name: 'Ok', body: { principal } });
      socket.send(Buffer.concat([one('first'), patched(one('evilX'), 'X', [0xff]), one('last')]), { binary: true });
      await receiver.until(() => receiver.count('Ok') === 2);
      await eventually(() => captured.find('other text than was sent').length > 0, 5000, 'the log');
      expect(receiver.received.map((received) => received.body)).to.deep.equal([{ principal: 'first' }, { principal: 'last' }]);
      const [line] = captured.find('dropping a message that would be read as other text than was sent');
      expect(line?.reason).to.equal("a string under 'body.principal' is not UTF-8 (msgpackr would read each bad byte as U+FFFD: other text than was sent)");
    });
  });
});

describe('text decoding, hostile pass 5: lone surrogates in JSON', () => {
  it('finds a lone surrogate a JSON escape made, in a string or a key; a pair is a character', () => {
    expect(hasLoneSurrogate('a\ud800')).to.equal(true);
    expect(hasLoneSurrogate('\udc00a')).to.equal(true);
    expect(hasLoneSurrogate('😀')).to.equal(false);
    const text = '{"roles":["eng","\\ud800"]}';
    expect(loneSurrogateInJson(text, JSON.parse(text))).to.equal("the string '\\ud800' holds a lone surrogate (\\ud800), no character: UTF-8 cannot carry it");
    const key = '{"labels":{"\\udfff":"x"}}';
    expect(loneSurrogateInJson(key, JSON.parse(key))).to.equal("the string '\\udfff' holds a lone surrogate (\\udfff), no character: UTF-8 cannot carry it");
    const pair = '{"name":"\\ud83d\\ude00"}';
    expect(loneSurrogateInJson(pair, JSON.parse(pair))).to.equal(undefined);
    // An escaped backslash before `ud800` is no escape of a surrogate.
    const escaped = '{"name":"\\\\ud800"}';
    expect(loneSurrogateInJson(escaped, JSON.parse(escaped))).to.equal(undefined);
  });
});

describe("text decoding, hostile pass 5: an operator's flag files", () => {
  let scratch: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'flag-file-utf8-'));
  });
  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses an ACL file that is not UTF-8 (its principal was read with U+FFFD: another principal than the file names), as the credentials file is', () => {
    const file = path.join(scratch, 'acls.json');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('{"permissive":true,"register_frameworks":[{"principals":{"values":["op'), Buffer.from([0xff]), Buffer.from('"]},"roles":{"type":"NONE"}}]}')]));
    expect(() => loadAcls(file)).to.throw(`acls: cannot read '${file}': not UTF-8 text`);
    fs.writeFileSync(file, '{"permissive":true,"register_frameworks":[{"principals":{"values":["op\ufffd"]},"roles":{"type":"NONE"}}]}');
    expect(() => loadAcls(file)).to.not.throw();
    expect(readBoundedFile(file)).to.contain('op\ufffd');
  });
});

describe('text decoding, hostile pass 5: a read cut inside a character', () => {
  it('completeUtf8Length ends before a character the bytes do not finish, and keeps what is complete or not UTF-8 at all', () => {
    const text = (value: string): number[] => [...Buffer.from(value)];
    expect(completeUtf8Length(Buffer.from([...text('a'), 0xe6, 0x97]))).to.equal(1);
    expect(completeUtf8Length(Buffer.from([...text('a'), 0xf0, 0x9f, 0x98]))).to.equal(1);
    expect(completeUtf8Length(Buffer.from([...text('a'), 0xc3]))).to.equal(1);
    for (const whole of ['a', 'é', '日', '😀', 'a😀']) expect(completeUtf8Length(Buffer.from(whole)), whole).to.equal(Buffer.byteLength(whole));
    expect(completeUtf8Length(Buffer.from([0x61, 0xff]))).to.equal(2);
    expect(completeUtf8Length(Buffer.from([0x61, 0x80, 0x80, 0x80]))).to.equal(4);
    expect(completeUtf8Length(Buffer.alloc(0))).to.equal(0);
  });
});
