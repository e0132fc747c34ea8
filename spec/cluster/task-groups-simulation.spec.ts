/**
 * Task groups end to end on the simulated cluster (real master, allocator and agent; simulated
 * executors under the virtual clock, which follow the default executor's group policy): a
 * framework's LAUNCH_GROUP runs on one executor, the group's resources come back when it ends,
 * and a task that fails takes the rest of its group along.
 */
import { expect } from 'chai';
import type { ExecutorInfo, Offer, TaskInfo, TaskStatus } from '../../lib/protocol';
import { Resources } from '../../lib/resources';
import { Scheduler } from '../../actors/framework/scheduler';
import { startSimulation, type Simulation } from './simulation';

/** Launches one group of `commands` (one task each) on the default executor at its first offer, and records every status. */
class OneGroup extends Scheduler {
  readonly statuses: TaskStatus[] = [];
  readonly offers: Offer[] = [];
  private launched = false;

  constructor(master: string, private readonly commands: readonly string[]) {
    super({ master, framework: { name: 'pods', user: 'test' } });
  }

  protected override resourceOffers(offers: Offer[]): void {
    this.offers.push(...offers);
    const offer = offers[0];
    if (offer === undefined) return;
    if (this.launched) return this.decline(offers.map((each) => each.id), { refuseSeconds: 0 });
    this.launched = true;
    const executor: ExecutorInfo = { executorId: 'pod-1', type: 'DEFAULT', resources: Resources.parse('cpus:0.1;mem:32;disk:10').toJSON() };
    const tasks: TaskInfo[] = this.commands.map((value, index) => ({
      name: `t${index}`, taskId: `t${index}`, agentId: offer.agentId, resources: Resources.parse('cpus:0.5;mem:64').toJSON(), command: { value },
    }));
    this.launchGroup(offer.id, executor, tasks, { refuseSeconds: 0 });
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.statuses.push(status);
  }

  /** The states `taskId` went through. */
  states(taskId: string): string[] {
    return this.statuses.filter((status) => status.taskId === taskId).map((status) => status.state);
  }
}

describe('task groups on the simulated cluster', () => {
  let simulation: Simulation | undefined;
  afterEach(async () => {
    await simulation?.host.stop();
    simulation = undefined;
  });

  async function run(commands: string[], seconds: number): Promise<OneGroup> {
    simulation = await startSimulation('cpus:2;mem:1024;disk:500');
    const framework = new OneGroup(simulation.masterAddress, commands);
    simulation.host.spawn(framework);
    await simulation.clock.advance(seconds * 1_000);
    return framework;
  }

  it('runs a group of three on one default executor; each finishes, and the resources come back whole', async () => {
    const framework = await run(['sleep 2', 'sleep 3', 'sleep 4'], 10);
    for (const taskId of ['t0', 't1', 't2']) expect(framework.states(taskId), taskId).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const launches = simulation?.launcher.launches ?? [];
    expect(launches.map((launch) => launch.executorId)).to.deep.equal(['pod-1']);
    expect(launches[0]?.commandExecutor).to.equal(false);
    const last = framework.offers[framework.offers.length - 1];
    expect(Resources.fromJSON(last?.resources).scalar('cpus')).to.equal(2);
  });

  it('a task that fails kills the rest of its group (the default executor\'s policy); a finished one stays finished', async () => {
    const framework = await run(['sleep 1', 'sleep 100', 'sleep 100'], 2);
    expect(framework.states('t0')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    // A finished task does not end its group.
    expect(framework.states('t1')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    const failing = await run(['exit 3', 'sleep 100', 'sleep 100'], 2);
    expect(failing.states('t0')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    for (const taskId of ['t1', 't2']) expect(failing.states(taskId), taskId).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
  });

  it('a kill of one task of a running group kills the group', async () => {
    const framework = await run(['sleep 100', 'sleep 100'], 2);
    framework.kill('t1');
    await simulation?.clock.advance(2_000);
    expect(framework.states('t1')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
    expect(framework.states('t0')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
  });
});
