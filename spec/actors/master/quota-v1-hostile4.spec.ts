/**
 * A hostile review of the v1 operator API's SET_QUOTA and REMOVE_QUOTA (Mesos' deprecated quota
 * calls; `QuotaHandler::set` / `remove` in `src/master/quota_handler.cpp`), in JSON and in
 * protobuf, and of DRAIN_AGENT's `max_grace_period` keys.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { basicAuthorization, type HttpRequest, type HttpResponse } from '../../../lib/process';
import { v1CallBytes } from '../../../lib/v1/protobuf';
import { MAX_NAMED_UNKNOWN_KEYS } from '../../../lib/v1/operator';
import { parseAcls } from '../../../actors/master';
import { MAX_QUOTA_GUARANTEE_ENTRIES, MAX_QUOTA_ROLE_CHARS } from '../../../actors/master/roles-http';
import { within } from '../../support/runtime';
import { cleanUp, registerAgent, startHarness, startListeningHarness, type Harness } from './harness';

type Json = Record<string, unknown>;

const cpus = (value: number): Json[] => [{ name: 'cpus', type: 'SCALAR', scalar: { value } }];
const setQuota = (quotaRequest: unknown): Json => ({ type: 'SET_QUOTA', set_quota: { quota_request: quotaRequest } });
const removeQuota = (role: unknown): Json => ({ type: 'REMOVE_QUOTA', remove_quota: { role } });

describe('v1 operator API: SET_QUOTA, REMOVE_QUOTA and DRAIN_AGENT (hostile review 4)', () => {
  const started: Harness[] = [];
  afterEach(async () => {
    for (const harness of started.splice(0)) await harness.host.stop();
    await cleanUp();
  });

  async function listening(flags: Parameters<typeof startListeningHarness>[0] = {}): Promise<Harness> {
    const harness = await startListeningHarness(flags);
    started.push(harness);
    return harness;
  }

  async function post(harness: Harness, call: Json | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const url = `http://${harness.host.address}/api/v1`;
    const binary = call instanceof Uint8Array;
    const response = await within(fetch(url, { method: 'POST', body: binary ? Buffer.from(call) : JSON.stringify(call), headers: { 'content-type': binary ? 'application/x-protobuf' : 'application/json', ...headers } }), 10_000, url);
    const text = await response.text();
    await harness.clock.settle();
    return { status: response.status, text };
  }

  /** The call in JSON and in protobuf, on two masters alike: the answers, which must agree. */
  async function bothWays(json: Harness, protobuf: Harness, call: Json): Promise<{ status: number; text: string }> {
    const inJson = await post(json, call);
    const inProtobuf = await post(protobuf, v1CallBytes('master', call));
    expect([inProtobuf.status, inProtobuf.text], `${JSON.stringify(call)} in protobuf vs JSON`).to.deep.equal([inJson.status, inJson.text]);
    return inJson;
  }

  it('refuses bad quota requests with 400, in JSON and in protobuf alike', async () => {
    const one = await listening();
    const two = await listening();
    await registerAgent(one, 'cpus:4;mem:1024');
    await registerAgent(two, 'cpus:4;mem:1024');
    const bad: Array<[string, unknown]> = [
      ['role *', { role: '*', guarantee: cpus(1) }],
      ['nested', { role: 'eng/web', guarantee: cpus(1) }],
      ['empty role', { role: '', guarantee: cpus(1) }],
      ['no role', { guarantee: cpus(1) }],
      ['long role', { role: 'r'.repeat(MAX_QUOTA_ROLE_CHARS + 1), guarantee: cpus(1) }],
      ['many resources', { role: 'many', guarantee: Array.from({ length: MAX_QUOTA_GUARANTEE_ENTRIES + 1 }, (_, index) => ({ name: `r${index}`, type: 'SCALAR', scalar: { value: 1 } })), force: true }],
      ['dot role', { role: '.', guarantee: cpus(1) }],
      ['negative', { role: 'neg', guarantee: cpus(-1) }],
      ['ranges', { role: 'rng', guarantee: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } }] }],
      ['reserved', { role: 'res', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: 'res' }] }] }],
      ['huge cpus, forced', { role: 'huge', guarantee: cpus(1e15), force: true }],
      ['huge mem, forced', { role: 'hugemem', guarantee: [{ name: 'mem', type: 'SCALAR', scalar: { value: 1e13 } }], force: true }],
    ];
    for (const [what, request] of bad) {
      const answer = await bothWays(one, two, setQuota(request));
      expect(answer.status, `${what}: ${answer.text}`).to.equal(400);
    }
    // JSON only: the text form listing no resource (it was kept, an empty quota that blocked the role), a lone surrogate.
    for (const [what, request] of [['no names', { role: 'semi', guarantee: ';;;' }], ['lone surrogate', { role: '\ud800', guarantee: cpus(1) }], ['lone low surrogate', { role: 'a\udc00b', guarantee: cpus(1) }]] as const) {
      const answer = await post(one, setQuota(request));
      expect(answer.status, `${what}: ${answer.text}`).to.equal(400);
    }
    expect((await post(one, setQuota({ role: 'emoji\u{1F600}', guarantee: cpus(1) }))).status, 'a surrogate pair is a character').to.equal(200);
    expect((await post(one, removeQuota('emoji\u{1F600}'))).status).to.equal(200);
    const text = await post(one, setQuota({ role: 'str', guarantee: cpus(1), force: 'true' }));
    expect(text.status, text.text).to.equal(400);
    const numberRole = await post(one, removeQuota(5));
    expect(numberRole.status, numberRole.text).to.equal(400);
    const removeStar = await bothWays(one, two, removeQuota('*'));
    expect(removeStar.status, removeStar.text).to.equal(400);
    const removeLong = await bothWays(one, two, removeQuota('r'.repeat(10 * MAX_QUOTA_ROLE_CHARS)));
    expect(removeLong.status, removeLong.text).to.equal(400);
    expect(removeLong.text.length, 'the role is not echoed whole').to.be.below(MAX_QUOTA_ROLE_CHARS);
    const removeEmpty = await bothWays(one, two, removeQuota(''));
    expect(removeEmpty.status, removeEmpty.text).to.equal(400);
    // Nothing was kept.
    for (const harness of [one, two]) expect(harness.handle.registry.quotas().size).to.equal(0);
  });

  it("refuses a guarantee with DiskInfo, RevocableInfo or a shared resource, as Mesos' QuotaInfo validation", async () => {
    const one = await listening();
    const two = await listening();
    await registerAgent(one, 'cpus:4;mem:1024;disk:1000');
    await registerAgent(two, 'cpus:4;mem:1024;disk:1000');
    const disk = (extra: Json): Json[] => [{ name: 'disk', type: 'SCALAR', scalar: { value: 10 }, ...extra }];
    for (const [what, guarantee] of [
      ['disk info', disk({ disk: { persistence: { id: 'v1' }, volume: { container_path: 'p', mode: 'RW' } } })],
      ['disk source', disk({ disk: { source: { type: 'MOUNT', mount: { root: '/mnt' } } } })],
    ] as const) {
      const answer = await bothWays(one, two, setQuota({ role: 'r', guarantee, force: true }));
      expect(answer.status, `${what}: ${answer.text}`).to.equal(400);
    }
    // RevocableInfo and SharedInfo are empty messages: in JSON `{}`, in protobuf an empty field (its JSON here: "").
    for (const field of ['revocable', 'shared']) {
      const inJson = await post(one, setQuota({ role: 'r', guarantee: [{ ...cpus(1)[0], [field]: {} }], force: true }));
      expect(inJson.status, `${field} in JSON: ${inJson.text}`).to.equal(400);
      const inProtobuf = await post(two, v1CallBytes('master', setQuota({ role: 'r', guarantee: [{ ...cpus(1)[0], [field]: '' }], force: true })));
      expect(inProtobuf.status, `${field} in protobuf: ${inProtobuf.text}`).to.equal(400);
    }
    for (const harness of [one, two]) expect(harness.handle.registry.quotas().size).to.equal(0);
  });

  it('SET_QUOTA in protobuf sets what it sets in JSON', async () => {
    const one = await listening();
    const two = await listening();
    await registerAgent(one, 'cpus:4;mem:1024');
    await registerAgent(two, 'cpus:4;mem:1024');
    const answer = await bothWays(one, two, setQuota({ role: 'eng', guarantee: [...cpus(1), { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }], force: false }));
    expect(answer.status, answer.text).to.equal(200);
    expect(two.handle.registry.quotas().get('eng')).to.deep.equal(one.handle.registry.quotas().get('eng'));
    expect(one.handle.registry.quotas().get('eng')?.guarantees).to.deep.equal({ cpus: 1, mem: 64 });
    expect((await bothWays(one, two, removeQuota('eng'))).status).to.equal(200);
  });

  it("a zero guarantee is a limit of zero, as Mesos' legacy quota has it (the guarantee also acts as the limit); it was no quota at all", async () => {
    const harness = await listening();
    await registerAgent(harness, 'cpus:4;mem:1024');
    const answer = await post(harness, setQuota({ role: 'zero', guarantee: [...cpus(0), { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }] }));
    expect(answer.status, answer.text).to.equal(200);
    expect(harness.handle.registry.quotas().get('zero')).to.deep.equal({ guarantees: { mem: 64 }, limits: { cpus: 0, mem: 64 } });
    const status = await post(harness, { type: 'GET_QUOTA' }, { accept: 'application/json' });
    expect((JSON.parse(status.text) as { get_quota: { status: { configs: unknown[] } } }).get_quota.status.configs).to.deep.equal([
      { role: 'zero', guarantees: { mem: { value: 64 } }, limits: { cpus: { value: 0 }, mem: { value: 64 } } },
    ]);
  });

  it('a NaN guarantee (protobuf carries one) is a bad request', async () => {
    const harness = await listening();
    await registerAgent(harness, 'cpus:4;mem:1024');
    const answer = await post(harness, v1CallBytes('master', setQuota({ role: 'nan', guarantee: cpus(NaN), force: true })));
    expect(answer.status, answer.text).to.equal(400);
    expect(harness.handle.registry.quotas().size).to.equal(0);
  });

  it("REMOVE_QUOTA removes a quota UPDATE_QUOTA set (limits above guarantees), as Mesos' removes any role's quota", async () => {
    const harness = await listening();
    await registerAgent(harness, 'cpus:4;mem:1024');
    const update = await post(harness, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'eng', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 3 } } }] } });
    expect(update.status, update.text).to.equal(200);
    const again = await post(harness, setQuota({ role: 'eng', guarantee: cpus(1) }));
    expect(again.status, again.text).to.equal(400);
    const removed = await post(harness, removeQuota('eng'));
    expect(removed.status, removed.text).to.equal(200);
    expect(harness.handle.registry.quotas().size).to.equal(0);
  });

  it('SET_QUOTA and REMOVE_QUOTA need read-write credentials (401) and update_quotas (403)', async () => {
    const acls = parseAcls({ update_quotas: [{ principals: { values: ['ops'] }, roles: { type: 'ANY' } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }] });
    const harness = await listening({ authenticateHttpReadwrite: true, credentials: new Map([['ops', 'secret'], ['viewer', 'secret']]), acls });
    await registerAgent(harness, 'cpus:4;mem:1024');
    const ops = { authorization: basicAuthorization('ops', 'secret') };
    const viewer = { authorization: basicAuthorization('viewer', 'secret') };
    expect((await post(harness, setQuota({ role: 'eng', guarantee: cpus(1) }))).status).to.equal(401);
    expect((await post(harness, v1CallBytes('master', setQuota({ role: 'eng', guarantee: cpus(1) })))).status).to.equal(401);
    expect((await post(harness, setQuota({ role: 'eng', guarantee: cpus(1) }), viewer)).status).to.equal(403);
    expect((await post(harness, setQuota({ role: 'eng', guarantee: cpus(1) }), ops)).status).to.equal(200);
    expect((await post(harness, removeQuota('eng'))).status).to.equal(401);
    expect((await post(harness, removeQuota('eng'), viewer)).status).to.equal(403);
    expect((await post(harness, removeQuota('eng'), ops)).status).to.equal(200);
  });

  describe('while the registry write is slow', () => {
    function call(harness: Harness, body: Json): Promise<HttpResponse> {
      const request: HttpRequest = { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(body)) } as HttpRequest;
      type Operator = { operatorCall(request: HttpRequest): HttpResponse | Promise<HttpResponse> };
      return dispatch(harness.handle.master, (master) => (master as unknown as Operator).operatorCall(request));
    }

    it('a second SET_QUOTA of the same role, or its REMOVE_QUOTA, is refused (409), and the first lands', async () => {
      const harness = await startHarness({}, undefined, 7, { memoryRegistry: true });
      await registerAgent(harness, 'cpus:4;mem:1024');
      harness.registryDisk?.delayWritesMs(5_000);
      const first = call(harness, setQuota({ role: 'eng', guarantee: cpus(1) }));
      await harness.clock.settle();
      const second = await call(harness, setQuota({ role: 'eng', guarantee: cpus(2) }));
      expect(second.status).to.equal(409);
      // Removing a quota while it is being set: 409, as a second set (it was 400 "has no quota set").
      const removing = await call(harness, removeQuota('eng'));
      expect([removing.status, JSON.stringify(removing.body)]).to.deep.equal([409, JSON.stringify("The quota of role 'eng' is being changed; try again")]);
      await harness.clock.advance(5_000);
      expect((await first).status).to.equal(200);
      expect(harness.handle.registry.quotas().get('eng')?.guarantees).to.deep.equal({ cpus: 1 });
    });

    it("SET_QUOTAs of two roles whose guarantees together overcommit the cluster: the second is 409 while the first is being written, as Mesos' (its quotas hold a quota from before the write)", async () => {
      const harness = await startHarness({}, undefined, 7, { memoryRegistry: true });
      await registerAgent(harness, 'cpus:4;mem:1024');
      harness.registryDisk?.delayWritesMs(5_000);
      const first = call(harness, setQuota({ role: 'eng', guarantee: cpus(3) }));
      await harness.clock.settle();
      const second = call(harness, setQuota({ role: 'ops', guarantee: cpus(3) }));
      await harness.clock.settle();
      // Long enough for both writes, one after the other (a second that was taken is written after the first).
      await harness.clock.advance(10_000);
      const [firstAnswer, secondAnswer] = await Promise.all([first, second]);
      expect(firstAnswer.status).to.equal(200);
      expect(secondAnswer.status, JSON.stringify(secondAnswer.body)).to.equal(409);
      expect([...harness.handle.registry.quotas().keys()]).to.deep.equal(['eng']);
      // Once it is written, and after a refusal, a set that fits is taken.
      const fits = call(harness, setQuota({ role: 'ops', guarantee: cpus(1) }));
      await harness.clock.settle();
      await harness.clock.advance(5_000);
      expect((await fits).status).to.equal(200);
    });
  });

  it("DRAIN_AGENT's max_grace_period: another key is 400 naming it (JSON); protobuf carries only seconds and nanos", async () => {
    const harness = await listening();
    const agent = await registerAgent(harness, 'cpus:4;mem:1024');
    const drain = (period: unknown): Json => ({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agent.agentId }, max_grace_period: period } });
    const keyed = await post(harness, drain({ nanoseconds: 5 }));
    expect(keyed.status).to.equal(400);
    expect(keyed.text).to.contain("'nanoseconds'");
    const mixed = await post(harness, drain({ seconds: 1, extra: 2 }));
    expect(mixed.status).to.equal(400);
    expect(mixed.text).to.contain("'extra'");
    // Many keys, long ones: the error names a few, each cut short (a 1 MiB call was echoed whole).
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`${'k'.repeat(50)}${index}`, 1]));
    const manyKeys = await post(harness, drain(many));
    expect(manyKeys.status).to.equal(400);
    expect(manyKeys.text.length, manyKeys.text.slice(0, 300)).to.be.below(1_000);
    expect(manyKeys.text).to.contain(`'${'k'.repeat(50)}0'`).and.to.contain(`and ${10_000 - MAX_NAMED_UNKNOWN_KEYS} more`);
    const negative = await post(harness, v1CallBytes('master', drain({ seconds: -1 })));
    expect(negative.status, negative.text).to.equal(400);
    const tooLong = await post(harness, v1CallBytes('master', drain({ seconds: 9_007_199_254 })));
    expect(tooLong.status, tooLong.text).to.equal(400);
    const nanosOut = await post(harness, v1CallBytes('master', drain({ seconds: 1, nanos: 1_000_000_000 })));
    expect(nanosOut.status, nanosOut.text).to.equal(400);
  });
});
