/**
 * Every v1 endpoint's bad-input table (issue 11): malformed JSON, a wrong content type, an
 * unknown call type, an oversized body, missing fields, a wrong method. Each is a 4xx with a
 * reason in words, and the master and the agent stay up and keep serving good calls.
 */
import { expect } from 'chai';
import { MAX_EXECUTOR_CALL_BYTES } from '../../actors/agent/v1-executor';
import { MAX_OPERATOR_CALL_BYTES } from '../../actors/master/v1-operator';
import { MAX_SCHEDULER_CALL_BYTES } from '../../actors/master/v1-scheduler';
import { MAX_HTTP_BODY_BYTES } from '../../lib/process';
import { localClusterHooks } from './processes';

/** One bad request and what kind of answer it must get. */
interface BadCase {
  readonly what: string;
  readonly method?: string;
  readonly contentType?: string;
  readonly body: string;
}

/** Bodies bigger than every v1 API's own limit, and below the host's (which would refuse them before any API sees them). */
const OVERSIZED_BYTES = Math.max(MAX_SCHEDULER_CALL_BYTES, MAX_OPERATOR_CALL_BYTES, MAX_EXECUTOR_CALL_BYTES) + 1;

const CASES: readonly BadCase[] = [
  { what: 'malformed JSON', body: '{"type": "SUBSCRIBE",' },
  { what: 'JSON that is not an object', body: '[1, 2, 3]' },
  { what: 'a wrong content type', contentType: 'text/plain', body: '{"type":"GET_HEALTH"}' },
  // A field's tag with no value after it: bytes cut short for every API's Call (`08 01` is the operator API's GET_HEALTH).
  { what: 'protobuf cut short', contentType: 'application/x-protobuf', body: '\u0008' },
  { what: 'no content type', contentType: '', body: '{"type":"GET_HEALTH"}' },
  { what: 'an unknown call type', body: '{"type":"NO_SUCH_CALL"}' },
  { what: 'no call type', body: '{"framework_id":{"value":"x"}}' },
  { what: 'a call missing its fields', body: '{"type":"ACKNOWLEDGE","framework_id":{"value":"x"}}' },
  { what: 'an oversized body', body: `{"type":"SUBSCRIBE","pad":"${'x'.repeat(OVERSIZED_BYTES)}"}` },
  { what: 'GET', method: 'GET', body: '' },
];

describe('the v1 endpoints answer bad input with a 4xx and a reason, and stay up', function () {
  it('sends an oversized body the APIs see (below the host\'s own limit)', () => {
    expect(OVERSIZED_BYTES + 64).to.be.below(MAX_HTTP_BODY_BYTES);
  });

  this.timeout(60_000);
  const hooks = localClusterHooks(() => ['--resources', 'cpus:1;mem:256']);
  let master = '';
  let agent = '';
  before(() => {
    ({ master, agent } = hooks.cluster());
  });

  /** Each endpoint's URL, and a call of its own with a field of the wrong type. */
  const endpoints = (): Record<string, { url: string; wrongType: string }> => ({
    'the scheduler API': { url: `http://${master}/api/v1/scheduler`, wrongType: '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":7,"name":[]}}}' },
    'the operator API': { url: `http://${master}/api/v1`, wrongType: '{"type":"GET_METRICS","get_metrics":{"timeout":"soon"}}' },
    'the executor API': { url: `http://${agent}/api/v1/executor`, wrongType: '{"type":"SUBSCRIBE","framework_id":{"value":1},"executor_id":"e"}' },
  });

  for (const name of ['the scheduler API', 'the operator API', 'the executor API']) {
    it(`${name}: every bad request is a 4xx with a reason`, async () => {
      const { url, wrongType } = endpoints()[name] as { url: string; wrongType: string };
      for (const bad of [...CASES, { what: 'a wrong type in a field', body: wrongType }]) {
        const headers: Record<string, string> = bad.contentType === '' ? {} : { 'content-type': bad.contentType ?? 'application/json' };
        const response = await fetch(url, { method: bad.method ?? 'POST', headers, ...(bad.method === 'GET' ? {} : { body: bad.body }) });
        const reason = await response.text();
        expect(response.status, `${name}, ${bad.what}: ${reason}`).to.be.within(400, 499);
        expect(reason.trim().length, `${name}, ${bad.what}: a reason in words`).to.be.greaterThan(10);
      }
    });
  }

  it('afterwards the master and the agent still serve good calls', async () => {
    const health = await fetch(`http://${master}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"GET_HEALTH"}' });
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({ type: 'GET_HEALTH', get_health: { healthy: true } });
    expect((await fetch(`http://${agent}/slave(1)/health`)).status).to.equal(200);
    expect(hooks.cluster().process.child.exitCode).to.equal(null);
  });
});
