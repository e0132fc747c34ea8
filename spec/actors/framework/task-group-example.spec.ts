import { expect } from 'chai';
import { Resources } from '../../../lib/resources';
import type { TaskStatus } from '../../../lib/protocol';
import { TaskGroupExample, taskGroupCommand } from '../../../actors/framework/examples/task-group';
import { startSimulation, type Simulation } from '../../cluster/simulation';

describe('actors/framework/examples/task-group (simulated cluster, virtual clock)', () => {
  let simulation: Simulation | undefined;
  afterEach(async () => {
    await simulation?.host.stop();
    simulation = undefined;
  });

  /** Runs the example to its end (at most a simulated minute). */
  async function run(example: TaskGroupExample): Promise<Awaited<TaskGroupExample['done']> | undefined> {
    const running = simulation as Simulation;
    running.host.spawn(example);
    let result: Awaited<typeof example.done> | undefined;
    void example.done.then((value) => { result = value; });
    for (let second = 0; second < 60 && result === undefined; second++) await running.clock.advance(1_000);
    example.stop();
    return result;
  }

  it('launches one group per offer, each on a default executor of its own, until every task finished', async () => {
    simulation = await startSimulation('cpus:2;mem:1024;disk:500');
    const statuses: TaskStatus[] = [];
    const example = new TaskGroupExample({
      master: simulation.masterAddress, framework: { name: 'tg', user: 'test' },
      groups: 2, tasksPerGroup: 3, taskResources: Resources.parse('cpus:0.1;mem:32'),
      commandOf: (_group, task) => `sleep ${task}`,
      onUpdate: (status) => statuses.push(status),
    });
    const result = await run(example);
    expect(result?.succeeded, JSON.stringify(result)).to.equal(true);
    expect(result?.groups).to.equal(2);
    expect(Object.keys(result?.states ?? {})).to.have.members([1, 2].flatMap((group) => [1, 2, 3].map((task) => `tg-group-${group}-task-${task}`)));
    // Each group's tasks ran on that group's executor.
    const executorOf = new Map(statuses.map((status) => [status.taskId, status.executorId]));
    expect(executorOf.get('tg-group-1-task-3')).to.equal('tg-executor-1');
    expect(executorOf.get('tg-group-2-task-1')).to.equal('tg-executor-2');
    const launches = simulation.launcher.launches.filter((launch) => launch.executorId.startsWith('tg-executor-'));
    expect(launches.map((launch) => launch.executorId)).to.deep.equal(['tg-executor-1', 'tg-executor-2']);
  });

  it('reports a group whose task failed as not succeeded, its sibling killed', async () => {
    simulation = await startSimulation('cpus:2;mem:1024;disk:500');
    const example = new TaskGroupExample({
      master: simulation.masterAddress, framework: { name: 'tg', user: 'test' },
      groups: 1, tasksPerGroup: 2, taskResources: Resources.parse('cpus:0.1;mem:32'),
      commandOf: (_group, task) => (task === 1 ? 'exit 3' : 'sleep 1'),
    });
    const result = await run(example);
    expect(result?.succeeded).to.equal(false);
    expect(result?.states).to.deep.equal({ 'tg-group-1-task-1': 'TASK_FAILED', 'tg-group-1-task-2': 'TASK_KILLED' });
  });

  it('checks its options, and its default command says where it runs', () => {
    expect(() => new TaskGroupExample({ master: 'x:1', framework: { name: 'g', user: 'u' }, groups: 0, tasksPerGroup: 1, taskResources: Resources.EMPTY })).to.throw(/at least 1/);
    expect(() => new TaskGroupExample({ master: 'x:1', framework: { name: 'g', user: 'u' }, groups: 1, tasksPerGroup: 0, taskResources: Resources.EMPTY })).to.throw(/tasksPerGroup/);
    expect(taskGroupCommand(2, 3)).to.equal('echo "group 2 task 3 in $MESOS_SANDBOX" | tee out');
  });
});
