/**
 * What the agent shows of its executors and tasks, against Mesos' agent: `/slave(1)/state` as
 * `src/slave/http.cpp` writes it (`ExecutorWriter`, its `json(TaskInfo)` for queued tasks, and
 * `json(Task)` of `src/common/http.cpp`), and the v1 GET_EXECUTORS' whole `ExecutorInfo`, with the
 * command executor's info made as `Slave::getExecutorInfo` makes it. Each case names what Mesos does.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dispatch } from '../../../lib/actor';
import type { HttpResponse } from '../../../lib/process';
import { FilesActor } from '../../../actors/agent/files';
import { APPLICATION_PROTOBUF, v1ResponseJson } from '../../../lib/v1/protobuf';
import type { ExecutorInfo, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { AgentHarness, FRAMEWORK_ID } from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

/** A custom executor with its own command and resources. */
function customExecutor(executorId: string, extra: Partial<ExecutorInfo> = {}): ExecutorInfo {
  return { executorId, command: { value: 'run-executor' }, resources: Resources.parse('cpus:0.1;mem:32').toJSON(), ...extra };
}

/** A task for `executor` (a custom executor's). */
function taskOf(taskId: string, executor: ExecutorInfo, extra: Partial<TaskInfo> = {}): TaskInfo {
  const { command: _command, ...task } = AgentHarness.commandTask(taskId);
  return { ...task, executor, ...extra };
}

/** `body` answered by the harness' agent through its `/api/v1` route, as JSON. */
async function v1(h: AgentHarness, body: unknown): Promise<Json> {
  const response = await h.v1(body);
  expect(response.status).to.equal(200);
  return response.body as Json;
}

/** The executors of the harness' framework in `/state`. */
async function stateExecutors(h: AgentHarness): Promise<Json[]> {
  const state = await h.state() as Json;
  return (state.frameworks as Json[]).find((framework) => framework.id === FRAMEWORK_ID)?.executors as Json[];
}

/** GET_EXECUTORS' live executors' infos. */
async function v1Executors(h: AgentHarness): Promise<Json[]> {
  return ((await v1(h, { type: 'GET_EXECUTORS' })).get_executors.executors as Json[]).map((executor) => executor.executor_info as Json);
}

