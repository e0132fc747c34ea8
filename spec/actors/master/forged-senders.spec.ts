/**
 * Issue 9's forged-sender attacks on a master, over real links: a peer that dials the master
 * and writes envelopes in the name of another host's actor (pids are public in /master/state).
 * The runtime binds a sender to its link, so each forged message is dropped before any actor
 * sees it, and the victim is unaffected.
 */
import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { dispatch } from '../../../lib/actor';
import type { ActorHost } from '../../../lib/process';
import { HOST_HEADER, INCARNATION_HEADER, NONCE_HEADER } from '../../../lib/process/links';
import { defaultMasterFlags, Registry, startMaster, type MasterHandle } from '../../../actors/master';
import { eventually, netHost, Probe, rawLinkPeer, type RawLinkPeer } from '../../support/runtime';

const packr = new Packr({ useRecords: false });

describe('actors/master: forged senders are dropped by the link (issue 9)', () => {
  let masterHost: ActorHost;
  let victimHost: ActorHost;
  let master: MasterHandle;
  let victim: Probe;
  let attacker: RawLinkPeer | undefined;

  beforeEach(async () => {
    masterHost = await netHost();
    victimHost = await netHost();
    master = await startMaster({ flags: defaultMasterFlags('/unused'), host: masterHost, registry: Registry.inMemory() });
    victim = new Probe('scheduler', ['FrameworkRegistered', 'FrameworkError', 'ResourceOffers']);
    victimHost.spawn(victim);
    victim.post(master.pid, 'RegisterFramework', { framework: { name: 'victim', user: 'u', failoverTimeout: 3600 } });
    await eventually(() => victim.count('FrameworkRegistered') === 1, 10_000, 'the victim registered');
  });

  afterEach(async () => {
    await attacker?.close();
    await victimHost.stop();
    await masterHost.stop();
  });

  async function frameworks(): Promise<Array<{ name: string; active: boolean; connected: boolean }>> {
    const state = await dispatch(master.master, (actor) => actor.stateJson()) as unknown as { frameworks: Array<{ name: string; active: boolean; connected: boolean }> };
    return state.frameworks;
  }

  it("a peer that claims the victim's host address at the handshake is refused (403): that host does not confirm the dial", async () => {
    const refusal = await rawLinkPeer(masterHost, { [HOST_HEADER]: victimHost.address, [INCARNATION_HEADER]: 'attacker', [NONCE_HEADER]: '0123456789abcdef0123456789abcdef' })
      .then(() => undefined, (error: Error) => error);
    expect(refusal?.message).to.match(/403/);
    const [framework] = await frameworks();
    expect(framework).to.include({ name: 'victim', active: true, connected: true });
  });

  it("an UnregisterFramework and an exit in the victim scheduler's name tear nothing down", async () => {
    const frameworkId = (victim.received.find((message) => message.name === 'FrameworkRegistered')?.body as { frameworkId: string }).frameworkId;
    // The attacker dials the master as a host of its own (proving its own address) and writes envelopes in the victim's name.
    attacker = await rawLinkPeer(masterHost);
    const from = victim.self().toString();
    attacker.socket.send(packr.pack({ from, to: master.pid.toString(), name: 'UnregisterFramework', body: { frameworkId } }), { binary: true });
    attacker.socket.send(packr.pack({ from, to: master.pid.toString(), name: '__exited__', body: null }), { binary: true });
    await eventually(() => masterHost.forgedSenderDrops === 2, 10_000, 'both forged messages dropped');
    const [framework] = await frameworks();
    expect(framework).to.include({ name: 'victim', active: true, connected: true });
    expect(victim.count('FrameworkError')).to.equal(0);
  });
});
