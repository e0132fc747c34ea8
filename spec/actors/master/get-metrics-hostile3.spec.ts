/**
 * A hostile review of the v1 operator API's GET_METRICS against Mesos' (`Master::Http::getMetrics`,
 * src/master/http.cpp, and the agent's; both `process::metrics::snapshot(timeout)`, libprocess'
 * src/metrics/metrics.cpp): past its timeout the call answers the metrics that were ready, leaving
 * out a component that has not answered; it answered 503 with none.
 */
import { expect } from 'chai';
import { DEFAULT_METRICS_TIMEOUT_MS, MetricsProcess } from '../../../lib/metrics';
import type { HttpRequest, HttpResponse } from '../../../lib/process';
import { serveAgentOperatorCall, type AgentOperatorPort } from '../../../actors/agent/v1-operator';
import { cleanUp, startListeningHarness, type Harness } from './harness';

/** A component whose metrics never come (a stuck actor). */
const STUCK = { read: () => new Promise<Record<string, number>>(() => undefined), kindOf: () => 'gauge' as const };

/** POSTs `call` to the master's `/api/v1`; the answer's status and metric names. */
async function getMetrics(harness: Harness, call: object): Promise<{ status: number; names: string[] }> {
  const response = await fetch(`http://${harness.host.address}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) });
  const text = await response.text();
  const names = response.status === 200 ? (JSON.parse(text) as { get_metrics: { metrics?: Array<{ name: string }> } }).get_metrics.metrics?.map((metric) => metric.name) ?? [] : [];
  return { status: response.status, names };
}

/** `call` answered once the virtual clock has moved `ms` past its arrival. */
async function answeredAfter(harness: Harness, call: object, ms: number): Promise<{ status: number; names: string[] }> {
  let answered = false;
  const pending = getMetrics(harness, call).finally(() => { answered = true; });
  await harness.clock.settle();
  await harness.clock.advance(ms - 1);
  expect(answered, 'answered before its timeout').to.equal(false);
  await harness.clock.advance(1);
  return pending;
}

describe('v1 GET_METRICS past its timeout (hostile review 3)', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startListeningHarness();
    const metrics = harness.host.lookup('metrics');
    if (!(metrics instanceof MetricsProcess)) throw new Error('no metrics actor');
    metrics.addSource(STUCK);
  });
  afterEach(async () => {
    await harness.host.stop();
    await cleanUp();
  });

  it('answers the metrics that were ready at the call\'s timeout, as Mesos, leaving out the component that had not answered (it was 503 and no metric)', async () => {
    const { status, names } = await answeredAfter(harness, { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 2e9 } } }, 2_000);
    expect(status).to.equal(200);
    expect(names).to.include.members(['master/elected', 'master/tasks_running', 'allocator/event_queue_dispatches', 'system/cpus_total']);
  });

  it('without a timeout waits DEFAULT_METRICS_TIMEOUT_MS (our bound: Mesos waits for good), then answers what was ready', async () => {
    const { status, names } = await answeredAfter(harness, { type: 'GET_METRICS', get_metrics: {} }, DEFAULT_METRICS_TIMEOUT_MS);
    expect(status).to.equal(200);
    expect(names).to.include('master/elected');
  });
});

describe('the agent\'s v1 GET_METRICS timeout (hostile review 3)', () => {
  it('reads the metrics within the call\'s timeout, as Mesos\' agent (it ignored it: always 5 s)', async () => {
    const asked: number[] = [];
    const port = { authentication: undefined, recovering: () => false, metrics: (timeoutMs: number) => { asked.push(timeoutMs); return Promise.resolve({ 'slave/registered': 1 }); } } as unknown as AgentOperatorPort;
    const request = (call: object): HttpRequest => ({ method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(call)) });
    const answer: HttpResponse = await serveAgentOperatorCall(port, request({ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 2_500_000_000 } } }));
    expect(answer.status).to.equal(200);
    // Mesos' agent refuses a GET_METRICS without `get_metrics` (400); an empty one has no timeout.
    await serveAgentOperatorCall(port, request({ type: 'GET_METRICS', get_metrics: {} }));
    expect(asked).to.deep.equal([2_500, DEFAULT_METRICS_TIMEOUT_MS]);
  });
});