describe("the agent's executors and tasks in /state and GET_EXECUTORS, against Mesos' agent (src/slave/http.cpp)", () => {
  let h: AgentHarness;

  beforeEach(async () => {
    h = new AgentHarness();
    await h.register();
  });

  afterEach(async () => {
    await h.stop();
  });

  describe('/state', () => {
    it('a command task shows executor_id "" (Mesos\' Task of a command task has no executor id), launched and completed; its executor entry has the task\'s id; a custom executor\'s task shows its executor', async () => {
      h.runTask(AgentHarness.commandTask('T1'));
      h.runTask(taskOf('T2', customExecutor('E2')));
      await h.clock.settle();
      const executor = await h.registerExecutor('T1');
      await h.registerExecutor('E2');
      let executors = await stateExecutors(h);
      const tasksOf = (id: string, list: 'tasks' | 'completed_tasks'): Array<[string, string]> =>
        (executors.find((executor) => executor.id === id)?.[list] as Json[]).map((task) => [task.id, task.executor_id]);
      expect(tasksOf('T1', 'tasks')).to.deep.equal([['T1', '']]);
      expect(tasksOf('E2', 'tasks')).to.deep.equal([['T2', 'E2']]);
      h.sendUpdate(executor, h.executorUpdate('T1', 'TASK_FINISHED'));
      await h.clock.settle();
      executors = await stateExecutors(h);
      expect(tasksOf('T1', 'completed_tasks')).to.deep.equal([['T1', '']]);
    });

    it('a queued task is its TaskInfo as Mesos writes one: id, name, slave_id, resources, then command / executor_id / discovery where it has them; no framework_id or state', async () => {
      const discovery = { visibility: 'FRAMEWORK' as const, name: 'web' };
      h.runTask(AgentHarness.commandTask('T1', 'echo hi', { discovery }));
      h.runTask(taskOf('T2', customExecutor('E2')));
      await h.clock.settle();
      const executors = await stateExecutors(h);
      const queued = (id: string): Json => (executors.find((executor) => executor.id === id)?.queued_tasks as Json[])[0] as Json;
      expect(queued('T1')).to.deep.equal({
        id: 'T1', name: 'T1', slave_id: 'A1', resources: { cpus: 1, gpus: 0, mem: 128, disk: 0 },
        command: { value: 'echo hi', argv: [], uris: [] }, discovery,
      });
      expect(queued('E2')).to.deep.equal({ id: 'T2', name: 'T2', slave_id: 'A1', resources: { cpus: 1, gpus: 0, mem: 128, disk: 0 }, executor_id: 'E2' });
    });

    it('an executor entry has `type` only when its info has one (none for a command executor: ExecutorInfo.Type has no COMMAND), `role` only when its info has resources (a command executor\'s always has, in Mesos), and its info\'s `labels`', async () => {
      const run = (task: TaskInfo): void => h.fromMaster('RunTask', { framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: FRAMEWORK_ID, task, role: 'web' });
      run(AgentHarness.commandTask('T1'));
      run(taskOf('T2', customExecutor('E2', { labels: { tier: 'web' } })));
      run(taskOf('T3', customExecutor('E3', { type: 'CUSTOM' })));
      run(taskOf('T4', { executorId: 'E4', command: { value: 'run-executor' } }));
      await h.clock.settle();
      const executors = await stateExecutors(h);
      const entry = (id: string): Json => executors.find((executor) => executor.id === id) as Json;
      expect(entry('T1')).to.not.have.any.keys('type', 'labels');
      expect(entry('T1').role).to.equal('web');
      expect(entry('E2')).to.not.have.any.keys('type');
      expect(entry('E2').role).to.equal('web');
      expect(entry('E4')).to.not.have.any.keys('role');
      expect(entry('E2').labels).to.deep.equal([{ key: 'tier', value: 'web' }]);
      expect(entry('E3').type).to.equal('CUSTOM');
      expect(Object.keys(entry('E3')).slice(0, 6)).to.deep.equal(['id', 'name', 'source', 'container', 'directory', 'resources']);
    });
  });

  describe('GET_EXECUTORS (the whole ExecutorInfo)', () => {
    it("carries a framework's executor's labels, discovery and shutdown_grace_period", async () => {
      const discovery = { visibility: 'CLUSTER' as const, name: 'svc' };
      h.runTask(taskOf('T1', customExecutor('E1', { labels: { tier: 'web' }, discovery, shutdownGracePeriodNs: 7_000_000_000 })));
      await h.clock.settle();
      const [info] = await v1Executors(h);
      expect(info).to.deep.include({ labels: { labels: [{ key: 'tier', value: 'web' }] }, discovery, shutdown_grace_period: { nanoseconds: 7_000_000_000 } });
      // In protobuf too (mesos.v1.ExecutorInfo's fields 12, 13 and 14).
      const encoded = await h.v1({ type: 'GET_EXECUTORS' }, APPLICATION_PROTOBUF);
      expect(encoded.status).to.equal(200);
      const decoded = JSON.parse(JSON.stringify(v1ResponseJson('agent', encoded.body as Buffer))) as Json;
      expect(decoded.get_executors.executors[0].executor_info).to.deep.equal(JSON.parse(JSON.stringify(info)));
    });

    it("gives a command executor its task's labels and discovery, and a shutdown grace period of the task's kill policy's plus 2 s (Mesos' getExecutorInfo: + MAX_REAP_INTERVAL + 1 s); none without a kill policy", async () => {
      const discovery = { visibility: 'FRAMEWORK' as const, name: 'web' };
      h.runTask(AgentHarness.commandTask('T1', 'sleep 60', { labels: { tier: 'web' }, discovery, killPolicy: { gracePeriodSeconds: 10 } }));
      h.runTask(AgentHarness.commandTask('T2'));
      await h.clock.settle();
      const infos = await v1Executors(h);
      const info = (id: string): Json => infos.find((each) => each.executor_id.value === id) as Json;
      expect(info('T1')).to.deep.include({ labels: { labels: [{ key: 'tier', value: 'web' }] }, discovery, shutdown_grace_period: { nanoseconds: 12_000_000_000 } });
      expect(info('T2')).to.not.have.any.keys('labels', 'discovery', 'shutdown_grace_period');
    });
  });

  describe("an executor's shutdown_grace_period (Mesos: in place of --executor_shutdown_grace_period)", () => {
    it('is what its launch is given and what the agent waits before killing it on shutdown', async () => {
      h.runTask(taskOf('T1', customExecutor('E1', { shutdownGracePeriodNs: 9_000_000_000 })));
      await h.clock.settle();
      expect(h.launcher.run('E1').launch.shutdownGracePeriodMs).to.equal(9_000);
      const executor = await h.registerExecutor('E1');
      h.fromMaster('ShutdownFramework', { frameworkId: FRAMEWORK_ID });
      await h.clock.settle();
      expect(executor.bodies<{ gracePeriodSeconds: number }>('ShutdownExecutorOnExecutor')).to.deep.equal([{ gracePeriodSeconds: 9 }]);
      await h.clock.advance(h.flags.executorShutdownGracePeriodMs + 1);
      expect(h.launcher.run('E1').destroyed).to.equal(false);
      await h.clock.advance(9_000);
      expect(h.launcher.run('E1').destroyed).to.equal(true);
    });

    it('a shutting-down agent waits for the longest of its executors\' grace periods before it terminates (it waited twice the flag\'s, and left an executor with a longer one running)', async () => {
      h.runTask(taskOf('T1', customExecutor('E1', { shutdownGracePeriodNs: 20_000_000_000 })));
      await h.clock.settle();
      await h.registerExecutor('E1');
      h.fromMaster('Shutdown', { message: 'test' });
      await h.clock.settle();
      await h.clock.advance(h.flags.executorShutdownGracePeriodMs * 2 + 1);
      expect(h.launcher.run('E1').destroyed, 'within its grace period').to.equal(false);
      await h.clock.advance(20_000);
      expect(h.launcher.run('E1').destroyed, 'killed once its grace period ended').to.equal(true);
    });
  });
});

