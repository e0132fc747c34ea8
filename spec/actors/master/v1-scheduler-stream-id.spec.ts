/**
 * The `Mesos-Stream-Id` of a v1 subscription comes from the host's secret source
 * (`ActorHost.secretBytes`): the system's cryptographic randomness on a real host, the seeded
 * PRNG on a simulated one. Found by the chaos simulation with HTTP frameworks (2026-12-06): the
 * API drew stream ids with `randomUUID()`, so a simulated run asked the system for random bytes
 * (its no-real-I/O check failed) and a seed's stream ids differed from one replay to the next.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VirtualClock, type ActorHost, type HttpRequest } from '../../../lib/process';
import { isUuidText } from '../../../lib/uuid';
import { defaultMasterFlags, startMaster, type MasterHandle } from '../../../actors/master';
import { Registry } from '../../../actors/master/registry';
import { STREAM_ID_HEADER, V1_API_ACTOR_ID } from '../../../actors/master/v1-scheduler';
import { memoryHost } from '../../support/runtime';

/** A SUBSCRIBE of a new framework, as the host hands it to the API's route. */
const SUBSCRIBE: HttpRequest = {
  method: 'POST', path: '/api/v1/scheduler', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: Buffer.from(JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'stream-ids' } } })), remoteAddress: '127.0.0.1',
};

describe('actors/master/v1-scheduler: stream ids from the host\'s secret source', () => {
  const started: Array<{ host: ActorHost; master: MasterHandle }> = [];

  afterEach(async () => {
    for (const { host, master } of started.splice(0)) {
      await master.stop();
      await host.stop();
    }
  });

  /** The `Mesos-Stream-Id`s of `count` SUBSCRIBEs to a new master on a simulated host seeded with `seed`. */
  async function streamIds(seed: number, count: number): Promise<string[]> {
    const host = memoryHost({ clock: new VirtualClock(), seed, address: 'stream-ids:5050' });
    const master = await startMaster({ flags: defaultMasterFlags('/unused'), host, registry: Registry.inMemory() });
    started.push({ host, master });
    const api = host.lookup(V1_API_ACTOR_ID);
    const route = api?.runtime.routes.get('/v1/scheduler');
    if (api === undefined || route === undefined) throw new Error('the master serves no /api/v1/scheduler');
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const response = await dispatch(api, (actor) => route.call(actor, SUBSCRIBE));
      expect(response.status).to.equal(200);
      ids.push(String(response.headers?.[STREAM_ID_HEADER] ?? response.headers?.['Mesos-Stream-Id']));
    }
    return ids;
  }

  it('are version 4 UUIDs (a Mesos client parses them as UUIDs), drawn from the seed on a simulated host: the same seed gives the same ids', async () => {
    const first = await streamIds(41, 3);
    const again = await streamIds(41, 3);
    const other = await streamIds(42, 3);
    for (const id of first) {
      expect(isUuidText(id), id).to.equal(true);
      expect(id[14], `${id}: version`).to.equal('4');
    }
    expect(new Set(first).size, 'distinct per subscription').to.equal(3);
    expect(again).to.deep.equal(first);
    expect(other).to.not.deep.equal(first);
  });
});
