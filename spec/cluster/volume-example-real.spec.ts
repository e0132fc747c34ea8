import { expect } from 'chai';
import type { ActorHost } from '../../lib/process';
import type { TaskStatus } from '../../lib/protocol';
import { Resources } from '../../lib/resources';
import { VolumeExample } from '../../actors/framework/examples/volume';
import { netHost, within } from '../support/runtime';
import { localClusterHooks } from './processes';

describe('the volume example (mesos-local, real processes): what one run writes in a persistent volume, the next reads', function () {
  this.timeout(60_000);
  const hooks = localClusterHooks(() => ['--resources', 'cpus:2;mem:1024;disk:256']);
  let host: ActorHost | undefined;

  after(async () => {
    await host?.stop();
  });

  it('runs three tasks on one volume, the last finding both lines the first two wrote; then destroys it and unreserves the disk', async () => {
    const { master } = hooks.cluster();
    host = await netHost();
    const statuses: TaskStatus[] = [];
    const example = new VolumeExample({
      master, framework: { name: 'vol', user: 'test', roles: ['eng'], capabilities: ['MULTI_ROLE'] },
      role: 'eng', volumeMb: 64, runs: 3, taskResources: Resources.parse('cpus:0.1;mem:32'),
      onUpdate: (status) => statuses.push(status),
    });
    host.spawn(example);
    const result = await within(example.done, 50_000, 'the volume example');
    const ended = statuses.filter((status) => status.state !== 'TASK_STARTING' && status.state !== 'TASK_RUNNING');
    expect(ended.map((status) => `${status.taskId} ${status.state}`), JSON.stringify(ended)).to.deep.equal(['vol-run-1 TASK_FINISHED', 'vol-run-2 TASK_FINISHED', 'vol-run-3 TASK_FINISHED']);
    expect(result).to.deep.equal({ finished: 3, last: 'TASK_FINISHED', cleanedUp: true });
    // The agent holds no volume or reservation any more.
    const slaves = (await (await fetch(`http://${master}/master/slaves`)).json()) as { slaves: Array<{ reserved_resources_full: Record<string, unknown> }> };
    expect(slaves.slaves[0]?.reserved_resources_full).to.deep.equal({});
    example.stop();
  });
});
