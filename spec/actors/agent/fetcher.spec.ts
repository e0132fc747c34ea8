import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Fetcher, FETCHER_STALL_TIMEOUT_MS, MAX_FETCH_REDIRECTS, outputFileError, uriBasename, type FetchRequest } from '../../../actors/agent/fetcher';
import { runAs } from '../../../actors/agent/launcher';
import { VirtualClock } from '../../../lib/process/clock';
import type { CommandUri } from '../../../lib/protocol';
import { eventually, within } from '../../support/runtime';

/** Wall time a fetch in these tests may take (local files and a local server). */
const FETCH_WAIT_MS = 10_000;

describe('actors/agent/fetcher: a command\'s URIs fetched into the sandbox (Mesos\' fetcher)', function () {
  this.timeout(30_000);
  let scratch: string;
  let sandbox: string;
  let server: Server | undefined;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fetcher-'));
    sandbox = path.join(scratch, 'sandbox');
    fs.mkdirSync(sandbox);
  });

  afterEach(async () => {
    if (server !== undefined) await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** A file in the scratch directory (outside the sandbox) with `text`. */
  function source(name: string, text: string | Buffer): string {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, text);
    return file;
  }

  function fetch(uris: CommandUri[], fetcher = new Fetcher(), extra: Partial<FetchRequest> = {}): Promise<void> {
    return within(fetcher.fetch({ uris, directory: sandbox, ...extra }), FETCH_WAIT_MS, 'the fetch');
  }

  async function failure(promise: Promise<void>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the fetch did not fail');
  }

  /** A local HTTP server answering with `handler`; resolves with its base URL. */
  async function serve(handler: (url: string, response: ServerResponse) => void): Promise<string> {
    server = createServer((request, response) => handler(request.url ?? '', response));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  describe('names and paths, as Mesos checks them', () => {
    it('takes the file name after the last slash, and refuses what Mesos refuses', () => {
      expect(uriBasename('https://example.com/dist/app-1.2.tgz')).to.equal('app-1.2.tgz');
      expect(uriBasename('/opt/tools/run.sh')).to.equal('run.sh');
      expect(uriBasename('http://example.com')).to.deep.equal({ error: 'Malformed URI (missing path): http://example.com' });
      expect(uriBasename("http://example.com/it's")).to.deep.equal({ error: 'Illegal characters in URI' });
      expect(uriBasename('C:\\x')).to.deep.equal({ error: 'Illegal characters in URI' });
    });

    it('keeps an output file within the sandbox (Mesos refuses only an absolute one; a \'..\' is refused here too)', () => {
      expect(outputFileError('bin/tool')).to.equal(undefined);
      expect(outputFileError('')).to.match(/empty/);
      expect(outputFileError('/etc/passwd')).to.match(/within the sandbox/);
      expect(outputFileError('../../etc/cron.d/x')).to.match(/'\.\.' segment/);
      expect(outputFileError('a/../../b')).to.match(/'\.\.' segment/);
    });
  });

  describe('local files', () => {
    it('copies a path and a file:// URI, to the output file (its directories made), and makes an executable one so', async () => {
      const script = source('tool.sh', '#!/bin/sh\necho hi\n');
      const data = source('data.txt', 'payload');
      await fetch([
        { value: script, executable: true },
        { value: `file://${data}`, outputFile: 'conf/in/data.txt' },
      ]);
      expect(fs.statSync(path.join(sandbox, 'tool.sh')).mode & 0o777).to.equal(0o755);
      expect(fs.readFileSync(path.join(sandbox, 'conf/in/data.txt'), 'utf8')).to.equal('payload');
    });

    it('takes a relative path from --frameworks_home, and fails one without it, saying so', async () => {
      fs.mkdirSync(path.join(scratch, 'home'));
      fs.writeFileSync(path.join(scratch, 'home', 'lib.jar'), 'jar');
      await fetch([{ value: 'lib.jar' }], new Fetcher({ frameworksHome: path.join(scratch, 'home') }));
      expect(fs.readFileSync(path.join(sandbox, 'lib.jar'), 'utf8')).to.equal('jar');
      expect(await failure(fetch([{ value: 'lib.jar' }]))).to.equal("Failed to fetch 'lib.jar': a relative path was given, and the agent has no --frameworks_home to take it from: give an absolute path or a URI");
    });

    it('fails, naming the URI, for a missing file, a scheme it has no fetcher for, and an output file outside the sandbox', async () => {
      expect(await failure(fetch([{ value: path.join(scratch, 'absent') }]))).to.match(/^Failed to fetch '.*absent': .*ENOENT/);
      expect(await failure(fetch([{ value: 'hdfs://namenode/data/x.tgz' }]))).to.equal("Failed to fetch 'hdfs://namenode/data/x.tgz': the URI scheme 'hdfs' is not supported by this agent's fetcher (http, https, file, or a path)");
      expect(await failure(fetch([{ value: 'file://relative/x' }]))).to.match(/File URI only supports absolute paths/);
      const data = source('data.txt', 'x');
      expect(await failure(fetch([{ value: data, outputFile: '../escaped' }]))).to.match(/within the sandbox/);
      expect(fs.existsSync(path.join(scratch, 'escaped'))).to.equal(false);
    });

    it('stops at the first failure: the URIs after it are not fetched', async () => {
      const later = source('later.txt', 'x');
      await failure(fetch([{ value: path.join(scratch, 'absent') }, { value: later }]));
      expect(fs.existsSync(path.join(sandbox, 'later.txt'))).to.equal(false);
    });
  });

  describe('archives', () => {
    it('extracts a .tar.gz, a .zip and a bare .gz into the sandbox, and leaves one with extract: false as it is', async () => {
      const tree = path.join(scratch, 'tree');
      fs.mkdirSync(path.join(tree, 'app', 'bin'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'app', 'bin', 'start'), 'started');
      execFileSync('tar', ['-C', tree, '-czf', path.join(scratch, 'app.tar.gz'), 'app']);
      fs.writeFileSync(path.join(tree, 'z.txt'), 'zipped');
      execFileSync('python3', ['-c', 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z: z.write(sys.argv[2], "z.txt")', path.join(scratch, 'z.zip'), path.join(tree, 'z.txt')]);
      const gz = source('notes.txt.gz', gzipSync(Buffer.from('unzipped')));
      const kept = source('kept.tgz', 'not even an archive');
      await fetch([{ value: path.join(scratch, 'app.tar.gz') }, { value: path.join(scratch, 'z.zip') }, { value: gz }, { value: kept, extract: false }]);
      expect(fs.readFileSync(path.join(sandbox, 'app', 'bin', 'start'), 'utf8')).to.equal('started');
      expect(fs.readFileSync(path.join(sandbox, 'z.txt'), 'utf8')).to.equal('zipped');
      expect(fs.readFileSync(path.join(sandbox, 'notes.txt'), 'utf8')).to.equal('unzipped');
      expect(fs.readFileSync(path.join(sandbox, 'kept.tgz'), 'utf8')).to.equal('not even an archive');
    });

    it('fails a corrupt archive, naming the file and what tar said', async () => {
      const broken = source('broken.tgz', 'not an archive');
      expect(await failure(fetch([{ value: broken }]))).to.match(/^Failed to fetch '.*broken\.tgz': Failed to extract '.*broken\.tgz': tar failed: .+/);
    });
  });

  describe('downloads', () => {
    it('downloads over http, following a redirect, to the URI\'s file name', async () => {
      const base = await serve((url, response) => {
        if (url === '/old/app.sh') response.writeHead(302, { location: '/new/app.sh' }).end();
        else if (url === '/new/app.sh') response.end('#!/bin/sh\n');
        else response.writeHead(404).end();
      });
      await fetch([{ value: `${base}/old/app.sh`, executable: true }]);
      expect(fs.readFileSync(path.join(sandbox, 'app.sh'), 'utf8')).to.equal('#!/bin/sh\n');
    });

    it('fails a status other than 200, and a redirect loop past MAX_FETCH_REDIRECTS, naming them', async () => {
      const base = await serve((url, response) => {
        if (url === '/loop') response.writeHead(301, { location: '/loop' }).end();
        else response.writeHead(404).end();
      });
      expect(await failure(fetch([{ value: `${base}/missing.tgz` }]))).to.equal(`Failed to fetch '${base}/missing.tgz': Error downloading resource, received HTTP return code 404`);
      expect(await failure(fetch([{ value: `${base}/loop`, outputFile: 'x' }]))).to.equal(`Failed to fetch '${base}/loop': Error downloading resource: more than ${MAX_FETCH_REDIRECTS} redirects`);
    });

    it(`fails a download that stalls for the stall timeout (${FETCHER_STALL_TIMEOUT_MS} ms, on the agent's clock), and removes what it wrote`, async () => {
      const clock = new VirtualClock();
      const base = await serve((_url, response) => {
        response.writeHead(200, { 'content-length': '1000' });
        response.write('first bytes'); // then nothing
      });
      const fetching = new Fetcher({ clock }).fetch({ uris: [{ value: `${base}/big.bin` }], directory: sandbox });
      const outcome = failure(fetching);
      const partial = path.join(sandbox, 'big.bin');
      await eventually(() => fs.existsSync(partial) && fs.statSync(partial).size > 0, FETCH_WAIT_MS, 'the first bytes written');
      await clock.advance(FETCHER_STALL_TIMEOUT_MS - 1);
      await clock.advance(1);
      expect(await within(outcome, FETCH_WAIT_MS, 'the stalled fetch to fail')).to.equal(`Failed to fetch '${base}/big.bin': Error downloading resource: stalled, no bytes for ${FETCHER_STALL_TIMEOUT_MS} ms (--fetcher_stall_timeout)`);
      expect(fs.existsSync(partial)).to.equal(false);
    });

    it('fails a server that never answers within the stall timeout', async () => {
      const clock = new VirtualClock();
      const base = await serve(() => undefined); // headers never come
      const outcome = failure(new Fetcher({ clock, stallTimeoutMs: 5_000 }).fetch({ uris: [{ value: `${base}/x.bin` }], directory: sandbox }));
      await clock.advance(5_000);
      expect(await within(outcome, FETCH_WAIT_MS, 'the fetch to fail')).to.match(/no answer for 5000 ms/);
    });

    it('stops a download past the sandbox\'s disk (maxBytes), and on an abort (the registration timed out)', async () => {
      const base = await serve((url, response) => {
        if (url === '/big.bin') response.end(Buffer.alloc(64 * 1024));
        else {
          response.writeHead(200);
          response.write('x');
        }
      });
      expect(await failure(fetch([{ value: `${base}/big.bin` }], new Fetcher(), { maxBytes: 1_000 }))).to.match(/larger than the sandbox's disk \(1000 bytes\)/);
      expect(fs.existsSync(path.join(sandbox, 'big.bin'))).to.equal(false);
      const abort = new AbortController();
      const outcome = failure(fetch([{ value: `${base}/slow.bin` }], new Fetcher(), { signal: abort.signal }));
      await eventually(() => fs.existsSync(path.join(sandbox, 'slow.bin')), FETCH_WAIT_MS, 'the download to start');
      abort.abort();
      expect(await outcome).to.match(/aborted/);
    });
  });

  describe('as the task\'s user (--switch_user)', () => {
    const root = process.getuid?.() === 0;

    it(`copies only what the user may read, and gives the user what it fetched${root ? '' : ' (skipped: needs root, to switch users)'}`, async function () {
      if (!root) this.skip();
      const account = await runAs('nobody');
      if (account === undefined) throw new Error('nobody runs as root here');
      fs.chmodSync(scratch, 0o755);
      fs.chownSync(sandbox, account.uid, account.gid);
      const secret = source('secret', 'root only');
      fs.chmodSync(secret, 0o600);
      expect(await failure(fetch([{ value: secret }], new Fetcher(), { account }))).to.match(/cp failed: .*Permission denied/);
      const open = source('open.tar.gz', '');
      fs.rmSync(open);
      const tree = path.join(scratch, 'tree');
      fs.mkdirSync(tree);
      fs.writeFileSync(path.join(tree, 'f'), 'x');
      execFileSync('tar', ['-C', tree, '-czf', open, 'f']);
      fs.chmodSync(open, 0o644);
      await fetch([{ value: open }], new Fetcher(), { account });
      expect(fs.statSync(path.join(sandbox, 'open.tar.gz')).uid).to.equal(account.uid);
      expect(fs.statSync(path.join(sandbox, 'f')).uid).to.equal(account.uid);
    });

    // A review of the first version: a download (and the directories, and an executable's mode) were the agent's
    // work as root, so a symlink an earlier URI's archive left in the sandbox led them anywhere.
    it(`writes nothing through a symlink an archive left: a later URI's download, directories and mode stay the user's rights${root ? '' : ' (skipped: needs root, to switch users)'}`, async function () {
      if (!root) this.skip();
      const account = await runAs('nobody');
      if (account === undefined) throw new Error('nobody runs as root here');
      fs.chmodSync(scratch, 0o755);
      fs.chownSync(sandbox, account.uid, account.gid);
      const guarded = path.join(scratch, 'guarded'); // root's, as /etc would be
      fs.mkdirSync(guarded, { mode: 0o755 });
      const rootFile = path.join(guarded, 'root-file');
      fs.writeFileSync(rootFile, 'root', { mode: 0o644 });
      const tree = path.join(scratch, 'tree');
      fs.mkdirSync(tree);
      fs.symlinkSync(guarded, path.join(tree, 'evil'));
      fs.symlinkSync(rootFile, path.join(tree, 'mode'));
      const archive = path.join(scratch, 'links.tar');
      execFileSync('tar', ['-C', tree, '-cf', archive, 'evil', 'mode']);
      fs.chmodSync(archive, 0o644);
      const base = await serve((_url, response) => response.end('planted'));
      expect(await failure(fetch([{ value: archive }, { value: `${base}/x`, outputFile: 'evil/planted' }], new Fetcher(), { account }))).to.match(/cannot write .* as the task's user: .*Permission denied/);
      expect(fs.existsSync(path.join(guarded, 'planted'))).to.equal(false);
      expect(await failure(fetch([{ value: `${base}/x`, outputFile: 'evil/deeper/planted' }], new Fetcher(), { account }))).to.match(/mkdir failed: .*Permission denied/);
      expect(fs.existsSync(path.join(guarded, 'deeper'))).to.equal(false);
      expect(await failure(fetch([{ value: `${base}/y`, outputFile: 'mode', executable: true }], new Fetcher(), { account }))).to.match(/Permission denied/);
      expect(fs.statSync(rootFile).mode & 0o777).to.equal(0o644);
      expect(fs.readFileSync(rootFile, 'utf8')).to.equal('root');
    });
  });
});
