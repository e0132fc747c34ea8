/**
 * Mesos 1.11 field names, endpoint by endpoint: a real master, a real agent (real command
 * executor, real task process) and a framework with a running task; each endpoint is fetched
 * over HTTP and every key that spec/fixtures/mesos-1.11-fields.json (written from Mesos'
 * source) lists must be there, at every nesting level, unless the fixture lists it as omitted
 * with a reason.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ActorHost } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import { VERSION } from '../../../lib/version';
import type { TaskStatus } from '../../../lib/protocol';
import { defaultMasterFlags, startMaster, type MasterHandle } from '../../../actors/master';
import { defaultAgentFlags, startAgent, type AgentHandle } from '../../../actors/agent';
import { ServiceScheduler } from '../../../actors/framework';
import { eventually, netHost, within } from '../../support/runtime';

type Json = Record<string, unknown>;

/** The keys of one kind of object: always written, written only when set, or left out here. */
interface ObjectFields {
  readonly keys: readonly string[];
  readonly conditional?: Readonly<Record<string, string>>;
}

interface Fixture {
  readonly mesos_version: string;
  readonly endpoints: Readonly<Record<string, Readonly<Record<string, ObjectFields>>>>;
  readonly may_be_empty: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly flag_names: { readonly master: readonly string[]; readonly agent: readonly string[] };
  readonly omitted: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>;
}

/** The fixture, read from the source tree (tsc does not copy JSON into dist). */
const FIXTURE_PATH = path.resolve(__dirname, '../../../../spec/fixtures/mesos-1.11-fields.json');

/** How long the task gets to start (a real executor process and a real `sleep`). */
const TASK_START_TIMEOUT_MS = 20_000;

/**
 * The objects at `objectPath` in `document`: `''` is the document, `a` its field, `a[]` the
 * elements of array `a`, `a[].b[]` the elements of each element's `b`; `[]` the elements of a
 * top-level array.
 */
export function objectsAt(document: unknown, objectPath: string): unknown[] {
  let current: unknown[] = [document];
  if (objectPath === '') return current;
  for (const step of objectPath.split('.')) {
    const isArray = step.endsWith('[]');
    const name = isArray ? step.slice(0, -2) : step;
    current = current.flatMap((value) => {
      const field = name === '' ? value : (value as Json | undefined)?.[name];
      if (!isArray) return field === undefined ? [] : [field];
      return Array.isArray(field) ? field : [];
    });
  }
  return current;
}

async function fetchJson(url: string, init?: RequestInit): Promise<{ status: number; json: unknown }> {
  const response = await within(fetch(url, init), 10_000, url);
  const text = await response.text();
  return { status: response.status, json: text.length > 0 ? JSON.parse(text) as unknown : undefined };
}

