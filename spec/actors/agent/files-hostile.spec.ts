/**
 * A hostile review of the agent's file serving (`/files/*`) and its v1 operator API, against
 * Mesos' `src/files/files.cpp` and `src/slave/http.cpp`: what they serve, and what they refuse.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dispatch } from '../../../lib/actor';
import type { ActorHost, HttpRequest, HttpResponse } from '../../../lib/process';
import { FilesActor } from '../../../actors/agent/files';
import { defaultAgentFlags, startAgent, type AgentHandle } from '../../../actors/agent';
import { netHost, quietLogger } from '../../support/runtime';
import { AgentMachine, EXECUTOR_MESSAGES, TimedProbe } from './harness';
import { Resources } from '../../../lib/resources';

/** An executor run's sandbox, relative to the work dir (paths.ts' layout): only sandboxes are served. */
const SANDBOX = path.join('agents', 'A1', 'frameworks', 'F1', 'executors', 'E1', 'runs', 'R1');

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
    // `sandbox` leads to an executor run's sandbox, as `runs/latest` does: only sandboxes are served (Mesos' attached paths).
    fs.mkdirSync(path.join(workDir, SANDBOX), { recursive: true });
    fs.symlinkSync(SANDBOX, path.join(workDir, 'sandbox'));
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

describe("the agent's v1 operator API, hostile review", function () {
  this.timeout(30_000);

  describe('on a running agent', () => {
    let host: ActorHost;
    let agent: AgentHandle;
    let workDir: string;

    before(async () => {
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'v1-hostile-'));
      host = await netHost({ logger: quietLogger });
      agent = await startAgent({ flags: defaultAgentFlags({ switchUser: false, master: '127.0.0.1:1', workDir, resources: 'cpus:1;mem:512;disk:512', isolation: 'posix/cpu' }), host });
    });

    after(async () => {
      await agent.stop();
      await host.stop();
      fs.rmSync(workDir, { recursive: true, force: true });
    });

    it("LIST_FILES gives each file's mtime in whole seconds, as Mesos' FileInfo (createFileInfo: st_mtime), not with the sub-second part", async () => {
      const sandbox = path.join(workDir, SANDBOX);
      fs.mkdirSync(sandbox, { recursive: true });
      fs.writeFileSync(path.join(sandbox, 'stdout'), 'hello\n');
      fs.utimesSync(path.join(sandbox, 'stdout'), 1_700_000_000.75, 1_700_000_000.75);
      const response = await fetch(`http://${host.address}/slave(1)/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'LIST_FILES', list_files: { path: sandbox } }) });
      expect(response.status).to.equal(200);
      const infos = (await response.json() as { list_files: { file_infos: Array<{ path: string; mtime: { nanoseconds: number } }> } }).list_files.file_infos;
      expect(infos.map((info) => [info.path, info.mtime.nanoseconds])).to.deep.equal([[path.join(sandbox, 'stdout'), 1_700_000_000 * 1e9]]);
    });

    it("answers a call of type UNKNOWN 501 Not Implemented, as Mesos' agent (Http::_api), not 400", async () => {
      const response = await fetch(`http://${host.address}/slave(1)/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'UNKNOWN' }) });
      expect([response.status, await response.text()]).to.deep.equal([501, "call type 'UNKNOWN' is not implemented"]);
    });
  });

  describe('on a restarted agent that is still recovering', () => {
    const AGENT_ID = 'A1';
    const FRAMEWORK = { id: 'F1', name: 'fw', user: 'u', checkpoint: true };
    let machine: AgentMachine;

    afterEach(() => machine.host.stop());

    async function callApi(body: unknown): Promise<HttpResponse> {
      return dispatch((machine.agent as AgentHandle).agent, async (agent) => {
        const route = agent.runtime.routes.get('/api/v1');
        if (route === undefined) throw new Error('no /api/v1 route');
        const request: HttpRequest = { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
        return route.call(agent, request);
      });
    }

    it("answers every call 503 'Agent has not finished recovery' until its executors are back, as Mesos' agent (Http::api), as its /state does; 200 after", async () => {
      machine = new AgentMachine('/agent', 'cpus:4;mem:4096');
      await machine.registeredAs(AGENT_ID);
      const task = { name: 't1', taskId: 't1', agentId: AGENT_ID, resources: Resources.parse('cpus:1;mem:128').toJSON(), command: { value: 'sleep 600' } };
      machine.fromMaster('RunTask', { framework: FRAMEWORK, frameworkId: FRAMEWORK.id, task });
      await machine.clock.settle();
      const executor = new TimedProbe('executor-t1', EXECUTOR_MESSAGES);
      machine.host.spawn(executor);
      executor.post(machine.agent?.pid as never, 'RegisterExecutor', { frameworkId: FRAMEWORK.id, executorId: 't1', ...machine.launcher.tokenOf(FRAMEWORK.id, 't1') });
      await machine.clock.settle();
      expect(executor.count('RunTaskOnExecutor')).to.equal(1);
      await machine.kill();
      await machine.start();
      expect(executor.count('ReconnectExecutor'), 'the restarted agent waits for its executor').to.equal(1);
      for (const type of ['GET_STATE', 'GET_TASKS', 'GET_HEALTH']) {
        const answer = await callApi({ type });
        expect([answer.status, answer.body], type).to.deep.equal([503, 'Agent has not finished recovery']);
      }
      executor.post(machine.agent?.pid as never, 'ReregisterExecutor', { frameworkId: FRAMEWORK.id, executorId: 't1', tasks: [task], updates: [] });
      await machine.clock.settle();
      expect((await callApi({ type: 'GET_STATE' })).status, 'recovered').to.equal(200);
    });
  });
});
