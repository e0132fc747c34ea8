/**
 * The agent's Mesos-compatible endpoints beyond its task books: `/slave(1)/flags`, and the
 * version, build and resource fields of `/slave(1)/state`.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VERSION } from '../../../lib/version';
import { AgentHarness } from './harness';

type Json = Record<string, unknown>;

describe('agent endpoints: /slave(1)/flags and the fields of /slave(1)/state', () => {
  let harness: AgentHarness;
  beforeEach(async () => {
    harness = new AgentHarness({ hostname: 'agent-host', commandLine: { ip: '10.0.0.7', port: '5051' } });
    await harness.register();
  });
  afterEach(async () => {
    await harness.stop();
  });

  async function route(path: string): Promise<{ status: number; body: Json }> {
    return dispatch(harness.agent, async (agent) => {
      const handler = agent.runtime.routes.get(path);
      if (handler === undefined) throw new Error(`no ${path} route`);
      const response = await handler.call(agent, { method: 'GET', path, query: {}, headers: {}, body: Buffer.alloc(0) });
      return { status: response.status, body: response.body as Json };
    });
  }

  it('/flags: every flag under its Mesos name, durations as Mesos prints them, the command line beside them', async () => {
    const { status, body } = await route('/flags');
    expect(status).to.equal(200);
    expect(body.flags).to.deep.equal({
      ip: '10.0.0.7', port: '5051',
      master: harness.host.address, work_dir: '/work-dir', hostname: 'agent-host',
      executor_registration_timeout: '1mins', executor_shutdown_grace_period: '5secs', registration_backoff_factor: '1secs',
      master_ping_timeout: '1days', // the harness' HARNESS_PING_TIMEOUT_MS
      recover: 'reconnect', reconfiguration_policy: 'equal', executor_reregistration_timeout: '2secs', recovery_timeout: '15mins', strict: 'true', switch_user: 'true', authenticate_http_executors: 'true',
      fetcher_stall_timeout: '1mins', fetcher_cache_size: '2GB', fetcher_cache_dir: '/work-dir/fetch', gc_delay: '1weeks', disk_watch_interval: '1mins', gc_disk_headroom: '0.1',
    });
  });

  it('/state: the one version, build fields, reserved and unreserved resources, and the same flags', async () => {
    const state = (await route('/state')).body;
    expect(state).to.include({ version: VERSION, build_user: 'mesos-ts' });
    expect(state.build_time).to.be.a('number');
    expect(state.reserved_resources).to.deep.equal({});
    expect(state.unreserved_resources).to.deep.equal({ cpus: 4, gpus: 0, mem: 4096, disk: 0, ports: '[31000-32000]' });
    expect(state.unreserved_resources_allocated).to.deep.equal({ cpus: 0, gpus: 0, mem: 0, disk: 0 });
    expect(state.flags).to.deep.equal((await route('/flags')).body.flags);
  });
});
