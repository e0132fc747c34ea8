/**
 * A hostile review of the agent's v0 endpoints against Mesos' agent (`src/slave/http.cpp`):
 * methods, query parameters and status codes of `/slave(1)/flags`, `/slave(1)/monitor/statistics`
 * and `/slave(1)/containers`.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { parseAcls, type Acls } from '../../../lib/acls';
import { flagsResponse } from '../../../lib/info-actors';
import type { HttpRequest } from '../../../lib/process';
import { agentFlagsAccess } from '../../../actors/agent';
import { AgentHarness } from './harness';

/** ACLs that let anyone do anything (only their presence matters: Mesos' agent then has an authorizer). */
const OPEN_ACLS: Acls = parseAcls({ permissive: true });

interface Answer { readonly status: number; readonly headers: Record<string, string>; readonly body: unknown }

/** `method path?query` as the agent's route answers it (in its mailbox, as the host calls it). */
function call(harness: AgentHarness, method: string, path: string, query: Record<string, string> = {}): Promise<Answer> {
  return dispatch(harness.agent, async (agent) => {
    const handler = agent.runtime.routes.get(path);
    if (handler === undefined) throw new Error(`no ${path} route`);
    const request: HttpRequest = { method, path, query, headers: {}, body: Buffer.alloc(0) };
    const response = await handler.call(agent, request);
    const body = typeof response.body === 'string' && response.status === 200 ? JSON.parse(response.body) as unknown : response.body;
    return { status: response.status, headers: { ...(response.headers ?? {}) }, body };
  });
}

/** An error's text, whichever form its body has (`httpError`'s `{error}`, or text). */
function errorText(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** An agent (with `acls`, if given) registered with the harness' master. */
async function agentWith(acls?: Acls): Promise<AgentHarness> {
  const harness = new AgentHarness({}, undefined, acls === undefined ? {} : { acls });
  await harness.register();
  return harness;
}

describe('agent v0 endpoints, hostile review (Mesos\' src/slave/http.cpp)', () => {
  const harnesses: AgentHarness[] = [];
  const started = async (acls?: Acls): Promise<AgentHarness> => {
    const harness = await agentWith(acls);
    harnesses.push(harness);
    return harness;
  };
  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.stop();
  });

  it('with --acls, /slave(1)/flags and the agent host\'s /flags answer 405 (Allow: GET) to another method, as Mesos\' Http::flags with an authorizer; without ACLs any method is served', async () => {
    const guarded = await started(OPEN_ACLS);
    for (const method of ['POST', 'DELETE', 'PUT']) {
      const refused = await call(guarded, method, '/flags');
      expect([refused.status, refused.headers.allow], method).to.deep.equal([405, 'GET']);
      expect(errorText(refused.body)).to.contain(`Expecting 'GET', received '${method}'`);
    }
    expect((await call(guarded, 'GET', '/flags')).status).to.equal(200);
    // The host's top-level `/flags` (an agent without a master on its host) follows the same rule.
    const request: HttpRequest = { method: 'POST', path: '/', query: {}, headers: {}, body: Buffer.alloc(0) };
    const access = agentFlagsAccess({ authentication: { credentials: undefined, readonly: false, readwrite: false }, acls: OPEN_ACLS });
    const topLevel = await flagsResponse(request, access, () => ({ work_dir: '/w' }));
    expect([topLevel.status, topLevel.headers?.allow]).to.deep.equal([405, 'GET']);
    const open = await started();
    expect((await call(open, 'POST', '/flags')).status).to.equal(200);
    const openAccess = agentFlagsAccess({ authentication: { credentials: undefined, readonly: false, readwrite: false } });
    expect((await flagsResponse(request, openAccess, () => ({ work_dir: '/w' }))).status).to.equal(200);
  });

  it('with --acls, /monitor/statistics, /monitor/statistics.json and /containers answer 405 (Allow: GET) to another method, as Mesos\' Http::statistics and Http::containers; without ACLs any method is served', async () => {
    const guarded = await started(OPEN_ACLS);
    guarded.runTask(AgentHarness.commandTask('T1'));
    await guarded.clock.settle();
    for (const path of ['/monitor/statistics', '/monitor/statistics.json', '/containers']) {
      const refused = await call(guarded, 'POST', path);
      expect([refused.status, refused.headers.allow], path).to.deep.equal([405, 'GET']);
      expect(errorText(refused.body), path).to.contain("Expecting 'GET', received 'POST'");
      const served = await call(guarded, 'GET', path);
      expect([served.status, (served.body as unknown[]).length], path).to.deep.equal([200, 1]);
    }
    const open = await started();
    open.runTask(AgentHarness.commandTask('T1'));
    await open.clock.settle();
    for (const path of ['/monitor/statistics', '/containers']) expect((await call(open, 'POST', path)).status, path).to.equal(200);
  });

  it('/containers takes Mesos\' filters: container_id alone, framework_id alone, or executor_id with framework_id; other mixes are 400', async () => {
    const harness = await started();
    harness.runTask(AgentHarness.commandTask('T1'));
    harness.runTask(AgentHarness.commandTask('T2'));
    harness.runTask(AgentHarness.commandTask('T1'), [], 'F2');
    await harness.clock.settle();
    const listed = async (query: Record<string, string>): Promise<string[]> => {
      const answer = await call(harness, 'GET', '/containers', query);
      expect(answer.status, JSON.stringify(query)).to.equal(200);
      return (answer.body as Array<{ framework_id: string; executor_id: string }>).map((entry) => `${entry.framework_id}/${entry.executor_id}`).sort();
    };
    expect(await listed({})).to.deep.equal(['F1/T1', 'F1/T2', 'F2/T1']);
    expect(await listed({ framework_id: 'F1' })).to.deep.equal(['F1/T1', 'F1/T2']);
    expect(await listed({ framework_id: 'F2', executor_id: 'T1' })).to.deep.equal(['F2/T1']);
    expect(await listed({ framework_id: 'F9' })).to.deep.equal([]);
    const all = (await call(harness, 'GET', '/containers')).body as Array<{ container_id: string; framework_id: string; executor_id: string }>;
    const f2t1 = all.find((entry) => entry.framework_id === 'F2' && entry.executor_id === 'T1');
    expect(f2t1).to.not.equal(undefined);
    expect(await listed({ container_id: f2t1?.container_id ?? '' })).to.deep.equal(['F2/T1']);
    expect(await listed({ container_id: 'no-such-container' })).to.deep.equal([]);
    const mixes: Array<Record<string, string>> = [{ container_id: 'c', framework_id: 'F1' }, { container_id: 'c', executor_id: 'T1' }, { executor_id: 'T1' }];
    for (const query of mixes) {
      const refused = await call(harness, 'GET', '/containers', query);
      expect(refused.status, JSON.stringify(query)).to.equal(400);
      expect(errorText(refused.body)).to.contain('container_id only, framework_id only, or executor_id and framework_id');
    }
  });
});
