/**
 * The command executor's own resources, as Mesos' agent gives them (`Slave::getExecutorInfo`:
 * `DEFAULT_EXECUTOR_CPUS` 0.1 and `DEFAULT_EXECUTOR_MEM` 32 MB, unreserved, allocated to its
 * task's role): its `/state` entry and GET_EXECUTORS' info show them, the agent's
 * `slave/*_used` count them (Mesos' `_resources_used` sums each executor's allocated resources),
 * and its container is held to them with its task's. The master's books hold no command
 * executor (the agent leaves it out of re-registration), so its books and offers never count
 * them: a small overcommit, as Mesos says of it. Nor does the agent's own check of what fits its
 * total, which stands for the master's books. Under the virtual clock, with a Probe as master.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { Offer, TaskInfo, TaskStatus } from '../../../lib/protocol';
import { dynamicReservation, Resources } from '../../../lib/resources';
import { fitResources } from '../../../actors/framework/offers';
import { Scheduler } from '../../../actors/framework/scheduler';
import { APPLICATION_PROTOBUF, v1ResponseJson } from '../../../lib/v1/protobuf';
import { startSimulation, type Simulation } from '../../cluster/simulation';
import { AgentHarness, AgentMachine, FRAMEWORK_ID, useMachines } from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

/** The allowance as GET_EXECUTORS writes it for a task of `role`. */
function allowanceOf(role: string): Json[] {
  return [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 32 }, allocation_info: { role } },
  ];
}

/** RunTask of `task` allocated to `role`, as the master sends it. */
function runTaskOf(h: AgentHarness, task: TaskInfo, role = 'web'): void {
  h.fromMaster('RunTask', { framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: FRAMEWORK_ID, task, role });
}

/** `/api/v1` of the harness' agent answering `body` in `accept`'s media type. */
async function v1Call(h: AgentHarness, body: unknown, accept = 'application/json'): Promise<unknown> {
  const response = await h.v1(body, accept);
  expect(response.status).to.equal(200);
  return response.body;
}

/** The harness' framework's executor `id` in `/state`. */
async function stateExecutor(h: AgentHarness, id: string, list: 'executors' | 'completed_executors' = 'executors'): Promise<Json> {
  const state = await h.state() as Json;
  const framework = [...state.frameworks as Json[], ...state.completed_frameworks as Json[]].find((each) => each.id === FRAMEWORK_ID) as Json;
  return (framework[list] as Json[]).find((executor) => executor.id === id) as Json;
}

