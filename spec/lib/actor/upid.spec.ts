import { expect } from 'chai';
import fc from 'fast-check';
import { InvalidUPIDError, UPID } from '../../../lib/actor';

describe('UPID', () => {
  it('parses id@host:port into its parts', () => {
    const pid = UPID.parse('slave(1)@10.0.0.7:5051');
    expect(pid.id).to.equal('slave(1)');
    expect(pid.host).to.equal('10.0.0.7');
    expect(pid.port).to.equal(5051);
    expect(pid.address).to.equal('10.0.0.7:5051');
    expect(String(pid)).to.equal('slave(1)@10.0.0.7:5051');
  });

  it('accepts host names and bracketed IPv6 hosts', () => {
    expect(UPID.parse('master@mesos-1.example.com:5050').host).to.equal('mesos-1.example.com');
    expect(UPID.parse('master@[::1]:5050').host).to.equal('[::1]');
  });

  it('format and parse are exact inverses (property)', () => {
    const idChar = fc.constantFrom(...'abcXYZ019_.()-/:'.split(''));
    const id = fc.array(idChar, { minLength: 1, maxLength: 20 }).map((cs) => cs.join('')).filter((s) => !s.includes('@'));
    const host = fc.oneof(fc.ipV4(), fc.domain());
    fc.assert(fc.property(id, host, fc.integer({ min: 0, max: 65535 }), (i, h, p) => {
      const text = `${i}@${h}:${p}`;
      const pid = UPID.parse(text);
      expect(pid.toString()).to.equal(text);
      expect(UPID.parse(pid.toString()).equals(pid)).to.equal(true);
      expect(new UPID(pid.id, pid.host, pid.port).toString()).to.equal(text);
    }));
  });

  const invalid: Array<[string, RegExp]> = [
    ['master', /missing '@'/],
    ['master@host', /missing ':port'/],
    ['@host:5050', /empty id/],
    ['master@:5050', /empty host/],
    ['master@host:', /port '' is not a decimal number/],
    ['master@host:65536', /is not an integer in 0\.\.65535/],
    ['master@host:050', /port '050'/],
    ['master@host:-1', /port '-1'/],
    ['mas ter@host:1', /id 'mas ter' has a character/],
    ['master@ho st:1', /host 'ho st' is not a host name/],
  ];
  for (const [text, reason] of invalid) {
    it(`rejects '${text}' naming the problem`, () => {
      expect(() => UPID.parse(text)).to.throw(InvalidUPIDError, reason);
      expect(UPID.tryParse(text)).to.equal(undefined);
    });
  }
});
