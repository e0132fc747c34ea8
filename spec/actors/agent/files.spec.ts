import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ActorHost } from '../../../lib/process';
import { FilesActor } from '../../../actors/agent/files';
import { FILES_MAX_READ_BYTES } from '../../../actors/agent/constants';
import { netHost } from '../../support/runtime';

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
    fs.mkdirSync(path.join(workDir, 'sandbox'), { recursive: true });
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

  it('answers 404 for missing files and 400 for bad requests', async () => {
    expect((await get('read', { path: path.join(workDir, 'nope'), offset: '0' })).status).to.equal(404);
    expect((await get('browse', { path: path.join(workDir, 'nope') })).status).to.equal(404);
    expect((await get('read', { path: path.join(workDir, 'sandbox'), offset: '0' })).status).to.equal(400);
    expect((await get('read', { path: path.join(workDir, 'sandbox', 'stdout'), offset: 'abc' })).status).to.equal(400);
    expect((await get('read', { path: path.join(workDir, 'sandbox', 'stdout'), offset: '-5' })).status).to.equal(400);
    expect((await get('read', {})).status).to.equal(400);
  });
});
