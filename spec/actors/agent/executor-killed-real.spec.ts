/**
 * An executor killed outright (SIGKILL, as the OOM killer does) on an agent without cgroups: its
 * tasks lead process groups of their own, so they are re-parented to init with it gone, and
 * used to run on while the agent reported them failed and freed their resources. The launcher's
 * clean-up after the exit now finds them (the executor's session; the run's task record) and
 * kills them, and a forged record entry kills nothing else.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExecutorInfo, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { processStartTime } from '../../../lib/proc-stat';
import { TASK_PROCESSES_FILE } from '../../../actors/agent/paths';
import { eventually, processExists } from '../../support/runtime';
import { describeWithEachCommandExecutor, REAL_FRAMEWORK_ID, RealCluster } from './real-master';

/** No cgroups (the agent picks them where it may: root here): nothing but the launcher's clean-up holds the tasks. */
const POSIX_ISOLATION = 'posix/cpu,posix/mem';

/** A task that writes its executor's pid and its own, then becomes `sleep 60`, with a background `sleep 60` beside it. */
const SLEEPER = 'sleep 60 & echo $! > child.pid; echo $PPID > executor.pid; echo $$ > task.pid; exec sleep 60';

async function pidIn(file: string): Promise<number> {
  await eventually(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() !== '', 10_000, `a pid in ${path.basename(file)}`);
  return Number(fs.readFileSync(file, 'utf8'));
}

function killQuietly(pids: readonly number[]): void {
  for (const pid of pids) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

describeWithEachCommandExecutor('a SIGKILLed executor', (current) => {
  it('takes its task with it: TASK_FAILED, and the task\'s processes are gone (they used to run on)', async () => {
    const cluster = current();
    cluster.runTask(RealCluster.commandTask('T1', SLEEPER));
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), 15_000, 'TASK_RUNNING');
    const sandbox = cluster.sandbox('T1');
    const [executor, task, child] = [await pidIn(path.join(sandbox, 'executor.pid')), await pidIn(path.join(sandbox, 'task.pid')), await pidIn(path.join(sandbox, 'child.pid'))];
    try {
      process.kill(executor, 'SIGKILL');
      await eventually(() => cluster.master.states('T1').includes('TASK_FAILED'), 15_000, 'TASK_FAILED');
      expect(cluster.master.updates('T1').at(-1)?.status.reason).to.equal('REASON_EXECUTOR_TERMINATED');
      await eventually(() => !processExists(task) && !processExists(child), 10_000, 'the task\'s processes to be gone');
    } finally {
      killQuietly([task, child]);
    }
  });
}, { isolation: POSIX_ISOLATION });

describe('a SIGKILLed default executor (real processes)', function () {
  this.timeout(30_000);
  let cluster: RealCluster | undefined;
  const EXECUTOR: ExecutorInfo = { executorId: 'pod', frameworkId: REAL_FRAMEWORK_ID, type: 'DEFAULT', resources: Resources.parse('cpus:0.1;mem:32;disk:10').toJSON() };

  beforeEach(async () => {
    cluster = await RealCluster.start({ executorRegistrationTimeoutMs: 10_000, isolation: POSIX_ISOLATION });
  });

  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  function runGroup(tasks: TaskInfo[]): void {
    cluster!.master.post(cluster!.agentPid, 'RunTaskGroup', { framework: { id: REAL_FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: REAL_FRAMEWORK_ID, executor: EXECUTOR, taskGroup: { tasks } });
  }

  it('takes every task of its groups with it, and a forged entry in its task record kills no other process (hostile task)', async () => {
    const current = cluster!;
    runGroup(['T1', 'T2'].map((taskId) => ({ ...RealCluster.commandTask(taskId, SLEEPER), executor: EXECUTOR })));
    await eventually(() => ['T1', 'T2'].every((taskId) => current.master.states(taskId).includes('TASK_RUNNING')), 15_000, 'both tasks TASK_RUNNING');
    const sandbox = current.sandbox('pod');
    const pids: number[] = [];
    for (const taskId of ['T1', 'T2']) for (const file of ['task.pid', 'child.pid']) pids.push(await pidIn(path.join(sandbox, 'tasks', taskId, file)));
    const executor = await pidIn(path.join(sandbox, 'tasks', 'T1', 'executor.pid'));
    // What a hostile task can do: name another process (this test's own `sleep`, started after the executor) in the record.
    const victim = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const victimPid = victim.pid as number;
    try {
      const record = path.join(sandbox, TASK_PROCESSES_FILE);
      expect(fs.readFileSync(record, 'utf8').trim().split('\n'), 'the executor records both tasks').to.have.length(2);
      fs.appendFileSync(record, `${victimPid} ${processStartTime(victimPid) as string}\n`);
      process.kill(executor, 'SIGKILL');
      await eventually(() => ['T1', 'T2'].every((taskId) => current.master.states(taskId).includes('TASK_FAILED')), 15_000, 'both tasks TASK_FAILED');
      await eventually(() => pids.every((pid) => !processExists(pid)), 10_000, 'every task process to be gone');
      expect(processExists(victimPid), 'the process the forged entry names lives').to.equal(true);
    } finally {
      victim.kill('SIGKILL');
      killQuietly(pids);
    }
  });
});
