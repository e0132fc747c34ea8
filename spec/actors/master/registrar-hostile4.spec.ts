/**
 * A hostile review of `/registrar(1)/registry` against Mesos' registrar (`src/master/registrar.cpp`,
 * `src/master/registry.proto`): the JSON's shapes as `JSON::protobuf` of a `Registry` writes them,
 * JSONP, HEAD, and a large registry.
 */
import { expect } from 'chai';
import { Registry } from '../../../actors/master/registry';
import { RegistrarActor, REGISTRAR_ACTOR_ID, REGISTRY_RENDER_SLICE_ENTRIES, renderRegistryText } from '../../../actors/master/registrar-endpoint';
import type { HttpRequest, HttpResponse, TextParts } from '../../../lib/process/http';
import { within } from '../../support/runtime';
import { agentInfo, makeWorkDir, startListeningHarness, type Harness } from './harness';
import type { MasterInfo } from '../../../lib/protocol';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

const MASTER: MasterInfo = { id: 'master-1', hostname: 'master.local', ip: '127.0.0.1', port: 5050, pid: 'master@127.0.0.1:5050' } as unknown as MasterInfo;

/** The registry that `data` recovers, as the endpoint renders it (every slice at once). */
async function render(data: unknown): Promise<Json> {
  return JSON.parse((await renderRegistryText(Registry.inMemory(data), MASTER, () => Promise.resolve())).text()) as Json;
}

const base = { version: 2, agents: [], unreachable: [] };

