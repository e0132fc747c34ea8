/**
 * The agent's HTTP endpoints under its authentication flags, realm by realm as Mesos' agent
 * routes them (`src/slave/slave.cpp`): `/state`, `/flags`, `/files/*`, `/metrics*`,
 * `/monitor/statistics` and `/containers` in the read-only realm
 * (`--authenticate_http_readonly`), the v1 operator API `/api/v1` in the read-write realm
 * (`--authenticate_http_readwrite`; ours asks under `--authenticate_http_readonly` too, as the
 * master's does), `/health` in none; then the ACLs on the v1 calls that Mesos authorizes.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultAgentFlags, startAgent, type AgentHandle } from '../../../actors/agent';
import { parseAcls, type Acls } from '../../../lib/acls';
import { basicAuthorization, type ActorHost, type HttpAuthentication } from '../../../lib/process';
import { agentHttpFrom } from '../../../bin/server';
import { netHost, quietLogger } from '../../support/runtime';

const CREDENTIALS = new Map([['ops', 'ops-secret'], ['dev', 'dev-secret']]);

/** The read-only realm's endpoints of an agent (each answers 200 to a caller it lets in). */
const READONLY_ENDPOINTS = ['/slave(1)/state', '/state', '/slave(1)/flags', '/flags', '/slave(1)/monitor/statistics', '/slave(1)/containers', '/metrics/snapshot', '/metrics'];

/** An agent (without a master) on a network host, its endpoints guarded by `authentication` and `acls`. */
class GuardedAgent {
  private constructor(readonly host: ActorHost, readonly agent: AgentHandle, readonly workDir: string) {}

  static async start(authentication: Omit<HttpAuthentication, 'credentials'>, acls?: Acls): Promise<GuardedAgent> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-http-auth-'));
    const host = await netHost({ logger: quietLogger });
    const agent = await startAgent({
      flags: defaultAgentFlags({ switchUser: false, master: '127.0.0.1:1', workDir, resources: 'cpus:1;mem:512;disk:512', isolation: 'posix/cpu' }),
      host,
      http: { authentication: { credentials: CREDENTIALS, ...authentication }, ...(acls !== undefined ? { acls } : {}) },
    });
    return new GuardedAgent(host, agent, workDir);
  }

  async stop(): Promise<void> {
    await this.agent.stop();
    await this.host.stop();
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }

  get(route: string, principal?: string, secret = `${principal ?? ''}-secret`): Promise<Response> {
    return fetch(`http://${this.host.address}${route}`, { headers: principal === undefined ? {} : { authorization: basicAuthorization(principal, secret) } });
  }

  call(route: '/api/v1' | '/slave(1)/api/v1', body: unknown, principal?: string, secret = `${principal ?? ''}-secret`): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (principal !== undefined) headers.authorization = basicAuthorization(principal, secret);
    return fetch(`http://${this.host.address}${route}`, { method: 'POST', headers, body: JSON.stringify(body) });
  }
}

