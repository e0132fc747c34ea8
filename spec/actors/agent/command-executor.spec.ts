import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventually, processExists } from '../../support/runtime';
import { COMMAND_EXECUTORS, RealCluster, REAL_FRAMEWORK_ID } from './real-master';

const TEST_EXECUTOR = path.resolve(__dirname, '../../fixtures/test-executor.js');

/** True while any process of the group led by `groupId` is alive. */
function groupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads a pid a task wrote into its sandbox, once it is there. */
async function pidWritten(file: string): Promise<number> {
  await eventually(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() !== '', 5_000, `a pid in ${path.basename(file)}`);
  return Number(fs.readFileSync(file, 'utf8'));
}


for (const commandExecutor of COMMAND_EXECUTORS) {
const suite = commandExecutor.built ? describe : describe.skip;
suite(`agent with the ${commandExecutor.name} command executor, and custom executors (real processes)${commandExecutor.built ? '' : ' (skipped: not built)'}`, function () {
  this.timeout(30_000);
  let cluster: RealCluster;

  beforeEach(async () => {
    cluster = await RealCluster.start({ executorRegistrationTimeoutMs: 10_000, commandExecutorPath: commandExecutor.path });
  });

  afterEach(async () => {
    await cluster.stop();
  });

  it('runs `echo hello`: TASK_STARTING, TASK_RUNNING, TASK_FINISHED, with hello in the sandbox stdout', async () => {
    cluster.runTask(RealCluster.commandTask('T1', 'echo hello'));
    await eventually(() => cluster.master.states('T1').includes('TASK_FINISHED'), 15_000, 'TASK_FINISHED');
    expect(cluster.master.states('T1')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const finished = cluster.master.updates('T1')[2];
    expect(finished?.status).to.include({ source: 'SOURCE_EXECUTOR', executorId: 'T1', message: 'Command exited with status 0' });
    expect(fs.readFileSync(path.join(cluster.sandbox('T1'), 'stdout'), 'utf8')).to.equal('hello\n');
  });

  it('runs a command without a shell: value is the program, arguments[0] is argv[0]', async () => {
    cluster.runTask({ ...RealCluster.commandTask('T1', ''), command: { value: '/bin/echo', shell: false, arguments: ['echo', 'a b', 'c'] } });
    await eventually(() => cluster.master.states('T1').includes('TASK_FINISHED'), 15_000, 'TASK_FINISHED');
    expect(fs.readFileSync(path.join(cluster.sandbox('T1'), 'stdout'), 'utf8')).to.equal('a b c\n');
  });

  it('leaves nothing of the task running once it has finished (`sleep 60 &`)', async () => {
    cluster.runTask(RealCluster.commandTask('T1', 'sleep 60 & echo $! > sleep.pid; echo started'));
    await eventually(() => cluster.master.states('T1').includes('TASK_FINISHED'), 15_000, 'TASK_FINISHED');
    const sleep = await pidWritten(path.join(cluster.sandbox('T1'), 'sleep.pid'));
    await eventually(() => !processExists(sleep), 5_000, 'the background sleep to be gone');
  });

  it('reports `exit 3` as TASK_FAILED with the status in the message', async () => {
    cluster.runTask(RealCluster.commandTask('T1', 'echo oops >&2; exit 3'));
    await eventually(() => cluster.master.states('T1').includes('TASK_FAILED'), 15_000, 'TASK_FAILED');
    expect(cluster.master.updates('T1').at(-1)?.status.message).to.contain('status 3');
    expect(fs.readFileSync(path.join(cluster.sandbox('T1'), 'stderr'), 'utf8')).to.contain('oops');
  });

  it('kills `sleep 60` with SIGTERM to its process group: TASK_KILLED, and the group is gone', async () => {
    cluster.runTask(RealCluster.commandTask('T1', 'echo $$ > task.pid; sleep 60'));
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), 15_000, 'TASK_RUNNING');
    const pidFile = path.join(cluster.sandbox('T1'), 'task.pid');
    await eventually(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '', 5_000, 'the task pid');
    const groupId = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(groupAlive(groupId)).to.equal(true);
    cluster.master.post(cluster.agentPid, 'KillTaskOnAgent', { frameworkId: REAL_FRAMEWORK_ID, taskId: 'T1' });
    await eventually(() => cluster.master.states('T1').includes('TASK_KILLED'), 10_000, 'TASK_KILLED');
    expect(cluster.master.updates('T1').at(-1)?.status.message).to.equal('Command terminated with signal SIGTERM');
    await eventually(() => !groupAlive(groupId), 5_000, 'the process group to be gone');
  });

  it('SIGKILLs a task that ignores SIGTERM once the grace period is over', async () => {
    const task = RealCluster.commandTask('T1', "trap '' TERM; echo $$ > task.pid; sleep 60", { killPolicy: { gracePeriodSeconds: 0.5 } });
    cluster.runTask(task);
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), 15_000, 'TASK_RUNNING');
    const pidFile = path.join(cluster.sandbox('T1'), 'task.pid');
    await eventually(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '', 5_000, 'the task pid');
    const groupId = Number(fs.readFileSync(pidFile, 'utf8'));
    const killedAt = Date.now();
    cluster.master.post(cluster.agentPid, 'KillTaskOnAgent', { frameworkId: REAL_FRAMEWORK_ID, taskId: 'T1' });
    await eventually(() => cluster.master.states('T1').includes('TASK_KILLED'), 10_000, 'TASK_KILLED');
    expect(Date.now() - killedAt).to.be.at.least(450);
    expect(cluster.master.updates('T1').at(-1)?.status.message).to.equal('Command terminated with signal SIGKILL');
    await eventually(() => !groupAlive(groupId), 5_000, 'the process group to be gone');
  });

  it('runs a custom executor written with the Executor base: task updates and framework messages both ways', async () => {
    const executor = { executorId: 'E1', command: { value: process.execPath, shell: false, arguments: ['node', TEST_EXECUTOR] } };
    cluster.runTask({ ...RealCluster.commandTask('T1', ''), command: undefined, executor, data: 'payload' });
    await eventually(() => cluster.master.states('T1').includes('TASK_FINISHED'), 15_000, 'TASK_FINISHED');
    expect(cluster.master.states('T1')).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(cluster.master.updates('T1')[1]?.status).to.include({ message: 'done', data: 'payload', source: 'SOURCE_EXECUTOR' });
    cluster.master.post(cluster.agentPid, 'FrameworkToExecutor', { agentId: 'A1', frameworkId: REAL_FRAMEWORK_ID, executorId: 'E1', data: 'ping' });
    await eventually(() => cluster.master.count('ExecutorToFramework') === 2, 10_000, 'two framework messages');
    const messages = cluster.master.received.filter((r) => r.name === 'ExecutorToFramework').map((r) => (r.body as { data: string }).data);
    expect(messages).to.deep.equal(['ran T1', 'echo: ping']);
    cluster.master.post(cluster.agentPid, 'ShutdownExecutor', { frameworkId: REAL_FRAMEWORK_ID, executorId: 'E1' });
    await eventually(() => cluster.master.count('ExitedExecutor') === 1, 10_000, 'ExitedExecutor');
  });

  it('serves the sandbox through /files and the task through /slave(1)/state', async () => {
    cluster.runTask(RealCluster.commandTask('T1', 'echo hello'));
    await eventually(() => cluster.master.states('T1').includes('TASK_FINISHED'), 15_000, 'TASK_FINISHED');
    const base = `http://${cluster.host.address}`;
    const stateResponse = await fetch(`${base}/${cluster.agentPid.id}/state`);
    // The master's web UI reads these from another origin, as data (CORS).
    expect(stateResponse.headers.get('access-control-allow-origin')).to.equal('*');
    const state = (await stateResponse.json()) as { frameworks: unknown[]; completed_frameworks: unknown[] };
    const text = JSON.stringify(state);
    expect(text).to.contain('"id":"T1"');
    const sandbox = cluster.sandbox('T1');
    expect(text).to.contain(JSON.stringify(sandbox));
    const listing = (await (await fetch(`${base}/files/browse?path=${encodeURIComponent(sandbox)}`)).json()) as Array<{ path: string; size: number }>;
    expect(listing.map((entry) => path.basename(entry.path))).to.include.members(['stdout', 'stderr']);
    const readResponse = await fetch(`${base}/files/read?path=${encodeURIComponent(`${sandbox}/stdout`)}&offset=0`);
    expect(readResponse.headers.get('access-control-allow-origin')).to.equal('*');
    const read = await readResponse.json();
    expect(read).to.deep.equal({ data: 'hello\n', offset: 0 });
    expect((await fetch(`${base}/${cluster.agentPid.id}/health`)).status).to.equal(200);
  });
});
}

