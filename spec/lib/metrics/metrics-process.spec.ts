import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { attachMetricsSource, MetricsProcess, METRICS_ACTOR_ID, type MetricsSource } from '../../../lib/metrics';
import { DEFAULT_METRICS_TIMEOUT_MS } from '../../../lib/metrics/metrics-process';
import { VirtualClock } from '../../../lib/process';
import type { HttpResponse } from '../../../lib/process';
import { memoryHost, Probe } from '../../support/runtime';
import { parsePrometheusText } from '../../support/prometheus-text';

function source(values: Record<string, number>, counters: readonly string[] = []): MetricsSource {
  return { read: () => Promise.resolve(values), kindOf: (key) => (counters.includes(key) ? 'counter' : 'gauge') };
}

/** GET `path` of the metrics actor through its route, in its mailbox (a memory host serves no HTTP). */
function get(metrics: MetricsProcess, path: string, query: Record<string, string> = {}): Promise<HttpResponse> {
  return dispatch(metrics, (actor) => {
    const route = actor.runtime.routes.get(path);
    if (route === undefined) throw new Error(`no route ${path}`);
    return route.call(actor, { method: 'GET', path, query, headers: {}, body: Buffer.alloc(0) });
  });
}

describe('lib/metrics/metrics-process: one metrics actor per host', () => {
  it('serves every attached source (and system/*) at /snapshot and /, and stops when the last source detaches', async () => {
    const host = memoryHost();
    try {
      const detachMaster = attachMetricsSource(host, source({ 'master/tasks_running': 1, 'master/slave_removals': 2 }, ['master/slave_removals']));
      const detachAgent = attachMetricsSource(host, source({ 'slave/tasks_running': 3 }));
      const metrics = host.lookup(METRICS_ACTOR_ID) as MetricsProcess;
      expect(metrics).to.be.instanceOf(MetricsProcess);
      const snapshot = (await get(metrics, '/snapshot')).body as Record<string, number>;
      expect(snapshot).to.include({ 'master/tasks_running': 1, 'master/slave_removals': 2, 'slave/tasks_running': 3 });
      expect(snapshot['system/cpus_total']).to.be.greaterThan(0);
      const families = parsePrometheusText((await get(metrics, '/')).body as string);
      expect(families.get('mesos_master_slave_removals_total')?.type).to.equal('counter');
      expect(families.get('mesos_slave_tasks_running')?.samples[0]?.value).to.equal(3);
      await detachMaster();
      expect(host.lookup(METRICS_ACTOR_ID)).to.equal(metrics);
      expect(((await get(metrics, '/snapshot')).body as Record<string, number>)['master/tasks_running']).to.equal(undefined);
      await detachAgent();
      expect(host.lookup(METRICS_ACTOR_ID)).to.equal(undefined);
    } finally {
      await host.stop();
    }
  });

  // The hostile-input pass of 2026-12-05: `timeout` was ignored (`abc` and `-5secs` answered 200), and a source that never
  // answered held the request for good.
  it('takes `timeout` as Mesos does (400 for one that is no duration), leaving out a source not answered by then; 5 s without one', async () => {
    const clock = new VirtualClock(0);
    const host = memoryHost({ clock });
    try {
      attachMetricsSource(host, { read: () => new Promise<Record<string, number>>(() => undefined), kindOf: () => 'gauge' });
      attachMetricsSource(host, source({ 'slave/registered': 1 }));
      const metrics = host.lookup(METRICS_ACTOR_ID) as MetricsProcess;
      for (const bad of ['abc', '-5secs', '10']) {
        const refused = await get(metrics, '/snapshot', { timeout: bad });
        expect([refused.status, String(refused.body)], bad).to.deep.equal([400, `Invalid timeout: '${bad}' is not a duration: a number and a unit (e.g. 500ms, 15secs, 1mins)`]);
      }
      const answered = (timeout?: string): { done: boolean; response: Promise<HttpResponse> } => {
        const state = { done: false, response: get(metrics, '/snapshot', timeout === undefined ? {} : { timeout }) };
        void state.response.then(() => { state.done = true; });
        return state;
      };
      const given = answered('2secs');
      await clock.advance(1_999);
      expect(given.done, 'before the timeout').to.equal(false);
      await clock.advance(1);
      expect(given.done).to.equal(true);
      expect(((await given.response).body as Record<string, number>)['slave/registered']).to.equal(1);
      const defaulted = answered();
      await clock.advance(DEFAULT_METRICS_TIMEOUT_MS);
      expect(defaulted.done).to.equal(true);
      expect((await defaulted.response).status).to.equal(200);
    } finally {
      await host.stop();
    }
  });

  it('leaves out a source that fails, and refuses an id another kind of actor holds', async () => {
    const host = memoryHost();
    try {
      attachMetricsSource(host, { read: () => Promise.reject(new Error('gone')), kindOf: () => 'gauge' });
      attachMetricsSource(host, source({ 'slave/registered': 1 }));
      const snapshot = (await get(host.lookup(METRICS_ACTOR_ID) as MetricsProcess, '/snapshot')).body as Record<string, number>;
      expect(snapshot['slave/registered']).to.equal(1);
      host.spawn(new Probe('not-metrics'));
      expect(() => attachMetricsSource(host, source({}), 'not-metrics')).to.throw(/not a metrics actor/);
    } finally {
      await host.stop();
    }
  });
});
