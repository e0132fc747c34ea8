import { expect } from 'chai';
import { Resources } from '../../../lib/resources';
import { NO_RESOURCES_BY_ROLE, RoleSplitSum, sortedByRole } from '../../../actors/master/resources-by-role';

/** `byRole` as `[role, format()]` pairs, in its own order. */
function formatted(byRole: ReadonlyMap<string, Resources>): Array<[string, string]> {
  return [...byRole].map(([role, resources]) => [role, resources.format()]);
}

describe('actors/master/resources-by-role', () => {
  it('RoleSplitSum: nothing added is nothing, in all and by role', () => {
    const sum = new RoleSplitSum();
    expect(sum.total.isEmpty()).to.equal(true);
    expect(sum.byRole).to.equal(NO_RESOURCES_BY_ROLE);
  });

  it('RoleSplitSum: parts of one role are that role\'s sum, the sum in all itself', () => {
    const sum = new RoleSplitSum();
    sum.add('eng', Resources.parse('cpus:1;mem:32'));
    sum.add('eng', Resources.parse('cpus:0.5;ports:[31000-31001]'));
    expect(sum.total.format()).to.equal('cpus:1.5;mem:32;ports:[31000-31001]');
    expect(formatted(sum.byRole)).to.deep.equal([['eng', 'cpus:1.5;mem:32;ports:[31000-31001]']]);
    expect(sum.byRole.get('eng')).to.equal(sum.total);
  });

  it('RoleSplitSum: a second role splits the sums, the first role\'s including what came before it; the sum in all in the order added', () => {
    const sum = new RoleSplitSum();
    sum.add('b', Resources.parse('mem:64'));
    sum.add('a', Resources.parse('cpus:2'));
    sum.add('b', Resources.parse('cpus:1'));
    expect(sum.total.format()).to.equal('mem:64;cpus:3');
    expect(formatted(sum.byRole)).to.deep.equal([['b', 'mem:64;cpus:1'], ['a', 'cpus:2']]);
  });

  it('sortedByRole: roles by name, empty sums left out', () => {
    const byRole = new Map([['web', Resources.parse('cpus:1')], ['*', Resources.EMPTY], ['eng', Resources.parse('mem:8')]]);
    expect(sortedByRole(byRole).map(([role, resources]) => [role, resources.format()])).to.deep.equal([['eng', 'mem:8'], ['web', 'cpus:1']]);
  });
});