describe('executor exit (real processes)', function () {
  this.timeout(30_000);

  it('destroys what an executor left running when it exits normally', async () => {
    const cluster = await RealCluster.start();
    try {
      const executor = { executorId: 'E1', command: { value: 'sleep 60 & echo $! > sleep.pid; exit 0' } };
      cluster.runTask({ ...RealCluster.commandTask('T1', ''), command: undefined, executor });
      await eventually(() => cluster.master.count('ExitedExecutor') === 1, 10_000, 'ExitedExecutor');
      expect(cluster.master.received.find((r) => r.name === 'ExitedExecutor')?.body).to.include({ executorId: 'E1', status: 0 });
      const sleep = await pidWritten(path.join(cluster.sandbox('E1'), 'sleep.pid'));
      await eventually(() => !processExists(sleep), 5_000, 'the background sleep to be gone');
    } finally {
      await cluster.stop();
    }
  });
});

describe('executor registration timeout (real processes)', function () {
  this.timeout(30_000);

  it('kills an executor that never registers, with its process group, and fails its task', async () => {
    const cluster = await RealCluster.start({ executorRegistrationTimeoutMs: 500 });
    try {
      const executor = { executorId: 'E1', command: { value: 'echo $$ > executor.pid; exec sleep 60' } };
      cluster.runTask({ ...RealCluster.commandTask('T1', ''), command: undefined, executor });
      await eventually(() => cluster.master.states('T1').includes('TASK_FAILED'), 10_000, 'TASK_FAILED');
      expect(cluster.master.updates('T1')[0]?.status).to.include({ reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', source: 'SOURCE_AGENT' });
      const groupId = Number(fs.readFileSync(path.join(cluster.sandbox('E1'), 'executor.pid'), 'utf8'));
      await eventually(() => !groupAlive(groupId), 5_000, 'the executor process group to be gone');
      await eventually(() => cluster.master.count('ExitedExecutor') === 1, 5_000, 'ExitedExecutor');
    } finally {
      await cluster.stop();
    }
  });
});
