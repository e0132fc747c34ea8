import { expect } from 'chai';
import { ascending, median, percentile } from '../../bench/figures';

describe('bench figures (medians and percentiles every benchmark reports)', () => {
  it('sorts numerically, not as text (a Float64Array sorts without a comparator)', () => {
    expect([...ascending([10, 9, 100, -1, 2.5])]).to.deep.equal([-1, 2.5, 9, 10, 100]);
    expect(median([10, 9, 100])).to.equal(10);
  });

  it('takes the upper middle value for an even count, and leaves its input as it was', () => {
    const values = [4, 1, 3, 2];
    expect(median(values)).to.equal(3);
    expect(values).to.deep.equal([4, 1, 3, 2]);
  });

  it('answers NaN for no values, and the last value at q = 1', () => {
    expect(median([])).to.be.NaN;
    expect(percentile([], 0.99)).to.be.NaN;
    const sorted = ascending([5, 1, 4, 2, 3]);
    expect(percentile(sorted, 1)).to.equal(5);
    expect(percentile(sorted, 0.99)).to.equal(5);
    expect(percentile(sorted, 0)).to.equal(1);
  });
});
