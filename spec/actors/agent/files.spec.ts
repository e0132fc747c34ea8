import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ActorHost } from '../../../lib/process';
import { FilesActor } from '../../../actors/agent/files';
import { FILES_MAX_BROWSE_ENTRIES, FILES_MAX_READ_BYTES } from '../../../actors/agent/constants';
import { netHost } from '../../support/runtime';

type Realpath = typeof fs.promises.realpath;

/**
 * Plays a task winning the race against the files actor: right after `realpath` has resolved
 * `checked` (the path check), `directory` is swapped for a symlink to `target`. Returns the undo.
 */
function swapAfterCheck(checked: string, directory: string, target: string): () => void {
  const promises = fs.promises as { realpath: Realpath };
  const original = promises.realpath;
  let swapped = false;
  promises.realpath = (async (file: fs.PathLike, options?: unknown) => {
    const result = await (original as (file: fs.PathLike, options?: unknown) => Promise<string>)(file, options);
    if (!swapped && file === checked) {
      swapped = true;
      fs.renameSync(directory, `${directory}.parked`);
      fs.symlinkSync(target, directory);
    }
    return result;
  }) as Realpath;
  return () => {
    promises.realpath = original;
  };
}

/** Makes `/proc/self/fd` look absent, as on systems without /proc. Returns the undo. */
function withoutProc(): () => void {
  const promises = fs.promises as { readlink: typeof fs.promises.readlink };
  const original = promises.readlink;
  promises.readlink = (async (file: fs.PathLike, options?: unknown) => {
    if (String(file).startsWith('/proc/')) throw Object.assign(new Error(`ENOENT: ${String(file)}`), { code: 'ENOENT' });
    return (original as (file: fs.PathLike, options?: unknown) => Promise<string>)(file, options);
  }) as typeof fs.promises.readlink;
  return () => {
    promises.readlink = original;
  };
}

/** An executor run's sandbox, relative to the work dir (paths.ts' layout). */
const SANDBOX = path.join('agents', 'A1', 'frameworks', 'F0', 'executors', 'E0', 'runs', 'R0');

