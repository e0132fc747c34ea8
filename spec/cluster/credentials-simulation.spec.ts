import { expect } from 'chai';
import { startCluster, type Cluster } from './simulation';

/** What the master's `/master/state` says of each agent. */
interface RenderedAgent {
  readonly id: string;
  readonly pid: string;
  readonly active: boolean;
  readonly connected: boolean;
}

function agentsAtMaster(cluster: Cluster): readonly RenderedAgent[] {
  return (cluster.master.master.stateJson() as { slaves: RenderedAgent[] }).slaves;
}

/**
 * A cluster whose master authenticates agents and frameworks (`ClusterOptions.credentials`,
 * `npm run chaos -- --credentials`), under the virtual clock. The master forgets a pid's
 * authentication when its link breaks (whoever comes back at it must prove itself again), so a
 * client that keeps its own "authenticated" past such a break is refused in silence for good.
 */
describe('a cluster whose master authenticates (simulation)', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.host.stop();
    cluster = undefined;
  });

  // Chaos with --credentials, seeds 2 and 9: the agent stayed unregistered until the end of the run.
  it('an agent whose link breaks after it authenticated, before its re-registration is answered, authenticates again', async () => {
    cluster = await startCluster({ agents: ['cpus:2;mem:1024'], seed: 21, credentials: true });
    const agent = cluster.agents[0]?.agent;
    if (agent === undefined) throw new Error('no agent');
    const master = cluster.master.pid;
    expect(agentsAtMaster(cluster).map((rendered) => rendered.active)).to.deep.equal([true]);
    // The master's answers to its re-registrations are lost for a while.
    const lost = cluster.host.filters.drop({ name: 'AgentReregistered' }, 'always');
    cluster.host.breakLink(master, agent.pid);
    await cluster.clock.advance(10_000);
    expect(cluster.host.lookup(agent.pid.id), 'it re-registers (the master re-registered it; the answer was lost)').to.not.equal(undefined);
    // Its link breaks again: the master forgets that it authenticated.
    cluster.host.breakLink(master, agent.pid);
    await cluster.clock.advance(1_000);
    lost.remove();
    await cluster.clock.advance(5 * 60_000);
    const rendered = agentsAtMaster(cluster);
    expect(rendered.map((one) => [one.pid, one.connected, one.active])).to.deep.equal([[agent.pid.toString(), true, true]]);
  });
});
