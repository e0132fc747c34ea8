import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { decodeFrame, decodeFrameEach, encodeEnvelope, MAX_DECODE_DEPTH, nestingError } from '../../../lib/process/codec';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

/** `depth` levels of one-element arrays (or one-key maps) around a nil, as bytes (no encoder recursion). */
function nestedBytes(depth: number, map = false): Buffer {
  const level = map ? Buffer.from([0x81, 0xa1, 0x61]) : Buffer.from([0x91]);
  return Buffer.concat([Buffer.alloc(level.length * depth).fill(level), Buffer.from([0xc0])]);
}

describe('lib/process/codec', () => {
  it('measures the nesting of every msgpack type: strings, binaries, numbers and extensions are skipped by their length', () => {
    const value = { a: [1, -1, 300, 70_000, 2 ** 40, -(2 ** 40), 1.5, 'x'.repeat(40), 'y'.repeat(300), 'z'.repeat(70_000), Buffer.alloc(300), null, true, new Date(0), new Set([[1]])], b: { c: { d: [] } } };
    const frame = Buffer.concat([packr.pack(value), packr.pack(value)]);
    expect(nestingError(frame, 4)).to.equal(undefined); // {a: [... Set [[1]]]} and {b: {c: {d: []}}}
    expect(nestingError(frame, 2)).to.match(/deeper than 2 levels/);
    expect(decodeFrame(frame)).to.have.length(2);
  });

  it(`refuses a frame nested deeper than MAX_DECODE_DEPTH before decoding anything, however deep: the same every time (found by the wire fuzzer, seed 1)`, () => {
    const envelope = (depth: number): Buffer => {
      const encoded = encodeEnvelope({ from: 'a@h:1', to: 'b@h:1', name: 'Deep', body: 'HERE' });
      const at = encoded.indexOf(packr.pack('HERE'));
      return Buffer.concat([encoded.subarray(0, at), nestedBytes(depth), encoded.subarray(at + packr.pack('HERE').length)]);
    };
    const decoded: unknown[] = [];
    decodeFrameEach(envelope(MAX_DECODE_DEPTH - 1), (value) => decoded.push(value));
    expect(decoded).to.have.length(1);
    for (const depth of [MAX_DECODE_DEPTH, 10_000, 1_000_000]) {
      const seen: unknown[] = [];
      expect(() => decodeFrameEach(Buffer.concat([envelope(1), envelope(depth)]), (value) => seen.push(value)), `depth ${depth}`).to.throw(`deeper than ${MAX_DECODE_DEPTH} levels`);
      expect(seen, 'nothing of the frame is passed on').to.deep.equal([]);
    }
    expect(nestingError(nestedBytes(10_000, true), MAX_DECODE_DEPTH)).to.match(/deeper/);
  });

  it('leaves cut-off or invalid bytes to the decoder', () => {
    const cut = packr.pack({ a: 'x'.repeat(100) }).subarray(0, 10);
    expect(nestingError(cut, MAX_DECODE_DEPTH)).to.equal(undefined);
    expect(() => decodeFrame(cut)).to.throw();
    // Not 0xc1, which msgpack never uses: msgpackr reads it as an object (no error), so leaving it stopped the walk there (text-decoding-hostile5).
    expect(nestingError(Buffer.from([0xc1, 0xdf]), MAX_DECODE_DEPTH)).to.equal('the frame holds the byte 0xc1, which msgpack never uses');
  });
});
