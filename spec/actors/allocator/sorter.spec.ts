import { expect } from 'chai';
import fc from 'fast-check';
import { Resources } from '../../../lib/resources';
import { DRFSorter, SorterError } from '../../../actors/allocator/sorter';
import { ScalarNames, ScalarTotals } from '../../../actors/allocator/totals';

const r = (text: string): Resources => Resources.parse(text);

function sorterWith(total: string, hierarchical = true): { sorter: DRFSorter; totals: ScalarTotals } {
  const totals = new ScalarTotals();
  totals.add(r(total));
  return { sorter: new DRFSorter(totals, { hierarchical }), totals };
}

describe('actors/allocator/sorter (DRF)', () => {
  it('orders clients by dominant share, the max over resource kinds', () => {
    const { sorter } = sorterWith('cpus:10;mem:100');
    ['a', 'b', 'c'].forEach((client) => sorter.add(client));
    sorter.allocated('a', r('cpus:5;mem:10')); // 50% cpus
    sorter.allocated('b', r('cpus:1;mem:60')); // 60% mem
    sorter.allocated('c', r('cpus:2;mem:20')); // 20%
    expect(sorter.sort()).to.deep.equal(['c', 'a', 'b']);
    expect(sorter.share('a')).to.equal(0.5);
    expect(sorter.share('b')).to.equal(0.6);
  });

  it('breaks ties by allocation count, then by name', () => {
    const { sorter } = sorterWith('cpus:10');
    ['c', 'b', 'a'].forEach((client) => sorter.add(client));
    expect(sorter.sort()).to.deep.equal(['a', 'b', 'c']);
    sorter.allocated('a', r('cpus:1'));
    sorter.unallocated('a', r('cpus:1'));
    expect(sorter.allocationCount('a')).to.equal(1);
    expect(sorter.sort()).to.deep.equal(['b', 'c', 'a']);
  });

  it('takes the turns of a group of clients as one in the tie-break (a flood of clients does not all go first)', () => {
    const { sorter } = sorterWith('cpus:10', false);
    ['flood-1', 'flood-2', 'flood-3'].forEach((client) => sorter.add(client, 'hostile:7000'));
    sorter.add('newcomer');
    expect(sorter.sort()).to.deep.equal(['flood-1', 'flood-2', 'flood-3', 'newcomer']);
    sorter.allocated('flood-1', r('cpus:10'));
    sorter.unallocated('flood-1', r('cpus:10')); // its offer timed out
    // Without the group, flood-2 and flood-3 (never allocated to, older) would go before the newcomer.
    expect(sorter.sort()).to.deep.equal(['newcomer', 'flood-2', 'flood-3', 'flood-1']);
    sorter.allocated('newcomer', r('cpus:1'));
    sorter.unallocated('newcomer', r('cpus:1'));
    // One turn each: the group's and the newcomer's counts tie again, so the group's next member goes first.
    expect(sorter.sort()).to.deep.equal(['flood-2', 'flood-3', 'flood-1', 'newcomer']);
    sorter.allocated('flood-2', r('cpus:1'));
    sorter.unallocated('flood-2', r('cpus:1'));
    expect(sorter.sort()[0]).to.equal('newcomer');
  });

  it('forgets a group with its last client (a new one starts counting at 0), and refuses groups in a hierarchical sorter', () => {
    const { sorter } = sorterWith('cpus:10', false);
    sorter.add('x', 'g');
    sorter.allocated('x', r('cpus:1'));
    sorter.remove('x');
    sorter.add('a');
    sorter.allocated('a', r('cpus:1'));
    sorter.unallocated('a', r('cpus:1'));
    sorter.add('y', 'g');
    expect(sorter.sort()).to.deep.equal(['y', 'a']);
    expect(() => sorterWith('cpus:10').sorter.add('z', 'g')).to.throw(SorterError, /groups are for non-hierarchical sorters/);
  });

  it('divides shares by weights', () => {
    const { sorter } = sorterWith('cpus:10');
    sorter.add('heavy');
    sorter.add('light');
    sorter.allocated('heavy', r('cpus:4'));
    sorter.allocated('light', r('cpus:3'));
    expect(sorter.sort()).to.deep.equal(['light', 'heavy']);
    sorter.updateWeight('heavy', 2);
    expect(sorter.share('heavy')).to.equal(0.2);
    expect(sorter.sort()).to.deep.equal(['heavy', 'light']);
    expect(() => sorter.updateWeight('heavy', 0)).to.throw(SorterError, 'positive');
  });

  it('leaves deactivated clients out of the order and brings them back', () => {
    const { sorter } = sorterWith('cpus:10');
    ['a', 'b'].forEach((client) => sorter.add(client));
    sorter.deactivate('a');
    expect(sorter.sort()).to.deep.equal(['b']);
    sorter.allocated('a', r('cpus:5'));
    sorter.activate('a');
    expect(sorter.sort()).to.deep.equal(['b', 'a']);
  });

  it('recomputes shares when the cluster totals change', () => {
    const { sorter, totals } = sorterWith('cpus:10;mem:100');
    sorter.add('cpu-heavy');
    sorter.add('mem-heavy');
    sorter.allocated('cpu-heavy', r('cpus:5')); // 0.5
    sorter.allocated('mem-heavy', r('mem:40')); // 0.4
    expect(sorter.sort()).to.deep.equal(['mem-heavy', 'cpu-heavy']);
    totals.add(r('cpus:90')); // cpus share drops to 0.05
    expect(sorter.sort()).to.deep.equal(['cpu-heavy', 'mem-heavy']);
  });

  it('ignores non-scalar resources in shares', () => {
    const { sorter } = sorterWith('cpus:10;ports:[1-100]');
    sorter.add('a');
    sorter.allocated('a', r('ports:[1-100]'));
    expect(sorter.share('a')).to.equal(0);
  });

  it('sorts a role tree: a parent counts its subtree and is walked depth-first', () => {
    const { sorter } = sorterWith('cpus:100');
    ['eng/web', 'eng/db', 'ops', 'eng'].forEach((role) => sorter.add(role));
    sorter.allocated('eng/web', r('cpus:30'));
    sorter.allocated('eng/db', r('cpus:5'));
    sorter.allocated('eng', r('cpus:10'));
    sorter.allocated('ops', r('cpus:40'));
    // eng subtree = 45 > ops = 40, so ops first; inside eng: db 5 < eng itself 10 < web 30.
    expect(sorter.sort()).to.deep.equal(['ops', 'eng/db', 'eng', 'eng/web']);
    expect(sorter.share('eng')).to.equal(0.1);
    sorter.unallocated('eng/web', r('cpus:30'));
    expect(sorter.sort()).to.deep.equal(['eng/web', 'eng/db', 'eng', 'ops']);
  });

  it('applies a weight to a whole subtree', () => {
    const { sorter } = sorterWith('cpus:100');
    ['a/x', 'b'].forEach((role) => sorter.add(role));
    sorter.allocated('a/x', r('cpus:30'));
    sorter.allocated('b', r('cpus:20'));
    expect(sorter.sort()).to.deep.equal(['b', 'a/x']);
    sorter.updateWeight('a', 2);
    expect(sorter.sort()).to.deep.equal(['a/x', 'b']);
  });

  it('weighs a role against its siblings, while its own clients meet its subroles at weight 1 (Mesos\' virtual leaf)', () => {
    const { sorter } = sorterWith('cpus:100');
    ['eng', 'eng/web', 'ops'].forEach((role) => sorter.add(role));
    sorter.allocated('eng', r('cpus:20'));
    sorter.allocated('eng/web', r('cpus:15'));
    sorter.allocated('ops', r('cpus:30'));
    expect(sorter.sort()).to.deep.equal(['ops', 'eng/web', 'eng']); // 0.30 < 0.35; within eng, 0.15 < 0.20
    sorter.updateWeight('eng', 2);
    // eng's subtree: 0.35 / 2 < 0.30. Within it, eng's own 0.20 still comes after eng/web's 0.15.
    expect(sorter.sort()).to.deep.equal(['eng/web', 'eng', 'ops']);
    expect(sorter.share('eng')).to.equal(0.2 / 2);
  });

  it('removes clients and their empty parents', () => {
    const { sorter } = sorterWith('cpus:100');
    ['a/x', 'a/y', 'b'].forEach((role) => sorter.add(role));
    sorter.allocated('a/x', r('cpus:50'));
    sorter.remove('a/x');
    expect(sorter.contains('a/x')).to.equal(false);
    // Both shares are 0 again; `a` was allocated to once (through a/x), so `b` goes first.
    expect(sorter.sort()).to.deep.equal(['b', 'a/y']);
    expect(sorter.totalAllocation().size).to.equal(0);
    sorter.remove('a/y');
    sorter.add('a');
    expect(sorter.sort()).to.deep.equal(['a', 'b']);
  });

  it('treats / as an ordinary character when not hierarchical', () => {
    const { sorter } = sorterWith('cpus:10', false);
    sorter.add('x/1');
    sorter.add('x');
    expect(sorter.sort()).to.deep.equal(['x', 'x/1']);
  });

  it('rejects misuse with a SorterError', () => {
    const { sorter } = sorterWith('cpus:10');
    sorter.add('a');
    expect(() => sorter.add('a')).to.throw(SorterError, 'already present');
    expect(() => sorter.allocated('nobody', r('cpus:1'))).to.throw(SorterError, "unknown client 'nobody'");
    expect(() => sorter.unallocated('a', r('cpus:1'))).to.throw(SorterError, "releases more 'cpus'");
  });

  it('handles 1,000 clients and 20,000 allocation changes', () => {
    const { sorter } = sorterWith('cpus:100000;mem:1000000', false);
    for (let index = 0; index < 1_000; index++) {
      sorter.add(`framework-${index}`);
    }
    for (let step = 0; step < 20_000; step++) {
      const [first] = sorter.sort().slice(0, 1);
      sorter.allocated(first, r(`cpus:${1 + (step % 3)};mem:${10 + (step % 7)}`));
    }
    const order = sorter.sort();
    const shares = order.map((client) => sorter.share(client));
    expect(order).to.have.length(1_000);
    expect(shares).to.deep.equal([...shares].sort((left, right) => left - right));
  });

  describe('matches a from-scratch sort after any sequence of changes', () => {
    const clients = ['a', 'b', 'c', 'a/x', 'a/y', 'b/z/w', 'd'];
    const resources = ['cpus:1', 'mem:10', 'cpus:2;mem:5', 'disk:7', 'cpus:0.5;disk:1'];
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('allocate' as const), client: fc.nat(6), resources: fc.nat(4) }),
      fc.record({ kind: fc.constant('release' as const), client: fc.nat(6), resources: fc.nat(4) }),
      fc.record({ kind: fc.constant('toggle' as const), client: fc.nat(6) }),
      fc.record({ kind: fc.constant('weight' as const), client: fc.nat(6), weight: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('total' as const), resources: fc.nat(4) }),
      fc.record({ kind: fc.constant('sort' as const) }),
    );

    /** Groups of the flat, grouped variant (the rest are each their own). */
    const groups = new Map([['a', 'g1'], ['a/x', 'g1'], ['b', 'g2'], ['b/z/w', 'g2'], ['c', 'g2']]);
    /** Every client in one group (one host's frameworks): allocations reposition instead of re-sorting. */
    const oneGroup = new Map(clients.map((client) => [client, 'g']));
    const variants: Array<[string, boolean, ReadonlyMap<string, string>]> = [
      ['hierarchical', true, new Map()], ['flat', false, new Map()], ['flat, grouped', false, groups], ['flat, all in one group', false, oneGroup],
    ];
    for (const [name, hierarchical, grouping] of variants) {
      it(name, () => {
        fc.assert(
          fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
            const { sorter, totals } = sorterWith('cpus:20;mem:200;disk:50', hierarchical);
            const model = new ModelSorter(hierarchical, clients, grouping);
            clients.forEach((client) => sorter.add(client, grouping.get(client)));
            for (const step of operations) {
              applyOperation(step, sorter, totals, model, clients, resources);
              expect(sorter.sort()).to.deep.equal(model.sort(totals));
            }
          }),
        );
      });
    }
  });
});