describe("the command executor's own resources (Mesos' getExecutorInfo: 0.1 cpus and 32 MB, allocated to its task's role)", () => {
  let h: AgentHarness;

  beforeEach(async () => {
    h = new AgentHarness();
    await h.register();
  });

  afterEach(async () => {
    await h.stop();
  });

  it("/state: its executor's resources are its task's plus 0.1 cpus and 32 MB, queued and running, with the task's role; the agent's allocated resources count them", async () => {
    runTaskOf(h, AgentHarness.commandTask('T1'));
    await h.clock.settle();
    const queued = await stateExecutor(h, 'T1');
    expect(queued.resources).to.deep.equal({ cpus: 1.1, gpus: 0, mem: 160, disk: 0 });
    expect(queued.role).to.equal('web');
    const executor = await h.registerExecutor('T1');
    h.sendUpdate(executor, h.executorUpdate('T1', 'TASK_RUNNING'));
    await h.clock.settle();
    expect((await stateExecutor(h, 'T1')).resources).to.deep.equal({ cpus: 1.1, gpus: 0, mem: 160, disk: 0 });
    // Mesos' unreserved_resources_allocated sums each framework's allocated resources, the executor's own with them.
    expect(((await h.state()) as Json).unreserved_resources_allocated).to.deep.include({ cpus: 1.1, mem: 160 });
    // The task's own resources are its own.
    expect(((await stateExecutor(h, 'T1')).tasks as Json[])[0]?.resources).to.deep.equal({ cpus: 1, gpus: 0, mem: 128, disk: 0 });
  });

  it('/state: once the task ends, the completed executor shows its own 0.1 cpus and 32 MB only (Mesos: its info\'s resources, no live task)', async () => {
    runTaskOf(h, AgentHarness.commandTask('T1'));
    await h.clock.settle();
    const executor = await h.registerExecutor('T1');
    h.sendUpdate(executor, h.executorUpdate('T1', 'TASK_FINISHED'));
    await h.clock.settle();
    h.acknowledge(h.forwarded().at(-1)!);
    h.launcher.run('T1').exit({ code: 0, signal: null });
    await h.clock.settle();
    expect((await stateExecutor(h, 'T1', 'completed_executors')).resources).to.deep.equal({ cpus: 0.1, gpus: 0, mem: 32, disk: 0 });
  });

  it("GET_EXECUTORS: its info's resources are the allowance alone, unreserved, allocated to the task's role, not revocable (JSON and protobuf alike)", async () => {
    runTaskOf(h, AgentHarness.commandTask('T1'));
    runTaskOf(h, AgentHarness.commandTask('T2'), 'batch');
    await h.clock.settle();
    const infos = ((await v1Call(h, { type: 'GET_EXECUTORS' }) as Json).get_executors.executors as Json[]).map((each) => each.executor_info as Json);
    const info = (id: string): Json => infos.find((each) => each.executor_id.value === id) as Json;
    expect(info('T1').resources).to.deep.equal(allowanceOf('web'));
    expect(info('T2').resources).to.deep.equal(allowanceOf('batch'));
    expect(JSON.stringify(infos)).to.not.contain('revocable');
    const encoded = await v1Call(h, { type: 'GET_EXECUTORS' }, APPLICATION_PROTOBUF) as Buffer;
    const decoded = JSON.parse(JSON.stringify(v1ResponseJson('agent', encoded))) as Json;
    expect((decoded.get_executors.executors as Json[]).map((each) => each.executor_info.resources)).to.deep.equal([allowanceOf('web'), allowanceOf('batch')]);
  });

  it("slave/cpus_used and slave/mem_used count it, as Mesos' agent counts each executor's allocated resources", async () => {
    runTaskOf(h, AgentHarness.commandTask('T1'));
    await h.clock.settle();
    const metrics = await dispatch(h.agent, (agent) => agent.metrics());
    expect(metrics).to.include({ 'slave/cpus_used': 1.1, 'slave/mem_used': 160 });
  });

  it('its container is held to its task\'s resources plus its own 0.1 cpus and 32 MB, and no more (Mesos gives its containerizer the executor\'s and the task\'s)', async () => {
    runTaskOf(h, AgentHarness.commandTask('T1', 'sleep 60', { resources: Resources.parse('cpus:0.5;mem:64').toJSON() }));
    await h.clock.settle();
    expect(h.launcher.run('T1').launch.limits).to.deep.equal({ cpus: 0.6, memBytes: 96 * 1024 * 1024 });
  });

  it('every command executor shares one frozen list of its own resources (built once: thousands of command tasks a second)', async () => {
    runTaskOf(h, AgentHarness.commandTask('T1'));
    runTaskOf(h, AgentHarness.commandTask('T2'), 'batch');
    await h.clock.settle();
    const lists = h.launcher.runs.map((run) => run.launch.executorId);
    expect(lists).to.deep.equal(['T1', 'T2']);
    const [first, second] = await dispatch(h.agent, (agent) => {
      const infos = (agent as unknown as { frameworks: Map<string, { executors: Map<string, { info: { resources?: unknown } }> }> }).frameworks.get(FRAMEWORK_ID)?.executors;
      return [infos?.get('T1')?.info.resources, infos?.get('T2')?.info.resources];
    });
    expect(first).to.not.equal(undefined);
    expect(first).to.equal(second);
    expect(Object.isFrozen(first)).to.equal(true);
  });

  it('ReregisterAgent leaves the command executor out and reports its task with the task\'s resources only: the master never counts the allowance', async () => {
    runTaskOf(h, AgentHarness.commandTask('T1'));
    await h.clock.settle();
    await h.registerExecutor('T1');
    h.fromMaster('Ping', { connected: false });
    await h.clock.settle();
    await h.clock.advance(3_000);
    const [reregistration] = h.master.bodies<{ tasks: Array<{ taskId: string; resources: unknown }>; executors: unknown[] }>('ReregisterAgent');
    expect(reregistration?.executors).to.deep.equal([]);
    expect(reregistration?.tasks.map((task) => [task.taskId, Resources.fromJSON(task.resources).toString()])).to.deep.equal([['T1', 'cpus:1;mem:128']]);
  });
});

