import { expect } from 'chai';
import { appendBounded, appended, removedAt } from '../../lib/exact-arrays';

describe('lib/exact-arrays', () => {
  it('appended and removedAt give new lists with the entry added or taken out, the old one unchanged', () => {
    const list = ['a', 'b', 'c'];
    expect(appended(list, 'd')).to.deep.equal(['a', 'b', 'c', 'd']);
    for (const [index, expected] of [[0, ['b', 'c']], [1, ['a', 'c']], [2, ['a', 'b']]] as const) {
      const kept = removedAt(list, index);
      expect(kept, `removedAt ${index}`).to.deep.equal(expected);
      expect(kept).to.not.equal(list);
    }
    expect(removedAt(['only'], 0)).to.deep.equal([]);
    expect(list).to.deep.equal(['a', 'b', 'c']);
  });

  it('appendBounded drops the oldest past the bound', () => {
    expect(appendBounded([1, 2, 3], [4, 5], 3)).to.deep.equal([3, 4, 5]);
    expect(appendBounded([1, 2, 3], [4, 5, 6, 7], 3)).to.deep.equal([5, 6, 7]);
    expect(appendBounded([1, 2, 3], [4], 10, 1)).to.deep.equal([1, 4]);
  });
});