type Operation =
  | { kind: 'allocate' | 'release'; client: number; resources: number }
  | { kind: 'toggle'; client: number }
  | { kind: 'weight'; client: number; weight: number }
  | { kind: 'total'; resources: number }
  | { kind: 'sort' };

function applyOperation(
  step: Operation,
  sorter: DRFSorter,
  totals: ScalarTotals,
  model: ModelSorter,
  clients: readonly string[],
  resources: readonly string[],
): void {
  switch (step.kind) {
    case 'allocate':
      sorter.allocated(clients[step.client], r(resources[step.resources]));
      model.allocate(clients[step.client], r(resources[step.resources]));
      return;
    case 'release': {
      const client = clients[step.client];
      const held = model.held(client);
      sorter.unallocated(client, held);
      model.release(client, held);
      return;
    }
    case 'toggle': {
      const client = clients[step.client];
      if (sorter.isActive(client)) {
        sorter.deactivate(client);
      } else {
        sorter.activate(client);
      }
      model.toggle(client);
      return;
    }
    case 'weight': {
      const path = clients[step.client].split('/')[0];
      sorter.updateWeight(path, step.weight);
      model.weights.set(path, step.weight);
      return;
    }
    case 'total':
      totals.add(r(resources[step.resources]));
      return;
    case 'sort':
      sorter.sort();
      return;
  }
}

