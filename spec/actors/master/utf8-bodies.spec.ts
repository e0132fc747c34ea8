/**
 * Request bodies that are not UTF-8 are refused, naming why, on every endpoint that reads JSON
 * or a protobuf string. Read leniently (`Buffer.toString('utf8')`, protobufjs), each bad byte
 * became U+FFFD: a weight, a quota or a framework was set for a role other than was sent.
 */
import { expect } from 'chai';
import { v1CallBytes } from '../../../lib/v1/protobuf';
import { within } from '../../support/runtime';
import { cleanUp, startListeningHarness, type Harness } from './harness';

/** `text` as UTF-8 with `bad` (bytes that are not UTF-8) put where `@` is. */
function withBadBytes(text: string, bad: readonly number[] = [0xff]): Buffer {
  const [before, after] = text.split('@') as [string, string];
  return Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(bad), Buffer.from(after, 'utf8')]);
}

describe('request bodies that are not UTF-8', () => {
  let harness: Harness;
  before(async () => {
    harness = await startListeningHarness({});
  });
  after(async () => {
    await harness.host.stop();
    await cleanUp();
  });

  async function send(method: string, path: string, body: Buffer, contentType = 'application/json'): Promise<{ status: number; text: string }> {
    const url = `http://${harness.host.address}${path}`;
    const response = await within(fetch(url, { method, ...(method === 'GET' ? {} : { body }), headers: { 'content-type': contentType } }), 10_000, url);
    const text = await response.text();
    await harness.clock.settle();
    return { status: response.status, text };
  }

  it('the v1 operator API refuses such a JSON body (400), and the same call in UTF-8 is served', async () => {
    expect(await send('POST', '/api/v1', withBadBytes('{"type":"GET_ROLES","x":"a@"}'))).to.deep.equal({ status: 400, text: 'Failed to parse body into JSON: the body is not valid UTF-8' });
    expect((await send('POST', '/api/v1', Buffer.from('{"type":"GET_ROLES"}'))).status).to.equal(200);
  });

  it("the v1 operator API refuses a protobuf call whose string field is not UTF-8, naming the field (SET_QUOTA's role)", async () => {
    const good = Buffer.from(v1CallBytes('master', { type: 'SET_QUOTA', set_quota: { quota_request: { role: 'engx', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] } } }));
    // The role's last byte ('x') made 0xff: the same length, so every enclosing length still holds.
    const bad = Buffer.from(good);
    bad[bad.indexOf(Buffer.from('engx')) + 3] = 0xff;
    const refused = await send('POST', '/api/v1', bad, 'application/x-protobuf');
    expect(refused).to.deep.equal({ status: 400, text: "Failed to parse body into Call protobuf: field 'role' (2) of mesos.v1.quota.QuotaRequest is not valid UTF-8 (a string; bytes go in a bytes field)" });
  });

  it('the v1 scheduler API refuses such a SUBSCRIBE (400) before reading it', async () => {
    const refused = await send('POST', '/api/v1/scheduler', withBadBytes('{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","roles":["eng@"]}}}'));
    expect(refused).to.deep.equal({ status: 400, text: 'Failed to parse body into JSON: the body is not valid UTF-8' });
  });

  it("/master/weights, /master/quota and /master/maintenance/schedule refuse it (400), and set nothing", async () => {
    expect(await send('PUT', '/master/weights', withBadBytes('[{"role":"eng@","weight":2}]'))).to.deep.equal({ status: 400, text: JSON.stringify({ error: 'Invalid weights: the body is not valid UTF-8' }) });
    expect(await send('POST', '/master/quota', withBadBytes('{"role":"eng@","guarantee":[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]}'))).to.deep.equal({ status: 400, text: JSON.stringify({ error: 'Invalid set quota request: the body is not valid UTF-8' }) });
    const schedule = withBadBytes('{"windows":[{"machine_ids":[{"hostname":"h@"}],"unavailability":{"start":{"nanoseconds":1}}}]}', [0xc0, 0x80]);
    expect(await send('POST', '/master/maintenance/schedule', schedule)).to.deep.equal({ status: 400, text: JSON.stringify({ error: 'Failed to parse body into JSON: the body is not valid UTF-8' }) });
    const roles = JSON.parse((await send('GET', '/master/roles', Buffer.alloc(0))).text) as { roles: Array<{ name: string }> };
    expect(roles.roles.map((role) => role.name)).to.deep.equal([]);
  });
});
