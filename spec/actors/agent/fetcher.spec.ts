import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as connectSocket, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CACHE_MARKER, FETCHER_CACHE_SIZE_BYTES } from '../../../actors/agent/fetcher-cache';
import { Fetcher, FETCHER_STALL_TIMEOUT_MS, proxyFor, shownUri, MAX_FETCH_REDIRECTS, outputFileError, uriBasename, type FetchRequest } from '../../../actors/agent/fetcher';
import { runAs } from '../../../actors/agent/launcher';
import { VirtualClock } from '../../../lib/process/clock';
import type { CommandUri } from '../../../lib/protocol';
import { eventually, within } from '../../support/runtime';
import { makeNamedCertificate, makeTestPki } from '../../support/certificates';

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
    server?.closeAllConnections(); // a response a test left open (a trickle) would hold close
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

  /** A FIFO at `file` (mode 0666): what a task can make where a URI names a file. */
  function fifo(file: string): string {
    execFileSync('mkfifo', ['-m', '0666', file]);
    return file;
  }

  /** Opens both ends of `file` a moment, without waiting: whatever waits on it (a fetch that hung on it) goes on. */
  function release(file: string): void {
    for (const flags of [fs.constants.O_WRONLY | fs.constants.O_NONBLOCK, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK]) {
      try {
        fs.closeSync(fs.openSync(file, flags));
      } catch {
        // nothing waits on that end
      }
    }
  }

  /** A tar archive in the scratch directory holding a FIFO named `name` (readable by anyone). */
  function archiveWithFifo(name: string): string {
    const tree = path.join(scratch, 'fifo-tree');
    fs.mkdirSync(tree);
    fifo(path.join(tree, name));
    const archive = path.join(scratch, 'fifo.tar');
    execFileSync('tar', ['-C', tree, '-cf', archive, name]);
    fs.chmodSync(archive, 0o644);
    return archive;
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

    it('never shows a URI\'s password in its messages or logs', async () => {
      expect(shownUri('https://ci:s3cret@repo.example.com/app.tgz')).to.equal('https://ci:***@repo.example.com/app.tgz');
      expect(shownUri('https://repo.example.com/a:b@c')).to.equal('https://repo.example.com/a:b@c');
      expect(shownUri('/opt/app.tgz')).to.equal('/opt/app.tgz');
      expect(await failure(fetch([{ value: 'ftp://ci:s3cret@files.example.com/app.tgz' }]))).to.equal("Failed to fetch 'ftp://ci:***@files.example.com/app.tgz': the URI scheme 'ftp' is not supported by this agent's fetcher (http, https, file, or a path)");
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

    // A review: a bad URI after a good one was found only once the good one was fetched (maybe a long download).
    it('checks every URI before fetching any, as Mesos does: a bad one anywhere fails the fetch, and nothing is fetched', async () => {
      const data = source('data.txt', 'x');
      expect(await failure(fetch([{ value: data }, { value: 'hdfs://namenode/data/x.tgz' }]))).to.match(/^Failed to fetch 'hdfs:\/\/namenode\/data\/x\.tgz': the URI scheme 'hdfs'/);
      expect(await failure(fetch([{ value: data }, { value: data, outputFile: '/etc/x' }]))).to.match(/within the sandbox/);
      expect(fs.readdirSync(sandbox)).to.deep.equal([]);
    });

    // A review: the agent opened a FIFO to read it (fs.copyFile), which waits for a writer in one of
    // its four I/O threads for good, an abort or not; four such URIs stopped all its file I/O.
    it('refuses a source that is not a regular file, at once: a FIFO held the copy, and an agent I/O thread, for good', async () => {
      const pipe = fifo(path.join(scratch, 'pipe'));
      try {
        expect(await failure(fetch([{ value: pipe }]))).to.equal(`Failed to fetch '${pipe}': '${pipe}' is not a regular file`);
        expect(await failure(fetch([{ value: scratch, outputFile: 'dir' }]))).to.equal(`Failed to fetch '${scratch}': '${scratch}' is not a regular file`);
      } finally {
        release(pipe);
      }
    });

    it('writes only over a regular file: a FIFO an earlier URI\'s archive left where a later one writes fails that one at once', async () => {
      const archive = archiveWithFifo('data.bin');
      const data = source('data.txt', 'x');
      const base = await serve((_url, response) => response.end('downloaded'));
      const planted = path.join(sandbox, 'data.bin');
      try {
        expect(await failure(fetch([{ value: archive }, { value: data, outputFile: 'data.bin' }]))).to.match(/^Failed to fetch '.*data\.txt': cannot write '.*data\.bin': /);
        expect(await failure(fetch([{ value: `${base}/data.bin` }]))).to.match(/^Failed to fetch '.*data\.bin': cannot write '.*data\.bin': /);
        expect(fs.statSync(planted).isFIFO()).to.equal(true);
      } finally {
        release(planted);
      }
    });

    it('refuses a local file larger than the sandbox\'s disk (maxBytes)', async () => {
      const big = source('big.bin', Buffer.alloc(10_000));
      expect(await failure(fetch([{ value: big }], new Fetcher(), { maxBytes: 1_000 }))).to.equal(`Failed to fetch '${big}': '${big}' is larger than the sandbox's disk (1000 bytes)`);
      expect(fs.existsSync(path.join(sandbox, 'big.bin'))).to.equal(false);
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

    // A review: Mesos decompresses a bare .gz into the sandbox (`gunzip -d -c` to the sandbox, under the name's basename); here it went beside the file.
    it('decompresses a bare .gz into the sandbox under its name without the suffix, wherever its output file put it (Mesos)', async () => {
      const gz = source('notes.txt.gz', gzipSync(Buffer.from('unzipped')));
      await fetch([{ value: gz, outputFile: 'sub/dir/notes.txt.gz' }]);
      expect(fs.readFileSync(path.join(sandbox, 'notes.txt'), 'utf8')).to.equal('unzipped');
      expect(fs.existsSync(path.join(sandbox, 'sub', 'dir', 'notes.txt'))).to.equal(false);
    });

    // A review: a bare .gz was decompressed without bound (a 1 KiB bomb is 1 MiB, a 1 MiB one a GiB) and without regard to an abort.
    it('stops a bare .gz that decompresses past the sandbox\'s disk (maxBytes), and removes what it wrote', async () => {
      const bomb = source('bomb.gz', gzipSync(Buffer.alloc(1024 * 1024)));
      expect(await failure(fetch([{ value: bomb }], new Fetcher(), { maxBytes: 100_000 }))).to.equal(`Failed to fetch '${bomb}': Failed to extract '${path.join(sandbox, 'bomb.gz')}': gunzip failed: larger than the sandbox's disk (100000 bytes)`);
      expect(fs.existsSync(path.join(sandbox, 'bomb'))).to.equal(false);
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
      expect(await within(outcome, FETCH_WAIT_MS, 'the fetch to fail')).to.equal(`Failed to fetch '${base}/x.bin': Error downloading resource: no answer for 5000 ms (--fetcher_stall_timeout)`);
    });

    // A review: a server that sent a byte every 59 s was waited for until the registration timeout; Mesos gives
    // curl a low-speed limit of 1 byte a second over --fetcher_stall_timeout.
    it('fails a download that trickles under 1 byte a second over the stall timeout, and keeps one that does not', async () => {
      const clock = new VirtualClock();
      const responses = new Map<string, ServerResponse>();
      const base = await serve((url, response) => {
        response.writeHead(200);
        response.write(url === '/slow.bin' ? 'x' : Buffer.alloc(60));
        responses.set(url, response);
      });
      const fetcher = new Fetcher({ clock });
      const size = (name: string): number => (fs.existsSync(path.join(sandbox, name)) ? fs.statSync(path.join(sandbox, name)).size : 0);
      const slow = failure(fetcher.fetch({ uris: [{ value: `${base}/slow.bin` }], directory: sandbox }));
      const steady = fetcher.fetch({ uris: [{ value: `${base}/steady.bin` }], directory: sandbox });
      await eventually(() => size('slow.bin') === 1 && size('steady.bin') === 60, FETCH_WAIT_MS, 'the first bytes written');
      await clock.advance(FETCHER_STALL_TIMEOUT_MS - 1_000);
      responses.get('/slow.bin')?.write('y');
      responses.get('/steady.bin')?.write(Buffer.alloc(60));
      await eventually(() => size('slow.bin') === 2 && size('steady.bin') === 120, FETCH_WAIT_MS, 'the next bytes written');
      await clock.advance(1_000);
      expect(await within(slow, FETCH_WAIT_MS, 'the trickle to fail')).to.equal(`Failed to fetch '${base}/slow.bin': Error downloading resource: too slow, 2 bytes in ${FETCHER_STALL_TIMEOUT_MS} ms, under 1 byte a second (--fetcher_stall_timeout)`);
      expect(fs.existsSync(path.join(sandbox, 'slow.bin'))).to.equal(false);
      responses.get('/steady.bin')?.end();
      await within(steady, FETCH_WAIT_MS, 'the steady download');
      expect(size('steady.bin')).to.equal(120);
    });

    // A review: a body the fetch did not want (a redirect's, an error's) was read on (\`resume\`), without end for a server that sends one without end.
    it('reads no body it does not want: a redirect\'s and an error\'s connections are closed', async () => {
      const closed: string[] = [];
      const base = await serve((url, response) => {
        response.on('close', () => closed.push(url));
        if (url === '/ok') return response.end('ok');
        response.writeHead(url === '/moved' ? 302 : 404, url === '/moved' ? { location: '/ok' } : {});
        const endless = setInterval(() => response.write(Buffer.alloc(1024)), 5);
        response.on('close', () => clearInterval(endless));
      });
      await fetch([{ value: `${base}/moved`, outputFile: 'moved' }]);
      expect(fs.readFileSync(path.join(sandbox, 'moved'), 'utf8')).to.equal('ok');
      expect(await failure(fetch([{ value: `${base}/missing` }]))).to.match(/received HTTP return code 404/);
      await eventually(() => closed.includes('/moved') && closed.includes('/missing'), FETCH_WAIT_MS, 'the unwanted bodies\' connections closed');
    });

    // A review: the removal of a failed download rejected for a directory (fs.rm), and nothing caught it: an
    // unhandled rejection, which stops a Node process (the agent) by default.
    it('fails a download onto a directory an earlier URI made, leaving the directory and no unhandled rejection', async () => {
      const unhandled: unknown[] = [];
      const listener = (reason: unknown): void => { unhandled.push(reason); };
      const listeners = process.listeners('unhandledRejection');
      process.removeAllListeners('unhandledRejection');
      process.on('unhandledRejection', listener);
      try {
        const data = source('data.txt', 'x');
        const base = await serve((_url, response) => response.end('downloaded'));
        expect(await failure(fetch([{ value: data, outputFile: 'd/data.txt' }, { value: `${base}/d` }]))).to.match(/^Failed to fetch '.*\/d': .*cannot write '.*\/d': .*EISDIR/);
        for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.removeListener('unhandledRejection', listener);
        for (const previous of listeners) process.on('unhandledRejection', previous);
      }
      expect(unhandled.map((reason) => String(reason))).to.deep.equal([]);
      expect(fs.statSync(path.join(sandbox, 'd')).isDirectory()).to.equal(true);
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

    // A review: as the user, `cp` of a FIFO waited for a writer (and of /dev/zero wrote until the disk
    // was full) until the registration timeout; so did the user's `cat` onto a FIFO an archive left.
    it(`refuses a FIFO to read or to write over at once, as the user too${root ? '' : ' (skipped: needs root, to switch users)'}`, async function () {
      if (!root) this.skip();
      const account = await runAs('nobody');
      if (account === undefined) throw new Error('nobody runs as root here');
      fs.chmodSync(scratch, 0o755);
      fs.chownSync(sandbox, account.uid, account.gid);
      const pipe = fifo(path.join(scratch, 'pipe'));
      const archive = archiveWithFifo('data.bin');
      const data = source('data.txt', 'x');
      fs.chmodSync(data, 0o644);
      const base = await serve((_url, response) => response.end('downloaded'));
      const planted = path.join(sandbox, 'data.bin');
      try {
        expect(await failure(fetch([{ value: pipe }], new Fetcher(), { account }))).to.equal(`Failed to fetch '${pipe}': cp failed: '${pipe}' is not a regular file`);
        expect(await failure(fetch([{ value: archive }, { value: data, outputFile: 'data.bin' }], new Fetcher(), { account }))).to.match(/cp failed: '.*data\.bin' is not a regular file/);
        expect(await failure(fetch([{ value: `${base}/data.bin` }], new Fetcher(), { account }))).to.match(/cannot write '.*data\.bin' as the task's user: '.*data\.bin' is not a regular file/);
      } finally {
        release(pipe);
        release(planted);
      }
    });

    it(`stops a bare .gz decompressing past maxBytes as the user, and decompresses one into the sandbox as the user${root ? '' : ' (skipped: needs root, to switch users)'}`, async function () {
      if (!root) this.skip();
      const account = await runAs('nobody');
      if (account === undefined) throw new Error('nobody runs as root here');
      fs.chmodSync(scratch, 0o755);
      fs.chownSync(sandbox, account.uid, account.gid);
      const bomb = source('bomb.gz', gzipSync(Buffer.alloc(1024 * 1024)));
      const notes = source('notes.txt.gz', gzipSync(Buffer.from('unzipped')));
      fs.chmodSync(bomb, 0o644);
      fs.chmodSync(notes, 0o644);
      expect(await failure(fetch([{ value: bomb }], new Fetcher(), { account, maxBytes: 100_000 }))).to.match(/gunzip failed: larger than the sandbox's disk \(100000 bytes\)$/);
      expect(fs.existsSync(path.join(sandbox, 'bomb'))).to.equal(false);
      await fetch([{ value: notes, outputFile: 'sub/notes.txt.gz' }], new Fetcher(), { account });
      expect(fs.readFileSync(path.join(sandbox, 'notes.txt'), 'utf8')).to.equal('unzipped');
      expect(fs.statSync(path.join(sandbox, 'notes.txt')).uid).to.equal(account.uid);
    });
  });

  describe('the fetcher cache (cache: true; --fetcher_cache_size, --fetcher_cache_dir)', () => {
    /** A second sandbox, for a second launch. */
    function otherSandbox(name: string): string {
      const directory = path.join(scratch, name);
      fs.mkdirSync(directory);
      return directory;
    }

    /** A server counting the requests for each path; `body` answers them. */
    async function counting(body: (url: string) => Buffer | string): Promise<{ base: string; hits: Map<string, number> }> {
      const hits = new Map<string, number>();
      const base = await serve((url, response) => {
        hits.set(url, (hits.get(url) ?? 0) + 1);
        response.end(body(url));
      });
      return { base, hits };
    }

    it('fetches a cached URI once per user: later launches copy it from the cache, at once ones share one download; an uncached URI is fetched each time', async () => {
      const { base, hits } = await counting(() => 'payload');
      const fetcher = new Fetcher({ cacheDirectory: path.join(scratch, 'cache') });
      await fetch([{ value: `${base}/app.bin`, cache: true }, { value: `${base}/plain.bin` }], fetcher);
      const second = otherSandbox('second');
      await within(fetcher.fetch({ uris: [{ value: `${base}/app.bin`, cache: true }, { value: `${base}/plain.bin` }], directory: second }), FETCH_WAIT_MS, 'the second fetch');
      expect(fs.readFileSync(path.join(second, 'app.bin'), 'utf8')).to.equal('payload');
      const [third, fourth] = [otherSandbox('third'), otherSandbox('fourth')];
      await within(Promise.all([third, fourth].map((directory) => fetcher.fetch({ uris: [{ value: `${base}/new.bin`, cache: true }], directory }))), FETCH_WAIT_MS, 'two fetches at once');
      expect(Object.fromEntries(hits)).to.deep.equal({ '/app.bin': 1, '/plain.bin': 2, '/new.bin': 1 });
      expect(fs.readFileSync(path.join(fourth, 'new.bin'), 'utf8')).to.equal('payload');
      expect(fetcher.cacheMetrics()).to.deep.equal({ totalBytes: FETCHER_CACHE_SIZE_BYTES, usedBytes: 2 * 'payload'.length });
    });

    it('extracts a cached archive from the cache (it is not copied into the sandbox), and makes a cached executable one so', async () => {
      const tree = path.join(scratch, 'tree');
      fs.mkdirSync(path.join(tree, 'app'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'app', 'version'), '2.0');
      execFileSync('tar', ['-C', tree, '-czf', path.join(scratch, 'app.tgz'), 'app']);
      const script = source('run.sh', '#!/bin/sh\n');
      const fetcher = new Fetcher({ cacheDirectory: path.join(scratch, 'cache') });
      for (const directory of [sandbox, otherSandbox('second')]) {
        await within(fetcher.fetch({ uris: [{ value: path.join(scratch, 'app.tgz'), cache: true }, { value: script, cache: true, executable: true, outputFile: 'bin/run.sh' }], directory }), FETCH_WAIT_MS, 'the fetch');
        expect(fs.readFileSync(path.join(directory, 'app', 'version'), 'utf8')).to.equal('2.0');
        expect(fs.existsSync(path.join(directory, 'app.tgz')), 'the archive stays in the cache').to.equal(false);
        expect(fs.statSync(path.join(directory, 'bin', 'run.sh')).mode & 0o777).to.equal(0o755);
      }
    });

    it('keeps at most its size: the least recently used go first; one larger than the cache serves its launch and goes', async () => {
      const { base, hits } = await counting((url) => Buffer.alloc(url === '/huge.bin' ? 300 : 100));
      const fetcher = new Fetcher({ cacheDirectory: path.join(scratch, 'cache'), cacheSizeBytes: 250 });
      const run = async (name: string, directory = otherSandbox(`s-${name}-${hits.size}-${Math.random().toString(36).slice(2)}`)): Promise<void> => {
        await within(fetcher.fetch({ uris: [{ value: `${base}/${name}.bin`, cache: true }], directory }), FETCH_WAIT_MS, `fetching ${name}`);
      };
      await run('a');
      await run('b');
      await run('a'); // a is now the most recently used
      await run('c'); // 300 > 250: b, the least recently used, goes
      expect(fetcher.cacheMetrics().usedBytes).to.equal(200);
      await run('a');
      await run('b');
      expect(Object.fromEntries(hits)).to.deep.equal({ '/a.bin': 1, '/b.bin': 2, '/c.bin': 1 });
      await run('huge');
      expect(fetcher.cacheMetrics().usedBytes, 'the huge one is not kept').to.be.at.most(250);
      await run('huge');
      expect(hits.get('/huge.bin')).to.equal(2);
    });

    it('a failed cached fetch leaves nothing cached: the next launch fetches again', async () => {
      let fail = true;
      const hits: string[] = [];
      const base = await serve((url, response) => {
        hits.push(url);
        if (fail) response.writeHead(500).end();
        else response.end('ok');
      });
      const fetcher = new Fetcher({ cacheDirectory: path.join(scratch, 'cache') });
      expect(await failure(fetch([{ value: `${base}/x.bin`, cache: true }], fetcher))).to.match(/received HTTP return code 500/);
      fail = false;
      await within(fetcher.fetch({ uris: [{ value: `${base}/x.bin`, cache: true }], directory: otherSandbox('second') }), FETCH_WAIT_MS, 'the second fetch');
      expect(hits).to.deep.equal(['/x.bin', '/x.bin']);
      expect(fetcher.cacheMetrics().usedBytes).to.equal(2);
    });

    it('starts empty: empties its own directory; one with files it did not make is left alone, and every URI is fetched directly', async () => {
      const { base, hits } = await counting(() => 'x');
      const own = path.join(scratch, 'cache');
      await fetch([{ value: `${base}/a.bin`, cache: true }], new Fetcher({ cacheDirectory: own }));
      const left = fs.readdirSync(own).filter((name) => name !== CACHE_MARKER);
      expect(left, 'what the first agent cached').to.have.length(1);
      await within(new Fetcher({ cacheDirectory: own }).fetch({ uris: [{ value: `${base}/a.bin`, cache: true }], directory: otherSandbox('second') }), FETCH_WAIT_MS, 'after a restart');
      expect(hits.get('/a.bin'), 'a restarted agent\'s cache is empty').to.equal(2);
      const foreign = path.join(scratch, 'foreign');
      fs.mkdirSync(foreign);
      fs.writeFileSync(path.join(foreign, 'precious'), 'keep me');
      const fetcher = new Fetcher({ cacheDirectory: foreign });
      for (const name of ['third', 'fourth']) await within(fetcher.fetch({ uris: [{ value: `${base}/a.bin`, cache: true }], directory: otherSandbox(name) }), FETCH_WAIT_MS, 'fetched directly');
      expect(fs.readFileSync(path.join(foreign, 'precious'), 'utf8')).to.equal('keep me');
      expect(hits.get('/a.bin')).to.equal(4);
      expect(fetcher.cacheMetrics().usedBytes).to.equal(0);
    });

    it('caches nothing larger than itself, and evicts nothing for it: the entries it would push out stay (Mesos refuses the reservation)', async () => {
      const { base, hits } = await counting((url) => Buffer.alloc(url === '/huge.bin' ? 300 : 100));
      const fetcher = new Fetcher({ cacheDirectory: path.join(scratch, 'cache'), cacheSizeBytes: 250 });
      let launches = 0;
      const run = (name: string): Promise<void> => within(fetcher.fetch({ uris: [{ value: `${base}/${name}.bin`, cache: true }], directory: otherSandbox(`launch-${launches++}`) }), FETCH_WAIT_MS, `fetching ${name}`);
      await run('a');
      await run('b');
      await run('huge');
      expect(fetcher.cacheMetrics().usedBytes, 'a and b, not the huge one').to.equal(200);
      await run('a');
      await run('b');
      await run('huge');
      expect(Object.fromEntries(hits)).to.deep.equal({ '/a.bin': 1, '/b.bin': 1, '/huge.bin': 2 });
      await eventually(() => fs.readdirSync(path.join(scratch, 'cache', 'agent')).length === 2, FETCH_WAIT_MS, 'the huge one\'s file removed');
    });

    it('a launch sharing another\'s cached fetch that fails fetches directly (as Mesos reverts to the sandbox): the first launch\'s small disk is not the second\'s', async () => {
      const { base, hits } = await counting(() => Buffer.alloc(100, 1));
      const fetcher = new Fetcher({ cacheDirectory: path.join(scratch, 'cache') });
      const second = otherSandbox('second');
      const [small, large] = await Promise.allSettled([
        within(fetcher.fetch({ uris: [{ value: `${base}/a.bin`, cache: true }], directory: sandbox, maxBytes: 10 }), FETCH_WAIT_MS, 'the small launch'),
        within(fetcher.fetch({ uris: [{ value: `${base}/a.bin`, cache: true }], directory: second }), FETCH_WAIT_MS, 'the large launch'),
      ]);
      expect(small.status === 'rejected' && String((small.reason as Error).message)).to.match(/larger than the sandbox's disk \(10 bytes\)/);
      expect(large.status, large.status === 'rejected' ? String((large.reason as Error).message) : '').to.equal('fulfilled');
      expect(fs.readFileSync(path.join(second, 'a.bin')).length).to.equal(100);
      expect(hits.get('/a.bin')).to.equal(2);
    });

    it('fetches again an entry whose file went (Mesos checks an entry\'s file before using it), and a cache directory removed mid-run is made again, marker and all', async () => {
      const { base, hits } = await counting(() => 'x');
      const cache = path.join(scratch, 'cache');
      const fetcher = new Fetcher({ cacheDirectory: cache });
      await fetch([{ value: `${base}/a.bin`, cache: true }], fetcher);
      const [entry] = fs.readdirSync(path.join(cache, 'agent'));
      fs.rmSync(path.join(cache, 'agent', entry as string, 'a.bin'));
      await within(fetcher.fetch({ uris: [{ value: `${base}/a.bin`, cache: true }], directory: otherSandbox('second') }), FETCH_WAIT_MS, 'after its file went');
      expect(hits.get('/a.bin')).to.equal(2);
      expect(fetcher.cacheMetrics().usedBytes, 'counted once').to.equal(1);
      fs.rmSync(cache, { recursive: true, force: true });
      await within(fetcher.fetch({ uris: [{ value: `${base}/a.bin`, cache: true }, { value: `${base}/b.bin`, cache: true }], directory: otherSandbox('third') }), FETCH_WAIT_MS, 'after the directory went');
      expect(hits.get('/a.bin')).to.equal(3);
      expect(fetcher.cacheMetrics().usedBytes).to.equal(2);
      expect(fs.existsSync(path.join(cache, CACHE_MARKER)), 'the marker, so the next start empties it').to.equal(true);
    });

    it('refuses a directory others may write, marker or not: it is left alone, and every URI is fetched directly (whoever planted a marker would have it emptied)', async () => {
      const { base, hits } = await counting(() => 'x');
      const shared = path.join(scratch, 'shared');
      fs.mkdirSync(shared);
      fs.chmodSync(shared, 0o777);
      fs.writeFileSync(path.join(shared, CACHE_MARKER), '');
      fs.writeFileSync(path.join(shared, 'precious'), 'keep me');
      const fetcher = new Fetcher({ cacheDirectory: shared });
      await fetch([{ value: `${base}/a.bin`, cache: true }], fetcher);
      expect(fs.readFileSync(path.join(shared, 'precious'), 'utf8')).to.equal('keep me');
      expect(fs.readdirSync(shared).sort()).to.deep.equal([CACHE_MARKER, 'precious'].sort());
      expect(hits.get('/a.bin')).to.equal(1);
    });

    it('holds no entry for good: a launch whose copy from the cache fails, or that is aborted while it waits, lets the entry go later', async () => {
      let hold: (() => void) | undefined;
      const hits = new Map<string, number>();
      const base = await serve((url, response) => {
        hits.set(url, (hits.get(url) ?? 0) + 1);
        if (url === '/c.bin' && hits.get(url) === 1) hold = () => response.end(Buffer.alloc(100));
        else response.end(Buffer.alloc(100));
      });
      const fetcher = new Fetcher({ cacheDirectory: path.join(scratch, 'cache'), cacheSizeBytes: 150 });
      let launches = 0;
      const run = (name: string, extra: Partial<FetchRequest> = {}): Promise<void> => within(fetcher.fetch({ uris: [{ value: `${base}/${name}.bin`, cache: true }], directory: otherSandbox(`launch-${launches++}`), ...extra }), FETCH_WAIT_MS, `fetching ${name}`);
      await run('a');
      expect(await failure(run('a', { maxBytes: 10 }))).to.match(/larger than the sandbox's disk/);
      await run('b'); // a, no longer used, goes
      expect(fetcher.cacheMetrics().usedBytes).to.equal(100);
      const abort = new AbortController();
      const waiting = failure(run('c', { signal: abort.signal }));
      await eventually(() => hold !== undefined, FETCH_WAIT_MS, 'the request for c');
      abort.abort();
      expect(await waiting).to.match(/aborted/);
      hold?.();
      await eventually(() => fetcher.cacheMetrics().usedBytes === 100 && hits.get('/c.bin') === 1, FETCH_WAIT_MS, 'c cached, b gone');
      await run('a'); // c, which nobody uses, goes
      await run('c');
      expect(Object.fromEntries(hits)).to.deep.equal({ '/a.bin': 2, '/b.bin': 1, '/c.bin': 2 });
    });

    const root = process.getuid?.() === 0;
    it(`keeps a user's cached files in a directory theirs alone, written as them${root ? '' : ' (skipped: needs root, to switch users)'}`, async function () {
      if (!root) this.skip();
      const account = await runAs('nobody');
      if (account === undefined) throw new Error('nobody runs as root here');
      fs.chmodSync(scratch, 0o755);
      fs.chownSync(sandbox, account.uid, account.gid);
      const { base } = await counting(() => 'mine');
      const cache = path.join(scratch, 'cache');
      await fetch([{ value: `${base}/a.bin`, cache: true }], new Fetcher({ cacheDirectory: cache }), { account });
      const userDirectory = path.join(cache, String(account.uid));
      expect(fs.statSync(userDirectory).mode & 0o777).to.equal(0o700);
      expect(fs.statSync(userDirectory).uid).to.equal(account.uid);
      const [entry] = fs.readdirSync(userDirectory);
      expect(fs.statSync(path.join(userDirectory, entry as string, 'a.bin')).uid).to.equal(account.uid);
      expect(fs.statSync(path.join(sandbox, 'a.bin')).uid).to.equal(account.uid);
    });

    it(`makes a cache directory removed mid-run again so that users can reach theirs (it was made 0700, and every user's cached fetch failed)${root ? '' : ' (skipped: needs root, to switch users)'}`, async function () {
      if (!root) this.skip();
      const account = await runAs('nobody');
      if (account === undefined) throw new Error('nobody runs as root here');
      fs.chmodSync(scratch, 0o755);
      const { base, hits } = await counting(() => 'mine');
      const cache = path.join(scratch, 'cache');
      const fetcher = new Fetcher({ cacheDirectory: cache });
      const launch = (name: string): Promise<void> => {
        const directory = otherSandbox(name);
        fs.chownSync(directory, account.uid, account.gid);
        return within(fetcher.fetch({ uris: [{ value: `${base}/a.bin`, cache: true }], directory, account }), FETCH_WAIT_MS, `the launch ${name}`);
      };
      await launch('first');
      fs.rmSync(cache, { recursive: true, force: true });
      await launch('second');
      await launch('third');
      expect(hits.get('/a.bin')).to.equal(2);
      expect(fs.statSync(cache).mode & 0o777).to.equal(0o755);
    });
  });

  describe('through a proxy (http_proxy, https_proxy, no_proxy, as curl reads them)', () => {
    it('picks the proxy as curl does: by scheme, not for a host no_proxy lists, only an http:// one', () => {
      const environment = { http_proxy: 'http://p:3128', https_proxy: 'proxy.local:8080', no_proxy: 'internal.example, .corp, 10.0.0.1' };
      expect(String((proxyFor(new URL('http://a.example.com/x'), environment) as { url: URL }).url)).to.equal('http://p:3128/');
      expect(String((proxyFor(new URL('https://a.example.com/x'), environment) as { url: URL }).url)).to.equal('http://proxy.local:8080/');
      for (const exempt of ['http://internal.example/x', 'https://b.internal.example/x', 'http://x.corp/y', 'http://10.0.0.1/z']) expect(proxyFor(new URL(exempt), environment), exempt).to.equal(undefined);
      expect(proxyFor(new URL('http://a.example.com/x'), { HTTP_PROXY: 'http://p:1' }), 'curl reads no HTTP_PROXY').to.equal(undefined);
      expect(proxyFor(new URL('http://a/x'), { http_proxy: 'http://p:1', no_proxy: '*' })).to.equal(undefined);
      for (const loopback of ['http://localhost:8080/x', 'http://127.0.0.1/x', 'http://[::1]:80/x']) expect(proxyFor(new URL(loopback), { http_proxy: 'http://p:1' }), `${loopback}: a proxy cannot reach this machine's loopback`).to.equal(undefined);
      expect(proxyFor(new URL('https://a/x'), { https_proxy: 'socks5://p:1' })).to.deep.equal({ error: "the proxy 'socks5://p:1' (https_proxy) must be an http:// URL" });
    });

    it('asks an http:// URL of the proxy by its whole URL, with the proxy\'s credentials; a no_proxy host goes direct', async () => {
      const seen: Array<{ line: string; authorization?: string }> = [];
      const proxy = await serve((url, response) => {
        seen.push({ line: url });
        response.end('via proxy');
      });
      server?.on('request', (request) => {
        const last = seen.at(-1);
        if (last !== undefined && request.headers['proxy-authorization'] !== undefined) last.authorization = request.headers['proxy-authorization'];
      });
      const proxied = new Fetcher({ environment: { http_proxy: proxy.replace('http://', 'http://ops:s3cret@') } });
      await fetch([{ value: 'http://downloads.example.invalid/app.bin' }], proxied);
      expect(fs.readFileSync(path.join(sandbox, 'app.bin'), 'utf8')).to.equal('via proxy');
      expect(seen).to.deep.equal([{ line: 'http://downloads.example.invalid/app.bin', authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` }]);
      // A host no_proxy lists goes direct: the proxy named is a closed port, and the host does not exist.
      const direct = new Fetcher({ environment: { http_proxy: 'http://127.0.0.1:1', no_proxy: '.example.invalid' } });
      expect(await failure(fetch([{ value: 'http://downloads.example.invalid/direct.bin' }], direct))).to.match(/Error downloading resource: getaddrinfo|ENOTFOUND|EAI_AGAIN/);
    });

    /**
     * A TLS server for `downloads.example.test` (a name only the proxy resolves, to this machine:
     * a direct fetch cannot reach it, and loopback names are never proxied) and an http proxy
     * tunnelling to it, which answers CONNECT as `mode` says; `close` ends both.
     */
    async function tunnelingProxy(): Promise<{
      readonly ca: string; readonly targetPort: number; readonly proxyPort: number;
      readonly connects: string[]; readonly names: Array<string | false>;
      mode: 'pass' | 'refuse' | 'close' | 'silent';
      close(): Promise<void>;
    }> {
      const pki = makeTestPki();
      const named = makeNamedCertificate(pki, 'downloads.example.test');
      const names: Array<string | false> = [];
      const target = createHttpsServer({ cert: fs.readFileSync(named.cert), key: fs.readFileSync(named.key) }, (request, response) => {
        names.push((request.socket as unknown as { servername: string | false }).servername);
        response.end('over tls');
      });
      const connects: string[] = [];
      const tunnels: Socket[] = [];
      const proxy = createServer();
      const state = { mode: 'pass' as 'pass' | 'refuse' | 'close' | 'silent' };
      proxy.on('connect', (request: IncomingMessage, client: Socket) => {
        connects.push(request.url ?? '');
        tunnels.push(client);
        client.on('error', () => undefined);
        if (state.mode === 'silent') return;
        if (state.mode === 'refuse') return client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        if (state.mode === 'close') return client.end('HTTP/1.1 200 Connection established\r\n\r\n');
        const port = Number((request.url ?? '').split(':')[1]);
        const upstream = connectSocket(port, '127.0.0.1', () => {
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          upstream.pipe(client);
          client.pipe(upstream);
        });
        tunnels.push(upstream);
        upstream.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', () => resolve()));
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
      return {
        ca: fs.readFileSync(pki.ca, 'utf8'), targetPort: (target.address() as AddressInfo).port, proxyPort: (proxy.address() as AddressInfo).port, connects, names,
        get mode() { return state.mode; },
        set mode(mode) { state.mode = mode; },
        close: async () => {
          for (const socket of tunnels) socket.destroy();
          target.closeAllConnections();
          proxy.closeAllConnections();
          await new Promise<void>((resolve) => target.close(() => resolve()));
          await new Promise<void>((resolve) => proxy.close(() => resolve()));
          pki.remove();
        },
      };
    }

    it('downloads an https:// URL through a CONNECT tunnel, TLS end to end; a proxy refusing the tunnel fails it, naming its answer', async function () {
      this.timeout(FETCH_WAIT_MS * 3);
      const tunnel = await tunnelingProxy();
      try {
        const { targetPort, proxyPort } = tunnel;
        const fetcher = new Fetcher({ environment: { https_proxy: `http://127.0.0.1:${proxyPort}` }, certificateAuthorities: tunnel.ca });
        await fetch([{ value: `https://downloads.example.test:${targetPort}/secure.bin` }], fetcher);
        expect(fs.readFileSync(path.join(sandbox, 'secure.bin'), 'utf8')).to.equal('over tls');
        expect(tunnel.connects).to.deep.equal([`downloads.example.test:${targetPort}`]);
        tunnel.mode = 'refuse';
        expect(await failure(fetch([{ value: `https://downloads.example.test:${targetPort}/other.bin` }], fetcher))).to.equal(`Failed to fetch 'https://downloads.example.test:${targetPort}/other.bin': Error downloading resource: the proxy 127.0.0.1:${proxyPort} answered CONNECT downloads.example.test:${targetPort} with 403`);
      } finally {
        await tunnel.close();
      }
    });

    it("sends a URL's own credentials as Authorization, never in the request line the proxy logs, nor its fragment", async () => {
      const seen: Array<{ line: string; authorization?: string }> = [];
      server = createServer((request, response) => {
        seen.push({ line: request.url ?? '', ...(request.headers.authorization !== undefined ? { authorization: request.headers.authorization } : {}) });
        response.end('via proxy');
      });
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
      const proxied = new Fetcher({ environment: { http_proxy: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } });
      await fetch([{ value: 'http://alice:pa%40ss@downloads.example.invalid/app.bin#part' }], proxied);
      expect(seen).to.deep.equal([{ line: 'http://downloads.example.invalid/app.bin', authorization: `Basic ${Buffer.from('alice:pa@ss').toString('base64')}` }]);
    });

    it('names a badly escaped proxy credential instead of a bare URIError', async () => {
      const fetcher = new Fetcher({ environment: { http_proxy: 'http://ops:50%zz@127.0.0.1:1' } });
      expect(await failure(fetch([{ value: 'http://downloads.example.invalid/app.bin' }], fetcher))).to.match(/proxy.*credentials/);
    });

    it("tunnels TLS with the target's name as SNI; a proxy that says 200 then closes, or never answers CONNECT (the stall timeout, on the agent's clock), fails the fetch", async function () {
      this.timeout(FETCH_WAIT_MS * 3);
      const tunnel = await tunnelingProxy();
      try {
        const { targetPort } = tunnel;
        const clock = new VirtualClock();
        const fetcher = new Fetcher({ clock, stallTimeoutMs: 1000, environment: { https_proxy: `http://127.0.0.1:${tunnel.proxyPort}` }, certificateAuthorities: tunnel.ca });
        await fetch([{ value: `https://downloads.example.test:${targetPort}/secure.bin` }], fetcher);
        expect(tunnel.names).to.deep.equal(['downloads.example.test']);
        tunnel.mode = 'close';
        expect(await failure(fetch([{ value: `https://downloads.example.test:${targetPort}/closed.bin` }], fetcher))).to.match(/^Failed to fetch .*: Error downloading resource: /);
        tunnel.mode = 'silent';
        const silent = failure(fetch([{ value: `https://downloads.example.test:${targetPort}/silent.bin` }], fetcher));
        await eventually(() => tunnel.connects.length === 3, FETCH_WAIT_MS, 'the third CONNECT');
        let settled = false;
        void silent.finally(() => { settled = true; });
        await clock.advance(999);
        await new Promise((resolve) => setImmediate(resolve));
        expect(settled, 'not before the stall timeout').to.equal(false);
        await clock.advance(1);
        expect(await silent).to.match(/no answer from the proxy for 1000 ms/);
      } finally {
        await tunnel.close();
      }
    });
  });
});