/** A naive DRF sorter: recomputes every share and re-sorts the whole tree each time. */
class ModelSorter {
  readonly weights = new Map<string, number>();
  private readonly allocations = new Map<string, Resources>();
  private readonly counts = new Map<string, number>();
  private readonly inactive = new Set<string>();
  private readonly groupCounts = new Map<string, number>();

  constructor(
    private readonly hierarchical: boolean,
    private readonly clients: readonly string[],
    /** Flat only: each grouped client's group (see `DRFSorter.add`). */
    private readonly groups: ReadonlyMap<string, string> = new Map(),
  ) {}

  allocate(client: string, resources: Resources): void {
    this.allocations.set(client, this.held(client).add(resources));
    for (const path of this.pathsOf(client)) {
      this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
    }
    const group = this.groups.get(client);
    if (group !== undefined) this.groupCounts.set(group, (this.groupCounts.get(group) ?? 0) + 1);
  }

  /** A client's group's allocation count, or its own when it has none. */
  private groupCount(path: string): number {
    const group = this.groups.get(path);
    return group === undefined ? this.counts.get(path) ?? 0 : this.groupCounts.get(group) ?? 0;
  }

  release(client: string, resources: Resources): void {
    this.allocations.set(client, this.held(client).subtract(resources));
  }

