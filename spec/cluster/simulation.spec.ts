import { expect } from 'chai';
import { dispatch } from '../../lib/actor';
import { Resources } from '../../lib/resources';
import type { Offer, TaskStatus } from '../../lib/protocol';
import { BatchScheduler } from '../../actors/framework/examples/batch';
import { ServiceScheduler } from '../../actors/framework/examples/service';
import { Scheduler } from '../../actors/framework/scheduler';
import { fitResources } from '../../actors/framework/offers';
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS } from '../../lib/protocol';
import { startCluster, startSimulation, type Simulation } from './simulation';

interface MasterStateJson {
  frameworks: Array<{ id: string; name: string; tasks: Array<{ id: string; state: string }>; completed_tasks: Array<{ id: string; state: string }>; used_resources: { cpus: number; mem: number } }>;
  slaves: Array<{ id: string; used_resources: { cpus: number; mem: number }; resources: { cpus: number; mem: number } }>;
}

/** A scheduler that launches what it is told on the next offer, and records what happens. */
class Driver extends Scheduler {
  readonly statuses: TaskStatus[] = [];
  readonly events: string[] = [];
  private queue: Array<{ taskId: string; command: string }> = [];

  run(taskId: string, command: string): void {
    this.queue.push({ taskId, command });
    this.revive();
  }
  states(taskId: string): string[] {
    return this.statuses.filter((s) => s.taskId === taskId).map((s) => s.state);
  }
  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const work = this.queue.shift();
      const picked = work && fitResources(offer, Resources.parse('cpus:1;mem:128'));
      if (!work || !picked) {
        this.decline(offer.id, { refuseSeconds: 0 });
        continue;
      }
      this.launch(offer.id, [{ name: work.taskId, taskId: work.taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: work.command } }], { refuseSeconds: 0 });
    }
  }
  protected override statusUpdate(status: TaskStatus): void {
    this.statuses.push(status);
  }
  protected override agentLost(agentId: string): void {
    this.events.push(`agentLost ${agentId}`);
  }
  protected override reregistered(): void {
    this.events.push('reregistered');
  }
}