describe("the command executor's own resources and the agent's check of what fits its total (the master's books, which never count them)", () => {
  const machine = useMachines(() => new AgentMachine('/agent', 'cpus:4;mem:4096;ports:[31000-32000]'));

  it('a command task that fills what the agent holds unreserved exactly still runs where the agent checks its total (its reservation undone at the master while it re-registered)', async () => {
    const m = machine();
    await m.registeredAs('A1');
    const reserved = Resources.parse('cpus:1;mem:1024').reservedDynamically('web', dynamicReservation('ops', []));
    m.fromMaster('CheckpointResources', { resources: reserved.toJSON() });
    await m.clock.settle();
    // The master loses the agent; a CheckpointResources of none (an UNRESERVE) comes while it re-registers: ignored, so the agent checks what fits.
    m.fromMaster('Ping', { connected: false });
    await m.clock.settle();
    await m.clock.advance(2_000);
    m.fromMaster('CheckpointResources', { resources: [] });
    await m.clock.settle();
    // cpus:3;mem:3072 unreserved here: the task takes all of it, its executor's 0.1 cpus and 32 MB beyond.
    const task = { name: 'fills', taskId: 'fills', agentId: 'A1', resources: Resources.parse('cpus:3;mem:3072').toJSON(), command: { value: 'sleep 60' } };
    m.fromMaster('RunTask', { framework: { id: 'F1', name: 'fw', user: 'u' }, frameworkId: 'F1', task });
    await m.clock.settle();
    expect(m.launcher.runs.map((run) => run.launch.executorId)).to.deep.equal(['fills']);
    const updates = m.master.bodies<{ update: { status: { state: string } } }>('StatusUpdate').map((body) => body.update.status.state);
    expect(updates).to.not.include('TASK_LOST');
  });
});

/** A scheduler that launches one `cpus:1;mem:128` command task on each offer that fits one, up to `wanted`. */
class Filler extends Scheduler {
  readonly statuses: TaskStatus[] = [];
  launched = 0;
  wanted = 0;

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const tasks: TaskInfo[] = [];
      let left = Resources.fromJSON(offer.resources);
      for (;;) {
        const picked = this.launched + tasks.length < this.wanted ? fitResources({ ...offer, resources: left.toJSON() }, Resources.parse('cpus:1;mem:128')) : undefined;
        if (picked === undefined) break;
        const taskId = `T${this.launched + tasks.length + 1}`;
        tasks.push({ name: taskId, taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: 'sleep 3600' } });
        left = left.subtract(picked);
      }
      this.launched += tasks.length;
      if (tasks.length === 0) this.decline(offer.id, { refuseSeconds: 0 });
      else this.launch(offer.id, tasks, { refuseSeconds: 0 });
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.statuses.push(status);
  }
}

describe("the command executor's own resources in a whole cluster (a master, an agent, a scheduler, under the virtual clock)", function () {
  this.timeout(60_000);
  let simulation: Simulation | undefined;

  afterEach(async () => {
    await simulation?.host.stop();
    simulation = undefined;
  });

  it("the master offers and counts the tasks' resources only: two cpus:1 tasks fill a cpus:2 agent, whose /state shows 1.1 cpus an executor (Mesos' overcommit)", async () => {
    simulation = await startSimulation('cpus:2;mem:1024');
    const filler = new Filler({ master: simulation.masterAddress, framework: { name: 'filler', user: 'test' } });
    filler.wanted = 2;
    simulation.host.spawn(filler);
    await simulation.clock.advance(5_000);
    const running = new Set(filler.statuses.filter((status) => status.state === 'TASK_RUNNING').map((status) => status.taskId));
    expect([...running].sort()).to.deep.equal(['T1', 'T2']);
    const master = await dispatch(simulation.master.master, (actor) => actor.stateJson()) as unknown as { slaves: Array<{ used_resources: Json; offered_resources: Json }> };
    expect(master.slaves[0]?.used_resources).to.deep.include({ cpus: 2, mem: 256 });
    const agent = await dispatch(simulation.agent.agent, async (actor) => {
      const route = actor.runtime.routes.get('/state');
      if (route === undefined) throw new Error('no /state route');
      return (await route.call(actor, { method: 'GET', path: '/state', query: {}, headers: {}, body: Buffer.alloc(0) })).body as Json;
    });
    const executors = (agent.frameworks as Json[]).flatMap((framework) => framework.executors as Json[]);
    expect(executors.map((executor) => [executor.id, executor.resources.cpus, executor.resources.mem]).sort()).to.deep.equal([['T1', 1.1, 160], ['T2', 1.1, 160]]);
  });
});