  held(client: string): Resources {
    return this.allocations.get(client) ?? Resources.EMPTY;
  }

  toggle(client: string): void {
    if (this.inactive.has(client)) {
      this.inactive.delete(client);
    } else {
      this.inactive.add(client);
    }
  }

  sort(totals: ScalarTotals): string[] {
    return this.walk('', totals);
  }

  /** Node paths: `a/x` is the internal nodes `a`, `a/x` and the leaf `a/x/.` (flat: just `a/x`). */
  private pathsOf(client: string): string[] {
    if (!this.hierarchical) {
      return [client];
    }
    const parts = client.split('/');
    return [...parts.map((_, index) => parts.slice(0, index + 1).join('/')), `${client}/.`];
  }

  private walk(prefix: string, totals: ScalarTotals): string[] {
    const children = this.childrenOf(prefix);
    const keyed = children.map((child) => ({ child, share: this.share(child, totals), groupCount: this.groupCount(child.path), count: this.counts.get(child.path) ?? 0 }));
    keyed.sort((left, right) =>
      left.share !== right.share
        ? left.share - right.share
        : left.groupCount !== right.groupCount
          ? left.groupCount - right.groupCount
          : left.count !== right.count
          ? left.count - right.count
          : left.child.path < right.child.path
            ? -1
            : 1,
    );
    return keyed.flatMap(({ child }) => (child.client !== undefined ? [child.client] : this.walk(child.path, totals)));
  }

