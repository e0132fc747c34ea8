import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { Resources } from '../../../lib/resources';
import type { TaskStatus } from '../../../lib/protocol';
import { VolumeExample, volumeRunCommand } from '../../../actors/framework/examples/volume';
import { startSimulation, type Simulation } from '../../cluster/simulation';


describe('actors/framework/examples/volume (simulated cluster, virtual clock)', () => {
  let simulation: Simulation | undefined;
  afterEach(async () => {
    await simulation?.host.stop();
    simulation = undefined;
  });

  /** The agent's total in the master's books. */
  async function agentTotal(): Promise<Resources> {
    if (simulation === undefined) return Resources.EMPTY;
    type Books = { state: { agents: Map<string, { total: Resources }> } };
    return dispatch(simulation.master.master, (master) => [...(master as unknown as Books).state.agents.values()][0]?.total ?? Resources.EMPTY);
  }

  it('reserves, creates a volume, runs every run on it in turn, then destroys it and unreserves the disk', async () => {
    simulation = await startSimulation('cpus:2;mem:1024;disk:500');
    const statuses: TaskStatus[] = [];
    const reservedDuringRuns: number[] = [];
    const example = new VolumeExample({
      master: simulation.masterAddress, framework: { name: 'vol', user: 'test', roles: ['eng'], capabilities: ['MULTI_ROLE'] },
      role: 'eng', volumeMb: 64, runs: 3, taskResources: Resources.parse('cpus:0.1;mem:32'),
      commandOf: () => 'sleep 2',
      onUpdate: (status) => statuses.push(status),
    });
    simulation.host.spawn(example);
    let result: Awaited<typeof example.done> | undefined;
    void example.done.then((value) => { result = value; });
    for (let second = 0; second < 60 && result === undefined; second++) {
      await simulation.clock.advance(1_000);
      // While a run runs on it, the volume is in the agent's books, once.
      if (statuses[statuses.length - 1]?.state === 'TASK_RUNNING') {
        reservedDuringRuns.push((await agentTotal()).persistentVolumes().size);
      }
    }
    expect(result).to.deep.equal({ finished: 3, last: 'TASK_FINISHED', cleanedUp: true });
    expect(statuses.filter((status) => status.state === 'TASK_FINISHED').map((status) => status.taskId)).to.deep.equal(['vol-run-1', 'vol-run-2', 'vol-run-3']);
    expect(reservedDuringRuns.length).to.be.greaterThan(0);
    expect(reservedDuringRuns).to.satisfy((counts: number[]) => counts.every((count) => count === 1));
    // Destroyed and unreserved: the agent's resources are as declared again.
    expect((await agentTotal()).format()).to.equal('cpus:2;mem:1024;disk:500;ports:[31000-32000]');
    example.stop();
  });

  it('the runs\' commands: each appends its line, the last checks them all', () => {
    expect(volumeRunCommand(1, 3)).to.equal('echo "run 1" >> data/runs');
    expect(volumeRunCommand(3, 3)).to.equal('echo "run 3" >> data/runs && test "$(wc -l < data/runs)" -eq 3');
    expect(() => new VolumeExample({ master: 'x:1', framework: { name: 'v', user: 'u' }, role: 'eng', volumeMb: 1, runs: 1, taskResources: Resources.EMPTY })).to.throw(/at least 2/);
  });
});
