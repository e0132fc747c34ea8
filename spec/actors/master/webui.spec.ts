import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { defaultMasterFlags, loadWebUiBundle, MAX_WEBUI_FILE_BYTES, Registry, startMaster, WEBUI_ACTOR_ID, WebUiActor } from '../../../actors/master';
import { memoryHost, netHost, within } from '../../support/runtime';

/** A bundle as scripts/build-webui.js writes it, in a new temporary directory. */
function fakeBundle(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'webui-bundle-'));
  fs.mkdirSync(path.join(directory, 'assets'));
  fs.writeFileSync(path.join(directory, 'index.html'), '<!doctype html><title>mesos-ts</title><script src="/assets/app-ABC.js"></script>');
  fs.writeFileSync(path.join(directory, 'assets', 'app-ABC.js'), 'console.log("app")');
  fs.writeFileSync(path.join(directory, 'assets', 'style-DEF.css'), 'body { color: red }');
  fs.writeFileSync(path.join(directory, 'assets', 'notes.txt'), 'not served: unknown extension');
  return directory;
}

async function get(url: string, method = 'GET'): Promise<{ status: number; type: string | null; cache: string | null; text: string }> {
  const response = await within(fetch(url, { method, redirect: 'manual' }), 5_000, url);
  return { status: response.status, type: response.headers.get('content-type'), cache: response.headers.get('cache-control'), text: await response.text() };
}

describe('actors/master/webui: the web UI actor', () => {
  const directories: string[] = [];
  let host: ActorHost | undefined;

  afterEach(async () => {
    await host?.stop();
    host = undefined;
    for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
  });

  async function serve(directory: string): Promise<string> {
    host = await netHost();
    host.spawn(new WebUiActor(loadWebUiBundle(directory)));
    host.setDelegate(WEBUI_ACTOR_ID);
    return `http://${host.address}`;
  }

  it('answers / with index.html, revalidated on every load, with a content security policy', async () => {
    const directory = fakeBundle();
    directories.push(directory);
    const base = await serve(directory);
    const page = await get(`${base}/`);
    expect(page.status).to.equal(200);
    expect(page.type).to.equal('text/html; charset=utf-8');
    expect(page.cache).to.equal('no-cache');
    expect(page.text).to.contain('<title>mesos-ts</title>');
    const response = await fetch(`${base}/`);
    expect(response.headers.get('content-security-policy')).to.contain("default-src 'self'");
    // Scripts from this origin only: an agent's answer is never run as a script in the master's origin.
    expect(response.headers.get('content-security-policy')).to.contain("script-src 'self';");
    expect((await get(`${base}/index.html`)).text).to.equal(page.text);
  });

  it('serves the hashed assets with their content types, cached for good', async () => {
    const directory = fakeBundle();
    directories.push(directory);
    const base = await serve(directory);
    const script = await get(`${base}/assets/app-ABC.js`);
    expect([script.status, script.type, script.text]).to.deep.equal([200, 'text/javascript; charset=utf-8', 'console.log("app")']);
    expect(script.cache).to.contain('immutable');
    const style = await get(`${base}/assets/style-DEF.css`);
    expect([style.status, style.type]).to.deep.equal([200, 'text/css; charset=utf-8']);
  });

  it('answers 404 for anything else: unknown assets, unknown extensions, other top-level paths', async () => {
    const directory = fakeBundle();
    directories.push(directory);
    const base = await serve(directory);
    expect((await get(`${base}/assets/app-OLD.js`)).status).to.equal(404);
    expect((await get(`${base}/assets/notes.txt`)).status).to.equal(404);
    expect((await get(`${base}/assets/../index.html`)).status).to.equal(200); // the URL parser resolves '..' to /index.html
    expect((await get(`${base}/favicon.ico`)).status).to.equal(404);
    expect((await get(`${base}/nothing/here`)).status).to.equal(404);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const directory = fakeBundle();
    directories.push(directory);
    const base = await serve(directory);
    expect((await get(`${base}/`, 'POST')).status).to.equal(405);
    const head = await get(`${base}/`, 'HEAD');
    expect([head.status, head.text]).to.deep.equal([200, '']);
  });

  it('answers 503 with how to build it when the bundle is missing', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'webui-missing-'));
    directories.push(directory);
    const base = await serve(path.join(directory, 'not-built'));
    const page = await get(`${base}/`);
    expect(page.status).to.equal(503);
    expect(page.type).to.equal('text/plain; charset=utf-8');
    expect(page.text).to.contain('not built').and.to.contain('npm run build');
    expect((await get(`${base}/assets/app-ABC.js`)).status).to.equal(503);
  });

  it('treats a file over the size limit as a broken build: not built, naming the file', () => {
    const directory = fakeBundle();
    directories.push(directory);
    fs.writeFileSync(path.join(directory, 'assets', 'app-BIG.js'), Buffer.alloc(MAX_WEBUI_FILE_BYTES + 1));
    const bundle = loadWebUiBundle(directory);
    expect(bundle.built).to.equal(false);
    expect(bundle.built ? '' : bundle.reason).to.contain('app-BIG.js');
  });

  it('is served by startMaster at / beside the master\'s own routes, and stops with the master', async () => {
    const directory = fakeBundle();
    directories.push(directory);
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webui-master-'));
    directories.push(workDir);
    host = await netHost();
    const master = await startMaster({ flags: defaultMasterFlags(workDir), host, webUiDirectory: directory });
    const base = `http://${host.address}`;
    expect((await get(`${base}/`)).text).to.contain('<title>mesos-ts</title>');
    const state = await get(`${base}/master/state`);
    expect([state.status, state.type]).to.deep.equal([200, 'application/json']);
    expect((await get(`${base}/master/state?jsonp=ui.callback`)).text).to.match(/^ui\.callback\(\{/);
    // The master's routes at the root too, as Mesos' (its master is the host's delegate): the
    // official CLI reads /slaves and /tasks there (monitoring walkthrough: 404).
    for (const route of ['/state', '/slaves', '/tasks', '/frameworks', '/state-summary']) {
      const answer = await get(`${base}${route}`);
      expect([route, answer.status, answer.type]).to.deep.equal([route, 200, 'application/json']);
    }
    expect((await get(`${base}/health`)).status).to.equal(200);
    await master.stop();
    expect(host.lookup(WEBUI_ACTOR_ID)).to.equal(undefined);
    expect((await get(`${base}/`)).status).to.equal(404);
  });

  it('is not started by startMaster when told not to, nor for a second master of the host', async () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webui-master-'));
    directories.push(workDir);
    host = await netHost();
    await startMaster({ flags: defaultMasterFlags(workDir), host, webUiDirectory: false });
    expect(host.lookup(WEBUI_ACTOR_ID)).to.equal(undefined);
    await startMaster({ flags: defaultMasterFlags(workDir), host, actorIds: { master: 'master-2', allocator: 'allocator-2', metrics: 'metrics-2' } });
    expect(host.lookup(WEBUI_ACTOR_ID)).to.equal(undefined);
  });

  it('is not started in a simulation (a simulated clock: no real I/O)', async () => {
    const clock = new VirtualClock({ simulated: true });
    const simulated = memoryHost({ clock });
    const master = await startMaster({ flags: defaultMasterFlags('/unused'), host: simulated, registry: Registry.inMemory() });
    expect(simulated.lookup(WEBUI_ACTOR_ID)).to.equal(undefined);
    await master.stop();
  });
});
