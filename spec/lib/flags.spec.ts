/** Flags as strict as Mesos' (issue 10): durations need a unit, counts are safe integers, booleans parse as Mesos writes them. */
import { expect } from 'chai';
import { parseBooleanFlag, parseCount, parseDuration } from '../../lib/flags';

describe('lib/flags', () => {
  it('a duration needs a unit', () => {
    expect(parseDuration('15secs')).to.equal(15_000);
    expect(parseDuration('1.5mins')).to.equal(90_000);
    for (const bad of ['30', '', 'secs', '-1secs', '1 fortnight']) expect(() => parseDuration(bad), bad).to.throw(/is not a duration/);
  });

  it('a count is a non-negative safe integer', () => {
    expect(parseCount('0')).to.equal(0);
    expect(parseCount('100')).to.equal(100);
    for (const bad of ['-1', '1.5', '1e3', '', '9007199254740993']) expect(() => parseCount(bad), bad).to.throw(/is not a non-negative integer/);
  });

  it('a boolean is true alone, or true/false, 1/0, yes/no', () => {
    expect(parseBooleanFlag(undefined)).to.equal(true);
    for (const yes of ['true', 'TRUE', '1', 'yes']) expect(parseBooleanFlag(yes), yes).to.equal(true);
    for (const no of ['false', '0', 'no']) expect(parseBooleanFlag(no), no).to.equal(false);
    expect(() => parseBooleanFlag('maybe')).to.throw(/'maybe' is not a boolean/);
  });
});
