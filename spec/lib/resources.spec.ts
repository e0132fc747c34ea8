import { expect } from 'chai';
import fc from 'fast-check';
import {
  Resources,
  sharedResources,
  sharedResourcesFromJSON,
  ResourceError,
  ResourceParseError,
  isAllocatableTo,
  roleAncestors,
  roleError,
  topLevelRole,
  plainResourcesText,
  dynamicReservation,
  MAX_RESERVATION_LABELS,
  withReservationsReadAsBefore,
  type Resource,
} from '../../lib/resources';
import { NAMES_SCANNED, SCALAR_ENTRY_CACHE_SLOTS, scalarEntry as madeScalarEntry } from '../../lib/resources/entry';

/** Names are tied to one type each so generated resources never mix types for a name. */
const SCALAR_NAMES = ['cpus', 'mem', 'disk', 'gpus'];
const RANGE_NAMES = ['ports', 'ephemeral_ports'];
const SET_NAMES = ['disks', 'zones'];
const ROLES = ['*', 'eng', 'eng/web', 'ops'];
const ITEMS = ['a', 'b', 'c', 'sda', 'sdb', 'x-1'];

const scalarEntry = fc.record({
  type: fc.constant('SCALAR' as const),
  name: fc.constantFrom(...SCALAR_NAMES),
  role: fc.constantFrom(...ROLES),
  value: fc.integer({ min: 1, max: 50_000_000 }).map((units) => units / 1000),
});

const rangesEntry = fc.record({
  type: fc.constant('RANGES' as const),
  name: fc.constantFrom(...RANGE_NAMES),
  role: fc.constantFrom(...ROLES),
  ranges: fc
    .array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 30 })), { minLength: 1, maxLength: 6 })
    .map((pairs) => pairs.map(([begin, length]) => ({ begin, end: begin + length }))),
});

const setEntry = fc.record({
  type: fc.constant('SET' as const),
  name: fc.constantFrom(...SET_NAMES),
  role: fc.constantFrom(...ROLES),
  items: fc.uniqueArray(fc.constantFrom(...ITEMS), { minLength: 1, maxLength: 4 }),
});

/** Random resources built through the public constructor. */
const resources: fc.Arbitrary<Resources> = fc
  .array(fc.oneof(scalarEntry, rangesEntry, setEntry) as fc.Arbitrary<Resource>, { maxLength: 8 })
  .map((entries) => Resources.of(entries));

/** Dynamic reservations the generators draw from: none, two principals, one with labels. */
const RESERVATIONS = [undefined, dynamicReservation('ops'), dynamicReservation('dev'), dynamicReservation('ops', [{ key: 'k', value: 'v' }]), dynamicReservation()];

/** Random resources, some of their reserved entries dynamically reserved. */
const resourcesWithDynamic: fc.Arbitrary<Resources> = fc
  .array(fc.tuple(fc.oneof(scalarEntry, rangesEntry, setEntry) as fc.Arbitrary<Resource>, fc.constantFrom(...RESERVATIONS)), { maxLength: 8 })
  .map((pairs) => Resources.of(pairs.map(([entry, reservation]) => (entry.role === '*' || reservation === undefined ? entry : { ...entry, reservation }))));

const parse = (text: string): Resources => Resources.parse(text);