describe('actors/master: Mesos 1.11 field names on every endpoint (real master, agent, framework and task)', function () {
  this.timeout(60_000);
  const fixture = JSON.parse(fs.readFileSync(FIXTURE_PATH, 'utf8')) as Fixture;
  let workDir = '';
  let masterHost: ActorHost;
  let agentHost: ActorHost;
  let master: MasterHandle;
  let agent: AgentHandle;
  let service: ServiceScheduler;
  const documents = new Map<string, unknown>();

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-compat-'));
    masterHost = await netHost();
    master = await startMaster({ host: masterHost, flags: { ...defaultMasterFlags(path.join(workDir, 'master')), hostname: 'master.example' } });
    agentHost = await netHost();
    agent = await startAgent({
      host: agentHost,
      flags: defaultAgentFlags({ switchUser: false, master: masterHost.address, workDir: path.join(workDir, 'agent'), resources: 'cpus:2;mem:1024;disk:1024;cpus(web):1;mem(web):128' }),
    });
    const statuses: TaskStatus[] = [];
    service = new ServiceScheduler({
      master: masterHost.address, framework: { name: 'compat', user: os.userInfo().username }, instances: 1,
      taskResources: Resources.parse('cpus:0.1;mem:32'), command: 'sleep 60', onUpdate: (status) => statuses.push(status),
    });
    masterHost.spawn(service);
    await eventually(() => statuses.some((status) => status.state === 'TASK_RUNNING'), TASK_START_TIMEOUT_MS, 'the task to run');
    const base = `http://${masterHost.address}`;
    const agentBase = `http://${agentHost.address}`;
    const put = await fetchJson(`${base}/master/weights`, { method: 'PUT', body: JSON.stringify([{ role: 'web', weight: 2 }]) });
    expect(put.status).to.equal(200);
    const quota = { role: 'web', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }] };
    const post = await fetchJson(`${base}/master/quota`, { method: 'POST', body: JSON.stringify(quota) });
    expect(post.status).to.equal(200);
    for (const endpoint of Object.keys(fixture.endpoints)) {
      if (endpoint.startsWith('/slave(1)') || endpoint.startsWith('/files')) continue;
      const { status, json } = await fetchJson(`${base}${endpoint}`);
      expect(status, endpoint).to.equal(200);
      documents.set(endpoint, json);
    }
    const agentPath = `/${agent.pid.id}`;
    for (const endpoint of ['/slave(1)/state', '/slave(1)/flags']) {
      const { status, json } = await fetchJson(`${agentBase}${endpoint.replace('/slave(1)', agentPath)}`);
      expect(status, endpoint).to.equal(200);
      documents.set(endpoint, json);
    }
    const [directory] = objectsAt(documents.get('/slave(1)/state'), 'frameworks[].executors[]').map((executor) => (executor as Json).directory as string);
    expect(directory, 'the sandbox of the running task').to.be.a('string');
    const browse = await fetchJson(`${agentBase}/files/browse?path=${encodeURIComponent(directory as string)}`);
    expect(browse.status).to.equal(200);
    documents.set('/files/browse', browse.json);
  });

  after(async () => {
    masterHost?.terminate(service);
    await agent?.stop();
    await master?.stop();
    await agentHost?.stop();
    await masterHost?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('the fixture is for Mesos 1.11 and lists every endpoint this test fetches', () => {
    expect(fixture.mesos_version).to.equal('1.11.0');
    expect(Object.keys(fixture.endpoints)).to.include.members(['/master/state', '/master/state-summary', '/master/roles', '/version', '/slave(1)/state', '/files/browse']);
  });

  it('every endpoint has every key Mesos 1.11 always writes, at every level (save the documented omissions)', () => {
    const missing: string[] = [];
    for (const [endpoint, objects] of Object.entries(fixture.endpoints)) {
      const document = documents.get(endpoint);
      for (const [objectPath, fields] of Object.entries(objects)) {
        const found = objectsAt(document, objectPath);
        const mayBeEmpty = fixture.may_be_empty[endpoint]?.[objectPath] !== undefined;
        if (found.length === 0 && !mayBeEmpty) missing.push(`${endpoint} ${objectPath || '(document)'}: no such object to check`);
        const omitted = fixture.omitted[endpoint]?.[objectPath] ?? {};
        for (const object of found) {
          for (const key of fields.keys) {
            if (omitted[key] === undefined && !(key in (object as Json))) missing.push(`${endpoint} ${objectPath || '(document)'}: '${key}'`);
          }
        }
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it('every omission the fixture allows has a reason, and names a key Mesos writes', () => {
    for (const [endpoint, paths] of Object.entries(fixture.omitted)) {
      for (const [objectPath, keys] of Object.entries(paths)) {
        for (const [key, reason] of Object.entries(keys)) {
          expect(fixture.endpoints[endpoint]?.[objectPath]?.keys, `${endpoint} ${objectPath} ${key}`).to.include(key);
          expect(reason, `${endpoint} ${objectPath} ${key}`).to.have.length.greaterThan(10);
        }
      }
    }
  });

  it('/master/flags and /slave(1)/flags use Mesos flag names, with Mesos-style durations', () => {
    const masterFlags = (documents.get('/master/flags') as { flags: Record<string, string> }).flags;
    const agentFlags = (documents.get('/slave(1)/flags') as { flags: Record<string, string> }).flags;
    expect(masterFlags).to.include.keys(...fixture.flag_names.master);
    expect(agentFlags).to.include.keys(...fixture.flag_names.agent);
    expect(masterFlags).to.include({ agent_ping_timeout: '15secs', agent_reregister_timeout: '10mins', allocation_interval: '1secs', hostname: 'master.example' });
    expect(agentFlags).to.include({ executor_registration_timeout: '1mins', executor_shutdown_grace_period: '5secs' });
    expect(Object.values(masterFlags).every((value) => typeof value === 'string')).to.equal(true);
    expect((documents.get('/master/state') as Json).flags).to.deep.equal(masterFlags);
  });

  it('one version everywhere: /version, the state documents, MasterInfo and the agent', () => {
    const state = documents.get('/master/state') as Json;
    expect((documents.get('/version') as Json).version).to.equal(VERSION);
    expect(state.version).to.equal(VERSION);
    expect((state.leader_info as Json).version).to.equal(VERSION);
    expect(objectsAt(state, 'slaves[]').map((slave) => (slave as Json).version)).to.deep.equal([VERSION]);
    expect((documents.get('/slave(1)/state') as Json).version).to.equal(VERSION);
    expect(VERSION).to.match(/^1\.11\.\d+$/);
  });

  it('the values behind the names: a non-MULTI_ROLE framework has its role, summaries count the running task, roles show weight and quota', () => {
    const [framework] = objectsAt(documents.get('/master/state'), 'frameworks[]') as Json[];
    expect(framework?.role).to.equal('*');
    const [summary] = objectsAt(documents.get('/master/state-summary'), 'frameworks[]') as Json[];
    expect(summary).to.include({ TASK_RUNNING: 1, TASK_FAILED: 0 });
    const agentIds = objectsAt(documents.get('/master/state'), 'slaves[]').map((slave) => (slave as Json).id);
    expect(summary?.slave_ids).to.deep.equal(agentIds);
    const roles = objectsAt(documents.get('/master/roles'), 'roles[]') as Json[];
    const web = roles.find((role) => role.name === 'web');
    expect(web).to.deep.include({ weight: 2, reserved: { cpus: 1, mem: 128 } });
    expect(web?.quota).to.deep.include({ role: 'web', guarantee: { cpus: 0.5 }, limit: { cpus: 0.5 } });
    expect(roles.find((role) => role.name === '*')?.allocated).to.deep.include({ cpus: 0.1, mem: 32 });
    const [agentState] = [documents.get('/slave(1)/state') as Json];
    expect(agentState.reserved_resources).to.deep.equal({ web: { cpus: 1, gpus: 0, mem: 128, disk: 0 } });
    expect(agentState.unreserved_resources).to.deep.include({ cpus: 2, mem: 1024, disk: 1024 });
  });

  it('/files/browse names owners and groups as Mesos does (names, as getent knows them, not numbers)', () => {
    const entries = documents.get('/files/browse') as Json[];
    const stdout = entries.find((entry) => String(entry.path).endsWith('/stdout'));
    const gid = fs.statSync(String(stdout?.path)).gid;
    expect(stdout?.uid).to.equal(os.userInfo().username);
    expect(stdout?.gid).to.equal(groupNameByGetent(gid));
  });
});

/** The name `getent` gives group `gid` (an implementation independent of lib/os-names), or the number. */
function groupNameByGetent(gid: number): string {
  try {
    return execFileSync('getent', ['group', String(gid)], { encoding: 'utf8' }).split(':')[0] ?? String(gid);
  } catch {
    return String(gid);
  }
}
