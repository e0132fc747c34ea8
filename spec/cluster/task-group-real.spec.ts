/**
 * Task groups with the real bins: a framework's LAUNCH_GROUP runs on the agent's built-in default
 * executor (`default-executor.js`), each task a real process in its own sandbox
 * (`<executor sandbox>/tasks/<taskId>`), and a task that fails takes the rest of its group with it.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ActorHost } from '../../lib/process';
import type { TaskStatus } from '../../lib/protocol';
import { Resources } from '../../lib/resources';
import { TaskGroupExample } from '../../actors/framework/examples/task-group';
import { eventually, eventuallyAsync, netHost, processExists, within } from '../support/runtime';
import { examplePath, freePort, realBinsHooks, startScript } from './processes';

describe('task groups on the default executor (real bins, real task processes)', function () {
  this.timeout(90_000);
  const bins = realBinsHooks('task-group-real-');
  let host: ActorHost | undefined;

  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  /** The agent's address (`cluster`). */
  let agent = '';

  /** Starts a master and an agent with room for a few groups; resolves with the master's address once the agent registered. */
  async function cluster(): Promise<string> {
    const masterPort = await freePort();
    const master = `127.0.0.1:${masterPort}`;
    const masterBin = bins.start('mesos-master', ['--port', String(masterPort), '--ip', '127.0.0.1', '--work_dir', path.join(bins.workDir(), 'master')]);
    await masterBin.waitFor(/master@/);
    const agentPort = await freePort();
    agent = `127.0.0.1:${agentPort}`;
    bins.start('mesos-agent', ['--master', master, '--port', String(agentPort), '--ip', '127.0.0.1', '--work_dir', path.join(bins.workDir(), 'agent'),
      '--resources', 'cpus:4;mem:2048;disk:1024', '--registration_backoff_factor', '100ms']);
    await bins.masterAgent(master, () => true, 'the agent to register');
    return master;
  }

  /**
   * Resolves once the agent runs no executor and `count` have completed: each default executor
   * exited by itself once its tasks' updates were acknowledged (the framework still runs).
   */
  async function executorsExited(count: number): Promise<void> {
    type Framework = { executors: unknown[]; completed_executors: unknown[] };
    let state: { frameworks: Framework[]; completed_frameworks: Framework[] } | undefined;
    await eventuallyAsync(async () => {
      state = await bins.json(`http://${agent}/slave(1)/state`) as typeof state & object;
      const all = [...state.frameworks, ...state.completed_frameworks];
      return state.frameworks.every((framework) => framework.executors.length === 0) && all.reduce((sum, framework) => sum + framework.completed_executors.length, 0) === count;
    }, 20_000, 'the default executors to exit').catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(state).slice(0, 3_000)}`);
    });
  }

  /** Task `taskId`'s own sandbox: `tasks/<taskId>` in the sandbox of its executor's latest run. */
  function taskSandbox(executorId: string, taskId: string): string {
    const agents = path.join(bins.workDir(), 'agent', 'agents');
    for (const agentId of fs.readdirSync(agents)) {
      const frameworks = path.join(agents, agentId, 'frameworks');
      for (const frameworkId of fs.existsSync(frameworks) ? fs.readdirSync(frameworks) : []) {
        const run = path.join(frameworks, frameworkId, 'executors', executorId, 'runs', 'latest');
        // The run's own directory (what the task's MESOS_SANDBOX names), not through the `latest` link.
        if (fs.existsSync(run)) return path.join(path.resolve(path.dirname(run), fs.readlinkSync(run)), 'tasks', taskId);
      }
    }
    throw new Error(`no sandbox of executor ${executorId} under ${agents}`);
  }

  it('runs two groups of three shell tasks, each writing into its own sandbox, all TASK_FINISHED', async () => {
    const master = await cluster();
    host = await netHost();
    const statuses: TaskStatus[] = [];
    const example = new TaskGroupExample({
      master, framework: { name: 'tg', user: 'test' }, groups: 2, tasksPerGroup: 3, taskResources: Resources.parse('cpus:0.1;mem:32'),
      onUpdate: (status) => statuses.push(status),
    });
    host.spawn(example);
    const result = await within(example.done, 60_000, 'the task group example');
    await executorsExited(2); // before the framework's teardown would shut them down
    example.stop();
    expect(result.succeeded, JSON.stringify(statuses.map((status) => [status.taskId, status.state, status.message]))).to.equal(true);
    for (const group of [1, 2]) {
      for (const task of [1, 2, 3]) {
        const taskId = `tg-group-${group}-task-${task}`;
        const sandbox = taskSandbox(`tg-executor-${group}`, taskId);
        expect(fs.readFileSync(path.join(sandbox, 'out'), 'utf8'), taskId).to.equal(`group ${group} task ${task} in ${sandbox}\n`);
        expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8'), taskId).to.equal(`group ${group} task ${task} in ${sandbox}\n`);
        const states = statuses.filter((status) => status.taskId === taskId).map((status) => status.state);
        expect(states, taskId).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      }
    }
  });

  it('kills the `sleep` of a group when its sibling exits 1: TASK_FAILED, TASK_KILLED, and the sleep is gone', async () => {
    const master = await cluster();
    host = await netHost();
    const statuses: TaskStatus[] = [];
    const example = new TaskGroupExample({
      master, framework: { name: 'tg', user: 'test' }, groups: 1, tasksPerGroup: 2, taskResources: Resources.parse('cpus:0.1;mem:32'),
      // Task 2 fails once task 1 has written its pid.
      commandOf: (_group, task) => (task === 1 ? 'echo $$ > pid; exec sleep 60' : 'while [ ! -s ../tg-group-1-task-1/pid ]; do sleep 0.05; done; exit 1'),
      onUpdate: (status) => statuses.push(status),
    });
    host.spawn(example);
    const result = await within(example.done, 60_000, 'the group to end');
    await executorsExited(1);
    example.stop();
    expect(result.states).to.deep.equal({ 'tg-group-1-task-1': 'TASK_KILLED', 'tg-group-1-task-2': 'TASK_FAILED' });
    const ended = (taskId: string): TaskStatus | undefined => statuses.filter((status) => status.taskId === taskId).at(-1);
    expect(ended('tg-group-1-task-2')?.message).to.equal('Command exited with status 1');
    expect(ended('tg-group-1-task-1')?.message).to.equal('Command terminated with signal SIGTERM');
    const pid = Number(fs.readFileSync(path.join(taskSandbox('tg-executor-1', 'tg-group-1-task-1'), 'pid'), 'utf8'));
    await eventually(() => !processExists(pid), 5_000, 'the sleep to be gone');
  });

  it('the example program: `node task-group.js <master> 1 2` prints each state and exits 0', async () => {
    const master = await cluster();
    const example = startScript(examplePath('task-group'), [master, '1', '2']);
    const code = await within(example.exited, 60_000, 'the example program');
    expect(code, example.stderr).to.equal(0);
    expect(example.stdout).to.match(/task-group-group-1-task-2 TASK_FINISHED Command exited with status 0/);
    expect(example.stdout).to.contain('1 task groups ran; 2 of 2 tasks finished');
  });

  it('mesos-execute --task_group: both tasks run together, each one\'s stdout printed from its own sandbox; a failing one makes the exit 1', async () => {
    const master = await cluster();
    const task = (taskId: string, command: string): Record<string, unknown> => ({ name: taskId, task_id: { value: taskId }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }], command: { value: command } });
    const ok = bins.start('mesos-execute', ['--master', master, '--task_group', JSON.stringify({ tasks: [task('left', 'echo left-out'), task('right', 'echo right-out')] })]);
    expect(await within(ok.exited, 60_000, 'mesos-execute --task_group'), ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain('Submitted task group with tasks [ left, right ]');
    expect(ok.stdout).to.match(/--- stdout of task 'left' ---\nleft-out\n/);
    expect(ok.stdout).to.match(/--- stdout of task 'right' ---\nright-out\n/);
    const failing = bins.start('mesos-execute', ['--master', master, '--task_group', JSON.stringify({ tasks: [task('bad', 'exit 3'), task('sleeper', 'sleep 60')] })]);
    expect(await within(failing.exited, 60_000, 'mesos-execute --task_group (failing)'), failing.stderr).to.equal(1);
    expect(failing.stdout).to.match(/Received status update TASK_FAILED for task 'bad'/);
    expect(failing.stdout).to.match(/Received status update TASK_KILLED for task 'sleeper'/);
  });
});
