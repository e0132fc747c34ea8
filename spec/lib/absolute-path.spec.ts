import * as path from 'node:path';
import { expect } from 'chai';
import { isNormalAbsolutePath, normalizedAbsolutePath, resolvedPath } from '../../lib/absolute-path';
import { Prng } from '../../lib/process/prng';

const SEED = 1303;

/** A path of random segments from a small set that includes every tricky one. */
function randomPath(prng: Prng): string {
  const segments = ['', '.', '..', 'a', 'b.c', '...', '.x', 'x.', 'slaves', '..a'];
  const parts = Array.from({ length: prng.nextInt(6) }, () => segments[prng.nextInt(segments.length)] as string);
  const leading = prng.nextInt(4) === 0 ? '' : '/';
  const trailing = prng.nextInt(4) === 0 ? '/' : '';
  return `${leading}${parts.join('/')}${trailing}`;
}

describe('lib/absolute-path', () => {
  it('takes a path as normalized exactly when path.posix.resolve would return it unchanged', () => {
    expect(isNormalAbsolutePath('/')).to.equal(true);
    expect(isNormalAbsolutePath('/work/slaves/S1/frameworks')).to.equal(true);
    expect(isNormalAbsolutePath('/a/...')).to.equal(true);
    for (const odd of ['', 'work', '//', '/a//b', '/a/./b', '/a/../b', '/a/.', '/a/..', '/a/']) expect(isNormalAbsolutePath(odd), odd).to.equal(false);
  });

  it(`agrees with path.resolve and path.posix.normalize on random paths (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    let normal = 0;
    for (let index = 0; index < 5_000; index++) {
      const target = randomPath(prng);
      const expected = path.posix.isAbsolute(target) && path.posix.resolve(target) === target;
      expect(isNormalAbsolutePath(target), `'${target}' (seed ${SEED})`).to.equal(expected);
      if (expected) normal++;
      expect(resolvedPath(target), `'${target}'`).to.equal(path.resolve(target));
      if (path.posix.isAbsolute(target)) expect(normalizedAbsolutePath(target), `'${target}'`).to.equal(path.posix.normalize(target).replace(/\/+$/, '') || '/');
    }
    expect(normal).to.be.greaterThan(200);
  });
});