describe('master: /registrar(1)/registry (hostile review 4)', () => {
  const started: Harness[] = [];
  afterEach(async () => {
    for (const harness of started.splice(0)) await harness.host.stop();
  });

  it("an unreachable agent that was deactivated or drained carries `deactivated` and `drain_info` on its unreachable entry, as Mesos' UnreachableSlave does (they were left out)", async () => {
    const drain = { state: 'DRAINING', config: { maxGracePeriodNs: 5_000_000_000, markGone: false } };
    const contents = await render({
      ...base,
      unreachable: [{ id: 'a1', timeMs: 1000 }, { id: 'a2', timeMs: 2000 }, { id: 'a3', timeMs: 3000 }],
      deactivated: [{ id: 'a1' }, { id: 'a2', drain }],
    });
    expect(contents.unreachable.slaves).to.deep.equal([
      { id: { value: 'a1' }, timestamp: { nanoseconds: 1e9 }, deactivated: true },
      { id: { value: 'a2' }, timestamp: { nanoseconds: 2e9 }, deactivated: true, drain_info: { state: 'DRAINING', config: { max_grace_period: { nanoseconds: 5e9 }, mark_gone: false } } },
      { id: { value: 'a3' }, timestamp: { nanoseconds: 3e9 }, deactivated: false },
    ]);
  });

  it("an admitted agent carries `deactivated: false` when it is not deactivated, as Mesos' JSON::protobuf writes a field with a default", async () => {
    const contents = await render({ ...base, agents: [{ id: 'a1', info: agentInfo('cpus:1', 'one') }] });
    expect(contents.slaves.slaves[0].deactivated).to.equal(false);
  });

  it("quotas are listed as quota_configs only, as Mesos' registry holds them since its UpdateQuota (it erases the legacy `quotas` entry of every role it writes)", async () => {
    const contents = await render({ ...base, quotas: { eng: { guarantees: { cpus: 1 }, limits: { cpus: 2 } } } });
    expect(contents).to.not.have.property('quotas');
    expect(contents.quota_configs).to.deep.equal([{ role: 'eng', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }]);
  });

  it('answers JSONP (`?jsonp=`) as Mesos does, and HEAD', async () => {
    const harness = await startListeningHarness({}, makeWorkDir());
    started.push(harness);
    const url = `http://${harness.host.address}/registrar(1)/registry`;
    const jsonp = await within(fetch(`${url}?jsonp=handle`), 10_000, url);
    const text = await jsonp.text();
    expect(jsonp.status).to.equal(200);
    expect(text).to.match(/^handle\(\{"master":/);
    const head = await within(fetch(url, { method: 'HEAD' }), 10_000, url);
    expect(head.status, 'HEAD (GET only, as the README says)').to.equal(405);
  });

  it('renders 10,000 agents a slice per turn (it held the thread, and with it the master, for the whole rendering), as the same JSON', async () => {
    const info = agentInfo('cpus:4;mem:4096;disk:1000;ports:[31000-32000]');
    const agents = Array.from({ length: 10_000 }, (_, index) => ({ id: `agent-${index}`, info: { ...info, hostname: `host-${index}` } }));
    const unreachable = Array.from({ length: 5_000 }, (_, index) => ({ id: `u-${index}`, timeMs: index }));
    const registry = Registry.inMemory({ ...base, agents, unreachable, deactivated: [{ id: 'agent-3' }, { id: 'u-7' }] });
    const stretchesMs: number[] = [];
    let since = process.hrtime.bigint();
    const nextTurn = async (): Promise<void> => {
      stretchesMs.push(Number(process.hrtime.bigint() - since) / 1e6);
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = process.hrtime.bigint();
    };
    const text = await renderRegistryText(registry, MASTER, nextTurn);
    expect(stretchesMs.length, 'turns').to.be.at.least((agents.length + unreachable.length) / REGISTRY_RENDER_SLICE_ENTRIES - 1);
    console.log(`      longest turn: ${Math.max(...stretchesMs).toFixed(1)} ms of ${stretchesMs.length}`);
    // The slices make one document: every entry once, in the registry's order, each as rendered whole.
    const rendered = JSON.parse(text.text()) as Json;
    expect(rendered.slaves.slaves.map((agent: Json) => agent.info.id.value)).to.deep.equal(agents.map((agent) => agent.id));
    expect(rendered.unreachable.slaves.map((entry: Json) => entry.id.value)).to.deep.equal(unreachable.map((entry) => entry.id));
    expect(rendered.slaves.slaves.filter((agent: Json) => agent.deactivated === true).map((agent: Json) => agent.info.id.value)).to.deep.equal(['agent-3']);
    expect(rendered.unreachable.slaves.filter((entry: Json) => entry.deactivated === true).map((entry: Json) => entry.id.value)).to.deep.equal(['u-7']);
    expect(rendered.slaves.slaves[9_999].info.hostname).to.equal('host-9999');
    expect(rendered.master.info.id).to.equal(MASTER.id);
  });

  it('requests that come during a rendering share it; a request after it gets a new one', async () => {
    const harness = await startListeningHarness({}, makeWorkDir());
    started.push(harness);
    const actor = harness.host.lookup(REGISTRAR_ACTOR_ID) as unknown as { rendering: Promise<unknown> | undefined };
    const url = `http://${harness.host.address}/registrar(1)/registry`;
    const answers = await Promise.all([1, 2, 3].map(() => within(fetch(url).then((response) => response.text()), 10_000, url)));
    expect(new Set(answers).size).to.equal(1);
    expect(actor.rendering).to.equal(undefined);
  });

  it('a request after a write does not share a rendering begun before it (a caller told its change is durable sees it)', async () => {
    const agents = Array.from({ length: 2 * REGISTRY_RENDER_SLICE_ENTRIES }, (_, index) => ({ id: `agent-${index}`, info: agentInfo('cpus:1', `host-${index}`) }));
    const registry = Registry.inMemory({ ...base, agents });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const actor = new RegistrarActor({ contents: () => ({ registry, master: MASTER }), nextTurn: () => gate });
    type Served = { registry(request: HttpRequest): HttpResponse | Promise<HttpResponse> };
    const get = (): HttpResponse | Promise<HttpResponse> => (actor as unknown as Served).registry({ method: 'GET', path: '/registry', query: {}, headers: {}, body: Buffer.alloc(0) } as unknown as HttpRequest);
    const first = get();
    expect(get(), 'shared while nothing was written').to.equal(first);
    await registry.updateWeights(new Map([['eng', 2]]));
    const after = get();
    expect(after).to.not.equal(first);
    release();
    const text = async (answer: HttpResponse | Promise<HttpResponse>): Promise<Json> => JSON.parse(((await answer).body as TextParts).text()) as Json;
    expect((await text(first)).weights).to.equal(undefined);
    expect((await text(after)).weights).to.deep.equal([{ info: { weight: 2, role: 'eng' } }]);
    expect((await text(after)).slaves.slaves).to.have.length(agents.length);
  });
});
