/**
 * `Actor.routeUnder`: routes several actors serve under one namespace of a host, as `/api/...`
 * is shared by the master's v1 scheduler API (actor `api`) and the agent's v1 executor API on
 * a `mesos-local` host. Both answer whichever starts first, and an actor's own routes come first.
 */
import { expect } from 'chai';
import { ok, type ActorHost } from '../../../lib/process';
import { netHost, Probe } from '../../support/runtime';

/** The master's API: actor `api` with its own route. */
class SchedulerLike extends Probe {
  constructor() {
    super('api');
    this.route('/v1/scheduler', () => ok({ served: 'scheduler' }));
  }
}

/** The agent's API: another id, serving `/api/v1/executor` under `api`. */
class ExecutorLike extends Probe {
  constructor(id: string, answer = 'executor') {
    super(id);
    this.routeUnder('api', '/v1/executor', () => ok({ served: answer, by: id }));
  }
}

describe('HTTP routes shared under one namespace (Actor.routeUnder)', () => {
  let host: ActorHost;

  beforeEach(async () => {
    host = await netHost();
  });

  afterEach(async () => {
    await host.stop();
  });

  async function get(path: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`http://${host.address}${path}`);
    const text = await response.text();
    return { status: response.status, body: response.headers.get('content-type') === 'application/json' ? JSON.parse(text) as unknown : text };
  }

  for (const order of ['the executor API first', 'the scheduler API first']) {
    it(`serves /api/v1/scheduler and /api/v1/executor on one host, ${order}`, async () => {
      const spawn = order === 'the executor API first' ? [new ExecutorLike('executor-api'), new SchedulerLike()] : [new SchedulerLike(), new ExecutorLike('executor-api')];
      for (const actor of spawn) host.spawn(actor);
      expect(await get('/api/v1/scheduler')).to.deep.equal({ status: 200, body: { served: 'scheduler' } });
      expect(await get('/api/v1/executor')).to.deep.equal({ status: 200, body: { served: 'executor', by: 'executor-api' } });
      expect(await get('/api/v1/executor/')).to.deep.equal({ status: 200, body: { served: 'executor', by: 'executor-api' } });
      expect((await get('/api/v1/operator')).status).to.equal(404);
    });
  }

  it('serves a shared route on a host with no actor of that id', async () => {
    host.spawn(new ExecutorLike('executor-api'));
    expect(await get('/api/v1/executor')).to.deep.equal({ status: 200, body: { served: 'executor', by: 'executor-api' } });
    expect((await get('/api/v1/scheduler')).status).to.equal(404);
  });

  it('refuses a second actor for one shared path, and frees the path when its actor ends', async () => {
    const first = new ExecutorLike('first');
    host.spawn(first);
    expect(() => host.spawn(new ExecutorLike('second'))).to.throw("'/api/v1/executor' is served by actor 'first'");
    expect(host.lookup('second')).to.equal(undefined);
    expect(host.servesShared('api', '/v1/executor')).to.equal(true);
    host.terminate(first);
    await host.wait(first);
    expect(host.servesShared('api', '/v1/executor')).to.equal(false);
    expect((await get('/api/v1/executor')).status).to.equal(404);
    host.spawn(new ExecutorLike('second', 'again'));
    expect(await get('/api/v1/executor')).to.deep.equal({ status: 200, body: { served: 'again', by: 'second' } });
  });

  it('lets the namespace\'s own actor answer its own routes first', async () => {
    class Own extends Probe {
      constructor() {
        super('api');
        this.route('/v1/executor', () => ok({ served: 'own' }));
      }
    }
    host.spawn(new Own());
    host.spawn(new ExecutorLike('executor-api'));
    expect(await get('/api/v1/executor')).to.deep.equal({ status: 200, body: { served: 'own' } });
  });
});
