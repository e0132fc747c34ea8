import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileTooLargeError, makeDirectories, makeDirectoriesSync, MEMORY_DISK_APPENDS_JOINED, MEMORY_DISK_LARGE_FILE_CHARS, MemoryDisk, nodeDisk, PathInTheWayError, SIMULATED_WRITE_ERROR, type Disk } from '../../lib/disk';
import { Prng } from '../../lib/process/prng';
import { VirtualClock } from '../../lib/process';

/** Resolves to the error a promise rejects with, or undefined if it resolves. */
function failureOf(promise: Promise<unknown>): Promise<Error | undefined> {
  return promise.then(() => undefined, (error: Error) => error);
}

describe('lib/disk', () => {
  describe('MemoryDisk', () => {
    it('reads back what it wrote, creating parent directories; a missing file reads as undefined', async () => {
      const disk = new MemoryDisk();
      expect(await disk.readFile('/master/registry.json')).to.equal(undefined);
      await disk.writeFileAtomically('/master/registry.json', 'one');
      await disk.writeFileAtomically('/master/registry.json', 'two');
      expect(await disk.readFile('/master//registry.json')).to.equal('two');
      expect(disk.listFiles()).to.deep.equal(['/master/registry.json']);
      expect(disk.listDirectories()).to.deep.equal(['/', '/master']);
      expect(disk.writes).to.deep.equal({ started: 2, completed: 2, failed: 0, inFlight: 0 });
    });

    it('makes directories with their parents, idempotently', async () => {
      const disk = new MemoryDisk();
      await disk.makeDirectory('/work/agents/S1/frameworks/F/executors/e/runs/r/');
      await disk.makeDirectory('/work/agents/S1');
      expect(disk.exists('/work/agents/S1/frameworks/F/executors/e/runs/r')).to.equal(true);
      expect(disk.exists('/work/agents/S2')).to.equal(false);
      expect(disk.listDirectories()).to.have.length(10); // the root, and 9 levels
      // Ancestors exist without being kept, and a name that only starts another's is not one of them.
      for (const ancestor of ['/', '/work', '/work/agents/S1/frameworks', '/work/agents/S1/frameworks/F/executors/e']) expect(disk.exists(ancestor), ancestor).to.equal(true);
      for (const absent of ['/work/agents/S', '/work/agents/S1/frameworks/F/executors/e/runs/r/x', '/wor']) expect(disk.exists(absent), absent).to.equal(false);
      await disk.writeFileAtomically('/files/a/b.json', '{}');
      expect(disk.exists('/files/a')).to.equal(true);
      expect(disk.exists('/files')).to.equal(true);
      expect(disk.listDirectories()).to.include.members(['/files', '/files/a']);
      expect((disk as unknown as { directories: Set<string> }).directories.size).to.equal(3);
    });

    it(`a large file's appends, kept apart and joined now and then, read back as written, with failed appends and replacements among them (seed 1307)`, async () => {
      const prng = new Prng(1307);
      const disk = new MemoryDisk();
      let expected: string | undefined;
      let appended = 0;
      for (let step = 0; step < 3_000; step++) {
        const roll = prng.nextInt(100);
        if (roll < 85) {
          const line = `${JSON.stringify({ step, pad: 'x'.repeat(prng.nextInt(200)) })}\n`;
          if (prng.nextInt(20) === 0) {
            disk.failNextWrites(1);
            expect((await failureOf(disk.appendFile('/log/registry.log', line)))?.message).to.equal(SIMULATED_WRITE_ERROR);
          } else {
            await disk.appendFile('/log/registry.log', line);
            expected = (expected ?? '') + line;
            appended++;
          }
        } else if (roll < 97) {
          expect(await disk.readFile('/log/registry.log')).to.equal(expected);
        } else {
          // A compaction: the log starts again, sometimes short (appends go on the string), sometimes long.
          expected = prng.nextInt(2) === 0 ? '' : 'y'.repeat(MEMORY_DISK_LARGE_FILE_CHARS);
          await disk.writeFileAtomically('/log/registry.log', expected);
        }
      }
      expect(appended).to.be.greaterThan(20 * MEMORY_DISK_APPENDS_JOINED);
      expect(await disk.readFile('/log/registry.log')).to.equal(expected);
      expect(disk.listFiles()).to.deep.equal(['/log/registry.log']);
    });

    it('refuses relative paths', async () => {
      const disk = new MemoryDisk();
      expect(await failureOf(disk.makeDirectory('work'))).to.match(/absolute paths/);
    });

    it('failNextWrites(n): the next n writes reject and leave the old contents; the one after succeeds', async () => {
      const disk = new MemoryDisk();
      await disk.writeFileAtomically('/r.json', 'old');
      disk.failNextWrites(2);
      expect(disk.failuresLeft).to.equal(2);
      expect((await failureOf(disk.writeFileAtomically('/r.json', 'new-1')))?.message).to.equal(SIMULATED_WRITE_ERROR);
      expect(await disk.readFile('/r.json')).to.equal('old');
      expect((await failureOf(disk.writeFileAtomically('/other/r.json', 'new-2')))?.message).to.equal(SIMULATED_WRITE_ERROR);
      expect(disk.exists('/other')).to.equal(false);
      expect(disk.failuresLeft).to.equal(0);
      expect(await failureOf(disk.writeFileAtomically('/r.json', 'new-3'))).to.equal(undefined);
      expect(await disk.readFile('/r.json')).to.equal('new-3');
      expect(disk.writes).to.deep.equal({ started: 4, completed: 2, failed: 2, inFlight: 0 });
    });

    it('failNextWrites takes a message, replaces the count, and refuses a bad count', async () => {
      const disk = new MemoryDisk();
      disk.failNextWrites(5);
      disk.failNextWrites(1, 'ENOSPC: no space left');
      expect((await failureOf(disk.writeFileAtomically('/a', 'x')))?.message).to.equal('ENOSPC: no space left');
      expect(await failureOf(disk.writeFileAtomically('/a', 'y'))).to.equal(undefined);
      expect(() => disk.failNextWrites(-1)).to.throw(/non-negative integer/);
      expect(() => disk.failNextWrites(1.5)).to.throw(/non-negative integer/);
    });

    it('delayWritesMs: a write completes that much virtual time later, not before; reads see the old contents meanwhile', async () => {
      const clock = new VirtualClock({ simulated: true });
      const disk = new MemoryDisk(clock);
      await disk.writeFileAtomically('/r.json', 'old');
      disk.delayWritesMs(2_000);
      let done = false;
      const write = disk.writeFileAtomically('/r.json', 'new').then(() => { done = true; });
      await clock.advance(1_999);
      expect(done).to.equal(false);
      expect(await disk.readFile('/r.json')).to.equal('old');
      expect(disk.writes.inFlight).to.equal(1);
      await clock.advance(1);
      await write;
      expect(done).to.equal(true);
      expect(await disk.readFile('/r.json')).to.equal('new');
      disk.delayWritesMs(0);
      await disk.writeFileAtomically('/r.json', 'newer'); // no time needed
      expect(await disk.readFile('/r.json')).to.equal('newer');
    });

    it('a slow write that fails fails when its time is up, not before', async () => {
      const clock = new VirtualClock({ simulated: true });
      const disk = new MemoryDisk(clock);
      disk.delayWritesMs(500);
      disk.failNextWrites(1);
      let failure: Error | undefined;
      const write = disk.writeFileAtomically('/r.json', 'new').catch((error: Error) => { failure = error; });
      await clock.advance(499);
      expect(failure).to.equal(undefined);
      await clock.advance(1);
      await write;
      expect(failure?.message).to.equal(SIMULATED_WRITE_ERROR);
      expect(await disk.readFile('/r.json')).to.equal(undefined);
    });

    it('delayWritesMs needs a clock and a finite, non-negative delay', () => {
      expect(() => new MemoryDisk().delayWritesMs(10)).to.throw(/no clock/);
      const disk = new MemoryDisk(new VirtualClock());
      expect(() => disk.delayWritesMs(-1)).to.throw(/>= 0/);
      expect(() => disk.delayWritesMs(Number.POSITIVE_INFINITY)).to.throw(/finite/);
    });
  });

    it('onWritten: told of each write (its normalized path) once it is on the disk, before the writer hears it is done; not of a failed one', async () => {
      const disk = new MemoryDisk();
      const told: Array<{ file: string; contents: string | undefined; writerDone: boolean }> = [];
      let writerDone = false;
      disk.onWritten((file) => { told.push({ file, contents: disk.listFiles().includes(file) ? 'on disk' : undefined, writerDone }); });
      await disk.writeFileAtomically('/work//meta/../r.json', 'x').then(() => { writerDone = true; });
      await disk.appendFile('/log', 'line\n');
      disk.failNextWrites(1);
      await failureOf(disk.writeFileAtomically('/r.json', 'y'));
      expect(told).to.deep.equal([{ file: '/work/r.json', contents: 'on disk', writerDone: false }, { file: '/log', contents: 'on disk', writerDone: true }]);
      disk.onWritten(undefined);
      await disk.writeFileAtomically('/r.json', 'z');
      expect(told).to.have.length(2);
    });

  describe('nodeDisk', () => {
    it('reads a missing file as undefined, writes atomically, and makes directories', async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'disk-'));
      try {
        const file = path.join(root, 'a', 'b', 'registry.json');
        expect(await nodeDisk.readFile(file)).to.equal(undefined);
        await nodeDisk.writeFileAtomically(file, 'text');
        expect(await nodeDisk.readFile(file)).to.equal('text');
        await nodeDisk.makeDirectory(path.join(root, 'x', 'y'));
        expect(fs.statSync(path.join(root, 'x', 'y')).isDirectory()).to.equal(true);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    it('reads a file within maxBytes, and refuses one past it with a FileTooLargeError naming the file and the bound', async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'disk-'));
      try {
        const file = path.join(root, 'resources.info');
        expect(await nodeDisk.readFile(file, 8)).to.equal(undefined);
        fs.writeFileSync(file, 'é1234567'); // 9 bytes, 8 characters
        const failure = await failureOf(nodeDisk.readFile(file, 8));
        expect(failure).to.be.instanceOf(FileTooLargeError);
        expect(failure?.message).to.equal(`${file} is larger than the 8 bytes it may have`);
        expect(await nodeDisk.readFile(file, 9)).to.equal('é1234567');
        fs.writeFileSync(file, 'x'.repeat(200_000)); // larger than a chunk: read whole
        expect(await nodeDisk.readFile(file, 200_000)).to.have.length(200_000);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  });

  it('MemoryDisk: a file of more than maxBytes bytes (UTF-8) is refused with a FileTooLargeError', async () => {
    const disk = new MemoryDisk();
    await disk.writeFileAtomically('/meta/resources.info', 'é1234567');
    expect(await failureOf(disk.readFile('/meta/resources.info', 8))).to.be.instanceOf(FileTooLargeError);
    expect(await disk.readFile('/meta/resources.info', 9)).to.equal('é1234567');
    expect(await disk.readFile('/meta/none', 1)).to.equal(undefined);
  });
});

