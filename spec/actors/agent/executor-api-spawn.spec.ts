import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultAgentFlags, startAgent, type AgentHandle } from '../../../actors/agent';
import type { ActorHost } from '../../../lib/process';
import { netHost, quietLogger } from '../../support/runtime';

/**
 * A simulation's agents (`files: false`, many on one host) serve the v1 executor API at their own
 * path only, through an actor spawned at the first request there: one actor per agent that no
 * simulated executor calls was ~750 bytes an agent (75 MB at 100k).
 */
describe('actors/agent: the executor API actor of an agent without top-level routes', function () {
  this.timeout(30_000);
  let host: ActorHost;
  let agent: AgentHandle;
  let workDir: string;

  beforeEach(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'executor-api-spawn-'));
    host = await netHost({ logger: quietLogger });
    agent = await startAgent({
      flags: defaultAgentFlags({ switchUser: false, master: '127.0.0.1:1', workDir, resources: 'cpus:1;mem:512;disk:512' }),
      host,
      files: false,
    });
  });

  afterEach(async () => {
    await agent.stop();
    await host.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** The API's own answer to a HEARTBEAT of an executor the agent does not have (a heartbeat needs the executor's token: 400, not found). */
  // The API's own answer to a token no run has (the agent's lookup refuses it): nothing else answers so.
  const answeredByTheApi = async (response: Response): Promise<boolean> => response.status === 401 && /no executor's of this agent/.test(await response.text());
  const heartbeat = (): Promise<Response> => fetch(`http://${host.address}/${agent.pid.id}/api/v1/executor`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer any-token' },
    body: JSON.stringify({ type: 'HEARTBEAT', framework_id: { value: 'F1' }, executor_id: { value: 'E1' } }),
  });

  it('is spawned at the first request to /slave(N)/api/v1/executor, once, and goes with the agent', async () => {
    const apiId = `${agent.pid.id}-executor-api`;
    expect(host.lookup(apiId), 'no actor before a request').to.equal(undefined);
    expect(await answeredByTheApi(await heartbeat())).to.equal(true);
    const api = host.lookup(apiId);
    expect(api, 'spawned by the request').to.not.equal(undefined);
    expect(await answeredByTheApi(await heartbeat())).to.equal(true);
    expect(host.lookup(apiId), 'the same actor serves the next request').to.equal(api);
    await agent.stop();
    expect(host.lookup(apiId), 'terminated with the agent').to.equal(undefined);
  });

  it("the handle's stop works taken off it, and terminated resolves whether asked before the end or after", async () => {
    const { stop } = agent;
    const askedBefore = agent.terminated;
    expect(await answeredByTheApi(await heartbeat())).to.equal(true);
    await stop();
    await askedBefore;
    await agent.terminated;
    expect(host.lookup(`${agent.pid.id}-executor-api`), 'the spawned API went with the agent').to.equal(undefined);
    expect(host.lookup(agent.pid.id), 'the agent ended').to.equal(undefined);
  });

  it('is not spawned by a request after the agent ended (its route goes with it)', async () => {
    const apiId = `${agent.pid.id}-executor-api`;
    await agent.stop();
    const answer = await heartbeat();
    expect(await answeredByTheApi(answer)).to.equal(false);
    expect(host.lookup(apiId)).to.equal(undefined);
  });
});
