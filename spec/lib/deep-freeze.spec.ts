import { expect } from 'chai';
import { deepFreeze } from '../../lib/deep-freeze';

describe('lib/deep-freeze', () => {
  it('freezes every plain object and array in a value, however nested, and returns the value', () => {
    const value = { offers: [{ id: 'o1', resources: [{ name: 'cpus', ranges: { range: [{ begin: 1, end: 2 }] } }] }, 'text', 7, null], nested: { deeper: [[{}]] } };
    expect(deepFreeze(value)).to.equal(value);
    const walk = (item: unknown): void => {
      if (typeof item !== 'object' || item === null) return;
      expect(Object.isFrozen(item), JSON.stringify(item)).to.equal(true);
      for (const child of Object.values(item)) walk(child);
    };
    walk(value);
    expect(() => value.offers.push('more')).to.throw(TypeError);
  });

  it('freezes what sits beside an already frozen part, and leaves class instances and typed arrays alone', () => {
    const shared = Object.freeze({ name: 'cpus' });
    class Handle { count = 0; }
    const handle = new Handle();
    const bytes = new Uint8Array(2);
    const value = { items: [shared, { open: [1] }], handle, bytes };
    deepFreeze(value);
    expect(Object.isFrozen(value.items[1])).to.equal(true);
    expect(Object.isFrozen((value.items[1] as { open: number[] }).open)).to.equal(true);
    expect(Object.isFrozen(handle)).to.equal(false);
    handle.count++;
    bytes[0] = 1;
    expect(bytes[0]).to.equal(1);
  });

  it('returns primitives as they are, and walks a list nested 100,000 deep without overflowing the stack', () => {
    expect(deepFreeze(3)).to.equal(3);
    expect(deepFreeze(null)).to.equal(null);
    let deep: unknown[] = [];
    const root = deep;
    for (let level = 0; level < 100_000; level++) {
      const inner: unknown[] = [];
      deep.push(inner);
      deep = inner;
    }
    const beside = [{ open: true }];
    root.push(beside);
    deepFreeze(root);
    let level: unknown[] | undefined = root;
    let levels = 0;
    while (level !== undefined) {
      expect(Object.isFrozen(level), `level ${levels}`).to.equal(true);
      level = level[0] as unknown[] | undefined;
      levels++;
    }
    expect(levels).to.equal(100_001);
    expect(Object.isFrozen(beside) && Object.isFrozen(beside[0])).to.equal(true);
  });
});
