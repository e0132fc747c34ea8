import { expect } from 'chai';
import * as os from 'node:os';
import { AttributeParseError, defaultDiskMb, defaultMemoryMb, detectResources, parseAttributes, type SystemProbe } from '../../../actors/agent/resources';
import { renderResources } from '../../../lib/state-json';
import { Resources, ResourceParseError } from '../../../lib/resources';

const GIB = 1024 ** 3;

/** A machine with 8 cores, 16 GiB of memory and a 100 GiB work-dir filesystem. */
const probe: SystemProbe = {
  logicalCores: async () => 8,
  totalMemoryBytes: async () => 16 * GIB,
  filesystemBytes: async () => 100 * GIB,
};

describe('agent resources and attributes', () => {
  describe('detection', () => {
    it('defaults: cpus = cores, mem = total − 1 GiB, disk = filesystem − 5 GiB, ports [31000-32000]', async () => {
      const resources = await detectResources({ workDir: '/w', probe });
      expect(renderResources(resources)).to.deep.equal({ cpus: 8, gpus: 0, mem: 15 * 1024, disk: 95 * 1024, ports: '[31000-32000]' });
    });

    it('offers half of small memory (< 2 GiB) and half of a small disk (< 10 GiB)', () => {
      expect(defaultMemoryMb(1.5 * GIB)).to.equal(768);
      expect(defaultMemoryMb(2 * GIB)).to.equal(1024);
      expect(defaultDiskMb(8 * GIB)).to.equal(4 * 1024);
      expect(defaultDiskMb(10 * GIB)).to.equal(5 * 1024);
    });

    it('lets --resources override detected names (in any role) and add new ones', async () => {
      const resources = await detectResources({ workDir: '/w', probe, explicit: 'cpus(analytics):2;mem:512;gpus:1;ports:[40000-40010]' });
      expect(resources.scalar('cpus')).to.equal(2);
      expect(resources.reserved('analytics').scalar('cpus')).to.equal(2);
      expect(resources.scalar('mem')).to.equal(512);
      expect(resources.scalar('gpus')).to.equal(1);
      expect(resources.scalar('disk')).to.equal(95 * 1024);
      expect(resources.ranges('ports')).to.deep.equal([{ begin: 40000, end: 40010 }]);
    });

    it('accepts --resources in JSON', async () => {
      const resources = await detectResources({ workDir: '/w', probe, explicit: JSON.stringify(Resources.parse('cpus:3').toJSON()) });
      expect(resources.scalar('cpus')).to.equal(3);
    });

    it('rejects a bad --resources with an error naming it', async () => {
      for (const bad of ['cpus:-1', 'mem:abc', 'ports:[5-3]', 'cpus:1;cpus:[1-2]']) {
        let error: unknown;
        await detectResources({ workDir: '/w', probe, explicit: bad }).catch((caught: unknown) => { error = caught; });
        expect(error, bad).to.be.instanceOf(ResourceParseError);
        expect(String(error)).to.contain('--resources');
      }
    });

    it('refuses dynamic reservations in --resources, naming them: the master makes those', async () => {
      const declared = JSON.stringify([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng', reservation: { principal: 'ops' } }]);
      let error: unknown;
      await detectResources({ workDir: '/w', probe, explicit: declared }).catch((caught: unknown) => { error = caught; });
      expect(error).to.be.instanceOf(ResourceParseError);
      expect(String(error)).to.contain("'cpus(eng, ops):2' is dynamically reserved");
    });

    it('refuses persistent volumes in --resources, naming them, statically reserved or not: CREATE makes those', async () => {
      const volume = { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, role: 'eng', disk: { persistence: { id: 'pv1' }, volume: { container_path: 'data', mode: 'RW' } } };
      for (const declared of [[volume], [{ ...volume, reservation: {} }], [...Resources.parse('cpus:2;disk:100').toJSON(), volume]]) {
        let error: unknown;
        await detectResources({ workDir: '/w', probe, explicit: JSON.stringify(declared) }).catch((caught: unknown) => { error = caught; });
        expect(error, JSON.stringify(declared)).to.be.instanceOf(ResourceParseError);
        expect(String(error)).to.contain('--resources').and.to.match(/\[pv1:data\]:64' is (a persistent volume|dynamically reserved)/);
      }
      let plain: unknown;
      await detectResources({ workDir: '/w', probe, explicit: JSON.stringify([{ ...volume, disk: undefined }]) }).then(() => { plain = 'accepted'; }, (caught: unknown) => { plain = caught; });
      expect(plain).to.equal('accepted');
    });

    it('detects something sensible on this machine with systeminformation', async () => {
      const resources = await detectResources({ workDir: os.tmpdir() });
      expect(resources.scalar('cpus')).to.be.greaterThan(0);
      expect(resources.scalar('mem')).to.be.greaterThan(0);
      expect(resources.scalar('disk')).to.be.greaterThan(0);
    });
  });

  describe('attributes', () => {
    it('parses "rack:r1;zone:z2;level:3" with numbers where they parse', () => {
      expect(parseAttributes('rack:r1;zone:z2;level:3;weight:0.5;ports:[1-10]')).to.deep.equal({ rack: 'r1', zone: 'z2', level: 3, weight: 0.5, ports: '[1-10]' });
      expect(parseAttributes(undefined)).to.deep.equal({});
      expect(parseAttributes('rack:r1;')).to.deep.equal({ rack: 'r1' });
    });

    it('rejects bad attribute strings with clear errors', () => {
      expect(() => parseAttributes('rack')).to.throw(AttributeParseError, /expected name:value/);
      expect(() => parseAttributes('rack:')).to.throw(AttributeParseError, /empty value/);
      expect(() => parseAttributes(':r1')).to.throw(AttributeParseError, /invalid attribute name/);
      expect(() => parseAttributes('rack:r1;rack:r2')).to.throw(AttributeParseError, /given twice/);
    });
  });
});
