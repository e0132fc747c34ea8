/**
 * `/master/state` without holding the mailbox: fragments kept between requests, warmed over
 * several turns, put together in one last turn; identical concurrent requests share a rendering.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { Prng, StreamedBinary, TextParts, type HttpHandler, type HttpRequest, type HttpResponse } from '../../../lib/process';
import { v1CallBytes, v1ResponseJson } from '../../../lib/v1/protobuf';
import { PROTOBUF_WHOLE_VALUE_CHARS } from '../../../lib/v1/sliced-protobuf';
import { PROTOBUF_ENCODED_CHARS_PER_TURN, type OperatorEncodingFigures } from '../../../actors/master/v1-operator';
import { Resources } from '../../../lib/resources';
import type { TaskState } from '../../../lib/protocol';
import { defaultMasterFlags } from '../../../actors/master';
import { checkTasksQuery, renderFrameworks, renderRoles, renderSlaves, renderState, renderStateSummary, renderTasks } from '../../../actors/master/http';
import { v1GetAgents, v1GetExecutors, v1GetFrameworks, v1GetState, v1GetTasks, type V1Context } from '../../../actors/master/v1-operator-json';
import { MasterState, newAgentRecord, type AgentRecord, newFrameworkRecord, newOfferRecord, trackLaunchedTask } from '../../../actors/master/state';
import { ROLE_PARTS_PER_TURN, STATE_AGENTS_PER_BLOCK, STATE_PLACED_PER_TURN, STATE_WARM_RENDERS_PER_TURN, StateFragments } from '../../../actors/master/state-fragments';
import { UPID } from '../../../lib/actor';
import {
  agentInfo, agentUpdate, all, cleanUp, commandTask, FakeAgent, latestOffer, launch, offersOf, registerAgent, registerFramework, startHarness, type Harness,
} from './harness';
import { withoutEmptyLists } from '../../support/protobuf-json';

/** What the fresh renderings take. */
type StateContextOf = Parameters<typeof renderState>[0];

const MASTER_INFO = { id: 'M', pid: 'master@10.0.0.1:5050', hostname: 'm', port: 5050, ip: '10.0.0.1', version: '1' };

/** A master's books alone (no master around them), the context the fresh renderings take of them, and agents to register in them. */
function newBooks(flags = defaultMasterFlags('/nonexistent')) {
  const state = new MasterState(flags);
  let next = 0;
  return {
    state,
    context: (): StateContextOf => ({ state, info: MASTER_INFO, flags, startTimeMs: 1_000, electedTimeMs: 1_000, nowMs: 2_000 }),
    /** Registers a new agent (M-S0, M-S1, ... each on a host of its own) with `total`. */
    addAgent: (total = Resources.parse('cpus:4;mem:4096')): AgentRecord => {
      const index = next++;
      const agent = newAgentRecord({ id: `M-S${index}`, hostname: `h${index}`, port: 5051, resources: total.toJSON() }, UPID.parse(`slave(1)@10.0.${index >> 8}.${index & 255}:5051`), '1.0', total, 1_000);
      state.addAgent(agent);
      return agent;
    },
  };
}

/** An answer as `fragments` put it together, and as a fresh rendering of the books gives it. */
const ANSWERS = {
  state: (fragments: StateFragments, context: StateContextOf) => [fragments.render(context).join(''), JSON.stringify(renderState(context))],
  summary: (fragments: StateFragments, context: StateContextOf) => [fragments.renderSummary(context).join(''), JSON.stringify(renderStateSummary(context))],
  slaves: (fragments: StateFragments, context: StateContextOf) => [fragments.renderSlaves(context).join(''), JSON.stringify(renderSlaves(context, {}))],
  roles: (fragments: StateFragments, context: StateContextOf) => [JSON.stringify(renderRoles(context, fragments.roleBreakdowns())), JSON.stringify(renderRoles(context))],
} as const;

/** Checks that `fragments` answer `format` as a fresh rendering does. */
function expectFresh(fragments: StateFragments, context: StateContextOf, format: keyof typeof ANSWERS, why: string = format): void {
  const [got, want] = ANSWERS[format](fragments, context);
  expect(got, why).to.equal(want);
}

/** Runs `warming` to its end, `between` after each turn (the last too: the answer's turn comes after it); how many turns, and the most fragments one rendered. */
function runWarming(fragments: StateFragments, warming: Generator<void, void, void>, between: (turn: number) => void = () => undefined): { turns: number; most: number } {
  let turns = 0;
  let most = 0;
  for (let done = false; !done;) {
    const before = fragments.rendered;
    done = warming.next().done === true;
    most = Math.max(most, fragments.rendered - before);
    turns++;
    if (turns > 100_000) throw new Error('the warming never ends');
    between(turns);
  }
  return { turns, most };
}

const STATE_REQUEST = { method: 'GET', path: '/state', query: {}, headers: {}, body: Buffer.alloc(0) };

/** Registers `count` fake agents at once; returns their probes in registration order. */
async function registerAgents(harness: Harness, count: number): Promise<FakeAgent[]> {
  const probes: FakeAgent[] = [];
  for (let index = 0; index < count; index++) {
    const probe = new FakeAgent(`bulk-agent-${index}`);
    harness.host.spawn(probe);
    probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:4;mem:4096', `host-${index}`), version: '0.1.0' });
    probes.push(probe);
  }
  await harness.clock.settle();
  expect(probes.filter((probe) => all(probe, 'AgentRegistered').length === 1)).to.have.length(count);
  return probes;
}

function textOf(response: HttpResponse): string {
  expect(response.status).to.equal(200);
  expect(response.body).to.be.instanceOf(TextParts);
  return (response.body as TextParts).text();
}

