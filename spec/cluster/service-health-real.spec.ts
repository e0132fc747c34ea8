import { expect } from 'chai';
import type { ActorHost } from '../../lib/process';
import type { TaskStatus } from '../../lib/protocol';
import { Resources } from '../../lib/resources';
import { ServiceScheduler, UNHEALTHY_KILL_REASON } from '../../actors/framework/examples/service';
import { eventually, netHost } from '../support/runtime';
import { localClusterHooks, untilMasterState } from './processes';

/** Serves 200 on $PORT for its first `healthyAnswers` requests, then 500: healthy, then unhealthy. */
function degradingServer(healthyAnswers: number): string {
  const script = `let n = 0; require('http').createServer((q, s) => { s.statusCode = ++n <= ${healthyAnswers} ? 200 : 500; s.end(); }).listen(process.env.PORT, '127.0.0.1')`;
  return `exec '${process.execPath}' -e "${script}"`;
}

interface StateTask { id: string; health_check?: { type: string; http?: { port: number; path?: string } }; statuses: Array<{ state: string; healthy?: boolean }> }
interface MasterState { frameworks: Array<{ name: string; tasks: StateTask[]; completed_tasks?: StateTask[] }> }

describe('the service example with an HTTP health check (mesos-local, real processes)', function () {
  this.timeout(60_000);
  const hooks = localClusterHooks(() => ['--resources', 'cpus:2;mem:1024;ports:[31000-31100]']);
  let host: ActorHost | undefined;

  after(async () => {
    await host?.stop();
  });

  it('relaunches an instance its executor killed as unhealthy; the master shows the health check and the statuses\' health', async () => {
    const { master } = hooks.cluster();
    host = await netHost();
    const statuses: TaskStatus[] = [];
    const service = new ServiceScheduler({
      master, framework: { name: 'web', user: 'test' }, instances: 1, taskResources: Resources.parse('cpus:0.1;mem:32'),
      command: degradingServer(3),
      healthCheck: { path: '/', delaySeconds: 0, intervalSeconds: 0.2, timeoutSeconds: 2, consecutiveFailures: 2, gracePeriodSeconds: 5 },
      onUpdate: (status) => statuses.push(status),
    });
    host.spawn(service);
    await eventually(() => service.unhealthyRelaunches >= 1, 40_000, 'an instance killed as unhealthy and relaunched');
    const killed = statuses.find((status) => status.state === 'TASK_KILLED') as TaskStatus;
    expect(killed).to.include({ taskId: 'web-0', reason: UNHEALTHY_KILL_REASON, healthy: false });
    expect(statuses.filter((status) => status.taskId === 'web-0').map((status) => `${status.state}${status.healthy === undefined ? '' : ` ${status.healthy}`}`))
      .to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING true', 'TASK_RUNNING false', 'TASK_KILLED false']);
    await eventually(() => statuses.some((status) => status.taskId === 'web-1' && status.healthy === true), 20_000, 'the new instance to be healthy');
    const state = await untilMasterState<MasterState>(master, (seen) => seen.frameworks.some((framework) => framework.name === 'web'), 'the service framework');
    const framework = state.frameworks.find((candidate) => candidate.name === 'web');
    const tasks = [...(framework?.tasks ?? []), ...(framework?.completed_tasks ?? [])];
    const first = tasks.find((task) => task.id === 'web-0') as StateTask;
    expect(first.health_check).to.deep.include({ type: 'HTTP', http: { port: first.health_check?.http?.port, path: '/' } });
    expect(first.health_check?.http?.port).to.be.within(31000, 31100);
    // As in Mesos, the master keeps the latest of consecutive statuses of one state: the last TASK_RUNNING is the unhealthy one.
    expect(first.statuses.map((status) => [status.state, status.healthy])).to.deep.equal([['TASK_STARTING', undefined], ['TASK_RUNNING', false], ['TASK_KILLED', false]]);
    service.stop();
  });
});