describe('lib/disk: makeDirectories (mkdir -p that cannot spin)', () => {
  it('makes every level, and leaves existing ones alone', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mkdirs-'));
    try {
      await makeDirectories(path.join(root, 'a', 'b', 'c'));
      makeDirectoriesSync(path.join(root, 'a', 'b', 'd'));
      expect(fs.readdirSync(path.join(root, 'a', 'b')).sort()).to.deep.equal(['c', 'd']);
      fs.writeFileSync(path.join(root, 'file'), 'x');
      expect(() => makeDirectoriesSync(path.join(root, 'file', 'below'))).to.throw(/cannot create directory .*file\/below \(ENOTDIR\)|a file is in the way/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("fails naming the level where Node's recursive mkdir would spin forever (/proc/x)", async () => {
    expect(() => makeDirectoriesSync('/proc/x/y')).to.throw('cannot create directory /proc/x (ENOENT)');
    let error: Error | undefined;
    await makeDirectories('/proc/x').catch((caught: Error) => { error = caught; });
    expect(error?.message).to.equal('cannot create directory /proc/x (ENOENT)');
  });
});

/** A disk under test for the link and removal contract, with how to look at it. */
interface DiskUnderTest {
  readonly disk: Disk;
  /** A fresh directory on it. */
  readonly root: string;
  /** What the symbolic link at `target` points to (undefined: no link there). */
  linkTarget(target: string): string | undefined;
  /** Whether anything (a link included, not followed) is at `target`. */
  exists(target: string): boolean;
  done(): void;
}

const DISKS_UNDER_TEST: ReadonlyArray<readonly [string, () => DiskUnderTest]> = [
  ['MemoryDisk', () => {
    const disk = new MemoryDisk();
    return { disk, root: '/work/sandbox', linkTarget: (target) => disk.symlinkTarget(target), exists: (target) => disk.exists(target), done: () => undefined };
  }],
  ['nodeDisk', () => {
    // A directory inside the temporary one, so that `<root>/..` is the test's own too.
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'disk-links-'));
    const root = path.join(base, 'sandbox');
    const linkTarget = (target: string): string | undefined => {
      try {
        return fs.readlinkSync(target);
      } catch {
        return undefined;
      }
    };
    const exists = (target: string): boolean => fs.lstatSync(target, { throwIfNoEntry: false }) !== undefined;
    return { disk: nodeDisk, root, linkTarget, exists, done: () => fs.rmSync(base, { recursive: true, force: true }) };
  }],
];

for (const [name, make] of DISKS_UNDER_TEST) {
  describe(`lib/disk: ${name}'s symbolic links and directory removal (persistent volumes in sandboxes)`, () => {
    let under: DiskUnderTest;
    beforeEach(async () => {
      under = make();
      await under.disk.makeDirectory(under.root);
    });
    afterEach(() => under.done());

    it('makes a link below a directory, with the directories between; the same link again is fine', async () => {
      const { disk, root } = under;
      await disk.makeSymlink(root, 'a/b/data', '/volumes/roles/eng/pv1');
      expect(under.linkTarget(`${root}/a/b/data`)).to.equal('/volumes/roles/eng/pv1');
      expect(under.exists(`${root}/a/b`)).to.equal(true);
      await disk.makeSymlink(root, 'a/b/data', '/volumes/roles/eng/pv1');
      await disk.makeSymlink(root, 'top', '/volumes/roles/eng/pv2');
      expect(under.linkTarget(`${root}/top`)).to.equal('/volumes/roles/eng/pv2');
    });

    it('replaces nothing: a link elsewhere, a file or a directory at the link is in the way (PathInTheWayError naming it)', async () => {
      const { disk, root } = under;
      await disk.makeSymlink(root, 'data', '/volumes/roles/eng/pv1');
      const elsewhere = await failureOf(disk.makeSymlink(root, 'data', '/volumes/roles/eng/pv2'));
      expect(elsewhere).to.be.instanceOf(PathInTheWayError);
      expect(elsewhere?.message).to.equal(`${root}/data is in the way: a symbolic link to /volumes/roles/eng/pv1 is there`);
      await disk.writeFileAtomically(`${root}/file`, 'x');
      expect((await failureOf(disk.makeSymlink(root, 'file', '/v')))?.message).to.equal(`${root}/file is in the way: a file is there`);
      await disk.makeDirectory(`${root}/dir/inner`);
      expect((await failureOf(disk.makeSymlink(root, 'dir', '/v')))?.message).to.equal(`${root}/dir is in the way: a directory is there`);
      expect(under.linkTarget(`${root}/data`)).to.equal('/volumes/roles/eng/pv1');
      expect(await disk.readFile(`${root}/file`)).to.equal('x');
    });

    it('follows no link between: a link or a file where a directory should be is in the way, and nothing is made through it', async () => {
      const { disk, root } = under;
      await disk.makeDirectory(`${root}/../outside`);
      await disk.makeSymlink(root, 'a', path.resolve(root, '../outside'));
      const through = await failureOf(disk.makeSymlink(root, 'a/b', '/v'));
      expect(through).to.be.instanceOf(PathInTheWayError);
      expect(through?.message).to.equal(`${root}/a is in the way: a symbolic link to ${path.resolve(root, '../outside')} is there`);
      expect(under.exists(path.resolve(root, '../outside/b'))).to.equal(false);
      await disk.writeFileAtomically(`${root}/f`, 'x');
      expect((await failureOf(disk.makeSymlink(root, 'f/b', '/v')))?.message).to.equal(`${root}/f is in the way: a file is there`);
    });

    it('refuses a path that is absolute or has an empty, . or .. part (a bug: the resource algebra refuses such container paths)', async () => {
      for (const bad of ['/abs', '../up', 'a/../b', 'a//b', '.', 'a/']) {
        const failure = await failureOf(under.disk.makeSymlink(under.root, bad, '/v'));
        expect(failure, bad).to.be.instanceOf(Error).and.not.to.be.instanceOf(PathInTheWayError);
        expect(failure?.message, bad).to.include('cannot make a symbolic link below');
      }
    });

    it('removeSymlink removes a link only when it points where it is told; anything else stays', async () => {
      const { disk, root } = under;
      await disk.makeSymlink(root, 'data', '/volumes/roles/eng/pv1');
      expect(await disk.removeSymlink(`${root}/data`, '/volumes/roles/eng/pv2')).to.equal(false);
      expect(under.linkTarget(`${root}/data`)).to.equal('/volumes/roles/eng/pv1');
      expect(await disk.removeSymlink(`${root}/data`, '/volumes/roles/eng/pv1')).to.equal(true);
      expect(under.exists(`${root}/data`)).to.equal(false);
      expect(await disk.removeSymlink(`${root}/data`, '/volumes/roles/eng/pv1')).to.equal(false);
      await disk.writeFileAtomically(`${root}/file`, 'x');
      expect(await disk.removeSymlink(`${root}/file`, 'x')).to.equal(false);
      expect(await disk.readFile(`${root}/file`)).to.equal('x');
    });

    it('removeDirectory removes a directory with all in it, links removed and not followed; its parent stays; a missing one is fine', async () => {
      const { disk, root } = under;
      const kept = `${root}/kept`;
      await disk.writeFileAtomically(`${kept}/precious`, 'data');
      await disk.writeFileAtomically(`${root}/volume/a/file`, 'x');
      await disk.makeSymlink(`${root}/volume`, 'link', kept);
      await disk.removeDirectory(`${root}/volume`);
      expect(under.exists(`${root}/volume`)).to.equal(false);
      expect(under.exists(`${root}/volume/link`)).to.equal(false);
      expect(await disk.readFile(`${kept}/precious`)).to.equal('data');
      expect(under.exists(root)).to.equal(true);
      await disk.removeDirectory(`${root}/volume`);
      await disk.removeDirectory(`${root}/never`);
    });
  });
}