describe("the agent's /files against Mesos' files process (only the paths the agent attached: each executor run's sandbox and its virtual path)", () => {
  let h: AgentHarness;
  let workDir: string;
  let files: FilesActor;

  beforeEach(async () => {
    h = new AgentHarness();
    await h.register();
    workDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'state-parity-files-')));
    files = new FilesActor(workDir, undefined, undefined, () => Promise.resolve('A1'));
    h.host.spawn(files);
  });

  afterEach(async () => {
    await h.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** `/files/browse` of `target`. */
  function browse(target: string): Promise<HttpResponse> {
    return dispatch(files, async (actor) => {
      const handler = actor.runtime.routes.get('/browse');
      if (handler === undefined) throw new Error('no /browse route');
      return handler.call(actor, { method: 'GET', path: '/files/browse', query: { path: target }, headers: {}, body: Buffer.alloc(0) });
    });
  }

  it('lists a sandbox (by its directory, or its virtual path), and answers 404 for the work dir and every directory above the sandboxes, which named every framework and executor here', async () => {
    const executor = path.join(workDir, 'agents', 'A1', 'frameworks', 'F1', 'executors', 'E1');
    const run = path.join(executor, 'runs', 'R1');
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'stdout'), 'out');
    fs.symlinkSync(run, path.join(executor, 'runs', 'latest'));
    fs.mkdirSync(path.join(workDir, 'agents', 'A1', 'frameworks', 'F2'), { recursive: true });
    fs.writeFileSync(path.join(workDir, 'stray'), 'in no sandbox');
    expect((await browse(run)).status).to.equal(200);
    expect((await browse('/frameworks/F1/executors/E1/runs/latest')).status).to.equal(200);
    expect((await browse(path.join(run, 'stdout'))).status, 'a file lists as []').to.equal(200);
    for (const above of [workDir, '.', 'agents', 'agents/A1/frameworks', 'agents/A1/frameworks/F1', path.join(executor, 'runs'), path.join(workDir, 'stray')]) {
      const answer = await browse(above);
      expect(answer.status, above).to.equal(404);
      expect(JSON.stringify(answer.body), above).to.not.contain('F2');
    }
  });
});
