/**
 * A hostile review of the agent's file serving (`/files/*`) and its v1 operator API, against
 * Mesos' `src/files/files.cpp` and `src/slave/http.cpp`: what they serve, and what they refuse.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ActorHost } from '../../../lib/process';
import { FilesActor } from '../../../actors/agent/files';
import { defaultAgentFlags, startAgent, type AgentHandle } from '../../../actors/agent';
import { netHost, quietLogger } from '../../support/runtime';

describe('files actor, hostile review: the fetcher cache is not served', () => {
  let host: ActorHost;
  let scratch: string;
  let workDir: string;

  async function get(route: string, query: Record<string, string>): Promise<{ status: number; text: string }> {
    const response = await fetch(`http://${host.address}/files/${route}?${new URLSearchParams(query)}`);
    return { status: response.status, text: await response.text() };
  }

  /** A cached download of user 1000's, and a sandbox whose task linked to it. */
  function plantCache(cacheDir: string): void {
    fs.mkdirSync(path.join(cacheDir, '1000', 'c0'), { recursive: true });
    fs.writeFileSync(path.join(cacheDir, '1000', 'c0', 'credentials.json'), '{"token":"hunter2"}');
    fs.mkdirSync(path.join(workDir, 'sandbox'), { recursive: true });
    fs.writeFileSync(path.join(workDir, 'sandbox', 'stdout'), 'hello\n');
    fs.symlinkSync(path.join(cacheDir, '1000', 'c0', 'credentials.json'), path.join(workDir, 'sandbox', 'cached'));
  }

  async function expectRefused(cacheDir: string): Promise<void> {
    const cached = path.join(cacheDir, '1000', 'c0', 'credentials.json');
    for (const bad of [cached, path.relative(workDir, cached), 'sandbox/cached']) {
      for (const [route, query] of [['read', { path: bad, offset: '0' }], ['download', { path: bad }]] as const) {
        const answer = await get(route, query);
        expect(answer.status, `${route} ${bad}`).to.equal(403);
        expect(answer.text, `${route} ${bad}`).to.not.contain('hunter2');
        expect(answer.text, `${route} ${bad}`).to.contain('fetcher cache');
      }
    }
    for (const bad of [cacheDir, path.join(cacheDir, '1000'), path.relative(workDir, path.join(cacheDir, '1000', 'c0'))]) {
      const listing = await get('browse', { path: bad });
      expect(listing.status, `browse ${bad}`).to.equal(403);
      expect(listing.text, `browse ${bad}`).to.not.contain('credentials.json');
    }
    expect((await get('read', { path: 'sandbox/stdout', offset: '0' })).status, 'sandboxes are still served').to.equal(200);
  }

  beforeEach(async () => {
    scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'files-hostile-')));
    workDir = path.join(scratch, 'work');
    fs.mkdirSync(workDir);
    host = await netHost({ logger: quietLogger });
  });

  afterEach(async () => {
    await host.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("refuses <work_dir>/fetch, the fetcher cache's default home: every user's cached downloads (mode 0700 each), which no access_sandboxes check guards, were served to anyone (Mesos serves only attached sandboxes)", async () => {
    plantCache(path.join(workDir, 'fetch'));
    host.spawn(new FilesActor(workDir));
    await expectRefused(path.join(workDir, 'fetch'));
  });

  it('refuses a --fetcher_cache_dir elsewhere in the work dir, as startAgent passes it', async () => {
    const cacheDir = path.join(workDir, 'cache');
    plantCache(cacheDir);
    const agent: AgentHandle = await startAgent({
      flags: defaultAgentFlags({ switchUser: false, master: '127.0.0.1:1', workDir, fetcherCacheDir: cacheDir, resources: 'cpus:1;mem:512;disk:512', isolation: 'posix/cpu' }),
      host,
    });
    try {
      await expectRefused(cacheDir);
    } finally {
      await agent.stop();
    }
  });
});
