import { expect } from 'chai';
import { AGENT_NO_MASTER_WARNING_MS, MASTER_PING_TIMEOUT_MS } from '../../../actors/agent/constants';
import { captureLogger, type CapturedLogger } from '../../../lib/logging';
import { AGENT_ID, AgentHarness } from './harness';

/** pino's number for `warn`. */
const WARN_LEVEL = 40;

describe('an agent no master answers', () => {
  let harness: AgentHarness;
  let captured: CapturedLogger;
  const warnings = (): Array<Record<string, unknown>> => captured.find('no master answered').filter((record) => record.level === WARN_LEVEL);

  beforeEach(() => {
    captured = captureLogger('agent');
    harness = new AgentHarness({}, captured.logger);
  });
  afterEach(() => harness.stop());

  it(`warns within AGENT_NO_MASTER_WARNING_MS (${AGENT_NO_MASTER_WARNING_MS} ms), naming the master, and keeps retrying`, async () => {
    await harness.clock.advance(AGENT_NO_MASTER_WARNING_MS - 1);
    expect(warnings()).to.have.length(0);
    await harness.clock.advance(1);
    expect(warnings()).to.have.length(1);
    const master = harness.master.self().toString();
    expect(warnings()[0]).to.include({ master });
    expect(String(warnings()[0]?.msg)).to.include(master);
    const attempts = harness.master.count('RegisterAgent');
    await harness.clock.advance(5 * 60_000);
    expect(harness.master.count('RegisterAgent')).to.be.greaterThan(attempts);
  });

  it('warns once per interval, not once per retry', async () => {
    await harness.stop();
    captured = captureLogger('agent');
    harness = new AgentHarness({ registrationBackoffFactorMs: 10 }, captured.logger);
    await harness.clock.advance(3 * AGENT_NO_MASTER_WARNING_MS);
    expect(warnings()).to.have.length(3);
    expect(harness.master.count('RegisterAgent')).to.be.greaterThan(3);
    expect(warnings().map((record) => record.waitedMs)).to.deep.equal([1, 2, 3].map((n) => n * AGENT_NO_MASTER_WARNING_MS));
  });

  it('following ZooKeeper with no leader found there, warns naming the URL instead (an unreachable server or a wrong path left it silent)', async () => {
    await harness.stop();
    captured = captureLogger('agent');
    const url = 'zk://127.0.0.1:2999/mesos';
    harness = new AgentHarness({ master: url }, captured.logger, { detector: { leader: undefined, onChange: () => undefined, close: async () => undefined } });
    await harness.clock.advance(2 * AGENT_NO_MASTER_WARNING_MS);
    const lines = captured.find('no leading master found').filter((record) => record.level === WARN_LEVEL);
    expect(lines.map((record) => [record.msg, record.waitedMs])).to.deep.equal([1, 2].map((n) => [
      `no leading master found in ${url}: is ZooKeeper reachable there, and is its path the masters' --zk path? still waiting`, n * AGENT_NO_MASTER_WARNING_MS,
    ]));
    expect(harness.master.count('RegisterAgent')).to.equal(0);
  });

  it('re-registering unanswered, also asks whether the master\'s log says it refuses the agent (a master refusing a report answers nothing)', async () => {
    await harness.stop();
    captured = captureLogger('agent');
    harness = new AgentHarness({ masterPingTimeoutMs: MASTER_PING_TIMEOUT_MS }, captured.logger);
    await harness.register();
    // No ping for the ping timeout: the agent re-registers, and the master says nothing.
    await harness.clock.advance(MASTER_PING_TIMEOUT_MS + AGENT_NO_MASTER_WARNING_MS + 1_000);
    expect(harness.master.count('ReregisterAgent')).to.be.greaterThan(0);
    expect(warnings()).to.have.length.greaterThan(0);
    expect(warnings()[0]).to.include({ agentId: AGENT_ID });
    expect(String(warnings()[0]?.msg)).to.include(`does its log say it refuses this agent's re-registration (${AGENT_ID})`);
  });

  it('stops warning once a master registers it', async () => {
    await harness.register();
    await harness.clock.advance(10 * AGENT_NO_MASTER_WARNING_MS);
    expect(warnings()).to.have.length(0);
  });

  // A review: an agent that restarted its authentication from the start of its backoff each time its master's link
  // broke tried twice a second against a master gone for good (124 tries in a minute).
  it('authenticating with a master whose link breaks each time, it tries again within a doubling bound, not twice a second', async () => {
    await harness.stop();
    captured = captureLogger('agent');
    harness = new AgentHarness({}, captured.logger, { credential: { principal: 'agent', secret: 's' } });
    // The master goes at every Authenticate: the agent's link to it breaks while it authenticates.
    harness.host.terminate(harness.master);
    await harness.clock.advance(60_000);
    const tries = captured.find('the master went away while authenticating').length;
    expect(tries, 'tries in a minute').to.be.within(2, 10);
  });
});