describe('lib/resources', () => {
  describe('parse and format', () => {
    it('reads scalars, ranges, sets and roles', () => {
      const parsed = parse('cpus(analytics):2;mem:1024.5;ports:[31000-32000,40000-40100];disks:{a,b}');
      expect(parsed.scalar('cpus')).to.equal(2);
      expect(parsed.reserved('analytics').format()).to.equal('cpus(analytics):2');
      expect(parsed.scalar('mem')).to.equal(1024.5);
      expect(parsed.ranges('ports')).to.deep.equal([
        { begin: 31000, end: 32000 },
        { begin: 40000, end: 40100 },
      ]);
      expect(parsed.set('disks')).to.deep.equal(['a', 'b']);
    });

    it('is the identity on canonical text', () => {
      for (const text of [
        'cpus:4;mem:1024.5',
        'cpus(analytics):2;mem(analytics):2048;cpus:6;mem:6144',
        'ports:[31000-32000,40000-40100];disks:{a,b}',
        'cpus(eng/web):0.001;gpus:1',
        '',
      ]) {
        expect(parse(text).format()).to.equal(text);
      }
    });

    it('treats (*) and an omitted role alike, and omits (*) when formatting', () => {
      expect(parse('cpus(*):3').format()).to.equal('cpus:3');
      expect(parse('cpus(*):3').equals(parse('cpus:3'))).to.equal(true);
    });

    it('applies a default role to entries without one', () => {
      expect(Resources.parse('cpus:1;mem(*):2', 'eng').format()).to.equal('cpus(eng):1;mem:2');
    });

    it('normalizes ranges and sets, merges duplicates and drops empties', () => {
      expect(parse('ports:[5-9,1-3,4-4,8-12]').format()).to.equal('ports:[1-12]');
      expect(parse('disks:{c,a,b}').format()).to.equal('disks:{a,b,c}');
      expect(parse('cpus:1;cpus:2.5').format()).to.equal('cpus:3.5');
      expect(parse(' cpus : 1 ; mem:0;ports:[];disks:{} ;').format()).to.equal('cpus:1');
    });

    it('rounds scalars to three decimals', () => {
      expect(parse('cpus:0.1234').scalar('cpus')).to.equal(0.123);
      // Not 0 yet 0 at that precision: refused, as Mesos refuses it (resources-hostile2.spec.ts).
      expect(() => parse('cpus:0.0004')).to.throw(/below the precision of 0.001/);
    });

    it('accepts a JSON list through parse', () => {
      const parsed = parse('[{"name":"cpus","type":"SCALAR","scalar":{"value":2},"role":"eng"}]');
      expect(parsed.format()).to.equal('cpus(eng):2');
    });

    const badInputs: Array<[string, string]> = [
      ['cpus:-1', "invalid resource 'cpus:-1': value '-1' is negative"],
      ['mem:abc', "invalid resource 'mem:abc': value 'abc' is not a number"],
      ['ports:[5-3]', "invalid resource 'ports:[5-3]': range '5-3' has begin > end"],
      ['ports:[1-2', "invalid resource 'ports:[1-2': unbalanced '[' or ']'"],
      ['ports:1-2]', "invalid resource 'ports:1-2]': unbalanced ']'"],
      ['disks:{a,b', "invalid resource 'disks:{a,b': unbalanced '{' or '}'"],
      ['ports:[[1-2]]', "invalid resource 'ports:[[1-2]]': unbalanced '[' or ']'"],
      [':4', "invalid resource ':4': empty name"],
      ['(eng):4', "invalid resource '(eng):4': empty name"],
      ['cpus:1;cpus:[1-2]', "invalid resource 'cpus:[1-2]': 'cpus' is both SCALAR and RANGES"],
      ['disks:{a};disks(eng):3', "invalid resource 'disks(eng):3': 'disks' is both SET and SCALAR"],
      ['cpus:NaN', "invalid resource 'cpus:NaN': value 'NaN' is not a number"],
      ['cpus:Infinity', "invalid resource 'cpus:Infinity': value 'Infinity' is not finite"],
      ['cpus:1e400', "invalid resource 'cpus:1e400': value '1e400' is not finite"],
      ['cpus:', "invalid resource 'cpus:': missing value"],
      ['cpus', "invalid resource 'cpus': missing ':' between name and value"],
      ['cpus(eng:1', "invalid resource 'cpus(eng:1': unbalanced '(' or ')' around the role"],
      ['cpus(eng//web):1', "invalid resource 'cpus(eng//web):1': role 'eng//web' contains two adjacent slashes"],
      ['cpus(-eng):1', "invalid resource 'cpus(-eng):1': role component '-eng' starts with a dash"],
      ['ports:[a-b]', "invalid resource 'ports:[a-b]': range 'a-b' is not of the form begin-end"],
      ['disks:{a,a}', "invalid resource 'disks:{a,a}': set item 'a' appears twice"],
      ['disks:{a,,b}', "invalid resource 'disks:{a,,b}': set has an empty item"],
      ['my cpus:1', "invalid resource 'my cpus:1': name 'my cpus' contains whitespace or one of ()[]{};:,"],
      ['__proto__:1', "invalid resource '__proto__:1': name '__proto__' is reserved"],
    ];
    for (const [input, message] of badInputs) {
      it(`rejects ${JSON.stringify(input)}`, () => {
        expect(() => parse(input)).to.throw(ResourceParseError, message);
      });
    }
  });

  describe('JSON', () => {
    it('writes the Mesos form and reads it back', () => {
      const original = parse('cpus(eng):2;ports:[1-3,7-9];disks:{a}');
      expect(original.toJSON()).to.deep.equal([
        { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng' },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 3 }, { begin: 7, end: 9 }] }, role: '*' },
        { name: 'disks', type: 'SET', set: { item: ['a'] }, role: '*' },
      ]);
      expect(Resources.fromJSON(JSON.parse(JSON.stringify(original))).equals(original)).to.equal(true);
    });

    it('sharedResources and sharedResourcesFromJSON: one instance for equal resources, whichever way they came', () => {
      const first = sharedResources(parse('cpus:3;mem:77;ports:[5-6]'));
      expect(sharedResources(parse('cpus:3;mem:77;ports:[5-6]'))).to.equal(first);
      expect(sharedResourcesFromJSON(first.toJSON())).to.equal(first);
      expect(sharedResources(parse('cpus:3;mem:78;ports:[5-6]'))).to.not.equal(first);
    });

    it('toFrozenJSON: toJSON made once per value, deeply frozen and shared', () => {
      const original = parse('cpus(eng):2;ports:[1-3,7-9];disks:{a}');
      const frozen = original.toFrozenJSON();
      expect(frozen).to.deep.equal(original.toJSON());
      expect(original.toFrozenJSON()).to.equal(frozen);
      expect(Object.isFrozen(frozen) && Object.isFrozen(frozen[1].ranges!.range[0]) && Object.isFrozen(frozen[2].set!.item)).to.equal(true);
      expect(() => { (frozen[0].scalar as { value: number }).value = 3; }).to.throw(TypeError);
    });

    it('takes the role from refined reservations', () => {
      const json = [{ name: 'mem', type: 'SCALAR', scalar: { value: 64 }, reservations: [{ type: 'STATIC', role: 'eng/web' }] }];
      expect(Resources.fromJSON(json).format()).to.equal('mem(eng/web):64');
      // A stack refined by a reservation of no type read as its last role until 2026-12-08; Mesos
      // refuses it (a refinement is DYNAMIC), and a dynamic refinement is one this model does not hold.
      const refined = [{ ...json[0], reservations: [{ type: 'STATIC', role: 'eng' }, { role: 'eng/web' }] }];
      expect(() => Resources.fromJSON(refined)).to.throw(ResourceParseError, /a refined reservation cannot be STATIC/);
    });

    it("withReservationsReadAsBefore gives a list kept before 2026-12-08 as it was read then (an agent's journal keeps a task's resources as given): a static stack as its last role, a reservation of '*' unreserved; anything else untouched", () => {
      const cpus = { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 } };
      const kept = [
        { ...cpus, reservations: [{ type: 'STATIC', role: 'eng' }, { role: 'eng/web' }] },
        { ...cpus, name: 'mem', reservations: [{ type: 'STATIC', role: '*' }] },
        { ...cpus, name: 'disk', role: '*', reservations: [{ role: '*' }] },
      ];
      const read = withReservationsReadAsBefore(kept);
      expect(read).to.deep.equal([{ ...cpus, role: 'eng/web' }, { ...cpus, name: 'mem', role: '*' }, { ...cpus, name: 'disk', role: '*' }]);
      expect(Resources.fromJSON(read).format()).to.equal('cpus(eng/web):1;mem:1;disk:1');
      // Valid lists, and dynamic stacks (refused before too), are the same list.
      const valid = [{ ...cpus, reservations: [{ type: 'STATIC', role: 'eng' }] }, { ...cpus, name: 'mem', reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }] }, { ...cpus, name: 'disk' }];
      expect(withReservationsReadAsBefore(valid)).to.equal(valid);
      const dynamicStack = [{ ...cpus, reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/web' }] }];
      expect(withReservationsReadAsBefore(dynamicStack)).to.equal(dynamicStack);
    });

    const badJSON: Array<[unknown, string]> = [
      [{}, 'expected a list'],
      [[{ type: 'SCALAR', scalar: { value: 1 } }], "#0: missing string 'name'"],
      [[{ name: 'cpus', type: 'TEXT' }], '#0 \'cpus\': type "TEXT" is not SCALAR, RANGES or SET'],
      [[{ name: 'cpus', type: 'SCALAR', scalar: { value: -2 } }], "value '-2' is negative"],
      [[{ name: 'cpus', type: 'SCALAR', scalar: { value: Number.NaN } }], "value 'NaN' is not a number"],
      [[{ name: 'cpus', type: 'SCALAR', scalar: { value: '2' } }], "numeric 'scalar.value'"],
      [[{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 9, end: 3 }] } }], "range '9-3' has begin > end"],
      [[{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, revocable: {} }], "field 'revocable' is not supported"],
      [[{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'a', reservations: [{ role: 'b' }] }], 'differs'],
      [
        [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } },
          { name: 'cpus', type: 'SET', set: { item: ['a'] } },
        ],
        "#1 'cpus': 'cpus' is both SCALAR and SET",
      ],
    ];
    for (const [input, message] of badJSON) {
      it(`rejects ${JSON.stringify(input)}`, () => {
        expect(() => Resources.fromJSON(input)).to.throw(ResourceParseError, message);
      });
    }

    it('finds a name used with two types in a long list too (past NAMES_SCANNED, names are looked up in an index), and takes a long list without one', () => {
      const scalars = Array.from({ length: NAMES_SCANNED + 4 }, (_, index) => ({ name: `r${index}`, type: 'SCALAR', scalar: { value: 1 } }));
      for (const at of [1, NAMES_SCANNED, NAMES_SCANNED + 3]) {
        const list = [...scalars.slice(0, at), { name: 'r0', type: 'SET', set: { item: ['a'] } }, ...scalars.slice(at)];
        expect(() => Resources.fromJSON(list), `at #${at}`).to.throw(ResourceParseError, `#${at} 'r0': 'r0' is both SCALAR and SET`);
        const entries = Resources.fromJSON(scalars).entries();
        expect(() => Resources.of([...entries.slice(0, at), { type: 'SET', name: 'r0', role: '*', items: ['a'] }]), `of, at #${at}`).to.throw(ResourceError, "resource 'r0' is both SCALAR and SET");
      }
      expect(Resources.fromJSON([...scalars, ...scalars]).scalar(`r${NAMES_SCANNED + 3}`)).to.equal(2);
    });

    it('rejects malformed JSON text with the parser reason', () => {
      expect(() => parse('[{"name":')).to.throw(ResourceParseError, 'invalid resources JSON');
    });
  });

  describe('algebra', () => {
    it('uses fixed precision so 0.1 + 0.2 equals and fits in 0.3', () => {
      const sum = parse('cpus:0.1').add(parse('cpus:0.2'));
      expect(sum.equals(parse('cpus:0.3'))).to.equal(true);
      expect(parse('cpus:0.3').contains(sum)).to.equal(true);
      expect(sum.scalar('cpus')).to.equal(0.3);
      expect(parse('cpus:0.3').subtract(parse('cpus:0.1')).subtract(parse('cpus:0.2')).isEmpty()).to.equal(true);
    });

    it('keeps different roles apart', () => {
      const mixed = parse('cpus:1;cpus(eng):2');
      expect(mixed.size).to.equal(2);
      expect(mixed.scalar('cpus')).to.equal(3);
      expect(mixed.contains(parse('cpus:2'))).to.equal(false);
      expect(mixed.contains(parse('cpus(eng):2;cpus:1'))).to.equal(true);
    });

    it('merges and splits ranges', () => {
      const ports = parse('ports:[1-10]');
      expect(ports.subtract(parse('ports:[4-6]')).format()).to.equal('ports:[1-3,7-10]');
      expect(parse('ports:[1-3,7-10]').add(parse('ports:[4-6]')).format()).to.equal('ports:[1-10]');
      expect(parse('ports:[1-3]').add(parse('ports:[5-6]')).format()).to.equal('ports:[1-3,5-6]');
      expect(ports.contains(parse('ports:[2-3,9-10]'))).to.equal(true);
      expect(ports.contains(parse('ports:[9-11]'))).to.equal(false);
    });

    it('adds and removes set items', () => {
      const disks = parse('disks:{a,b}');
      expect(disks.add(parse('disks:{c}')).format()).to.equal('disks:{a,b,c}');
      expect(disks.subtract(parse('disks:{a}')).format()).to.equal('disks:{b}');
      expect(disks.contains(parse('disks:{c}'))).to.equal(false);
    });

    it('refuses to subtract what is not contained, naming both sides', () => {
      expect(() => parse('cpus:1').subtract(parse('cpus:2'))).to.throw(
        ResourceError,
        "cannot subtract 'cpus:2' from 'cpus:1': not contained",
      );
      expect(parse('cpus:1;mem:5').subtractSaturating(parse('cpus:2;mem:1')).format()).to.equal('mem:4');
    });

    it('refuses to add one name with two types', () => {
      expect(() => parse('cpus:1').add(Resources.set('cpus', ['a']))).to.throw(ResourceError, 'both SCALAR and SET');
    });

    it('filters by role and type', () => {
      const all = parse('cpus:1;cpus(eng):2;mem(eng/web):3;ports:[1-2]');
      expect(all.unreserved().format()).to.equal('cpus:1;ports:[1-2]');
      expect(all.reserved().format()).to.equal('cpus(eng):2;mem(eng/web):3');
      expect(all.reserved('eng').format()).to.equal('cpus(eng):2');
      expect(all.allocatableTo('eng/web').format()).to.equal(all.format());
      expect(all.allocatableTo('eng').format()).to.equal('cpus:1;cpus(eng):2;ports:[1-2]');
      expect(all.allocatableTo('ops').format()).to.equal('cpus:1;ports:[1-2]');
      expect(all.scalars().format()).to.equal('cpus:1;cpus(eng):2;mem(eng/web):3');
      expect(all.nonScalars().format()).to.equal('ports:[1-2]');
      expect(all.flatten().format()).to.equal('cpus:3;mem:3;ports:[1-2]');
      expect(all.roles()).to.deep.equal(['*', 'eng', 'eng/web']);
      expect([...all.scalarTotals()]).to.deep.equal([
        ['cpus', 3],
        ['mem', 3],
      ]);
    });

    it('caps scalars by name, keeping or dropping uncapped names', () => {
      const offer = parse('cpus:2;cpus(eng):3;mem:100;ports:[1-5]');
      const caps = new Map([['cpus', 4]]);
      expect(offer.capScalars(caps, 'keep').format()).to.equal('cpus:2;cpus(eng):2;mem:100;ports:[1-5]');
      expect(offer.capScalars(caps, 'drop').format()).to.equal('cpus:2;cpus(eng):2;ports:[1-5]');
      expect(offer.capScalars(new Map([['cpus', 0]]), 'keep').format()).to.equal('mem:100;ports:[1-5]');
    });

    it('validates entries built in code', () => {
      expect(() => Resources.scalar('cpus', -1)).to.throw(ResourceError, 'negative');
      expect(() => Resources.ranges('ports', [{ begin: 3, end: 1 }])).to.throw(ResourceError, 'begin > end');
      expect(() => Resources.scalar('cpus', 1, 'a b')).to.throw(ResourceError, 'whitespace');
      expect(Resources.scalar('cpus', 0.1 + 0.2).format()).to.equal('cpus:0.3');
    });
  });

  describe('roles', () => {
    it('validates names as Mesos does', () => {
      expect(roleError('*')).to.equal(undefined);
      expect(roleError('eng/web')).to.equal(undefined);
      for (const bad of ['', '/eng', 'eng/', 'a//b', 'a/./b', 'a/../b', 'a/*', '-a', 'a b', 'a\tb']) {
        expect(roleError(bad), bad).to.be.a('string');
      }
    });

    it('knows ancestors and allocatability', () => {
      expect(roleAncestors('a/b/c')).to.deep.equal(['a/b', 'a']);
      expect(topLevelRole('a/b/c')).to.equal('a');
      expect(isAllocatableTo('a', 'a/b')).to.equal(true);
      expect(isAllocatableTo('a/b', 'a')).to.equal(false);
      expect(isAllocatableTo('ab', 'a/b')).to.equal(false);
      expect(isAllocatableTo('*', 'x')).to.equal(true);
    });
  });

  describe('scalar entries', () => {
    it('an equal entry made again is the one made before, and an entry is never another name, role or amount', () => {
      const cpus = madeScalarEntry('cpus', '*', 7.9);
      expect(madeScalarEntry('cpus', '*', 7.9)).to.equal(cpus);
      expect(parse('cpus:8').subtract(parse('cpus:0.1')).entries()[0]).to.equal(cpus);
      fc.assert(fc.property(
        fc.constantFrom('cpus', 'mem', 'disk', 'gpus', 'c'), fc.constantFrom('*', 'web', 'web/a', ''), fc.integer({ min: 1, max: 10_000_000 }),
        (name, role, units) => {
          const value = units / 1_000;
          const entry = madeScalarEntry(name, role, value);
          return entry.type === 'SCALAR' && entry.name === name && entry.role === role && entry.value === value;
        },
      ), { numRuns: 20 * SCALAR_ENTRY_CACHE_SLOTS });
    });
  });

  describe('plainResourcesText (the registry\'s resources, format 2)', () => {
    /** A JSON list with some entries bent out of canonical form (what the registry must keep as JSON). */
    const bent = fc.tuple(resources, fc.nat(), fc.constantFrom('role', 'extra', 'scalar', 'ranges', 'duplicate', 'none')).map(([value, index, how]) => {
      const list = value.toJSON().map((entry) => structuredClone(entry));
      const entry = list[index % Math.max(1, list.length)];
      if (entry === undefined) return list;
      if (how === 'role') delete entry.role;
      else if (how === 'extra') Object.assign(entry, { revocable: {} });
      else if (how === 'scalar' && entry.scalar !== undefined) entry.scalar.value += 0.0001;
      else if (how === 'ranges' && entry.ranges !== undefined) entry.ranges.range.reverse().push({ begin: 0, end: 0 });
      else if (how === 'duplicate') list.push(structuredClone(entry));
      return list;
    });

    it('gives a text only when parsing it gives the list back field for field, and one for every unreserved scalar and ranges list', () => {
      fc.assert(fc.property(bent, (list) => {
        const text = plainResourcesText(list);
        if (text !== undefined) expect(Resources.parse(text).toJSON(), text).to.deep.equal(list);
      }), { numRuns: 2_000, seed: 13_1207 });
      fc.assert(fc.property(resources, (value) => {
        const plain = Resources.of([...value].filter((entry) => entry.role === '*' && entry.type !== 'SET'));
        expect(plainResourcesText(plain.toJSON())).to.equal(plain.format());
      }), { numRuns: 500, seed: 13_1208 });
    });

    it('keeps reserved, set and non-canonical lists as JSON', () => {
      expect(plainResourcesText(Resources.parse('cpus:8;mem:1024;ports:[1-2,4-5]').toJSON())).to.equal('cpus:8;mem:1024;ports:[1-2,4-5]');
      expect(plainResourcesText(Resources.parse('cpus(eng):8').toJSON())).to.equal(undefined);
      expect(plainResourcesText(Resources.parse('disks:{a,b}').toJSON())).to.equal(undefined);
      expect(plainResourcesText([{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }, { begin: 3, end: 4 }] }, role: '*' }]), 'touching ranges merge').to.equal(undefined);
      expect(plainResourcesText([{ name: 'cpus', type: 'SCALAR', scalar: { value: 0 }, role: '*' }]), 'an empty entry is dropped').to.equal(undefined);
      expect(plainResourcesText([]), 'no resources').to.equal('');
    });
  });

  describe('dynamic reservations', () => {
    const ops = dynamicReservation('ops');
    const reserved = parse('cpus:2;mem:512;ports:[31000-31009]').reservedDynamically('eng', ops);

    it('are reserved to their role, and differ from a static reservation and from other principals', () => {
      expect(reserved.roles()).to.deep.equal(['eng']);
      expect(reserved.hasDynamicReservations()).to.equal(true);
      const statically = parse('cpus(eng):2;mem(eng):512;ports(eng):[31000-31009]');
      expect(reserved.equals(statically)).to.equal(false);
      expect(statically.contains(reserved)).to.equal(false);
      expect(reserved.add(statically).size).to.equal(6);
      const byDev = parse('cpus:2').reservedDynamically('eng', dynamicReservation('dev'));
      expect(reserved.add(byDev).scalar('cpus')).to.equal(4);
      expect(reserved.add(byDev).size).to.equal(4);
      expect(reserved.contains(byDev)).to.equal(false);
      // The same reservation made twice is one slot.
      expect(reserved.add(parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops'))).size).to.equal(3);
    });

    it('with the same labels in another order are the same reservation (Mesos compares labels regardless of order)', () => {
      const ab = parse('cpus:2').reservedDynamically('eng', dynamicReservation('ops', [{ key: 'a', value: '1' }, { key: 'b' }]));
      const ba = parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops', [{ key: 'b' }, { key: 'a', value: '1' }]));
      expect(ab.contains(ba)).to.equal(true);
      expect(ab.add(ba).size).to.equal(1);
      expect(ab.subtract(ba).scalar('cpus')).to.equal(1);
      // A label's value (or its absence) still tells them apart.
      const other = parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops', [{ key: 'b', value: '' }, { key: 'a', value: '1' }]));
      expect(ab.contains(other)).to.equal(false);
    });

    it('flatten drops the reservation with the role; filters keep or select them', () => {
      expect(reserved.flatten().equals(parse('cpus:2;mem:512;ports:[31000-31009]'))).to.equal(true);
      const mixed = reserved.add(parse('cpus:1;cpus(eng):1'));
      expect(mixed.dynamicallyReserved().equals(reserved)).to.equal(true);
      expect(mixed.reserved('eng').scalar('cpus')).to.equal(3);
      expect(mixed.unreserved().scalar('cpus')).to.equal(1);
      expect(mixed.subtract(reserved).hasDynamicReservations()).to.equal(false);
    });

    it('read and write Mesos JSON: pre-refinement (role + reservation) and refined (reservations: DYNAMIC)', () => {
      const json = parse('cpus:2').reservedDynamically('eng', dynamicReservation('ops', [{ key: 'k', value: 'v' }, { key: 'bare' }])).toJSON();
      expect(json).to.deep.equal([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }, { key: 'bare' }] } } }]);
      expect(Resources.fromJSON(json).toJSON()).to.deep.equal(json);
      const refined = Resources.fromJSON([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }] }]);
      expect(refined.equals(parse('cpus:2').reservedDynamically('eng', ops))).to.equal(true);
      const empty = Resources.fromJSON([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: {} }]);
      expect(empty.hasDynamicReservations()).to.equal(true);
      expect(empty.toJSON()[0]?.reservation).to.deep.equal({});
      // A static reservation in the refined form is still static.
      expect(Resources.fromJSON([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: 'eng' }] }]).hasDynamicReservations()).to.equal(false);
    });

    it('refuse what cannot be a dynamic reservation, naming it', () => {
      const cpus = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } };
      const refused: Array<[unknown, RegExp]> = [
        [{ ...cpus, reservation: { principal: 'ops' } }, /needs a role other than '\*'/],
        [{ ...cpus, role: 'eng', reservation: 'ops' }, /'reservation' is not an object/],
        [{ ...cpus, role: 'eng', reservation: { principal: 7 } }, /'principal' is not a string/],
        [{ ...cpus, role: 'eng', reservation: { labels: [{ key: 'k' }] } }, /not \{labels: \[\.\.\.\]\}/],
        [{ ...cpus, role: 'eng', reservation: { labels: { labels: [{ key: 3 }] } } }, /'key' is not a string/],
        [{ ...cpus, role: 'eng', reservation: { labels: { labels: Array.from({ length: MAX_RESERVATION_LABELS + 1 }, (_, at) => ({ key: `k${at}` })) } } }, /more than 16 labels/],
        [{ ...cpus, reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/web', principal: 'ops' }] }, /refined reservation stack with a dynamic reservation is not supported/],
        [{ ...cpus, reservations: [{ type: 'LENDED', role: 'eng' }] }, /type "LENDED" is not STATIC or DYNAMIC/],
        // As Mesos' Resources::validate: a refinement is never STATIC (it collapsed to role eng/web
        // until 2026-12-08), and no reservation is of '*' (it read as unreserved).
        [{ ...cpus, reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'STATIC', role: 'eng/web' }] }, /Invalid refined reservation: a refined reservation cannot be STATIC/],
        [{ ...cpus, reservations: [{ type: 'STATIC', role: '*' }] }, /Invalid reservation: role "\*" cannot be reserved/],
        [{ ...cpus, role: '*', reservations: [{ role: '*' }] }, /Invalid reservation: role "\*" cannot be reserved/],
        [{ ...cpus, reservations: [{ type: 'STATIC', role: 'eng' }], reservation: { principal: 'ops' } }, /'reservations' has none/],
        [{ ...cpus, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'a' }], reservation: { principal: 'b' } }, /different principals/],
      ];
      for (const [json, reason] of refused) expect(() => Resources.fromJSON([json]), JSON.stringify(json)).to.throw(ResourceParseError, reason);
      expect(() => parse('cpus:1').reservedDynamically('*', ops)).to.throw(ResourceError, /needs a role other than/);
      expect(() => Resources.of([{ type: 'SCALAR', name: 'cpus', role: '*', value: 1, reservation: ops }])).to.throw(ResourceError, /needs a role other than/);
      expect(() => dynamicReservation('x'.repeat(257))).to.throw(ResourceError, /principal is longer than 256/);
    });

    it('format as name(role, principal) — text the parser refuses rather than misreads', () => {
      expect(reserved.format()).to.equal('cpus(eng, ops):2;mem(eng, ops):512;ports(eng, ops):[31000-31009]');
      expect(() => parse(reserved.format())).to.throw(ResourceParseError);
    });

    it('keep the algebra\'s laws with dynamically reserved entries among the rest', () => {
      fc.assert(fc.property(resourcesWithDynamic, resourcesWithDynamic, (a, anyB) => {
        const b = anyB.subtractSaturating(a.nonScalars());
        return a.add(b).subtract(b).equals(a) && a.add(b).contains(a) && a.add(b).contains(b) && a.add(b).equals(b.add(a));
      }));
      fc.assert(fc.property(resourcesWithDynamic, (x) => Resources.fromJSON(JSON.parse(JSON.stringify(x))).equals(x)));
      fc.assert(fc.property(resourcesWithDynamic, (x) => x.dynamicallyReserved().add(x.subtract(x.dynamicallyReserved())).equals(x)));
    });
  });

  describe('properties', () => {
    // Ranges and sets are sets, not multisets (a port exists once), so the law needs b's
    // ranges and set items to be disjoint from a's; scalars need nothing.
    it('(a + b) − b = a when b shares no range value or set item with a', () => {
      fc.assert(
        fc.property(resources, resources, (a, anyB) => {
          const b = anyB.subtractSaturating(a.nonScalars());
          return a.add(b).subtract(b).equals(a);
        }),
      );
    });

    it('(a + b) − b = a for scalars, and fails for overlapping ranges as sets do', () => {
      fc.assert(fc.property(resources, resources, (a, b) => a.scalars().add(b.scalars()).subtract(b.scalars()).equals(a.scalars())));
      const a = parse('ports:[1-5]');
      const b = parse('ports:[3-7]');
      expect(a.add(b).subtract(b).format()).to.equal('ports:[1-2]');
    });

    it('a ⊆ a + b and b ⊆ a + b', () => {
      fc.assert(fc.property(resources, resources, (a, b) => a.add(b).contains(a) && a.add(b).contains(b)));
    });

    it('addition is commutative and associative', () => {
      fc.assert(
        fc.property(resources, resources, resources, (a, b, c) => {
          return a.add(b).equals(b.add(a)) && a.add(b).add(c).equals(a.add(b.add(c)));
        }),
      );
    });

    it('contains is reflexive and antisymmetric', () => {
      fc.assert(
        fc.property(resources, resources, (a, b) => {
          const antisymmetric = !(a.contains(b) && b.contains(a)) || a.equals(b);
          return a.contains(a) && antisymmetric;
        }),
      );
    });

    it('contains is transitive (on chains and on arbitrary triples)', () => {
      fc.assert(
        fc.property(resources, resources, resources, (a, extra, more) => {
          const b = a.add(extra);
          const c = b.add(more);
          return c.contains(a) && (!(b.contains(a) && c.contains(b)) || c.contains(a));
        }),
      );
      fc.assert(fc.property(resources, resources, resources, (a, b, c) => !(a.contains(b) && b.contains(c)) || a.contains(c)));
    });

    it('subtract succeeds exactly when contained, and saturating subtraction stays inside', () => {
      fc.assert(
        fc.property(resources, resources, (a, b) => {
          let threw = false;
          try {
            a.subtract(b);
          } catch (error) {
            threw = error instanceof ResourceError;
          }
          return threw === !a.contains(b) && a.contains(a.subtractSaturating(b));
        }),
      );
    });

    it('intersection is held by both, and is all of either side it equals', () => {
      fc.assert(fc.property(resourcesWithDynamic, resourcesWithDynamic, (a, b) => {
        const both = a.intersection(b);
        return a.contains(both) && b.contains(both) && a.intersection(a).equals(a) && (!a.contains(b) || both.equals(b));
      }));
      expect(parse('cpus:2;ports:[1-5]').intersection(parse('cpus:3;ports:[4-9]')).format()).to.equal('cpus:2;ports:[4-5]');
    });

    it('scalar totals add up', () => {
      fc.assert(
        fc.property(resources, resources, (a, b) =>
          SCALAR_NAMES.every((name) => Math.round(a.add(b).scalar(name) * 1000) === Math.round((a.scalar(name) + b.scalar(name)) * 1000)),
        ),
      );
    });

    it('parse(format(x)) = x and format is then the identity', () => {
      fc.assert(
        fc.property(resources, (x) => {
          const text = x.format();
          const reparsed = Resources.parse(text);
          return reparsed.equals(x) && reparsed.format() === text;
        }),
      );
    });

    it('fromJSON(toJSON(x)) = x, through JSON text too', () => {
      fc.assert(
        fc.property(resources, (x) => Resources.fromJSON(JSON.parse(JSON.stringify(x))).equals(x) && Resources.parse(JSON.stringify(x)).equals(x)),
      );
    });
  });
});