  private childrenOf(prefix: string): Array<{ path: string; client?: string; members: string[] }> {
    if (!this.hierarchical) {
      return this.clients.filter((client) => !this.inactive.has(client)).map((client) => ({ path: client, client, members: [client] }));
    }
    const children = new Map<string, { path: string; client?: string; members: string[] }>();
    for (const client of this.clients) {
      if (prefix !== '' && client === prefix) {
        if (!this.inactive.has(client)) {
          children.set('.', { path: `${client}/.`, client, members: [client] });
        }
        continue;
      }
      if (prefix !== '' && !client.startsWith(`${prefix}/`)) {
        continue;
      }
      const rest = prefix === '' ? client : client.slice(prefix.length + 1);
      const path = prefix === '' ? rest.split('/')[0] : `${prefix}/${rest.split('/')[0]}`;
      const child = children.get(path) ?? { path, members: [] };
      child.members.push(client);
      children.set(path, child);
    }
    return [...children.values()];
  }

  private share(child: { path: string; client?: string; members: string[] }, totals: ScalarTotals): number {
    const sum = child.members.reduce((total, member) => total.add(this.held(member)), Resources.EMPTY);
    let share = 0;
    for (const [name, value] of sum.scalarTotals()) {
      const total = totals.quantities().get(name) ?? 0;
      if (total > 0) {
        share = Math.max(share, Math.round(value * 1000) / Math.round(total * 1000));
      }
    }
    // A hierarchical leaf's path is `role/.`, which has no weight: its role's weight is its parent's (as in Mesos).
    return share / (this.weights.get(child.path) ?? 1);
  }
}

describe('actors/allocator/totals (ScalarTotals sharing ScalarNames)', () => {
  it('reads the units of resources by name index, and the same resources again without making them anew', () => {
    const names = new ScalarNames();
    const resources = r('cpus:1.5;mem:64;ports:[1-10];gpus:1');
    // The same resources, their entries counted as they are read.
    let reads = 0;
    const counted = Object.create(resources, { entries: { value: () => { reads += 1; return resources.entries(); } } }) as Resources;
    expect([...names.unitsOf(counted)]).to.deep.equal([1500, 64000, 1000]);
    expect(names.nameAt(2)).to.equal('gpus');
    expect([...names.unitsOf(counted)]).to.deep.equal([1500, 64000, 1000]);
    expect(reads, 'asked again for the same resources, their entries are not read again').to.equal(1);
    // Other resources (equal ones too: a different object) are read anew, zeros where they have none.
    expect([...names.unitsOf(r('mem:1'))]).to.deep.equal([0, 1000, 0]);
    expect([...names.unitsOf(r('cpus:1.5;mem:64;ports:[1-10];gpus:1'))]).to.deep.equal([1500, 64000, 1000]);
    expect([...names.unitsOf(counted)]).to.deep.equal([1500, 64000, 1000]);
    expect(reads, 'after other resources, read again').to.equal(2);
  });

  it('keeps totals apart that share names, each counting only what was added to it', () => {
    const names = new ScalarNames();
    const cluster = new ScalarTotals(names);
    const offered = new ScalarTotals(names);
    // `offered` indexes gpus first; `cluster` has never seen it when it computes shares.
    offered.add(r('gpus:2;cpus:1'));
    cluster.add(r('cpus:10;mem:100'));
    expect(cluster.totalOf('gpus')).to.equal(0);
    expect([...cluster.quantities()]).to.deep.equal([['cpus', 10], ['mem', 100]]);
    expect([...offered.quantities()]).to.deep.equal([['gpus', 2], ['cpus', 1]]);
    const sorter = new DRFSorter(cluster, { hierarchical: false });
    sorter.add('a');
    sorter.add('b');
    sorter.allocated('a', r('cpus:5;gpus:2'));
    expect(sorter.share('a')).to.equal(0.5); // gpus has no total in `cluster`: no share of it
    expect(sorter.sort()).to.deep.equal(['b', 'a']);
    cluster.add(r('gpus:4'));
    expect(sorter.share('a')).to.equal(0.5);
    cluster.add(r('cpus:90'));
    expect(sorter.share('a')).to.equal(0.5); // gpus 2 of 4 now dominates cpus 5 of 100
    offered.subtract(r('gpus:2;cpus:1'));
    expect([...offered.quantities()]).to.deep.equal([]);
    expect(() => offered.subtract(r('cpus:1'))).to.throw("cluster total of 'cpus' would go negative");
    sorter.unallocated('a', r('cpus:5;gpus:2'));
    expect(sorter.share('a')).to.equal(0);
    expect(() => sorter.unallocated('a', r('gpus:1'))).to.throw(SorterError, "releases more 'gpus'");
  });
});