describe('master: /master/state rendered in turns and shared', function () {
  this.timeout(60_000);
  afterEach(cleanUp);

  it('drops a format\'s rendered agents once nobody asked for it through a whole --state_cache_timeout, and renders them anew when asked again', async () => {
    const timeoutMs = 10_000;
    const harness = await startHarness({ stateCacheTimeoutMs: timeoutMs }, undefined, undefined, { memoryRegistry: true });
    await registerAgents(harness, 40);
    const master = harness.handle.master;
    const serve = async (path: string): Promise<string> => {
      const route = master.runtime.routes.get(path);
      if (route === undefined) throw new Error(`no ${path} route`);
      const response = await dispatch(master, (actor) => route.call(actor, { ...STATE_REQUEST, path }));
      await harness.clock.settle();
      return textOf(await response);
    };
    const kept = (): Promise<string[]> => dispatch(master, (actor) => actor.keptStateParts().sort());
    const rendered = async (): Promise<number> => (await dispatch(master, (actor) => actor.renderingFigures())).fragmentsRendered ?? 0;

    const state = await serve('/state');
    const summary = await serve('/state-summary');
    expect(await kept()).to.deep.equal(['state', 'summary']);
    // The first sweep (a period after the master started): both were asked for since its start.
    await harness.clock.advance(timeoutMs + 1);
    expect(await kept()).to.deep.equal(['state', 'summary']);
    // Only /master/state is asked for in the second period: the summary's agents go at its end.
    await harness.clock.advance(timeoutMs / 2);
    expect(await serve('/state')).to.equal(state);
    await harness.clock.advance(timeoutMs / 2);
    expect(await kept()).to.deep.equal(['state']);
    // Nothing asked for in the third: nothing is kept.
    await harness.clock.advance(timeoutMs);
    expect(await kept()).to.deep.equal([]);
    expect(harness.captured.find('dropped the rendered agents')).to.have.length(2);
    // Asked for again: every agent rendered anew, the same text.
    const before = await rendered();
    expect(await serve('/state-summary')).to.equal(summary);
    expect(await rendered() - before).to.be.at.least(40);
    expect(await kept()).to.deep.equal(['summary']);
  });

  it('serves 50 concurrent requests with one rendering over many turns, while a framework launches a task and is offered a new agent', async () => {
    // The registry in memory: on the work dir, the new agent's admission waited for a real fsync,
    // which a loaded machine finished only after the rendering's turns (CI, 2026-12-02).
    const harness = await startHarness({}, undefined, undefined, { memoryRegistry: true });
    const agents = await registerAgents(harness, 1_500);
    const framework = await registerFramework(harness);
    const offer = latestOffer(framework.probe);
    const agent = agents.find((probe) => (all(probe, 'AgentRegistered')[0]?.body as { agentId?: string } | undefined)?.agentId === offer.agentId);
    if (agent === undefined) throw new Error('no agent');
    await dispatch(harness.handle.master, (master) => master.renderingFigures());

    // 50 requests arrive together, then the framework's launch (after them in the mailbox).
    const route = harness.handle.master.runtime.routes.get('/state');
    if (route === undefined) throw new Error('no /state route');
    const runTaskSeenFirst: boolean[] = [];
    const offeredFirst: boolean[] = [];
    const newcomer = new FakeAgent('newcomer');
    harness.host.spawn(newcomer);
    const offersBefore = all(framework.probe, 'ResourceOffers').length;
    const responses = await Promise.all(Array.from({ length: 50 }, async () => {
      const response = await dispatch(harness.handle.master, (master) => route.call(master, STATE_REQUEST));
      runTaskSeenFirst.push(all(agent, 'RunTask').length > 0);
      offeredFirst.push(all(framework.probe, 'ResourceOffers').length > offersBefore);
      return response;
    }).concat((async () => {
      framework.probe.post(harness.masterPid, 'LaunchTasks', { frameworkId: framework.frameworkId, offerIds: [offer.id], tasks: [commandTask('t1', offer.agentId)] });
      // A new agent: the allocator offers it at once (an agent's change allocates that agent).
      newcomer.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:4;mem:4096', 'newcomer'), version: '0.1.0' });
      await harness.clock.settle();
      return { status: 200, body: new TextParts([]) };
    })()));
    const figures = await dispatch(harness.handle.master, (master) => master.renderingFigures());

    // One rendering, in many turns of bounded work: the launch was handled between them.
    expect(figures.renderings).to.equal(1);
    expect(figures.shared).to.equal(49);
    // Mesos' name for the requests served from a batched rendering.
    expect((await dispatch(harness.handle.master, (master) => master.metrics()))['master/http_cache_hits']).to.equal(49);
    expect(figures.turns).to.be.greaterThan(1_500 / STATE_WARM_RENDERS_PER_TURN);
    expect(figures.mostRenderedInATurn).to.be.at.most(STATE_WARM_RENDERS_PER_TURN + STATE_AGENTS_PER_BLOCK);
    // The longest turn's CPU time (what the bench compares with its wall time) is measured, not left at zero.
    expect(figures.longestTurnMs).to.be.greaterThan(0);
    expect(figures.longestTurnCpuMs).to.be.a('number').and.to.be.at.least(0);
    expect(all(agent, 'RunTask')).to.have.length(1);
    expect(runTaskSeenFirst).to.have.length(50);
    expect(runTaskSeenFirst.every((seen) => seen), 'the task reached its agent before the state was answered').to.equal(true);
    expect(offeredFirst.every((seen) => seen), 'the new agent was offered before the state was answered').to.equal(true);

    // Every request got the same view, as of the last turn: with the task, and as a fresh rendering says.
    const texts = responses.slice(0, 50).map(textOf);
    expect(new Set(texts).size).to.equal(1);
    const state = JSON.parse(texts[0] ?? '') as { slaves: unknown[]; frameworks: Array<{ tasks: Array<{ id: string }> }> };
    expect(state.slaves).to.have.length(1_501);
    expect(state.frameworks[0]?.tasks.map((task) => task.id)).to.deep.equal(['t1']);
    const fresh = await dispatch(harness.handle.master, (master) => JSON.stringify(master.stateJson()));
    expect(texts[0]).to.equal(fresh);

    // Warm, a request renders little; one arriving after the last turn gets a rendering of its own.
    const again = textOf(await dispatch(harness.handle.master, (master) => route.call(master, STATE_REQUEST)));
    const after = await dispatch(harness.handle.master, (master) => master.renderingFigures());
    expect(after.renderings).to.equal(1);
    expect(after.mostRenderedInATurn).to.be.at.most(2);
    expect(again).to.equal(fresh);
  });

  it('encodes a protobuf GET_STATE (and SUBSCRIBED) over turns of at most PROTOBUF_ENCODED_CHARS_PER_TURN characters and one whole value, once for concurrent requests, the master answering between them, no value of it handed to protobufjs; it reads as the JSON GET_STATE', async () => {
    const harness = await startHarness({}, undefined, undefined, { memoryRegistry: true });
    await registerAgents(harness, 1_500);
    const framework = await registerFramework(harness);
    const offer = latestOffer(framework.probe);
    await launch(harness, framework, [offer.id], [commandTask('t1', offer.agentId)]);
    const master = harness.handle.master;
    const route = master.runtime.routes.get('/api/v1');
    if (route === undefined) throw new Error('no /api/v1 route');
    const contextOf = (actor: typeof master): V1Context => (actor as unknown as { v1Context(): V1Context }).v1Context();
    const getState = (accept: string): HttpRequest => ({
      method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/x-protobuf', accept }, body: Buffer.from(v1CallBytes('master', { type: 'GET_STATE' })),
    });
    await dispatch(master, (actor) => actor.operatorEncodingFigures()); // reading the figures starts them again from nothing

    // Three requests at once; the master is pinged until they are answered: while the answer is
    // encoded (its rendering done), the pings are answered between the encoding's turns.
    let answered = false;
    const responses = Promise.all(Array.from({ length: 3 }, () => dispatch(master, (actor) => route.call(actor, getState('application/x-protobuf')))))
      .finally(() => { answered = true; });
    let pingsWhileEncoding = 0;
    while (!answered) {
      if (await dispatch(master, (actor) => actor.renderingsInProgress()) === 0 && !answered) pingsWhileEncoding++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const bodies = await Promise.all((await responses).map((response) => {
      const answer = response as HttpResponse;
      expect(answer.status).to.equal(200);
      expect(answer.headers?.['content-type']).to.equal('application/x-protobuf');
      expect(answer.body).to.be.instanceOf(StreamedBinary);
      return (answer.body as StreamedBinary).bytes();
    }));
    const figures = await dispatch(master, (actor) => actor.operatorEncodingFigures());
    if (figures === undefined) throw new Error('no operator API');

    // One encoding, shared: its sizing pass and one run of its writing; turns of bounded reading (a turn reads its characters, and at most one whole value and its field's name past them).
    expect(figures.encodings, 'passes').to.equal(2);
    expect(figures.codecValues, 'values handed to protobufjs (the transcoding writes all of a state itself)').to.equal(0);
    expect(figures.mostCharsInATurn).to.be.at.most(PROTOBUF_ENCODED_CHARS_PER_TURN + PROTOBUF_WHOLE_VALUE_CHARS + 64);
    const json = await dispatch(master, (actor) => JSON.stringify({ type: 'GET_STATE', get_state: v1GetState(contextOf(actor)) }));
    expect(json.length, 'a state several turns long').to.be.greaterThan(3 * PROTOBUF_ENCODED_CHARS_PER_TURN);
    expect(figures.turns).to.be.at.least(Math.floor(json.length / (PROTOBUF_ENCODED_CHARS_PER_TURN + PROTOBUF_WHOLE_VALUE_CHARS + 64)));
    expect(pingsWhileEncoding, 'the master answered while the state was encoded').to.be.greaterThan(0);
    expect(new Set(bodies.map((body) => body.toString('base64'))).size).to.equal(1);
    const state = JSON.parse(JSON.stringify(v1ResponseJson('master', bodies[0] as Buffer))) as { get_state: { get_agents: { agents: unknown[] } } };
    expect(state.get_state.get_agents.agents).to.have.length(1_500);
    expect(state).to.deep.equal(withoutEmptyLists(JSON.parse(json)));

    // SUBSCRIBED in protobuf is encoded the same way: the figures of its encoding are as bounded.
    const stream = await dispatch(master, (actor) => route.call(actor, { ...getState('application/x-protobuf'), body: Buffer.from(v1CallBytes('master', { type: 'SUBSCRIBE' })) })) as HttpResponse;
    expect(stream.headers?.['content-type']).to.equal('application/x-protobuf');
    // A client reading the stream as it comes (the record is written as it is encoded).
    let received = 0;
    stream.stream?.attach({ write: (chunk) => { received += chunk.length; }, end: () => undefined, buffered: 0, destroy: () => undefined, onDrain: () => undefined });
    let subscribed: OperatorEncodingFigures | undefined;
    let passes = 0;
    for (let turn = 0; turn < 10_000 && passes < 2; turn++) {
      const figures = await dispatch(master, (actor) => actor.operatorEncodingFigures());
      if (figures !== undefined && figures.encodings > 0) [passes, subscribed] = [passes + figures.encodings, figures];
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(passes, 'its sizing pass, then its writing').to.equal(2);
    expect(received, 'the record read').to.be.above(3 * 1024);
    expect(subscribed?.codecValues).to.equal(0);
    expect(subscribed?.mostCharsInATurn).to.be.at.most(PROTOBUF_ENCODED_CHARS_PER_TURN + PROTOBUF_WHOLE_VALUE_CHARS + 64);
    expect(subscribed?.turns).to.be.at.least(3);
    stream.stream?.abort();
  });

  it('leaves offers that changed after the warming to the turns after the last one (--state_last_turn_offers 0), and answers as that turn saw them while the framework declines an offer between every two turns', async () => {
    const harness = await startHarness({ stateLastTurnOffers: 0 }, undefined, undefined, { memoryRegistry: true });
    await registerAgents(harness, 300);
    const framework = await registerFramework(harness);
    const offerIds = offersOf(framework.probe).map((offer) => offer.id);
    expect(offerIds).to.have.length(300);
    const master = harness.handle.master;
    const contextOf = (actor: typeof master): V1Context => (actor as unknown as { v1Context(): V1Context }).v1Context();
    const fragments = (master as unknown as { stateFragments: StateFragments }).stateFragments;
    const v1 = (type: string): HttpRequest => ({ method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify({ type })) });
    const cases: ReadonlyArray<readonly [string, HttpRequest, (actor: typeof master) => string]> = [
      ['/master/state', STATE_REQUEST, (actor) => JSON.stringify(actor.stateJson())],
      ['GET_STATE', v1('GET_STATE'), (actor) => JSON.stringify({ type: 'GET_STATE', get_state: v1GetState(contextOf(actor)) })],
      ['/master/frameworks', { ...STATE_REQUEST, path: '/frameworks' }, (actor) => JSON.stringify(renderFrameworks(contextOf(actor), {}))],
      ['/master/state-summary', { ...STATE_REQUEST, path: '/state-summary' }, (actor) => JSON.stringify(renderStateSummary(contextOf(actor)))],
      ['GET_FRAMEWORKS', v1('GET_FRAMEWORKS'), (actor) => JSON.stringify({ type: 'GET_FRAMEWORKS', get_frameworks: v1GetFrameworks(contextOf(actor)) })],
    ];
    let declined = 0;
    for (const [name, request, fresh] of cases) {
      const route = master.runtime.routes.get(request.path);
      if (route === undefined) throw new Error(`no ${request.path} route`);
      await dispatch(master, (actor) => actor.renderingFigures());
      // The fresh rendering in the last turn itself (it takes what the rendering left, in that turn).
      let atLastTurn: string | undefined;
      const take = fragments.takeDeferred.bind(fragments);
      fragments.takeDeferred = () => {
        atLastTurn = fresh(master);
        return take();
      };
      let answered = false;
      const pending = dispatch(master, (actor) => route.call(actor, request)).then(async (response) => {
        const settled = await response;
        answered = true;
        return settled;
      });
      // One offer declined between every two turns of the master: while it warms, and after its last turn.
      let declinedAfterLastTurn = 0;
      while (!answered) {
        const offerId = offerIds[declined++];
        if (offerId === undefined) throw new Error('ran out of offers to decline');
        framework.probe.post(harness.masterPid, 'DeclineOffers', { frameworkId: framework.frameworkId, offerIds: [offerId], filters: { refuseSeconds: 3_600 } });
        if (atLastTurn !== undefined) declinedAfterLastTurn++;
        await dispatch(master, () => undefined);
      }
      const response = await pending;
      fragments.takeDeferred = take;
      const figures = await dispatch(master, (actor) => actor.renderingFigures());
      expect(figures.frameworksLeft, `${name}: frameworks left to later turns`).to.equal(1);
      expect(declinedAfterLastTurn, `${name}: offers declined while the rest was rendered`).to.be.greaterThan(0);
      expect(textOf(response), name).to.equal(atLastTurn);
    }
    // And once nothing changes any more, an answer as fresh as the books.
    await harness.clock.settle();
    const route = master.runtime.routes.get('/state');
    if (route === undefined) throw new Error('no /state route');
    expect(textOf(await dispatch(master, (actor) => route.call(actor, STATE_REQUEST)))).to.equal(JSON.stringify(master.stateJson()));
  });

  it('writes a /master/tasks page of more than --state_last_turn_tasks in the turns after its request\'s, as the books stood then, while tasks change between every two turns; a smaller page in one turn (limit=-1 over ~100k kept tasks held the master 132-745 ms)', async () => {
    const harness = await startHarness({ stateLastTurnTasks: 10, stateTurnBudgetMs: 0 }, undefined, undefined, { memoryRegistry: true });
    const agent = await registerAgent(harness, 'cpus:64;mem:65536');
    const framework = await registerFramework(harness);
    const taskIds = Array.from({ length: 60 }, (_, index) => `t${index}`);
    await launch(harness, framework, [latestOffer(framework.probe).id], taskIds.map((taskId) => commandTask(taskId, agent.agentId, 'cpus:0.1;mem:16')));
    // A third with a status (ordered by its time), the rest with none yet (first in asc, last in des).
    for (const [index, taskId] of taskIds.slice(0, 20).entries()) {
      await harness.clock.advance(index % 3 === 0 ? 1_000 : 0);
      await agentUpdate(harness, agent, framework.frameworkId, taskId, 'TASK_RUNNING');
    }
    const master = harness.handle.master;
    const route = master.runtime.routes.get('/tasks');
    if (route === undefined) throw new Error('no /tasks route');
    const contextOf = (actor: typeof master): V1Context => (actor as unknown as { v1Context(): V1Context }).v1Context();
    const fragments = (master as unknown as { stateFragments: StateFragments }).stateFragments;
    // Each task's next state: a first status for one without, then on to the end.
    const next: Partial<Record<TaskState, TaskState>> = { TASK_STAGING: 'TASK_STARTING', TASK_STARTING: 'TASK_RUNNING', TASK_RUNNING: 'TASK_KILLING', TASK_KILLING: 'TASK_FINISHED' };
    const current = new Map<string, TaskState>(taskIds.map((taskId, index) => [taskId, index < 20 ? 'TASK_RUNNING' : 'TASK_STAGING']));
    let changes = 0;
    const queries: ReadonlyArray<Record<string, string>> = [{ limit: '-1', order: 'asc' }, { limit: '-1' }, { offset: '5', limit: '20' }, { limit: '10' }];
    for (const query of queries) {
      const page = checkTasksQuery(query);
      if ('error' in page) throw new Error(page.error);
      await dispatch(master, (actor) => actor.renderingFigures());
      let atItsTurn: string | undefined;
      const take = fragments.takeDeferred.bind(fragments);
      fragments.takeDeferred = () => {
        atItsTurn = JSON.stringify(renderTasks(contextOf(master), query, page));
        return take();
      };
      let answered = false;
      const pending = dispatch(master, (actor) => route.call(actor, { method: 'GET', path: '/tasks', query, headers: {}, body: Buffer.alloc(0) })).then(async (response) => {
        const settled = await response;
        answered = true;
        return settled;
      });
      let changedAfterItsTurn = 0;
      while (!answered) {
        // A task changes between every two turns, whether the page wrote it already or not.
        const taskId = taskIds[changes++ % taskIds.length] as string;
        const to = next[current.get(taskId) ?? 'TASK_FINISHED'];
        if (to !== undefined) {
          current.set(taskId, to);
          const uuid = `page-${changes}`;
          agent.probe.post(harness.masterPid, 'StatusUpdate', { update: { frameworkId: framework.frameworkId, agentId: agent.agentId, timestamp: changes, uuid, status: { taskId, state: to, source: 'SOURCE_EXECUTOR', agentId: agent.agentId, timestamp: changes, uuid } }, pid: agent.probe.self().toString() });
          if (atItsTurn !== undefined) changedAfterItsTurn++;
        }
        await dispatch(master, () => undefined);
      }
      const response = await pending;
      fragments.takeDeferred = take;
      const figures = await dispatch(master, (actor) => actor.renderingFigures());
      const shown = JSON.stringify(query);
      if (query.limit === '10') {
        expect(figures.turns, `${shown}: its turns`).to.equal(1);
      } else {
        expect(figures.turns, `${shown}: its turns`).to.be.greaterThan(20);
        expect(changedAfterItsTurn, `${shown}: tasks changed while the page was written`).to.be.greaterThan(5);
      }
      expect(textOf(response), shown).to.equal(atItsTurn);
      expect((JSON.parse(textOf(response)) as { tasks: unknown[] }).tasks, shown).to.have.length(query.limit === '-1' ? taskIds.length : Number(query.limit));
    }
  });

  it('renders /master/slaves, /master/frameworks, /master/roles and the operator API\'s GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS and GET_TASKS over turns of bounded work too, shared, as a fresh rendering says; slave_id and framework_id are answered at once', async () => {
    const harness = await startHarness({}, undefined, undefined, { memoryRegistry: true });
    const agents = await registerAgents(harness, 1_500);
    const master = harness.handle.master;
    const slavesRoute = master.runtime.routes.get('/slaves');
    const v1Route = master.runtime.routes.get('/api/v1');
    if (slavesRoute === undefined || v1Route === undefined) throw new Error('no /slaves or /api/v1 route');
    const contextOf = (actor: typeof master): V1Context => (actor as unknown as { v1Context(): V1Context }).v1Context();
    /** `count` identical requests at once: one rendering, shared by the rest. */
    type Figures = Awaited<ReturnType<typeof master.renderingFigures>>;
    const served = async (route: HttpHandler, request: HttpRequest, count: number): Promise<{ responses: HttpResponse[]; figures: Figures }> => {
      await dispatch(master, (actor) => actor.renderingFigures()); // reading the figures starts them again from nothing
      const responses = await Promise.all(Array.from({ length: count }, () => dispatch(master, (actor) => route.call(actor, request))));
      const figures = await dispatch(master, (actor) => actor.renderingFigures());
      expect(figures.renderings, `${request.path}: one rendering`).to.equal(1);
      expect(figures.shared, `${request.path}: shared`).to.equal(count - 1);
      return { responses: responses as HttpResponse[], figures };
    };
    const getAgents = { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify({ type: 'GET_AGENTS' })) };
    for (const [name, request, fresh] of [
      // Fresh renderings only (`renderedTexts` would warm every format's fragments).
      ['/master/slaves', { ...STATE_REQUEST, path: '/slaves' }, (actor: typeof master) => JSON.stringify(renderSlaves(contextOf(actor), {}))],
      ['GET_AGENTS', getAgents, (actor: typeof master) => JSON.stringify({ type: 'GET_AGENTS', get_agents: v1GetAgents(contextOf(actor)) })],
    ] as const) {
      const { responses, figures } = await served(name === 'GET_AGENTS' ? v1Route : slavesRoute, request, 3);
      expect(figures.turns, `${name}: turns`).to.be.greaterThan(1_500 / (STATE_WARM_RENDERS_PER_TURN + STATE_AGENTS_PER_BLOCK));
      expect(figures.mostRenderedInATurn, `${name}: most rendered in a turn`).to.be.at.most(STATE_WARM_RENDERS_PER_TURN + STATE_AGENTS_PER_BLOCK);
      const texts = responses.map(textOf);
      expect(new Set(texts).size).to.equal(1);
      expect(texts[0], name).to.equal(await dispatch(master, fresh));
    }
    const slaves = JSON.parse(textOf(await dispatch(master, (actor) => slavesRoute.call(actor, { ...STATE_REQUEST, path: '/slaves' })))) as { slaves: Array<{ id: string; used_resources_full: unknown[] }> };
    expect(slaves.slaves).to.have.length(1_500);
    expect(slaves.slaves[0]).to.have.property('used_resources_full');
    // One agent: answered at once, not rendered in turns.
    const agentId = (all(agents[7] as FakeAgent, 'AgentRegistered')[0]?.body as { agentId: string }).agentId;
    const one = await dispatch(master, (actor) => slavesRoute.call(actor, { ...STATE_REQUEST, path: '/slaves', query: { slave_id: agentId } }));
    expect((one as HttpResponse).status).to.equal(200);
    expect(((one as HttpResponse).body as { slaves: Array<{ id: string }> }).slaves.map((agent) => agent.id)).to.deep.equal([agentId]);
    const none = await dispatch(master, (actor) => slavesRoute.call(actor, { ...STATE_REQUEST, path: '/slaves', query: { slave_id: 'no-such-agent' } }));
    expect((none as HttpResponse).body).to.deep.equal({ slaves: [], recovered_slaves: [] });

    // /master/frameworks: /master/state's frameworks, in turns (warming no agent), shared; one framework at once.
    const framework = await registerFramework(harness);
    const frameworksRoute = master.runtime.routes.get('/frameworks');
    if (frameworksRoute === undefined) throw new Error('no /frameworks route');
    const frameworks = (await served(frameworksRoute, { ...STATE_REQUEST, path: '/frameworks' }, 2)).responses;
    const text = textOf(frameworks[0] as HttpResponse);
    expect(text).to.equal(await dispatch(master, (actor) => JSON.stringify(renderFrameworks(contextOf(actor), {}))));
    expect((JSON.parse(text) as { frameworks: Array<{ id: string }> }).frameworks.map((entry) => entry.id)).to.deep.equal([framework.frameworkId]);
    const oneFramework = await dispatch(master, (actor) => frameworksRoute.call(actor, { ...STATE_REQUEST, path: '/frameworks', query: { framework_id: framework.frameworkId } }));
    expect(((oneFramework as HttpResponse).body as { frameworks: Array<{ id: string }> }).frameworks.map((entry) => entry.id)).to.deep.equal([framework.frameworkId]);

    // /master/roles: the breakdowns kept as agents change, made the first time a warming turn per ROLE_PARTS_PER_TURN agents, shared.
    const rolesRoute = master.runtime.routes.get('/roles');
    if (rolesRoute === undefined) throw new Error('no /roles route');
    const { responses: roles, figures: rolesFigures } = await served(rolesRoute, { ...STATE_REQUEST, path: '/roles' }, 2);
    expect(rolesFigures.turns).to.be.at.least(1_500 / ROLE_PARTS_PER_TURN);
    expect((roles[0] as HttpResponse).body).to.deep.equal(await dispatch(master, (actor) => renderRoles(contextOf(actor))));
    expect(((roles[0] as HttpResponse).body as { roles: Array<{ name: string; frameworks: string[] }> }).roles.find((role) => role.name === '*')?.frameworks).to.deep.equal([framework.frameworkId]);

    // GET_FRAMEWORKS, GET_EXECUTORS and GET_TASKS: GET_STATE's parts alone, shared, as fresh renderings say.
    for (const [type, fresh] of [
      ['GET_FRAMEWORKS', (actor: typeof master) => JSON.stringify({ type: 'GET_FRAMEWORKS', get_frameworks: v1GetFrameworks(contextOf(actor)) })],
      ['GET_EXECUTORS', (actor: typeof master) => JSON.stringify({ type: 'GET_EXECUTORS', get_executors: v1GetExecutors(contextOf(actor)) })],
      ['GET_TASKS', (actor: typeof master) => JSON.stringify({ type: 'GET_TASKS', get_tasks: v1GetTasks(contextOf(actor)) })],
    ] as const) {
      const { responses: answers } = await served(v1Route, { ...getAgents, body: Buffer.from(JSON.stringify({ type })) }, 2);
      expect(textOf(answers[0] as HttpResponse), type).to.equal(await dispatch(master, fresh));
    }
  });

  it('ends its warming turns on the wall-time budget it is given (--state_turn_budget; 0: a fragment a turn), and on counts alone without one (the simulations)', async () => {
    for (const [budget, expectOne] of [[0, true], [undefined, false]] as const) {
      const harness = await startHarness({ stateTurnBudgetMs: budget }, undefined, undefined, { memoryRegistry: true });
      await registerAgents(harness, 300);
      const route = harness.handle.master.runtime.routes.get('/state');
      if (route === undefined) throw new Error('no /state route');
      const text = textOf(await dispatch(harness.handle.master, (master) => route.call(master, STATE_REQUEST)));
      const figures = await dispatch(harness.handle.master, (master) => master.renderingFigures());
      expect(text).to.equal(await dispatch(harness.handle.master, (master) => JSON.stringify(master.stateJson())));
      if (expectOne) {
        expect(figures.mostRenderedInATurn, 'budget 0').to.equal(1);
        expect(figures.turns, 'budget 0').to.be.greaterThan(300);
      } else {
        expect(figures.mostRenderedInATurn, 'no budget').to.equal(STATE_WARM_RENDERS_PER_TURN);
      }
      await cleanUp();
    }
  });

  it('does not hand a failed rendering to the requests after it', async () => {
    const harness = await startHarness();
    await registerAgents(harness, 3);
    const route = harness.handle.master.runtime.routes.get('/state');
    if (route === undefined) throw new Error('no /state route');
    const fragments = (harness.handle.master as unknown as { stateFragments: StateFragments }).stateFragments;
    const warm = fragments.warm.bind(fragments);
    // A warming turn fails (a bug): the request gets the error, the next one a rendering of its own.
    fragments.warm = function* failing(): Generator<void, void, void> {
      yield;
      throw new Error('a bug while warming');
    };
    const failed = dispatch(harness.handle.master, (master) => route.call(master, STATE_REQUEST)).then(() => undefined, (caught: unknown) => caught);
    await harness.clock.settle();
    expect(String(await failed)).to.contain('a bug while warming');
    fragments.warm = warm;
    const again = textOf(await dispatch(harness.handle.master, (master) => route.call(master, STATE_REQUEST)));
    expect((JSON.parse(again) as { slaves: unknown[] }).slaves).to.have.length(3);
  });

  it('answers with the agents in the books\' order when agents leave, come back and change', () => {
    const flags = { ...defaultMasterFlags('/nonexistent'), maxCompletedTasksPerFramework: 2 };
    const state = new MasterState(flags);
    const context = () => ({
      state, info: { id: 'M', pid: 'master@10.0.0.1:5050', hostname: 'm', port: 5050, ip: '10.0.0.1', version: '1' }, flags, startTimeMs: 1_000, electedTimeMs: 1_000, nowMs: 2_000,
      agentEndpoint: (agentId: string) => {
        const agent = state.agents.get(agentId);
        return agent === undefined ? undefined : { hostname: agent.info.hostname, ip: agent.pid.host, port: agent.pid.port, actorId: agent.pid.id };
      },
    });
    const fragments = new StateFragments(state);
    const total = Resources.parse('cpus:4;mem:4096');
    const addAgent = (index: number) => {
      const agent = newAgentRecord({ id: `M-S${index}`, hostname: `h${index}`, port: 5051, resources: total.toJSON() }, UPID.parse(`slave(1)@10.0.0.${index}:5051`), '1.0', total, 1_000);
      state.addAgent(agent);
      return agent;
    };
    const agents = Array.from({ length: 2 * STATE_AGENTS_PER_BLOCK + 5 }, (_, index) => addAgent(index));
    const framework = newFrameworkRecord({ id: 'M-0000', name: 'fw', user: 'u', roles: ['*'] }, UPID.parse('scheduler@10.0.1.1:6000'), 1_000);
    state.addFramework(framework);
    const agree = (why: string): void => {
      expect(fragments.render(context()).join(''), `/master/state: ${why}`).to.equal(JSON.stringify(renderState(context())));
      expect(fragments.renderSummary(context()).join(''), `/master/state-summary: ${why}`).to.equal(JSON.stringify(renderStateSummary(context())));
      expect(fragments.renderV1State(context()).join(''), `GET_STATE: ${why}`).to.equal(JSON.stringify({ type: 'GET_STATE', get_state: v1GetState(context()) }));
      expect(fragments.renderSlaves(context()).join(''), `/master/slaves: ${why}`).to.equal(JSON.stringify(renderSlaves(context(), {})));
      expect(fragments.renderFrameworks(context()).join(''), `/master/frameworks: ${why}`).to.equal(JSON.stringify(renderFrameworks(context(), {})));
      expect(JSON.stringify(renderRoles(context(), fragments.roleBreakdowns())), `/master/roles: ${why}`).to.equal(JSON.stringify(renderRoles(context())));
      expect(fragments.renderV1Part(context(), 'GET_AGENTS').join(''), `GET_AGENTS: ${why}`).to.equal(JSON.stringify({ type: 'GET_AGENTS', get_agents: v1GetAgents(context()) }));
      expect(fragments.renderV1Part(context(), 'GET_TASKS').join(''), `GET_TASKS: ${why}`).to.equal(JSON.stringify({ type: 'GET_TASKS', get_tasks: v1GetTasks(context()) }));
      expect(fragments.renderV1Part(context(), 'GET_EXECUTORS').join(''), `GET_EXECUTORS: ${why}`).to.equal(JSON.stringify({ type: 'GET_EXECUTORS', get_executors: v1GetExecutors(context()) }));
      expect(fragments.renderV1Part(context(), 'GET_FRAMEWORKS').join(''), `GET_FRAMEWORKS: ${why}`).to.equal(JSON.stringify({ type: 'GET_FRAMEWORKS', get_frameworks: v1GetFrameworks(context()) }));
    };
    agree('first rendering');

    const middle = agents[STATE_AGENTS_PER_BLOCK + 1];
    const other = agents[3];
    if (middle === undefined || other === undefined) throw new Error('no agents');
    state.deleteAgent(middle, 'removed', 1_500);
    agree('an agent gone from the middle');
    state.addAgent(middle);
    agree('back, at the end');
    state.setAgentTotal(other, Resources.parse('cpus:8;mem:4096'));
    state.agentChanged(other);
    agree('a new total');
    // An offer stays out while its agent's info changes (the master re-admitting it under a new hostname).
    const offered = Resources.parse('cpus:1;mem:128');
    state.addOffer(newOfferRecord({ id: 'M-O1', frameworkId: framework.id, agentId: other.id, hostname: other.info.hostname, resources: offered.toJSON(), allocationRole: '*', executorIds: [] }, offered), framework, other);
    agree('an offer');
    state.updateAgentInfo(other, { ...other.info, hostname: 'renamed' });
    agree('its agent renamed');
    const tracked = trackLaunchedTask(commandTask('t1', other.id), framework.id, '*');
    state.addTask(tracked, other);
    agree('a task');
    state.recordStatus(tracked, { taskId: 't1', state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', timestamp: 1.5 });
    agree('running');
    state.recordStatus(tracked, { taskId: 't1', state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', timestamp: 1.6 });
    state.removeTask(tracked, 'completed');
    agree('finished, completed');
    // More tasks finish on other agents: the first is trimmed from the completed ones, and no longer counted on its agent.
    for (const [index, agent] of [agents[5], agents[6]].entries()) {
      if (agent === undefined) throw new Error('no agent');
      const more = trackLaunchedTask(commandTask(`t${index + 2}`, agent.id), framework.id, '*');
      state.addTask(more, agent);
      state.recordStatus(more, { taskId: more.task.taskId, state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', timestamp: 1.7 });
      state.removeTask(more, 'completed');
    }
    expect(framework.completedTasks.map((task) => task.taskId)).to.deep.equal(['t2', 't3']);
    agree('a completed task trimmed');

    // Nobody asked for a long while: more changed than the books list, and all is rendered again.
    // Agents come and go, more than twice as many as there are and the slack.
    let next = 10_000;
    const overflow = (): void => {
      for (let count = 0; count < 2 * agents.length + 1_100; count++) state.deleteAgent(addAgent(next++), 'removed', 1_600);
    };
    overflow();
    other.version = '1.1';
    agree('after the books said every agent changed');
    overflow();
    expect(state.takeChangedAgents()).to.equal('all');
  });

  it('keeps the books\' order when agents leave and come back while a first rendering is still placing them', () => {
    const { state, context, addAgent } = newBooks();
    const agents = Array.from({ length: STATE_PLACED_PER_TURN + 500 }, () => addAgent());
    const fragments = new StateFragments(state);
    const warming = fragments.warm('state');
    warming.next(); // the changes so far
    warming.next(); // the first agents placed, not all
    const early = agents[10];
    const late = agents[STATE_PLACED_PER_TURN + 100];
    if (early === undefined || late === undefined) throw new Error('no agents');
    state.deleteAgent(early, 'removed', 1_500);
    state.addAgent(early); // placed already: back at the end
    state.deleteAgent(late, 'removed', 1_500); // not placed yet: gone
    addAgent();
    while (warming.next().done !== true);
    expectFresh(fragments, context(), 'state');
  });

  it('drops a block left empty when every agent of it left and came back while a first rendering was still placing them', () => {
    const { state, context, addAgent } = newBooks();
    const agents = Array.from({ length: STATE_PLACED_PER_TURN + 100 }, () => addAgent());
    const fragments = new StateFragments(state);
    const warming = fragments.warm('slaves');
    warming.next(); // the changes so far
    warming.next(); // the first agents placed, not all
    // More changes first than a turn applies: the placing meets the first block's agents again before their changes are applied.
    for (const agent of agents.slice(STATE_AGENTS_PER_BLOCK, STATE_AGENTS_PER_BLOCK + STATE_PLACED_PER_TURN)) {
      state.setAgentTotal(agent, Resources.parse('cpus:8;mem:4096'));
      state.agentChanged(agent);
    }
    for (const agent of agents.slice(0, STATE_AGENTS_PER_BLOCK)) {
      state.deleteAgent(agent, 'removed', 1_500);
      state.addAgent(agent); // the books' iterator meets it again, at the end
    }
    while (warming.next().done !== true);
    // The first block's agents all moved to the end: it was kept, empty, before.
    expect(fragments.agentBlockSizes('slaves')).to.not.include(0);
    expectFresh(fragments, context(), 'slaves');
  });

  it('keeps the books\' order when an agent noted as changed early leaves and comes back after more agents than a slice of changes came', () => {
    const { state, context, addAgent } = newBooks();
    const agents = Array.from({ length: 10 }, () => addAgent());
    const fragments = new StateFragments(state);
    expectFresh(fragments, context(), 'state');
    const early = agents[3];
    if (early === undefined) throw new Error('no agent');
    // Listed first among the changes, then more new agents than a turn applies (STATE_PLACED_PER_TURN), then it leaves and comes back: last in the books' order.
    state.setAgentTotal(early, Resources.parse('cpus:8;mem:4096'));
    state.agentChanged(early);
    for (let count = 0; count < STATE_PLACED_PER_TURN + 10; count++) addAgent();
    state.deleteAgent(early, 'removed', 1_500);
    state.addAgent(early);
    const warming = fragments.warm('state');
    while (warming.next().done !== true);
    const ids = (text: string): string[] => (JSON.parse(text) as { slaves: Array<{ id: string }> }).slaves.map((agent) => agent.id);
    expect(ids(fragments.render(context()).join(''))).to.deep.equal(ids(JSON.stringify(renderState(context()))));
    expectFresh(fragments, context(), 'state');
  });

  it('answers as a fresh rendering does after random changes between turns that end at random places: placing, applying changes, inside blocks (200 seeded cases)', () => {
    const random = new Prng(29);
    const formats = ['state', 'summary', 'slaves', 'roles'] as const;
    for (let run = 0; run < 200; run++) {
      const { state, context, addAgent } = newBooks();
      const fragments = new StateFragments(state);
      const live: AgentRecord[] = [];
      const gone: AgentRecord[] = [];
      const addNew = (): void => {
        live.push(addAgent());
      };
      const change = (): void => {
        const pick = random.nextInt(4);
        if (pick === 0 || live.length === 0) return addNew();
        const index = random.nextInt(live.length);
        const agent = live[index] as AgentRecord;
        if (pick === 1) {
          state.deleteAgent(agent, 'removed', 1_500);
          live.splice(index, 1);
          gone.push(agent);
        } else if (pick === 2 && gone.length > 0) {
          const back = gone.splice(random.nextInt(gone.length), 1)[0] as AgentRecord;
          state.addAgent(back); // last in the books' order now
          live.push(back);
        } else {
          state.setAgentTotal(agent, Resources.parse(`cpus:${1 + random.nextInt(16)};mem:4096`));
          state.agentChanged(agent);
        }
      };
      for (let count = random.nextInt(3 * STATE_AGENTS_PER_BLOCK); count > 0; count--) addNew();
      for (let request = 0; request < 4; request++) {
        for (let count = random.nextInt(120); count > 0; count--) change();
        const format = formats[random.nextInt(formats.length)] as (typeof formats)[number];
        const warming = fragments.warm(format, undefined, () => random.nextInt(3) === 0);
        while (warming.next().done !== true) {
          for (let count = random.nextInt(2) === 0 ? 0 : random.nextInt(8); count > 0; count--) change();
        }
        expectFresh(fragments, context(), format, `seed 29, run ${run}, request ${request}, ${format}`);
      }
    }
  });

  it('ends a warming that places agents while more keep registering than a turn places (a boot storm): the last turn places the rest', () => {
    const { state, context, addAgent } = newBooks();
    for (let count = 0; count < 100; count++) addAgent();
    const fragments = new StateFragments(state);
    // One agent placed a turn, two registering between turns.
    const { turns } = runWarming(fragments, fragments.warm('slaves', undefined, () => true), () => {
      addAgent();
      addAgent();
    });
    // STATE_WARM_ROUNDS rounds, each placing at most the agents there were when it started (6,844 turns here).
    expect(turns).to.be.within(100, 10_000);
    expectFresh(fragments, context(), 'slaves');
  });

  it('splits a block an agent that came back was put into past twice its size: one leaving and coming back after 300 others registered', () => {
    const { state, context, addAgent } = newBooks();
    const agents = Array.from({ length: 100 }, () => addAgent());
    const fragments = new StateFragments(state);
    expectFresh(fragments, context(), 'state');
    const leaving = agents[50];
    if (leaving === undefined) throw new Error('no agent');
    state.deleteAgent(leaving, 'removed', 1_500);
    for (let count = 0; count < 300; count++) addAgent();
    state.addAgent(leaving);
    expectFresh(fragments, context(), 'state');
    const sizes = fragments.agentBlockSizes('state');
    expect(sizes.reduce((sum, size) => sum + size, 0)).to.equal(400);
    // Without the split one block held 280 of them.
    expect(Math.max(...sizes)).to.be.at.most(2 * STATE_AGENTS_PER_BLOCK);
  });

  it('keeps an agent dirty in the block it was split out of: one that leaves the new block and comes back into the old one is rendered anew (white box: the backlog applied in amounts a turn would)', () => {
    const flags = defaultMasterFlags('/nonexistent');
    const state = new MasterState(flags);
    const context = (): StateContextOf => ({ state, info: MASTER_INFO, flags, startTimeMs: 1_000, electedTimeMs: 1_000, nowMs: 2_000 });
    const total = Resources.parse('cpus:4;mem:4096');
    const records = new Map<string, AgentRecord>();
    let port = 1_000;
    const add = (id: string, hostname = id): void => {
      const agent = newAgentRecord({ id, hostname, port: 5051, resources: total.toJSON() }, UPID.parse(`slave(1)@10.0.0.1:${port++}`), '1.0', total, 1_000);
      state.addAgent(agent);
      records.set(id, agent);
    };
    const record = (id: string): AgentRecord => records.get(id) ?? expect.fail(`no agent ${id}`);
    type Block = { ids: string[]; joinedIds: string[]; dirty: Set<string> };
    const fragments = new StateFragments(state);
    // What a warming's turns do, a step at a time (private: the order of these steps is what makes the case).
    const internals = fragments as unknown as { takeChanges(): void; applySome(limit: number): boolean; agents(format: 'slaves'): { blocks: Block[]; join(state: MasterState, block: Block): string } };
    for (let index = 1; index < STATE_AGENTS_PER_BLOCK; index++) add(`b${index}`);
    expectFresh(fragments, context(), 'slaves');
    // b1 is listed first among the changes, then 66 agents register, then b1 leaves and comes back (last in the books' order).
    state.setAgentTotal(record('b1'), Resources.parse('cpus:5;mem:4096'));
    for (let index = 1; index <= STATE_AGENTS_PER_BLOCK + 2; index++) add(`N${index}`);
    state.deleteAgent(record('b1'), 'removed', 1_500);
    state.addAgent(record('b1'));
    internals.takeChanges();
    internals.applySome(1); // b1 to the end of the first block
    internals.applySome(STATE_AGENTS_PER_BLOCK); // N1..N64 inserted before it
    const slaves = internals.agents('slaves');
    const first = slaves.blocks[0] ?? expect.fail('no block');
    slaves.join(state, first); // a warming joins it
    internals.applySome(2); // N65, N66: the block splits
    const moved = slaves.blocks[1] ?? expect.fail('no second block');
    expect(moved.ids).to.include('N10');
    expect(first.joinedIds).to.include('N10');
    // Every agent of the new block leaves, and one of the first (room at its end): applied without a join of the agents' blocks.
    for (const id of [...moved.ids]) state.deleteAgent(record(id), 'removed', 1_500);
    state.deleteAgent(record('b2'), 'removed', 1_500);
    internals.takeChanges();
    internals.applySome(Infinity);
    // N10 comes back from another host: appended to the first block, whose text still holds its old one.
    add('N10', 'N10-new-host');
    // With its dirty flag cleared by the split, the old text (hostname N10) was sliced out of the block.
    expectFresh(fragments, context(), 'slaves');
  });

  it('renders a block\'s agents a turn at a time also when they change between every turn: the join renders none of them', () => {
    const { state, context, addAgent } = newBooks();
    const agents = Array.from({ length: STATE_AGENTS_PER_BLOCK }, () => addAgent());
    const fragments = new StateFragments(state);
    // Every agent changes between turns (as when an allocation cycle offers on all of them).
    const { most } = runWarming(fragments, fragments.warm('slaves', undefined, () => true), (turn) => {
      for (const agent of agents) {
        state.setAgentTotal(agent, Resources.parse(`cpus:${4 + (turn % 3)};mem:4096`));
        state.agentChanged(agent);
      }
    });
    // Without the passes, the join rendered all 64 in one turn.
    expect(most).to.equal(1);
    expectFresh(fragments, context(), 'slaves');
  });

  it('renders nothing into a tail an earlier armed rendering left untaken (armTail without takeDeferred): the next rendering is whole', () => {
    const { state, context, addAgent } = newBooks();
    const framework = newFrameworkRecord({ id: 'M-0000', name: 'fw', user: 'u', roles: ['*'] }, UPID.parse('scheduler@10.0.1.1:6000'), 1_000);
    state.addFramework(framework);
    const offered = Resources.parse('cpus:1;mem:128');
    const addOffer = (index: number): void => {
      const agent = addAgent();
      state.addOffer(newOfferRecord({ id: `M-O${index}`, frameworkId: framework.id, agentId: agent.id, hostname: agent.info.hostname, resources: offered.toJSON(), allocationRole: '*', executorIds: [] }, offered), framework, agent);
    };
    addOffer(0);
    const fragments = new StateFragments(state, 0);
    fragments.armTail();
    fragments.render(context()); // its tail is never taken
    addOffer(1); // the framework changed: a rendering that still deferred would leave its placeholders empty
    expectFresh(fragments, context(), 'state');
    expect(fragments.renderFrameworks(context()).join('')).to.equal(JSON.stringify(renderFrameworks(context(), {})));
  });

  it('brings agents that changed while the frameworks were rendered up to date before the last turn (an allocation run offering every agent again meanwhile): the last turn renders none of them', () => {
    for (const [format, answer] of [['state', 'state'], ['v1', 'GET_STATE']] as const) {
      const { state, context, addAgent } = newBooks();
      const agents = Array.from({ length: 200 }, () => addAgent());
      const framework = newFrameworkRecord({ id: 'M-0000', name: 'fw', user: 'u', roles: ['*'] }, UPID.parse('scheduler@10.0.1.1:6000'), 1_000);
      state.addFramework(framework);
      // 600 tasks: the frameworks' part of the warming takes 600 turns of a fragment each, after the agents' ~400 (placing, then rendering, one a turn).
      for (let index = 0; index < 600; index++) state.addTask(trackLaunchedTask(commandTask(`t${index}`, (agents[0] as AgentRecord).id, 'cpus:0.001;mem:1'), framework.id, '*'), agents[0] as AgentRecord);
      const v1 = (): V1Context => ({ ...context(), agentEndpoint: () => ({ hostname: 'h', ip: '10.0.0.1', port: 5051, actorId: 'slave(1)' }) });
      const fragments = new StateFragments(state);
      let changedAt = 0;
      const { turns } = runWarming(fragments, fragments.warm(format, format === 'v1' ? v1() : undefined, () => true), (turn) => {
        // Once, while the frameworks' tasks are rendered: every agent changes.
        if (turn !== 700) return;
        changedAt = turn;
        for (const agent of agents) {
          state.setAgentTotal(agent, Resources.parse('cpus:5;mem:4096'));
          state.agentChanged(agent);
        }
      });
      expect(changedAt, `${format}: the agents changed during the warming`).to.equal(700);
      expect(turns, `${format}: turns`).to.be.greaterThan(1_000);
      const before = fragments.rendered;
      const text = answer === 'state' ? fragments.render(context()).join('') : fragments.renderV1State(v1()).join('');
      // Before, the last turn rendered all 200 again.
      expect(fragments.rendered - before, `${format}: rendered in the last turn`).to.be.at.most(2);
      expect(text).to.equal(answer === 'state' ? JSON.stringify(renderState(context())) : JSON.stringify({ type: 'GET_STATE', get_state: v1GetState(v1()) }));
    }
  });

  it('puts a framework holding many offers into GET_STATE and GET_FRAMEWORKS an offer a piece: its offers are not copied into one string in the last turn', () => {
    const { state, context, addAgent } = newBooks();
    const framework = newFrameworkRecord({ id: 'M-0000', name: 'fw', user: 'u', roles: ['*'] }, UPID.parse('scheduler@10.0.1.1:6000'), 1_000);
    state.addFramework(framework);
    const offered = Resources.parse('cpus:1;mem:128');
    const OFFERS = 300;
    for (let index = 0; index < OFFERS; index++) {
      const agent = addAgent();
      state.addOffer(newOfferRecord({ id: `M-O${index}`, frameworkId: framework.id, agentId: agent.id, hostname: agent.info.hostname, resources: offered.toJSON(), allocationRole: '*', executorIds: [] }, offered), framework, agent);
    }
    const v1 = (): V1Context => ({ ...context(), agentEndpoint: () => ({ hostname: 'h', ip: '10.0.0.1', port: 5051, actorId: 'slave(1)' }) });
    const fragments = new StateFragments(state);
    runWarming(fragments, fragments.warm('v1', v1()));
    const parts = fragments.renderV1Part(v1(), 'GET_FRAMEWORKS');
    expect(parts.join('')).to.equal(JSON.stringify({ type: 'GET_FRAMEWORKS', get_frameworks: v1GetFrameworks(v1()) }));
    // One piece per offer: at 10k offers, joining them into the framework's text took 34 ms of the last turn.
    const offerPieces = parts.filter((part) => part.includes('"M-O'));
    expect(offerPieces).to.have.length(OFFERS);
    for (const part of offerPieces) expect(part.split('"M-O').length - 1, 'offer ids in one piece').to.equal(1);
    expect(fragments.renderV1State(v1()).join('')).to.equal(JSON.stringify({ type: 'GET_STATE', get_state: v1GetState(v1()) }));
  });

  it('shows an offer\'s agent as it is now: gone, back under the same id, moved; and drops an offer deleted after its framework completed (a hostile review\'s sequences the books accept)', () => {
    const offered = Resources.parse('cpus:1;mem:128');
    const setUp = () => {
      const books = newBooks();
      const v1 = (): V1Context => ({
        ...books.context(),
        agentEndpoint: (agentId: string) => {
          const agent = books.state.agents.get(agentId);
          return agent === undefined ? undefined : { hostname: agent.info.hostname, ip: agent.pid.host, port: agent.pid.port, actorId: agent.pid.id };
        },
      });
      const framework = newFrameworkRecord({ id: 'M-0000', name: 'fw', user: 'u', roles: ['*'] }, UPID.parse('scheduler@10.0.1.1:6000'), 1_000);
      books.state.addFramework(framework);
      const offer = (agent: AgentRecord, id: string) => {
        const record = newOfferRecord({ id, frameworkId: framework.id, agentId: agent.id, hostname: agent.info.hostname, resources: offered.toJSON(), allocationRole: '*', executorIds: [] }, offered);
        books.state.addOffer(record, framework, agent);
        return record;
      };
      const fragments = new StateFragments(books.state);
      const agree = (why: string): void => {
        expect(fragments.renderV1State(v1()).join(''), `GET_STATE: ${why}`).to.equal(JSON.stringify({ type: 'GET_STATE', get_state: v1GetState(v1()) }));
        expect(fragments.renderV1Part(v1(), 'GET_FRAMEWORKS').join(''), `GET_FRAMEWORKS: ${why}`).to.equal(JSON.stringify({ type: 'GET_FRAMEWORKS', get_frameworks: v1GetFrameworks(v1()) }));
        expect(fragments.render(books.context()).join(''), `/master/state: ${why}`).to.equal(JSON.stringify(renderState(books.context())));
      };
      return { ...books, v1, framework, offer, fragments, agree };
    };
    // An offer outliving its agent (the master retires offers first), then an agent of that id afresh: kept as showing no agent, it showed none after.
    {
      const { state, addAgent, offer, agree } = setUp();
      const agent = addAgent();
      offer(agent, 'M-O1');
      agree('an offer out');
      state.deleteAgent(agent, 'unreachable', 1_500);
      agree('its agent gone');
      state.addAgent(newAgentRecord({ ...agent.info, id: agent.id }, UPID.parse('slave(1)@10.0.9.9:5051'), '1.0', agent.total, 1_600));
      agree('an agent of that id back');
    }
    // A warming renders an offer deleted meanwhile (its agent gone too); the agent comes back and the same record is offered again.
    {
      const { state, addAgent, offer, framework, fragments, v1, agree } = setUp();
      addAgent();
      const second = addAgent();
      const record = offer(second, 'M-O2');
      const warming = fragments.warm('v1-frameworks', v1(), () => true);
      warming.next();
      warming.next();
      state.deleteOffer(record);
      state.deleteAgent(second, 'removed', 1_500);
      while (warming.next().done !== true);
      const back = newAgentRecord({ ...second.info, id: second.id }, UPID.parse('slave(1)@10.0.9.8:5051'), '1.0', second.total, 1_600);
      state.addAgent(back);
      state.addOffer(record, framework, back);
      agree('the same offer again, on the agent back');
    }
    // An agent moving to a new address with an offer out, after a rendering kept the framework's pieces.
    {
      const { state, addAgent, offer, agree } = setUp();
      const agent = addAgent();
      offer(agent, 'M-O4');
      agree('an offer out');
      state.moveAgent(agent, UPID.parse('slave(1)@10.0.7.7:5051'));
      agree('its agent moved');
      // Its record replaced by one of another address (the books allow it with an offer out).
      state.addAgent(newAgentRecord({ ...agent.info, id: agent.id }, UPID.parse('slave(1)@10.0.7.8:5051'), '1.0', agent.total, 1_700));
      agree('its record replaced');
    }
    // A framework completed with an offer still out (the master retires its offers first), then the offer deleted: it was kept in the completed record's list.
    {
      const { state, addAgent, offer, framework, agree } = setUp();
      const record = offer(addAgent(), 'M-O3');
      state.completeFramework(framework);
      state.deleteOffer(record);
      expect(framework.offerIds.size).to.equal(0);
      expect(state.frameworkOfferedResources(framework).isEmpty()).to.equal(true);
      agree('its offer deleted after it completed');
    }
  });

  it('ends a warming while a framework launches tasks between its turns faster than a turn renders them, a fragment a turn: the last turn renders the rest', () => {
    const { state, context, addAgent } = newBooks();
    const agent = addAgent(Resources.parse('cpus:1000;mem:100000'));
    const framework = newFrameworkRecord({ id: 'M-0000', name: 'fw', user: 'u', roles: ['*'] }, UPID.parse('scheduler@10.0.1.1:6000'), 1_000);
    state.addFramework(framework);
    let next = 0;
    const launch = (): void => {
      state.addTask(trackLaunchedTask(commandTask(`t${next++}`, agent.id, 'cpus:0.001;mem:1'), framework.id, '*'), agent);
    };
    for (let count = 0; count < 100; count++) launch();
    const fragments = new StateFragments(state);
    const { turns, most } = runWarming(fragments, fragments.warm('state', undefined, () => true), launch); // a fragment a turn
    // It ends: a warming that followed the launches would make one turn per launch for ever. A
    // fragment a turn: each task's text and each block's join (of STATE_TASKS_PER_BLOCK) is a turn
    // of its own, over up to STATE_WARM_TASK_ROUNDS rounds (436 turns with blocks of 16).
    expect(turns).to.be.within(100, 600);
    // Not put together in a warming turn, which would render every task launched meanwhile (108 in one turn).
    expect(most).to.equal(1);
    expectFresh(fragments, context(), 'state');
  });

  it('ends a warming turn when its budget says so (--state_turn_budget), inside a block of agents too; an agent that changes after its text was rendered ahead is rendered again', () => {
    for (const format of ['state', 'summary', 'slaves'] as const) {
      const { state, context, addAgent } = newBooks();
      const agents = Array.from({ length: 2 * STATE_AGENTS_PER_BLOCK + 5 }, () => addAgent());
      const fragments = new StateFragments(state);
      let asked = 0;
      const warming = fragments.warm(format, undefined, () => {
        asked++;
        return true; // every fragment takes the turn over its budget
      });
      const { turns, most } = runWarming(fragments, warming, (turn) => {
        if (turn === 3) {
          // Agent 1's text was rendered ahead (turn 2) and its block is not joined yet: it changes.
          const changed = agents[1];
          if (changed === undefined) throw new Error('no agent');
          state.setAgentTotal(changed, Resources.parse('cpus:8;mem:4096'));
          state.agentChanged(changed);
          // Agent 5, not rendered yet, leaves; a new one comes.
          const leaving = agents[5];
          if (leaving === undefined) throw new Error('no agent');
          state.deleteAgent(leaving, 'removed', 1_500);
          addAgent();
        }
      });
      expect(asked, format).to.be.greaterThan(0);
      // One fragment per turn (a block of agents was a turn's at least: 64 renderings).
      expect(most, `${format}: most rendered in a turn`).to.equal(1);
      expect(turns, format).to.be.greaterThan(agents.length);
      expectFresh(fragments, context(), format);
    }
  });
});