describe('files actor (sandbox access confined to the work dir)', () => {
  let host: ActorHost;
  let scratch: string;
  let workDir: string;
  let outside: string;

  async function get(route: string, query: Record<string, string>): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`http://${host.address}/files/${route}?${new URLSearchParams(query)}`);
    return { status: response.status, body: await response.json() };
  }

  beforeEach(async () => {
    scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'files-')));
    workDir = path.join(scratch, 'work');
    outside = path.join(scratch, 'secret');
    // `sandbox` leads to an executor run's sandbox, as `runs/latest` does: only sandboxes are served (Mesos' attached paths).
    fs.mkdirSync(path.join(workDir, SANDBOX), { recursive: true });
    fs.symlinkSync(SANDBOX, path.join(workDir, 'sandbox'));
    fs.writeFileSync(path.join(workDir, 'sandbox', 'stdout'), 'hello\nworld\n');
    fs.writeFileSync(outside, 'top secret');
    fs.symlinkSync(outside, path.join(workDir, 'sandbox', 'escape'));
    fs.symlinkSync(path.join(workDir, 'sandbox', 'stdout'), path.join(workDir, 'sandbox', 'inside'));
    host = await netHost();
    host.spawn(new FilesActor(workDir));
  });

  afterEach(async () => {
    await host.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('browses a directory in Mesos form, sorted by path', async () => {
    const sandbox = path.join(workDir, 'sandbox');
    const { status, body } = await get('browse', { path: sandbox });
    expect(status).to.equal(200);
    const listing = body as Array<{ path: string; size: number; mode: string; mtime: number; nlink: number; uid: string; gid: string }>;
    expect(listing.map((entry) => entry.path)).to.deep.equal(['escape', 'inside', 'stdout'].map((name) => path.join(sandbox, name)));
    const stdout = listing[2];
    expect(stdout).to.include({ size: 12, nlink: 1 });
    expect(stdout?.mode).to.match(/^-[rwx-]{9}$/);
    expect(stdout?.mtime).to.be.a('number');
    // Symlinks are described, not followed: the link to the secret outside shows as a link.
    expect(listing[0]?.mode).to.match(/^l[rwx-]{9}$/);
    expect(listing[0]?.size).to.equal(outside.length);
  });

  it('reads with offset and length, and offset=-1 gives the size', async () => {
    const file = path.join(workDir, 'sandbox', 'stdout');
    expect((await get('read', { path: file, offset: '0' })).body).to.deep.equal({ data: 'hello\nworld\n', offset: 0 });
    expect((await get('read', { path: file, offset: '6', length: '3' })).body).to.deep.equal({ data: 'wor', offset: 6 });
    expect((await get('read', { path: file, offset: '-1' })).body).to.deep.equal({ data: '', offset: 12 });
    expect((await get('read', { path: 'sandbox/stdout', offset: '0', length: '5' })).body).to.deep.equal({ data: 'hello', offset: 0 });
    expect((await get('read', { path: path.join(workDir, 'sandbox', 'inside'), offset: '0', length: '5' })).body).to.deep.equal({ data: 'hello', offset: 0 });
  });

  it('caps one read at 64 KiB', async () => {
    const big = path.join(workDir, 'sandbox', 'big');
    fs.writeFileSync(big, 'x'.repeat(FILES_MAX_READ_BYTES * 2));
    const { body } = await get('read', { path: big, offset: '0' });
    expect((body as { data: string }).data.length).to.equal(FILES_MAX_READ_BYTES);
  });

  it('refuses paths outside the work dir: `..`, absolute paths elsewhere, symlinks pointing out', async () => {
    for (const bad of [path.join(workDir, '..', 'secret'), '../secret', outside, '/etc/passwd', path.join(workDir, 'sandbox', 'escape')]) {
      const read = await get('read', { path: bad, offset: '0' });
      expect(read.status, bad).to.equal(403);
      expect(read.body).to.have.property('error');
      expect(JSON.stringify(read.body)).to.not.contain('top secret');
      expect((await get('browse', { path: bad })).status, bad).to.equal(403);
    }
  });

  it('refuses a symlink to /etc/passwd, or to /etc, inside a sandbox, for read and browse', async () => {
    fs.symlinkSync('/etc/passwd', path.join(workDir, 'sandbox', 'passwd'));
    fs.symlinkSync('/etc', path.join(workDir, 'sandbox', 'etc'));
    for (const bad of ['sandbox/passwd', path.join(workDir, 'sandbox', 'passwd'), 'sandbox/etc', 'sandbox/etc/passwd']) {
      const read = await get('read', { path: bad, offset: '0' });
      expect(read.status, bad).to.equal(403);
      expect(JSON.stringify(read.body), bad).to.not.contain('root:');
      expect((await get('browse', { path: bad })).status, bad).to.equal(403);
    }
  });

  it("does not serve the agent's checkpoints (meta/: every checkpointing framework's tasks, whatever access_sandboxes says), nor through a symlink (review)", async () => {
    fs.mkdirSync(path.join(workDir, 'meta'));
    fs.writeFileSync(path.join(workDir, 'meta', 'journal.log'), '{"t":"task","info":{"command":{"environment":"API_KEY=hunter2"}}}\n');
    fs.symlinkSync(path.join(workDir, 'meta', 'journal.log'), path.join(workDir, 'sandbox', 'journal'));
    for (const bad of ['meta/journal.log', path.join(workDir, 'meta', 'journal.log'), 'sandbox/../meta/journal.log', 'sandbox/journal', 'meta']) {
      const read = await get('read', { path: bad, offset: '0' });
      expect(read.status, bad).to.equal(403);
      expect(JSON.stringify(read.body), bad).to.not.contain('hunter2');
      expect((await get('browse', { path: bad })).status, bad).to.equal(403);
    }
    expect((await get('read', { path: 'sandbox/stdout', offset: '0' })).status, 'sandboxes are still served').to.equal(200);
  });

  it("does not serve persistent volumes (volumes/), nor through the link in a sandbox that shows one: access_sandboxes could not guard them (hostile review)", async () => {
    // FA's sandbox shows volume `db` at `data`; the caller may not read FA's sandboxes, only what is no one's.
    const sandbox = path.join(workDir, 'agents', 'A1', 'frameworks', 'FA', 'executors', 'e', 'runs', 'r');
    const volume = path.join(workDir, 'volumes', 'roles', 'eng', 'db');
    fs.mkdirSync(sandbox, { recursive: true });
    fs.mkdirSync(volume, { recursive: true });
    fs.writeFileSync(path.join(volume, 'rows'), 'a row of FA');
    fs.writeFileSync(path.join(sandbox, 'stdout'), 'output of FA');
    fs.symlinkSync(volume, path.join(sandbox, 'data'));
    fs.writeFileSync(path.join(workDir, 'notes'), 'no one\'s');
    await host.stop();
    host = await netHost();
    host.spawn(new FilesActor(workDir, {
      authentication: { credentials: undefined, readonly: false, readwrite: false },
      denial: (_principal, frameworkId) => Promise.resolve(frameworkId === undefined ? undefined : `not ${frameworkId}'s sandboxes`),
    }));
    expect((await get('read', { path: path.join(sandbox, 'stdout'), offset: '0' })).status, "FA's sandbox is refused").to.equal(403);
    // Since 2026-12-07 what lies in no sandbox is not served at all (404, as Mesos' files: not attached); it was, to anyone.
    expect((await get('read', { path: 'notes', offset: '0' })).status, 'what is in no sandbox').to.equal(404);
    for (const bad of [path.join(sandbox, 'data', 'rows'), path.join(volume, 'rows'), 'volumes/roles/eng/db/rows', 'volumes/roles/eng', 'volumes']) {
      const read = await get('read', { path: bad, offset: '0' });
      expect(read.status, bad).to.equal(403);
      expect(JSON.stringify(read.body), bad).to.not.contain('a row of FA');
      expect((await get('browse', { path: bad })).status, bad).to.equal(403);
    }
  });

  it("never opens a FIFO or a device, even one a task's symlink in its sandbox names (a security review had the agent open its FIFO as root)", async () => {
    const fifo = path.join(workDir, 'sandbox', 'pipe');
    execFileSync('mkfifo', [fifo]);
    const read = await get('read', { path: fifo, offset: '0' });
    expect(read.status).to.equal(403);
    expect(JSON.stringify(read.body)).to.contain('not a regular file or a directory');
    // Through a symlink inside the work dir too (one to /dev/null was refused as outside before any of this).
    fs.symlinkSync(fifo, path.join(workDir, 'sandbox', 'to-pipe'));
    const linked = await get('read', { path: path.join(workDir, 'sandbox', 'to-pipe'), offset: '0' });
    expect(linked.status).to.equal(403);
    expect(JSON.stringify(linked.body)).to.contain('not a regular file or a directory');
  });

  it("serves Mesos' virtual sandbox paths, /frameworks/<F>/executors/<E>/runs/latest/..., from the agent's directory (they were refused as outside the work dir; walkthrough)", async () => {
    const run = path.join(workDir, 'agents', 'A1', 'frameworks', 'F1', 'executors', 'E1', 'runs', 'R1');
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'stdout'), 'from the sandbox\n');
    fs.symlinkSync(run, path.join(path.dirname(run), 'latest'));
    let agentId: string | undefined;
    await host.stop();
    host = await netHost();
    host.spawn(new FilesActor(workDir, undefined, undefined, () => Promise.resolve(agentId)));
    const virtual = '/frameworks/F1/executors/E1/runs/latest';
    const before = await get('read', { path: `${virtual}/stdout`, offset: '0' });
    expect(before.status, 'no agent id yet').to.equal(404);
    agentId = 'A1';
    expect((await get('read', { path: `${virtual}/stdout`, offset: '0' })).body).to.deep.equal({ data: 'from the sandbox\n', offset: 0 });
    expect(((await get('browse', { path: virtual })).body as Array<{ path: string }>).map((entry) => entry.path)).to.deep.equal([`${virtual}/stdout`]);
    const traversal = await get('read', { path: '/frameworks/../executors/E1/runs/latest/stdout', offset: '0' });
    expect(traversal.status).to.equal(400);
    expect((await get('read', { path: '/frameworks/F2/executors/E1/runs/latest/stdout', offset: '0' })).status).to.equal(404);
  });

  describe('a directory swapped for a symlink between the path check and the open', () => {
    let secretDirectory: string;
    let swapped: string;
    let undo: Array<() => void>;

    beforeEach(() => {
      // Inside: sandbox/swapped/passwd (harmless). Outside: secret/passwd and secret/only-outside.
      secretDirectory = path.join(scratch, 'secret-dir');
      fs.mkdirSync(secretDirectory);
      fs.writeFileSync(path.join(secretDirectory, 'passwd'), 'top secret');
      fs.writeFileSync(path.join(secretDirectory, 'only-outside'), 'top secret');
      swapped = path.join(workDir, 'sandbox', 'swapped');
      fs.mkdirSync(swapped);
      fs.writeFileSync(path.join(swapped, 'passwd'), 'harmless');
      undo = [];
    });

    afterEach(() => {
      for (const restore of undo.reverse()) restore();
    });

    for (const proc of [true, false]) {
      const how = proc ? 'through /proc/self/fd' : 'without /proc (device and inode)';
      it(`refuses the read: the opened file is outside (${how})`, async () => {
        if (!proc) undo.push(withoutProc());
        const file = path.join(swapped, 'passwd');
        undo.push(swapAfterCheck(file, swapped, secretDirectory));
        const read = await get('read', { path: file, offset: '0' });
        expect(fs.lstatSync(swapped).isSymbolicLink(), 'the swap happened').to.equal(true);
        expect(read.status).to.equal(403);
        expect(JSON.stringify(read.body)).to.not.contain('top secret');
      });

      it(`refuses the listing: the opened directory is outside (${how})`, async () => {
        if (!proc) undo.push(withoutProc());
        undo.push(swapAfterCheck(swapped, swapped, secretDirectory));
        const browse = await get('browse', { path: swapped });
        expect(fs.lstatSync(swapped).isSymbolicLink(), 'the swap happened').to.equal(true);
        expect(browse.status).to.equal(403);
        expect(JSON.stringify(browse.body)).to.not.contain('only-outside');
      });
    }

    it("refuses a symlink in one framework's sandbox swapped to another framework's file after access_sandboxes allowed the first (security review)", async () => {
      // Framework FA's sandbox holds a link `x` to its own file; FB's holds a secret. The caller may read FA's sandboxes only.
      const sandboxOf = (framework: string): string => path.join(workDir, 'agents', 'A1', 'frameworks', framework, 'executors', 'e', 'runs', 'r');
      for (const framework of ['FA', 'FB']) fs.mkdirSync(sandboxOf(framework), { recursive: true });
      fs.writeFileSync(path.join(sandboxOf('FA'), 'mine.txt'), 'mine');
      fs.writeFileSync(path.join(sandboxOf('FB'), 'secretfile'), 'secret-of-b');
      const link = path.join(sandboxOf('FA'), 'x');
      fs.symlinkSync(path.join(sandboxOf('FA'), 'mine.txt'), link);
      const checked: Array<string | undefined> = [];
      const owners: string[] = [];
      expect((await get('read', { path: path.join(sandboxOf('FB'), 'secretfile'), offset: '0' })).status, 'FB is served to an open files actor').to.equal(200);
      await host.stop();
      host = await netHost();
      host.spawn(new FilesActor(workDir, {
        authentication: { credentials: undefined, readonly: false, readwrite: false },
        denial: (_principal, frameworkId, executorId) => {
          checked.push(frameworkId);
          owners.push(`${frameworkId ?? '-'}/${executorId ?? '-'}`);
          return Promise.resolve(frameworkId === 'FA' ? undefined : `only FA's sandboxes, not ${frameworkId ?? 'none'}`);
        },
      }));
      const read = (): Promise<{ status: number; body: unknown }> => get('read', { path: link, offset: '0' });
      expect((await read()).body, 'the link is served before any swap').to.deep.equal({ data: 'mine', offset: 0 });
      expect((await get('read', { path: path.join(sandboxOf('FB'), 'secretfile'), offset: '0' })).status, "FB's file itself is refused").to.equal(403);
      checked.length = 0;
      undo.push(swapAfterCheck(link, link, path.join(sandboxOf('FB'), 'secretfile')));
      const raced = await read();
      expect(fs.readlinkSync(link), 'the swap happened').to.equal(path.join(sandboxOf('FB'), 'secretfile'));
      expect(checked, "access was checked for FA, the link's target when checked").to.deep.equal(['FA']);
      // Asked with the executor whose sandbox the path is in (access_sandboxes is by the executor's user, as Mesos), or none above it.
      expect(owners).to.include('FA/e');
      owners.length = 0;
      // A framework's directory is no sandbox: 404 (as Mesos: not attached), whoever asks; access is not even asked (since 2026-12-07).
      expect((await get('browse', { path: path.join(workDir, 'agents', 'A1', 'frameworks', 'FA') })).status).to.equal(404);
      expect(owners).to.deep.equal([]);
      // The file checked is the file opened (its resolved path, no symlink followed at the open): FA's, never FB's.
      expect(raced).to.deep.equal({ status: 200, body: { data: 'mine', offset: 0 } });
      expect(JSON.stringify(raced.body)).to.not.contain('secret-of-b');
    });

    it('still serves the directory when nothing is swapped', async () => {
      const listing = (await get('browse', { path: swapped })).body as Array<{ path: string }>;
      expect(listing.map((entry) => entry.path)).to.deep.equal([path.join(swapped, 'passwd')]);
      expect((await get('read', { path: path.join(swapped, 'passwd'), offset: '0' })).body).to.deep.equal({ data: 'harmless', offset: 0 });
    });
  });

  it('answers 404 for missing files and 400 for bad requests', async () => {
    expect((await get('read', { path: path.join(workDir, 'nope'), offset: '0' })).status).to.equal(404);
    expect((await get('browse', { path: path.join(workDir, 'nope') })).status).to.equal(404);
    expect((await get('read', { path: path.join(workDir, 'sandbox'), offset: '0' })).status).to.equal(400);
    expect((await get('read', { path: path.join(workDir, 'sandbox', 'stdout'), offset: 'abc' })).status).to.equal(400);
    expect((await get('read', { path: path.join(workDir, 'sandbox', 'stdout'), offset: '-5' })).status).to.equal(400);
    // Past 2^53 it was taken rounded, and echoed so (the hostile-input pass of 2026-12-05).
    const huge = await get('read', { path: path.join(workDir, 'sandbox', 'stdout'), offset: '99999999999999999999' });
    expect([huge.status, huge.body]).to.deep.equal([400, { error: "failed to parse offset '99999999999999999999'" }]);
    expect((await get('read', {})).status).to.equal(400);
  });

  describe('GET /files/download', () => {
    async function download(query: Record<string, string>): Promise<Response> {
      return fetch(`http://${host.address}/files/download?${new URLSearchParams(query)}`);
    }

    it('serves the whole file as an octet-stream attachment named after it', async () => {
      const binary = Buffer.from([0, 1, 2, 255, 254, 10]);
      fs.writeFileSync(path.join(workDir, 'sandbox', 'data.bin'), binary);
      const response = await download({ path: path.join(workDir, 'sandbox', 'data.bin') });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('application/octet-stream');
      expect(response.headers.get('content-disposition')).to.equal(`attachment; filename="data.bin"; filename*=UTF-8''data.bin`);
      expect(Buffer.from(await response.arrayBuffer())).to.deep.equal(binary);
    });

    // Streamed since the hostile-input pass of 2026-12-05 (read whole before: four slow downloads of 200 MB took an
    // agent from 154 to 933 MB); HttpStream.drained is tested in http-routes.spec.ts.
    it('streams a file of many chunks whole, byte for byte', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 17);
      for (let index = 0; index < big.length; index++) big[index] = (index * 31) & 0xff;
      fs.writeFileSync(path.join(workDir, 'sandbox', 'big.bin'), big);
      const response = await download({ path: path.join(workDir, 'sandbox', 'big.bin') });
      expect(response.status).to.equal(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(big)).to.equal(true);
    });

    it('a name a header cannot carry is replaced in filename and exact in filename*', async () => {
      const name = 'résumé "x".txt';
      fs.writeFileSync(path.join(workDir, 'sandbox', name), 'cv');
      const response = await download({ path: path.join(workDir, 'sandbox', name) });
      expect(response.headers.get('content-disposition')).to.equal(`attachment; filename="r_sum_ _x_.txt"; filename*=UTF-8''${encodeURIComponent(name)}`);
    });

    it('refuses as browse and read do: 404 missing, 403 outside the work dir or through a symlink out, 400 for a directory or no path', async () => {
      expect((await download({ path: path.join(workDir, 'nope') })).status).to.equal(404);
      expect((await download({ path: outside })).status).to.equal(403);
      expect((await download({ path: path.join(workDir, 'sandbox', 'escape') })).status).to.equal(403);
      expect((await download({ path: path.join(workDir, '..', 'secret') })).status).to.equal(403);
      const directory = await download({ path: path.join(workDir, 'sandbox') });
      expect(directory.status).to.equal(400);
      expect(((await directory.json()) as { error: string }).error).to.equal('cannot download a directory');
      expect((await download({})).status).to.equal(400);
    });
  });

  // A task can fill its sandbox with empty files (inodes, not disk). Each listing read every name
  // into memory and sorted them all on the event loop, to keep 10,000: 16 browses of a 300k-entry
  // directory took an agent from 67 to 585 MB and stalled its /health for 3.8 and 5.9 s (UI pass,
  // 2026-12-06). Names are now read a batch at a time, the FILES_MAX_BROWSE_ENTRIES first kept.
  it('lists the FILES_MAX_BROWSE_ENTRIES first names of a larger directory, never holding all its names at once (UI pass)', async function () {
    this.timeout(120_000);
    const crowded = path.join(workDir, 'sandbox', 'crowded');
    fs.mkdirSync(crowded);
    const count = FILES_MAX_BROWSE_ENTRIES + 2_500;
    // Created in an order unlike the sorted one, so that keeping the first names read would be wrong.
    const names = Array.from({ length: count }, (_, index) => `f${String((index * 7919) % count).padStart(6, '0')}`);
    for (const name of names) fs.closeSync(fs.openSync(path.join(crowded, name), 'w'));
    const promises = fs.promises as { readdir: typeof fs.promises.readdir };
    const original = promises.readdir;
    let mostNames = 0;
    promises.readdir = (async (...args: Parameters<typeof fs.promises.readdir>) => {
      const listed = await (original as (...given: unknown[]) => Promise<unknown[]>)(...args);
      mostNames = Math.max(mostNames, listed.length);
      return listed;
    }) as typeof fs.promises.readdir;
    try {
      const { status, body } = await get('browse', { path: crowded });
      expect(status).to.equal(200);
      const listed = (body as Array<{ path: string }>).map((entry) => path.basename(entry.path));
      expect(listed).to.deep.equal([...names].sort().slice(0, FILES_MAX_BROWSE_ENTRIES));
      expect(mostNames, 'names read into memory at once').to.be.at.most(FILES_MAX_BROWSE_ENTRIES);
    } finally {
      promises.readdir = original;
    }
  });

  // A task writes what /files serves: no browser may take it for another type than the one
  // declared (only the web UI's own files said so before; UI pass, 2026-12-06).
  it('answers with X-Content-Type-Options: nosniff: listings, reads, downloads and errors', async () => {
    const sandbox = path.join(workDir, 'sandbox');
    for (const target of [`browse?path=${sandbox}`, `read?path=${sandbox}/stdout&offset=0`, `read?path=${sandbox}/stdout&offset=0&jsonp=cb`, `download?path=${sandbox}/stdout`, 'read?path=nope', `read?path=${outside}`]) {
      const response = await fetch(`http://${host.address}/files/${target}`);
      await response.arrayBuffer();
      expect(response.headers.get('x-content-type-options'), target).to.equal('nosniff');
    }
  });

  it('browse gives owners and groups by name, as getent knows them', async () => {
    const { body } = await get('browse', { path: path.join(workDir, 'sandbox') });
    const stdout = (body as Array<{ path: string; uid: string; gid: string }>).find((entry) => entry.path.endsWith('stdout'));
    const stats = fs.statSync(path.join(workDir, 'sandbox', 'stdout'));
    expect(stdout?.uid).to.equal(getent('passwd', stats.uid));
    expect(stdout?.gid).to.equal(getent('group', stats.gid));
  });
});

/** The name `getent` gives an id (a lookup independent of lib/os-names), or the number. */
function getent(database: 'passwd' | 'group', id: number): string {
  try {
    return execFileSync('getent', [database, String(id)], { encoding: 'utf8' }).split(':')[0] ?? String(id);
  } catch {
    return String(id);
  }
}
