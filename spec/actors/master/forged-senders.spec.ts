/**
 * Issue 9's forged-sender attacks on a master, over real links: a peer that dials the master
 * and writes envelopes in the name of another host's actor (pids are public in /master/state).
 * The runtime binds a sender to its link, so each forged message is dropped before any actor
 * sees it, and the victim is unaffected.
 */
import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { WebSocket } from 'ws';
import { dispatch } from '../../../lib/actor';
import type { ActorHost } from '../../../lib/process';
import { HOST_HEADER, INCARNATION_HEADER, LINK_PATH } from '../../../lib/process/links';
import { defaultMasterFlags, Registry, startMaster, type MasterHandle } from '../../../actors/master';
import { eventually, netHost, Probe } from '../../support/runtime';

const packr = new Packr({ useRecords: false });

describe('actors/master: forged senders are dropped by the link (issue 9)', () => {
  let masterHost: ActorHost;
  let victimHost: ActorHost;
  let master: MasterHandle;
  let victim: Probe;
  let attacker: WebSocket | undefined;

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
    attacker?.close();
    await victimHost.stop();
    await masterHost.stop();
  });

  /** A peer that dials the master as a host of its own (127.0.0.1:1) and writes raw envelopes. */
  async function dialAsAttacker(): Promise<WebSocket> {
    const socket = new WebSocket(`ws://${masterHost.address}${LINK_PATH}`, { headers: { [HOST_HEADER]: '127.0.0.1:1', [INCARNATION_HEADER]: 'attacker' } });
    await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
    return socket;
  }

  async function frameworks(): Promise<Array<{ name: string; active: boolean; connected: boolean }>> {
    const state = await dispatch(master.master, (actor) => actor.stateJson()) as unknown as { frameworks: Array<{ name: string; active: boolean; connected: boolean }> };
    return state.frameworks;
  }

  it("an UnregisterFramework and an exit in the victim scheduler's name tear nothing down", async () => {
    const frameworkId = (victim.received.find((message) => message.name === 'FrameworkRegistered')?.body as { frameworkId: string }).frameworkId;
    attacker = await dialAsAttacker();
    const from = victim.self().toString();
    attacker.send(packr.pack({ from, to: master.pid.toString(), name: 'UnregisterFramework', body: { frameworkId } }), { binary: true });
    attacker.send(packr.pack({ from, to: master.pid.toString(), name: '__exited__', body: null }), { binary: true });
    await eventually(() => masterHost.forgedSenderDrops === 2, 10_000, 'both forged messages dropped');
    const [framework] = await frameworks();
    expect(framework).to.include({ name: 'victim', active: true, connected: true });
    expect(victim.count('FrameworkError')).to.equal(0);
  });
});