describe('the agent\'s HTTP endpoints under its authentication flags (Mesos\' realms)', function () {
  this.timeout(30_000);

  describe('--authenticate_http_readwrite alone', () => {
    let agent: GuardedAgent;
    before(async () => { agent = await GuardedAgent.start({ readonly: false, readwrite: true }); });
    after(() => agent.stop());

    it('/api/v1 (the read-write realm in Mesos\' agent) asks every call for credentials: 401 without, 200 with (it was open)', async () => {
      for (const route of ['/api/v1', '/slave(1)/api/v1'] as const) {
        for (const type of ['GET_HEALTH', 'GET_STATE', 'GET_FLAGS', 'GET_CONTAINERS']) {
          const anonymous = await agent.call(route, { type });
          expect(anonymous.status, `${route} ${type} without credentials`).to.equal(401);
          expect(anonymous.headers.get('www-authenticate')).to.equal('Basic realm="mesos-agent-readwrite"');
          expect((await agent.call(route, { type }, 'ops', 'guess')).status, `${route} ${type}: a wrong secret`).to.equal(401);
          expect((await agent.call(route, { type }, 'ops')).status, `${route} ${type} with credentials`).to.equal(200);
        }
        // A call Mesos defines and this agent does not serve is still asked first.
        expect((await agent.call(route, { type: 'LAUNCH_NESTED_CONTAINER' })).status).to.equal(401);
        expect((await agent.call(route, { type: 'LAUNCH_NESTED_CONTAINER' }, 'ops')).status).to.equal(501);
      }
    });

    it('leaves the executor API in its own realm: a bearer token, never HTTP Basic (Mesos\' executor realm; ours takes no JWT)', async () => {
      const subscribe = JSON.stringify({ type: 'SUBSCRIBE', framework_id: { value: 'F1' }, executor_id: { value: 'E1' }, subscribe: {} });
      for (const route of ['/api/v1/executor', '/slave(1)/api/v1/executor']) {
        for (const authorization of [undefined, basicAuthorization('ops', 'ops-secret')]) {
          const response = await fetch(`http://${agent.host.address}${route}`, {
            method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...(authorization !== undefined ? { authorization } : {}) }, body: subscribe,
          });
          expect(response.status, `${route} ${authorization === undefined ? 'without credentials' : 'with Basic credentials'}`).to.equal(401);
          expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="mesos-agent-executor"');
        }
      }
    });

    it('leaves the read-only realm open (and /health, in no realm)', async () => {
      for (const route of [...READONLY_ENDPOINTS, '/slave(1)/health', '/health']) expect((await agent.get(route)).status, route).to.equal(200);
      // Credentials that are given are still checked.
      expect((await agent.get('/slave(1)/state', 'ops', 'guess')).status).to.equal(401);
    });
  });

  describe('--authenticate_http_readonly alone', () => {
    let agent: GuardedAgent;
    before(async () => { agent = await GuardedAgent.start({ readonly: true, readwrite: false }); });
    after(() => agent.stop());

    it('asks the read-only realm for credentials: /state, /flags, /metrics, /monitor/statistics, /containers and /files', async () => {
      for (const route of READONLY_ENDPOINTS) {
        expect((await agent.get(route)).status, `${route} without credentials`).to.equal(401);
        expect((await agent.get(route, 'dev')).status, `${route} with credentials`).to.equal(200);
      }
      const browse = `/files/browse?path=${encodeURIComponent(agent.workDir)}`;
      expect((await agent.get(browse)).status).to.equal(401);
      expect((await agent.get(browse, 'dev')).status).to.not.equal(401);
      for (const route of ['/slave(1)/health', '/health']) expect((await agent.get(route)).status, route).to.equal(200);
    });

    it('asks /api/v1 too (our choice, as the master\'s /api/v1: Mesos leaves it open then)', async () => {
      expect((await agent.call('/slave(1)/api/v1', { type: 'GET_STATE' })).status).to.equal(401);
      expect((await agent.call('/slave(1)/api/v1', { type: 'GET_STATE' }, 'dev')).status).to.equal(200);
    });
  });

  describe('ACLs on the v1 calls (Mesos\' agent authorizes GET_FLAGS by VIEW_FLAGS, LIST_FILES and READ_FILE by access_sandboxes)', () => {
    let agent: GuardedAgent;
    before(async () => {
      const acls = parseAcls({
        view_flags: [{ principals: { values: ['ops'] }, flags: { type: 'ANY' } }, { principals: { type: 'ANY' }, flags: { type: 'NONE' } }],
        access_sandboxes: [{ principals: { values: ['ops'] }, users: { type: 'ANY' } }, { principals: { type: 'ANY' }, users: { type: 'NONE' } }],
        set_log_level: [{ principals: { values: ['ops'] }, level: { type: 'ANY' } }, { principals: { type: 'ANY' }, level: { type: 'NONE' } }],
      });
      agent = await GuardedAgent.start({ readonly: false, readwrite: true }, acls);
    });
    after(() => agent.stop());

    it('GET_FLAGS: 403 for a principal view_flags denies, as /flags; 200 for one it allows', async () => {
      const refused = await agent.call('/slave(1)/api/v1', { type: 'GET_FLAGS' }, 'dev');
      expect(refused.status).to.equal(403);
      expect((await agent.get('/slave(1)/flags', 'dev')).status).to.equal(403);
      const allowed = await agent.call('/slave(1)/api/v1', { type: 'GET_FLAGS' }, 'ops');
      expect(allowed.status).to.equal(200);
      const flags = (await allowed.json() as { get_flags: { flags: Array<{ name: string; value: string }> } }).get_flags.flags;
      expect(flags.find((flag) => flag.name === 'work_dir')?.value).to.equal(agent.workDir);
    });

    it('GET_LOGGING_LEVEL and SET_LOGGING_LEVEL (they were 501): the level, set for a while; 403 where set_log_level denies, as Mesos\' agent', async () => {
      const level = async (): Promise<unknown> => (await (await agent.call('/slave(1)/api/v1', { type: 'GET_LOGGING_LEVEL' }, 'dev')).json() as { get_logging_level: unknown }).get_logging_level;
      expect(await level()).to.deep.equal({ level: 0 });
      const set = { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 3_600e9 } } };
      const refused = await agent.call('/slave(1)/api/v1', set, 'dev');
      expect([refused.status, await refused.text()]).to.deep.equal([403, "Forbidden: principal 'dev' is not authorized to set the logging level"]);
      expect((await agent.call('/slave(1)/api/v1', set, 'ops')).status).to.equal(200);
      expect(await level()).to.deep.equal({ level: 1 });
      expect(agent.host.logger.level).to.equal('debug');
    });

    it('LIST_FILES and READ_FILE: 403 in a sandbox access_sandboxes denies the principal, as /files', async () => {
      const sandbox = path.join(agent.workDir, 'agents', 'S1', 'frameworks', 'F1', 'executors', 'E1', 'runs', 'R1');
      fs.mkdirSync(sandbox, { recursive: true });
      fs.writeFileSync(path.join(sandbox, 'stdout'), 'hello\n');
      const list = { type: 'LIST_FILES', list_files: { path: sandbox } };
      const read = { type: 'READ_FILE', read_file: { path: path.join(sandbox, 'stdout'), offset: 0 } };
      expect((await agent.call('/slave(1)/api/v1', list, 'dev')).status).to.equal(403);
      expect((await agent.call('/slave(1)/api/v1', read, 'dev')).status).to.equal(403);
      expect((await agent.call('/slave(1)/api/v1', list, 'ops')).status).to.equal(200);
      const answered = await agent.call('/slave(1)/api/v1', read, 'ops');
      expect(Buffer.from((await answered.json() as { read_file: { data: string } }).read_file.data, 'base64').toString()).to.equal('hello\n');
    });
  });

  describe('agentHttpFrom (the mesos-agent and mesos-local command lines)', () => {
    it('takes --authenticate_http_readwrite (it was dropped: the agent\'s /api/v1 stayed open)', () => {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-http-flags-'));
      try {
        const file = path.join(directory, 'credentials.json');
        fs.writeFileSync(file, JSON.stringify({ credentials: [{ principal: 'ops', secret: 'ops-secret' }] }), { mode: 0o600 });
        const http = agentHttpFrom({ http_credentials: file, authenticate_http_readwrite: true }, 'http_credentials');
        expect(http?.authentication).to.deep.include({ readonly: false, readwrite: true });
        expect(() => agentHttpFrom({ authenticate_http_readwrite: true }, 'http_credentials')).to.throw('--authenticate_http_readwrite needs --http_credentials: nobody could authenticate');
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
      }
    });
  });
});
