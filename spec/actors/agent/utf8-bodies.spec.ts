/**
 * The agent reads no text from a peer as other text than was sent: a query's `%ff` names no file
 * (it was U+FFFD, another file's name), a JSON call's lone surrogate (`"\ud800"`, no character)
 * is refused as Mesos' JSON parser refuses it, and so is a body that is not UTF-8.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ActorHost } from '../../../lib/process';
import { defaultAgentFlags, startAgent, type AgentHandle } from '../../../actors/agent';
import { netHost, quietLogger, within } from '../../support/runtime';

describe("the agent's HTTP endpoints, text that is not what was sent", function () {
  this.timeout(30_000);
  let host: ActorHost;
  let agent: AgentHandle;
  let workDir: string;
  let sandbox: string;

  before(async () => {
    workDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-utf8-')));
    // An executor run's sandbox (paths.ts' layout): only sandboxes are served.
    sandbox = path.join(workDir, 'agents', 'A1', 'frameworks', 'F1', 'executors', 'E1', 'runs', 'R1');
    fs.mkdirSync(sandbox, { recursive: true });
    // A file whose name is U+FFFD: what `%ff` (a name of bytes that are not UTF-8) was read as.
    fs.writeFileSync(path.join(sandbox, '\ufffd'), 'not the file that was asked for\n');
    host = await netHost({ logger: quietLogger });
    agent = await startAgent({ flags: defaultAgentFlags({ switchUser: false, master: '127.0.0.1:1', workDir, resources: 'cpus:1;mem:512;disk:512', isolation: 'posix/cpu' }), host });
  });

  after(async () => {
    await agent.stop();
    await host.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function send(route: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
    const url = `http://${host.address}${route}`;
    const response = await within(fetch(url, init), 10_000, url);
    return { status: response.status, text: await response.text() };
  }

  it("/files/read, /files/browse and /files/download refuse a path whose escapes are not UTF-8 (400), where %ff and %fe read the file named U+FFFD", async () => {
    // Relative to the work dir: the refusal quotes at most 80 characters of the query.
    const encodedDir = encodeURIComponent(path.relative(workDir, sandbox));
    for (const route of ['read', 'download', 'browse']) {
      for (const bad of ['%ff', '%fe']) {
        const answer = await send(`/files/${route}?path=${encodedDir}%2F${bad}&offset=0`);
        expect(answer, `${route} ${bad}`).to.deep.equal({ status: 400, text: JSON.stringify({ error: `Unable to decode query string: '${encodedDir}%2F${bad}' does not decode to UTF-8 text` }) });
      }
    }
    // The file named U+FFFD, named as it is (its UTF-8), is served.
    const served = await send(`/files/read?path=${encodedDir}%2F%EF%BF%BD&offset=0`);
    expect(served.status).to.equal(200);
    expect(JSON.parse(served.text)).to.deep.equal({ data: 'not the file that was asked for\n', offset: 0 });
  });

  it("/files/read leaves a character its read cuts to the next read: a client counting the text's bytes (the web UI's tail, mesos-execute) skipped the rest of it", async () => {
    fs.writeFileSync(path.join(sandbox, 'cut'), 'a日本');
    const read = async (offset: number, length: number): Promise<unknown> => {
      const answer = await send(`/files/read?path=${encodeURIComponent(path.join(sandbox, 'cut'))}&offset=${offset}&length=${length}`);
      expect(answer.status).to.equal(200);
      return JSON.parse(answer.text);
    };
    // 'a' and the first 2 of the 3 bytes of '日': read as text, 'a' and U+FFFD (4 bytes counted: the next read began inside '本').
    expect(await read(0, 3)).to.deep.equal({ data: 'a', offset: 0 });
    expect(await read(1, 4)).to.deep.equal({ data: '日', offset: 1 });
    expect(await read(4, 64)).to.deep.equal({ data: '本', offset: 4 });
    // Fewer bytes than the character: as they are (a read of nothing would look like the end of the file).
    expect(await read(1, 1)).to.deep.equal({ data: '\ufffd', offset: 1 });
  });

  it('/logging/toggle refuses a level whose escape is not UTF-8 (400 naming why), not a level of U+FFFD', async () => {
    expect(await send('/logging/toggle?level=%ff&duration=1secs')).to.deep.equal({ status: 400, text: JSON.stringify({ error: "Unable to decode query string: '%ff' does not decode to UTF-8 text" }) });
  });

  it("the v1 operator API refuses a JSON call that escapes a lone surrogate (Mesos' parser refuses it), and one that is not UTF-8; the same call otherwise is served", async () => {
    const call = (body: string | Buffer): Promise<{ status: number; text: string }> => send('/slave(1)/api/v1', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(await call('{"type":"LIST_FILES","list_files":{"path":"/x\\ud800"}}')).to.deep.equal({
      status: 400, text: "Failed to parse body into JSON: the string '/x\\ud800' holds a lone surrogate (\\ud800), no character: UTF-8 cannot carry it",
    });
    const notUtf8 = Buffer.concat([Buffer.from('{"type":"LIST_FILES","list_files":{"path":"/x'), Buffer.from([0xff]), Buffer.from('"}}')]);
    expect(await call(notUtf8)).to.deep.equal({ status: 400, text: 'Failed to parse body into JSON: the body is not valid UTF-8' });
    expect((await call(JSON.stringify({ type: 'LIST_FILES', list_files: { path: sandbox } }))).status).to.equal(200);
  });
});
