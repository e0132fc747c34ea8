import { expect } from 'chai';
import fc from 'fast-check';
import {
  applyCheckpointedResources,
  checkpointedResourcesError,
  dynamicReservation,
  persistentVolume,
  ResourceError,
  ResourceParseError,
  Resources,
  type Resource,
  type ResourceJSON,
} from '../../lib/resources';

/** A Mesos JSON volume of `size` MB of disk reserved to `role` (dynamically by `principal`; statically for null). */
function volumeJSON(id: string, size: number, role = 'eng', principal: string | null = 'ops', containerPath = 'data'): ResourceJSON {
  return {
    name: 'disk', type: 'SCALAR', scalar: { value: size }, role,
    ...(principal === null ? {} : { reservation: { principal } }),
    disk: { persistence: { id, principal: principal ?? 'ops' }, volume: { container_path: containerPath, mode: 'RW' } },
  };
}

const parse = (text: string): Resources => Resources.parse(text);

describe('lib/resources: persistent volumes', () => {
  const volume = Resources.fromJSON([volumeJSON('db-1', 64)]);
  const reservedDisk = parse('disk:100').reservedDynamically('eng', dynamicReservation('ops'));

  it('read and write Mesos\' DiskInfo JSON, and round-trip', () => {
    const [entry] = volume.entries();
    expect(entry?.volume).to.include({ id: 'db-1', principal: 'ops', containerPath: 'data', mode: 'RW' });
    expect(volume.toJSON()).to.deep.equal([volumeJSON('db-1', 64)]);
    expect(Resources.fromJSON(JSON.parse(JSON.stringify(volume.toJSON()))).equals(volume)).to.equal(true);
  });

  it('is a slot of its own: never merged with the disk it was made of, nor with another volume', () => {
    const both = reservedDisk.subtract(volume.beforeConversions().reservedDynamically('eng', dynamicReservation('ops'))).add(volume);
    expect(both.size).to.equal(2);
    expect(both.scalar('disk')).to.equal(100);
    const other = Resources.fromJSON([volumeJSON('db-2', 64)]);
    expect(volume.add(other).size).to.equal(2);
    expect(volume.add(other).subtract(other).equals(volume)).to.equal(true);
    // Another container path or principal is another volume.
    expect(volume.contains(Resources.fromJSON([volumeJSON('db-1', 64, 'eng', 'ops', 'other')]))).to.equal(false);
    expect(reservedDisk.contains(volume)).to.equal(false);
  });

  it('shows as disk(role, principal)[id:path] — text the parser refuses rather than misreads', () => {
    expect(volume.format()).to.equal('disk(eng, ops)[db-1:data]:64');
    const onStatic = Resources.fromJSON([volumeJSON('db-1', 64, 'eng', null)]);
    expect(onStatic.format()).to.equal('disk(eng)[db-1:data]:64');
    expect(() => parse(onStatic.format())).to.throw(ResourceParseError);
    expect(() => parse('disk[db-1:data]:64')).to.throw(ResourceParseError);
  });

  it('beforeConversions, withoutVolumes, checkpointed and flatten take volumes apart as Mesos does', () => {
    const onStatic = Resources.fromJSON([volumeJSON('s', 10, 'eng', null)]);
    const mixed = parse('cpus:1;disk(eng):30').add(reservedDisk).add(volume).add(onStatic);
    expect(mixed.persistentVolumes().equals(volume.add(onStatic))).to.equal(true);
    expect(mixed.checkpointed().equals(reservedDisk.add(volume).add(onStatic))).to.equal(true);
    expect(volume.withoutVolumes().equals(parse('disk:64').reservedDynamically('eng', dynamicReservation('ops')))).to.equal(true);
    // A volume on a dynamic reservation was unreserved disk; one on a static reservation, that reserved disk.
    expect(mixed.beforeConversions().equals(parse('cpus:1;disk(eng):40;disk:164'))).to.equal(true);
    expect(mixed.flatten().equals(parse('cpus:1;disk:204'))).to.equal(true);
  });

  it('are carved out of an agent\'s declared disk, and refused when the disk cannot hold them', () => {
    const declared = parse('cpus:4;disk:100');
    const checkpointed = reservedDisk.subtract(volume.withoutVolumes()).add(volume);
    expect(checkpointedResourcesError(declared, checkpointed)).to.equal(undefined);
    const total = applyCheckpointedResources(declared, checkpointed);
    expect(total.equals(parse('cpus:4').add(checkpointed))).to.equal(true);
    expect(checkpointedResourcesError(parse('disk:50'), checkpointed)).to.match(/do not hold them \(missing disk:50\)/);
    const twice = volume.add(Resources.fromJSON([volumeJSON('db-1', 8, 'eng', 'ops', 'elsewhere')]));
    expect(checkpointedResourcesError(declared, twice)).to.equal("persistence id 'db-1' is not unique in role 'eng'");
    // The same id in another role is another volume.
    expect(checkpointedResourcesError(parse('disk:200'), volume.add(Resources.fromJSON([volumeJSON('db-1', 8, 'ops')])))).to.equal(undefined);
  });

  it('refuse what cannot be a persistent volume, naming it', () => {
    const base = volumeJSON('v', 10);
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, role: '*', reservation: undefined }, /cannot be created from unreserved resources/],
      [{ ...base, name: 'mem' }, /only 'disk' \(a SCALAR\) can be a persistent volume/],
      [{ ...base, disk: {} }, /'disk' is set but empty/],
      [{ ...base, disk: { volume: { container_path: 'd', mode: 'RW' } } }, /a volume without persistence is not supported/],
      [{ ...base, disk: { persistence: { id: 'v' } } }, /expecting 'volume' to be set/],
      [{ ...base, disk: { source: { type: 'MOUNT' }, persistence: { id: 'v' } } }, /disk 'source' \(MOUNT or PATH disks\) is not supported/],
      [{ ...base, disk: { persistence: { id: 'v' }, volume: { container_path: 'd', mode: 'RW', host_path: '/etc' } } }, /'host_path' to be unset/],
      [{ ...base, disk: { persistence: { id: '' }, volume: { container_path: 'd', mode: 'RW' } } }, /persistence id is empty/],
      [{ ...base, disk: { persistence: { id: '..' }, volume: { container_path: 'd', mode: 'RW' } } }, /persistence id '\.\.' is not allowed/],
      [{ ...base, disk: { persistence: { id: 'a/b' }, volume: { container_path: 'd', mode: 'RW' } } }, /contains a slash/],
      [{ ...base, disk: { persistence: { id: 'x'.repeat(256) }, volume: { container_path: 'd', mode: 'RW' } } }, /longer than 255/],
      // Bytes, as Mesos' validateID counts them: the id names a directory (NAME_MAX).
      [{ ...base, disk: { persistence: { id: 'é'.repeat(128) }, volume: { container_path: 'd', mode: 'RW' } } }, /persistence id is longer than 255 bytes/],
      [{ ...base, role: 'é'.repeat(128) }, /role 'é+…' is longer than 255 bytes: a persistent volume's directory on its agent is named after its role/],
      [{ ...base, disk: { persistence: { id: 'v' }, volume: { container_path: '/abs', mode: 'RW' } } }, /is absolute/],
      [{ ...base, disk: { persistence: { id: 'v' }, volume: { container_path: 'a/../../etc', mode: 'RW' } } }, /'\.\.' component/],
      [{ ...base, disk: { persistence: { id: 'v' }, volume: { container_path: 'd', mode: 'RWX' } } }, /mode "RWX" is not RW or RO/],
      [{ ...base, disk: { persistence: { id: 'v' }, volume: { container_path: 'd' } } }, /mode undefined is not RW or RO/],
    ];
    for (const [json, pattern] of cases) {
      expect(() => Resources.fromJSON([json]), JSON.stringify(json)).to.throw(ResourceParseError, pattern);
    }
    expect(() => persistentVolume({ id: 'v', containerPath: '', mode: 'RW' })).to.throw(ResourceError, /no 'container_path'/);
    expect(() => Resources.of([{ type: 'SCALAR', name: 'disk', role: '*', value: 1, volume: persistentVolume({ id: 'v', containerPath: 'd', mode: 'RW' }) }])).to.throw(ResourceError, /unreserved/);
  });

  it('toEndpointJSON writes reserved entries in both of Mesos\' forms (its ENDPOINT format), and reads back the same', () => {
    const onStatic = Resources.fromJSON([volumeJSON('s', 10, 'eng', null)]);
    const mixed = parse('cpus:1;mem(web):64').add(reservedDisk).add(volume).add(onStatic);
    const json = mixed.toEndpointJSON();
    expect(json.map((entry) => entry.reservations)).to.deep.equal([
      undefined,
      [{ type: 'STATIC', role: 'web' }],
      [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }],
      [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }],
      [{ type: 'STATIC', role: 'eng' }],
    ]);
    expect(json[3]).to.deep.include({ role: 'eng', reservation: { principal: 'ops' } });
    expect(json[3]?.disk).to.deep.equal(volume.toJSON()[0]?.disk);
    expect(Resources.fromJSON(JSON.parse(JSON.stringify(json))).equals(mixed)).to.equal(true);
    const labelled = parse('cpus:1').reservedDynamically('eng', dynamicReservation(undefined, [{ key: 'k', value: 'v' }]));
    expect(labelled.toEndpointJSON()[0]?.reservations).to.deep.equal([{ type: 'DYNAMIC', role: 'eng', labels: { labels: [{ key: 'k', value: 'v' }] } }]);
  });

  it('keep the algebra\'s laws with volumes among the rest', () => {
    const volumes = ['a', 'b', 'c'].flatMap((id) => [persistentVolume({ id, principal: 'ops', containerPath: 'data', mode: 'RW' }), persistentVolume({ id, containerPath: 'other', mode: 'RO' })]);
    const entry = fc.record({
      name: fc.constantFrom('cpus', 'disk'), role: fc.constantFrom('*', 'eng', 'ops'),
      value: fc.integer({ min: 1, max: 100_000 }).map((units) => units / 1000),
      volume: fc.option(fc.constantFrom(...volumes), { nil: undefined }),
      reservation: fc.option(fc.constantFrom(dynamicReservation('ops'), dynamicReservation()), { nil: undefined }),
    }).map(({ name, role, value, volume: drawn, reservation }): Resource => {
      const reserved = role === '*' ? undefined : reservation;
      const onDisk = name === 'disk' && role !== '*' ? drawn : undefined;
      return { type: 'SCALAR', name, role, value, ...(reserved === undefined ? {} : { reservation: reserved }), ...(onDisk === undefined ? {} : { volume: onDisk }) };
    });
    const bags = fc.array(entry, { maxLength: 8 }).map((entries) => Resources.of(entries));
    fc.assert(fc.property(bags, bags, (a, b) => a.add(b).subtract(b).equals(a) && a.add(b).contains(a) && a.add(b).equals(b.add(a))));
    fc.assert(fc.property(bags, (x) => Resources.fromJSON(JSON.parse(JSON.stringify(x))).equals(x) && Resources.fromJSON(x.toEndpointJSON()).equals(x)));
    fc.assert(fc.property(bags, (x) => x.checkpointed().add(x.subtract(x.checkpointed())).equals(x) && x.beforeConversions().scalar('disk') === x.scalar('disk')));
  });

  it('property: an agent\'s total, with any checkpointed reservations and volumes that fit applied, is its declared resources before conversions, and holds exactly them as checkpointed', () => {
    const volumes = ['a', 'b'].flatMap((id) => [persistentVolume({ id, principal: 'ops', containerPath: 'data', mode: 'RW' }), persistentVolume({ id, containerPath: 'x', mode: 'RW' })]);
    const reservations = [dynamicReservation('ops'), dynamicReservation(), dynamicReservation('ops', [{ key: 'k' }])];
    const amount = fc.integer({ min: 1, max: 5_000 }).map((units) => units / 1000);
    const declared = fc.array(fc.record({ name: fc.constantFrom('cpus', 'disk'), role: fc.constantFrom('*', 'eng', 'eng/web'), value: amount }), { maxLength: 6 })
      .map((entries) => Resources.of(entries.map((entry): Resource => ({ type: 'SCALAR', ...entry }))));
    const checkpointed = fc.array(fc.record({
      name: fc.constantFrom('cpus', 'disk'), role: fc.constantFrom('eng', 'eng/web'), value: amount,
      reservation: fc.option(fc.constantFrom(...reservations), { nil: undefined }), volume: fc.option(fc.constantFrom(...volumes), { nil: undefined }),
    }), { maxLength: 6 }).map((entries) => entries.map(({ name, role, value, reservation, volume }): Resource => {
      const onDisk = name === 'disk' ? volume : undefined;
      // What is neither a dynamic reservation nor a volume is never checkpointed: such an entry is made a dynamic reservation.
      const reserved = reservation ?? (onDisk === undefined ? reservations[0] : undefined);
      return { type: 'SCALAR', name, role, value, ...(reserved === undefined ? {} : { reservation: reserved }), ...(onDisk === undefined ? {} : { volume: onDisk }) };
    }));
    fc.assert(fc.property(declared, checkpointed, (agent, entries) => {
      const kept = Resources.of(entries);
      if (checkpointedResourcesError(agent, kept) !== undefined) return;
      const total = applyCheckpointedResources(agent, kept);
      expect(total.beforeConversions().equals(agent)).to.equal(true);
      expect(total.checkpointed().equals(kept)).to.equal(true);
      expect(total.withoutVolumes().beforeConversions().equals(agent)).to.equal(true);
      expect(Resources.fromJSON(JSON.parse(JSON.stringify(total))).equals(total)).to.equal(true);
    }), { numRuns: 2_000 });
  });
});
