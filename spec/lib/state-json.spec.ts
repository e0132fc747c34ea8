import { expect } from 'chai';
import { renderStatus, renderTask } from '../../lib/state-json';
import { v1Task } from '../../lib/v1/operator';
import { newTask } from '../../actors/agent/records';
import { trackLaunchedTask } from '../../actors/master/state';
import { renderExecutor } from '../../actors/master/http';
import { Resources } from '../../lib/resources';
import type { DiscoveryInfo, TaskInfo } from '../../lib/protocol';

/** Mesos-DNS names a task by its discovery name and makes SRV records of its named ports. */
const DISCOVERY: DiscoveryInfo = {
  visibility: 'EXTERNAL', name: 'webdisc', version: 'v2',
  ports: { ports: [{ number: 31100, name: 'http', protocol: 'tcp', labels: { labels: [{ key: 'vip', value: '1.2.3.4:80' }] } }] },
  labels: { labels: [{ key: 'canary', value: 'yes' }] },
};

const INFO: TaskInfo = {
  name: 'web', taskId: 'web-1', agentId: 'S0', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
  command: { value: 'serve', user: 'www' }, labels: { app: 'web', tier: '' }, discovery: DISCOVERY,
};

describe('lib/state-json', () => {
  it('renders a status sent without a timestamp with 0, as Mesos writes an unset field (found by the wire fuzzer, seed 1, WebSocket run)', () => {
    expect(renderStatus({ taskId: 't1', state: 'TASK_RUNNING' })).to.deep.equal({ state: 'TASK_RUNNING', timestamp: 0 });
    expect(renderStatus({ taskId: 't1', state: 'TASK_RUNNING', timestamp: 12.5, source: 'SOURCE_EXECUTOR' })).to.deep.equal({ state: 'TASK_RUNNING', timestamp: 12.5, source: 'SOURCE_EXECUTOR' });
  });

  it('keeps a task\'s labels, discovery and user (its command\'s, else its executor\'s) on the master and the agent, and shows them as Mesos does (monitoring walkthrough: dropped)', () => {
    for (const task of [trackLaunchedTask(INFO, 'F1', '*').task, newTask(INFO, 'F1', 'E1', 'S0', 'TASK_STAGING', '*')]) {
      expect(renderTask(task)).to.deep.include({ user: 'www', labels: [{ key: 'app', value: 'web' }, { key: 'tier', value: '' }], discovery: DISCOVERY });
      expect(v1Task(task)).to.deep.include({ user: 'www', labels: { labels: [{ key: 'app', value: 'web' }, { key: 'tier', value: '' }] }, discovery: DISCOVERY });
    }
    const executorUser: TaskInfo = { name: 'x', taskId: 'x', agentId: 'S0', resources: [], executor: { executorId: 'E1', command: { value: 'run', user: 'svc' } } };
    expect(renderTask(trackLaunchedTask(executorUser, 'F1', '*').task)).to.deep.include({ user: 'svc' });
    const plain = renderTask(trackLaunchedTask({ name: 'p', taskId: 'p', agentId: 'S0', resources: [], command: { value: 'true' } }, 'F1', '*').task);
    expect(plain).to.not.have.any.keys('user', 'labels', 'discovery');
  });

  it('writes an executor as Mesos\' state JSON does: its command with argv, uris and environment variables, and its role (monitoring walkthrough: the command as it was kept)', () => {
    const info = { executorId: 'e1', frameworkId: 'F1', name: 'custom', command: { value: './run', environment: { A: 'b' } } };
    expect(renderExecutor(info, Resources.parse('cpus:0.5;mem:64'), 'S0', 'analytics')).to.deep.include({
      command: { value: './run', argv: [], environment: { variables: [{ name: 'A', type: 'VALUE', value: 'b' }] }, uris: [] },
      role: 'analytics', slave_id: 'S0',
    });
    expect(renderExecutor({ ...info, command: { value: 'x', shell: false, arguments: ['x', '-v'] } }, Resources.EMPTY, 'S0', '*')).to.deep.include({ command: { shell: false, value: 'x', argv: ['x', '-v'], uris: [] } })
      .and.not.have.property('role');
  });
});
