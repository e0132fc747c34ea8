/**
 * The master reads no text of a request as other text than was sent. Bodies that are not UTF-8
 * are refused, naming why, on every endpoint that reads JSON or a protobuf string (read
 * leniently, `Buffer.toString('utf8')` and protobufjs, each bad byte became U+FFFD: a weight, a
 * quota or a framework was set for a role other than was sent); so are a form body that is not
 * UTF-8 (`frameworkId=<0xff>` and `frameworkId=<0xfe>` named one framework), a query escape that
 * is not UTF-8, and JSON that escapes a lone surrogate (`"\ud800"`: no character; Mesos' parser
 * refuses it, and written as UTF-8, to an agent or a log, `"\ud800"` and `"\udbff"` were one role).
 */
import { expect } from 'chai';
import { v1CallBytes } from '../../../lib/v1/protobuf';
import { within } from '../../support/runtime';
import { cleanUp, startListeningHarness, type Harness } from './harness';

/** What the master says of a string holding a lone surrogate (`loneSurrogateInJson`). */
const LONE = "the string 'eng\\ud800' holds a lone surrogate (\\ud800), no character: UTF-8 cannot carry it";

/** `text` as UTF-8 with `bad` (bytes that are not UTF-8) put where `@` is. */
function withBadBytes(text: string, bad: readonly number[] = [0xff]): Buffer {
  const [before, after] = text.split('@') as [string, string];
  return Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(bad), Buffer.from(after, 'utf8')]);
}

describe('request text that is not what was sent, at the master', () => {
  let harness: Harness;
  before(async () => {
    harness = await startListeningHarness({});
  });
  after(async () => {
    await harness.host.stop();
    await cleanUp();
  });

  async function send(method: string, route: string, body?: string | Buffer, contentType = 'application/json'): Promise<{ status: number; text: string }> {
    const url = `http://${harness.host.address}${route}`;
    const response = await within(fetch(url, { method, ...(body === undefined ? {} : { body }), headers: { 'content-type': contentType } }), 10_000, url);
    const text = await response.text();
    await harness.clock.settle();
    return { status: response.status, text };
  }

  /** The master's 400 body for `message` (`httpError`). */
  const error = (message: string): string => JSON.stringify({ error: message });

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
    expect(await send('PUT', '/master/weights', withBadBytes('[{"role":"eng@","weight":2}]'))).to.deep.equal({ status: 400, text: error('Invalid weights: the body is not valid UTF-8') });
    expect(await send('POST', '/master/quota', withBadBytes('{"role":"eng@","guarantee":[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]}'))).to.deep.equal({ status: 400, text: error('Invalid set quota request: the body is not valid UTF-8') });
    const schedule = withBadBytes('{"windows":[{"machine_ids":[{"hostname":"h@"}],"unavailability":{"start":{"nanoseconds":1}}}]}', [0xc0, 0x80]);
    expect(await send('POST', '/master/maintenance/schedule', schedule)).to.deep.equal({ status: 400, text: error('Failed to parse body into JSON: the body is not valid UTF-8') });
    const roles = JSON.parse((await send('GET', '/master/roles')).text) as { roles: Array<{ name: string }> };
    expect(roles.roles.map((role) => role.name)).to.deep.equal([]);
  });

  it('/master/teardown and /master/reserve refuse a form body that is not UTF-8 (400 naming why), not an id of U+FFFD', async () => {
    const form = (text: string): Buffer => Buffer.concat([Buffer.from(text), Buffer.from([0xff])]);
    expect(await send('POST', '/master/teardown', form('frameworkId=F'), 'application/x-www-form-urlencoded')).to.deep.equal({ status: 400, text: error('Unable to decode query string: the body is not valid UTF-8') });
    expect(await send('POST', '/master/reserve', form('resources=[]&slaveId=S'), 'application/x-www-form-urlencoded')).to.deep.equal({ status: 400, text: error('Unable to decode query string: the body is not valid UTF-8') });
  });

  it('refuses a query whose escape is not UTF-8 (400), on /master/tasks as on every route', async () => {
    expect(await send('GET', '/master/tasks?framework_id=%ff')).to.deep.equal({ status: 400, text: error("Unable to decode query string: '%ff' does not decode to UTF-8 text") });
    expect(await send('GET', '/master/frameworks?framework_id=%fe')).to.deep.equal({ status: 400, text: error("Unable to decode query string: '%fe' does not decode to UTF-8 text") });
  });

  it("/master/reserve refuses resources whose JSON escapes a lone surrogate: 400, as Mesos' parser", async () => {
    const resources = encodeURIComponent('[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"eng\\ud800"}]}]');
    expect(await send('POST', '/master/reserve', `slaveId=S&resources=${resources}`, 'application/x-www-form-urlencoded')).to.deep.equal({ status: 400, text: error(`'resources' is not JSON: ${LONE}`) });
  });

  it('/master/weights, /master/quota and /master/maintenance/schedule refuse JSON escaping a lone surrogate, and set nothing', async () => {
    expect(await send('PUT', '/master/weights', '[{"role":"eng\\ud800","weight":2}]')).to.deep.equal({ status: 400, text: error(`Invalid weights: the body is not JSON: ${LONE}`) });
    expect(await send('POST', '/master/quota', '{"role":"eng\\ud800","guarantee":[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]}')).to.deep.equal({ status: 400, text: error(`Invalid set quota request: the body is not JSON: ${LONE}`) });
    expect(await send('POST', '/master/maintenance/schedule', '{"windows":[{"machine_ids":[{"hostname":"eng\\ud800"}],"unavailability":{"start":{"nanoseconds":1}}}]}')).to.deep.equal({ status: 400, text: error(`Failed to parse body into JSON: ${LONE}`) });
    const roles = JSON.parse((await send('GET', '/master/roles')).text) as { roles: Array<{ name: string }> };
    expect(roles.roles.map((role) => role.name)).to.deep.equal([]);
  });

  it('the v1 scheduler and operator APIs refuse such JSON (400), and a pair of surrogates (one character) is taken', async () => {
    const subscribe = (role: string): string => `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","roles":["${role}"]}}}`;
    expect(await send('POST', '/api/v1/scheduler', subscribe('eng\\ud800'))).to.deep.equal({ status: 400, text: `Failed to parse body into JSON: ${LONE}` });
    expect(await send('POST', '/api/v1', '{"type":"GET_ROLES","x":"eng\\ud800"}')).to.deep.equal({ status: 400, text: `Failed to parse body into JSON: ${LONE}` });
    expect((await send('POST', '/api/v1', '{"type":"GET_ROLES","x":"eng\\ud83d\\ude00"}')).status).to.equal(200);
  });
});
