import { expect } from 'chai';
import { MAX_BODY_DEPTH, plainDataError, RegisterAgent } from '../../../lib/protocol';

/** `depth` levels of one-element arrays around a nil. */
function nested(depth: number): unknown {
  let value: unknown = null;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

describe('lib/protocol/plain', () => {
  it('takes JSON-shaped data: null, undefined, booleans, finite numbers, strings, arrays, plain objects', () => {
    expect(plainDataError({ a: [1, 'x', null, undefined, true, { b: -0.5 }], c: Object.create(null) as unknown })).to.equal(undefined);
    expect(plainDataError(nested(MAX_BODY_DEPTH))).to.equal(undefined);
  });

  it('names the first value a msgpack peer can send that is not plain data, and where it is', () => {
    expect(plainDataError({ a: { b: 2n ** 64n } })).to.equal('a.b: a bigint is not plain data');
    expect(plainDataError({ a: [new Date(0)] })).to.equal('a.0: a Date is not plain data');
    expect(plainDataError({ a: new Map() })).to.equal('a: a Map is not plain data');
    expect(plainDataError(Buffer.from('x'))).to.equal('(body): a Buffer is not plain data');
    expect(plainDataError({ a: NaN })).to.equal('a: NaN is not a finite number');
    expect(plainDataError({ a: -Infinity })).to.equal('a: -Infinity is not a finite number');
  });

  it('refuses nesting deeper than MAX_BODY_DEPTH, however deep, without overflowing the stack', () => {
    expect(plainDataError(nested(MAX_BODY_DEPTH + 1))).to.match(new RegExp(`nested deeper than ${MAX_BODY_DEPTH} levels`));
    expect(plainDataError(nested(100_000))).to.match(/nested deeper/);
  });

  it('every message validator checks it first (found by the wire fuzzer, seed 1: a BigInt in a resource made the master throw)', () => {
    const agent = { hostname: 'h', port: 5051, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservation: { labels: 2n ** 64n } }] };
    expect(() => RegisterAgent.validate({ agent, version: '1' })).to.throw('agent.resources.0.reservation.labels: a bigint is not plain data');
  });
});