describe('a whole cluster in one host, under the virtual clock', function () {
  this.timeout(60_000);
  let simulation: Simulation;

  afterEach(async () => {
    await simulation?.host.stop();
  });

  async function state(): Promise<MasterStateJson> {
    return (await dispatch(simulation.master.master, (m) => m.stateJson())) as unknown as MasterStateJson;
  }

  it("runs the seed's DRF example: offers go A, B, B, A, B and A ends with 2 tasks, B with 3 (90% cpu, 95% mem)", async () => {
    simulation = await startSimulation('cpus:10;mem:20480');
    const order: string[] = [];
    const batch = (name: string, resources: string): BatchScheduler => new BatchScheduler({
      master: simulation.masterAddress, id: `scheduler-${name}`, framework: { name, user: 'test' },
      tasks: 10, tasksPerOffer: 1, taskResources: Resources.parse(resources), command: 'sleep 3600',
      onUpdate: (status) => { if (status.state === 'TASK_STARTING') order.push(name); },
    });
    simulation.host.spawn(batch('A', 'cpus:3;mem:2048'));
    await simulation.clock.settle(); // A registers first, as in the seed
    simulation.host.spawn(batch('B', 'cpus:1;mem:5120'));
    await simulation.clock.advance(20_000);
    expect(order).to.deep.equal(['A', 'B', 'B', 'A', 'B']);
    const cluster = await state();
    const running = (name: string): number => cluster.frameworks.find((f) => f.name === name)!.tasks.filter((t) => t.state === 'TASK_RUNNING').length;
    expect([running('A'), running('B')]).to.deep.equal([2, 3]);
    expect(cluster.slaves[0]?.used_resources.cpus).to.equal(9);
    expect(cluster.slaves[0]?.used_resources.mem).to.equal(19456);
  });

  it('mesos-batch fills offers: 20 quick one-cpu tasks on a cpus:2 agent finish within 10 allocation intervals, two per offer', async () => {
    simulation = await startSimulation('cpus:2;mem:4096');
    const startedAt = new Map<number, number>(); // virtual time -> tasks started then
    const batch = new BatchScheduler({
      master: simulation.masterAddress, framework: { name: 'fill', user: 'test' },
      tasks: 20, taskResources: Resources.parse('cpus:1;mem:64'), command: 'exit 0',
      onUpdate: (status) => { if (status.state === 'TASK_STARTING') startedAt.set(simulation.clock.now(), (startedAt.get(simulation.clock.now()) ?? 0) + 1); },
    });
    simulation.host.spawn(batch);
    let result: { finished: number } | undefined;
    void batch.done.then((done) => { result = done; });
    // One task per offer took 19 s here (one per allocation interval); two per offer take 9 s.
    await simulation.clock.advance(10_000);
    expect(result?.finished).to.equal(20);
    expect([...startedAt.values()]).to.deep.equal(Array<number>(10).fill(2)); // ten offers, two tasks each
  });

  it('takes a task through STARTING, RUNNING, FINISHED; its resources come back; the master keeps it as completed', async () => {
    simulation = await startSimulation('cpus:4;mem:4096');
    const driver = new Driver({ master: simulation.masterAddress, framework: { name: 'd', user: 'test' } });
    simulation.host.spawn(driver);
    await simulation.clock.settle();
    await dispatch(driver, (d) => { d.run('quick', 'sleep 10'); d.run('broken', 'exit 2'); });
    await simulation.clock.advance(3_000);
    expect(driver.states('quick')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    expect(driver.states('broken')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    expect((await state()).slaves[0]?.used_resources.cpus).to.equal(1);
    await simulation.clock.advance(10_000);
    expect(driver.states('quick')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const cluster = await state();
    expect(cluster.slaves[0]?.used_resources.cpus ?? 0).to.equal(0);
    expect(cluster.frameworks[0]?.completed_tasks.map((t) => [t.id, t.state]).sort()).to.deep.equal([['broken', 'TASK_FAILED'], ['quick', 'TASK_FINISHED']]);
    expect(simulation.launcher.launches.map((l) => l.executorId).sort()).to.deep.equal(['broken', 'quick']);
  });

  it('kills a task for its framework', async () => {
    simulation = await startSimulation('cpus:4;mem:4096');
    const driver = new Driver({ master: simulation.masterAddress, framework: { name: 'd', user: 'test' } });
    simulation.host.spawn(driver);
    await simulation.clock.settle();
    await dispatch(driver, (d) => d.run('forever', 'serve'));
    await simulation.clock.advance(2_000);
    await dispatch(driver, (d) => d.kill('forever'));
    await simulation.clock.advance(1_000);
    expect(driver.states('forever')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
  });

  it('removes an agent that stops answering pings: its tasks are lost and frameworks are told', async () => {
    simulation = await startSimulation('cpus:4;mem:4096');
    const driver = new Driver({ master: simulation.masterAddress, framework: { name: 'd', user: 'test' } });
    simulation.host.spawn(driver);
    await simulation.clock.settle();
    await dispatch(driver, (d) => d.run('t1', 'serve'));
    await simulation.clock.advance(2_000);
    const agentId = (await state()).slaves[0]!.id;
    simulation.host.filters.drop({ name: 'Pong' }, 'always');
    await simulation.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS - 1));
    expect(driver.events).to.deep.equal([]); // 4 missed pongs: still there
    await simulation.clock.advance(AGENT_PING_TIMEOUT_MS * 2);
    expect(driver.events).to.deep.equal([`agentLost ${agentId}`]);
    const lost = driver.statuses.find((s) => s.taskId === 't1' && s.state === 'TASK_LOST');
    expect(lost?.reason).to.equal('REASON_AGENT_REMOVED');
  });

  it('a new scheduler takes over a framework (failover) and gets its updates', async () => {
    simulation = await startSimulation('cpus:4;mem:4096');
    const first = new Driver({ master: simulation.masterAddress, id: 'first', framework: { name: 'd', user: 'test', failoverTimeout: 3600 } });
    simulation.host.spawn(first);
    await simulation.clock.settle();
    await dispatch(first, (d) => d.run('long', 'sleep 30'));
    await simulation.clock.advance(2_000);
    const frameworkId = first.frameworkId!;
    await dispatch(first, (d) => d.stop(true));
    const second = new Driver({ master: simulation.masterAddress, id: 'second', framework: { name: 'd', user: 'test', id: frameworkId, failoverTimeout: 3600 } });
    simulation.host.spawn(second);
    await simulation.clock.advance(40_000);
    expect(second.events).to.include('reregistered');
    expect(second.states('long')).to.deep.equal(['TASK_FINISHED']);
  });

  it('answers implicit reconciliation with the latest state of every task', async () => {
    simulation = await startSimulation('cpus:4;mem:4096');
    const driver = new Driver({ master: simulation.masterAddress, framework: { name: 'd', user: 'test' } });
    simulation.host.spawn(driver);
    await simulation.clock.settle();
    await dispatch(driver, (d) => { d.run('a', 'serve'); d.run('b', 'serve'); });
    await simulation.clock.advance(3_000);
    const before = driver.statuses.length;
    await dispatch(driver, (d) => d.reconcile());
    await simulation.clock.settle();
    const answers = driver.statuses.slice(before);
    expect(answers.map((s) => [s.taskId, s.state, s.reason]).sort()).to.deep.equal([
      ['a', 'TASK_RUNNING', 'REASON_RECONCILIATION'], ['b', 'TASK_RUNNING', 'REASON_RECONCILIATION']]);
    expect(answers.every((s) => s.uuid === undefined)).to.equal(true);
  });

  it('the service example relaunches an instance its executor killed for failing its HTTP health check (virtual time)', async () => {
    simulation = await startSimulation('cpus:4;mem:4096;ports:[31000-31010]');
    // web-0 answers 500 from 60 s on; every other instance stays healthy.
    const unhealthyFromMs = simulation.clock.now() + 60_000;
    simulation.launcher.checkProbes = (probe, context) => Promise.resolve({
      type: 'HTTP', statusCode: context.sandbox.includes('/executors/web-0/') && simulation.clock.now() >= unhealthyFromMs ? 500 : 200,
    });
    const updates: TaskStatus[] = [];
    const service = new ServiceScheduler({
      master: simulation.masterAddress, framework: { name: 'web', user: 'test' }, instances: 2,
      taskResources: Resources.parse('cpus:0.5;mem:256'), command: 'serve', healthCheck: { path: '/health' }, onUpdate: (status) => updates.push(status),
    });
    simulation.host.spawn(service);
    await simulation.clock.advance(30_000);
    expect(updates.filter((status) => status.healthy === true).map((status) => status.taskId).sort()).to.deep.equal(['web-0', 'web-1']);
    await simulation.clock.advance(60_000); // web-0 fails three probes in a row, 10 s apart (Mesos' defaults), and is killed
    expect(service.unhealthyRelaunches).to.equal(1);
    expect(updates.find((status) => status.state === 'TASK_KILLED')).to.include({ taskId: 'web-0', reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: false });
    await simulation.clock.advance(30_000);
    expect(service.instances().sort()).to.deep.equal(['web-1', 'web-2']);
    expect(updates.some((status) => status.taskId === 'web-2' && status.healthy === true)).to.equal(true);
  });

  it('the service example keeps N instances running and relaunches failed ones', async () => {
    simulation = await startSimulation('cpus:4;mem:4096');
    const service = new ServiceScheduler({
      master: simulation.masterAddress, framework: { name: 'web', user: 'test' }, instances: 3,
      taskResources: Resources.parse('cpus:0.5;mem:256'), command: 'sleep 20',
    });
    simulation.host.spawn(service);
    await simulation.clock.advance(5_000);
    expect(service.instances()).to.have.length(3);
    await simulation.clock.advance(20_000); // every instance finishes once; each is relaunched
    expect(service.relaunches).to.be.at.least(3);
    await simulation.clock.advance(5_000);
    expect(service.instances()).to.have.length(3);
    const cluster = await state();
    expect(cluster.frameworks[0]?.tasks.filter((t) => t.state === 'TASK_RUNNING')).to.have.length(3);
  });

  it('the service example stays at N when a partitioned agent comes back with the instance it had replaced: that one is killed (HA walkthrough: it ran N + 1 for good)', async () => {
    const cluster = await startCluster({ agents: ['cpus:2;mem:1024', 'cpus:2;mem:1024'], seed: 5 });
    try {
      const service = new ServiceScheduler({
        master: cluster.masterAddress, framework: { name: 'web', user: 'test' }, instances: 2, taskResources: Resources.parse('cpus:0.5;mem:128'), command: 'serve',
      });
      cluster.host.spawn(service);
      await cluster.clock.advance(5_000);
      const running = (): Array<{ id: string; slave_id: string }> => {
        const json = cluster.master.master.stateJson() as { frameworks: Array<{ tasks: Array<{ id: string; slave_id: string; state: string }> }> };
        return (json.frameworks[0]?.tasks ?? []).filter((task) => task.state === 'TASK_RUNNING');
      };
      expect(running()).to.have.length(2);
      const slaves = (cluster.master.master.stateJson() as { slaves: Array<{ id: string; pid: string }> }).slaves;
      const partitioned = slaves.find((slave) => slave.id === running()[0]!.slave_id)!.pid;
      const master = cluster.master.pid.toString();
      // The agent and the master hear nothing of each other.
      const cut = cluster.host.filters.drop({ where: ({ from, to }) => (from.toString() === partitioned && to.toString() === master) || (from.toString() === master && to.toString() === partitioned) }, 'always');
      await cluster.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 2));
      expect(service.relaunches, 'its instances there were lost and replaced').to.be.at.least(1);
      cut.remove();
      await cluster.clock.advance(5 * 60_000);
      expect(running(), 'the master runs N').to.have.length(2);
      expect(service.instances()).to.have.length(2);
    } finally {
      await cluster.host.stop();
    }
  });

  it('keeps nothing of an executor once its task has ended: the host\'s link tables are back where they were (a leak the link tables had)', async () => {
    simulation = await startSimulation('cpus:4;mem:4096');
    const driver = new Driver({ master: simulation.masterAddress, id: 'driver', framework: { name: 'd', user: 'test' } });
    simulation.host.spawn(driver);
    await simulation.clock.advance(2_000);
    const before = simulation.host.linkCounts();
    const tasks = 40;
    for (let index = 0; index < tasks; index++) await dispatch(driver, (d) => d.run(`t${index}`, 'exit 0'));
    await simulation.clock.advance(60_000);
    const ended = Array.from({ length: tasks }, (_, index) => driver.states(`t${index}`).at(-1));
    expect(ended).to.deep.equal(Array.from({ length: tasks }, () => 'TASK_FINISHED'));
    expect(simulation.launcher.executors()).to.have.length(0);
    // Each executor linked to its agent, and the agent to it: before the fix the agent's linkers grew by one per task.
    expect(simulation.host.linkCounts()).to.deep.equal(before);
  });
});
