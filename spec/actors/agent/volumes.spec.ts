/**
 * The agent's persistent volumes: each volume's directory under `<workDir>/volumes/roles/<role>/<id>`
 * follows its checkpointed resources (made on CREATE and at start, removed on DESTROY unless a
 * live task uses it), and a task's sandbox shows the volumes it uses as links at their container
 * paths. Under a virtual clock on a memory disk, with a Probe as the master and a fake launcher
 * recording what the agent asks it to show; the links themselves are made on the real disk by
 * the process launcher (volumes-real.spec.ts) and on a memory disk by `SandboxVolumeLinks` here.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { MemoryDisk } from '../../../lib/disk';
import { captureLogger, type CapturedLogger } from '../../../lib/logging';
import type { TaskInfo } from '../../../lib/protocol';
import { dynamicReservation, Resources, type ResourceJSON } from '../../../lib/resources';
import type { AgentHandle } from '../../../actors/agent';
import { checkpointedResourcesPath } from '../../../actors/agent/checkpointed-resources';
import { persistentVolumePath } from '../../../actors/agent/paths';
import { listsVolume, SandboxVolumeLinks, sandboxVolumesOf, volumeDirectoryChanges, type SandboxVolume } from '../../../actors/agent/volumes';
import { AgentMachine, EXECUTOR_MESSAGES, TimedProbe, useMachines } from './harness';

const WORK_DIR = '/agent';
const AGENT_ID = 'A1';
const DECLARED = 'cpus:4;mem:4096;disk:1024;ports:[31000-32000]';
const FRAMEWORK = { id: 'F1', name: 'fw', user: 'u' };

/** Mesos JSON of a persistent volume of `size` MB reserved dynamically to `role` by `ops`. */
function volumeJSON(id: string, size = 64, role = 'eng', containerPath = 'data'): ResourceJSON {
  return {
    name: 'disk', type: 'SCALAR', scalar: { value: size }, role, reservation: { principal: 'ops' },
    disk: { persistence: { id, principal: 'ops' }, volume: { container_path: containerPath, mode: 'RW' } },
  };
}

/** The volumes of `lists` as resources. */
function volumes(...lists: ResourceJSON[]): Resources {
  return Resources.fromJSON(lists);
}

/** A registered agent on a machine whose disk and launcher outlive it, its log captured. */
class Machine extends AgentMachine {
  readonly log: CapturedLogger;

  constructor(log: CapturedLogger = captureLogger()) {
    super(WORK_DIR, DECLARED, log.logger);
    this.log = log;
  }

  async registeredAgent(): Promise<void> {
    await this.registeredAs(AGENT_ID);
  }

  async checkpoint(resources: Resources): Promise<void> {
    this.fromMaster('CheckpointResources', { resources: resources.toJSON() });
    await this.clock.settle();
  }

  runTask(task: TaskInfo): void {
    this.fromMaster('RunTask', { framework: FRAMEWORK, frameworkId: FRAMEWORK.id, task });
  }

  /** A Probe registering as executor `executorId` with its run's token. */
  async registerExecutor(executorId: string): Promise<TimedProbe> {
    const executor = new TimedProbe(`executor-${executorId}`, EXECUTOR_MESSAGES);
    this.host.spawn(executor);
    executor.post((this.agent as AgentHandle).pid, 'RegisterExecutor', { frameworkId: FRAMEWORK.id, executorId, ...this.launcher.tokenOf(FRAMEWORK.id, executorId) });
    await this.clock.settle();
    return executor;
  }

  /** Sends `state` for `taskId` from `executor`. */
  async update(executor: TimedProbe, executorId: string, taskId: string, state: string, uuid: string): Promise<void> {
    const update = { frameworkId: FRAMEWORK.id, executorId, status: { taskId, state }, timestamp: this.clock.now() / 1000, uuid };
    executor.post((this.agent as AgentHandle).pid, 'StatusUpdate', { update, pid: executor.self().toString() });
    await this.clock.settle();
  }

  /** The statuses the master received for `taskId`. */
  statuses(taskId: string): Array<{ state: string; reason?: string; message?: string }> {
    return this.master.bodies<{ update: { status: { taskId: string; state: string; reason?: string; message?: string } } }>('StatusUpdate')
      .map((body) => body.update.status).filter((status) => status.taskId === taskId);
  }

  state(): Promise<Record<string, any>> {
    return dispatch((this.agent as AgentHandle).agent, async (agent) => {
      const route = agent.runtime.routes.get('/state');
      if (route === undefined) throw new Error('no /state route');
      const response = await route.call(agent, { method: 'GET', path: '/state', query: {}, headers: {}, body: Buffer.alloc(0) });
      return (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Record<string, any>;
    });
  }

  metrics(): Promise<Record<string, number>> {
    return dispatch((this.agent as AgentHandle).agent, (agent) => agent.metrics());
  }
}

/** A command task using `resources` (and a little cpus and mem). */
function task(taskId: string, resources: ResourceJSON[], extra: Partial<TaskInfo> = {}): TaskInfo {
  return { name: taskId, taskId, agentId: AGENT_ID, resources: [...Resources.parse('cpus:0.5;mem:64').toJSON(), ...resources], command: { value: 'sleep 60' }, ...extra };
}

/** The volume `id` of role `eng` at `containerPath`, as a sandbox of this agent shows it. */
function shown(id: string, containerPath = 'data', role = 'eng'): SandboxVolume {
  return { id, containerPath, source: persistentVolumePath(WORK_DIR, role, id), mode: 'RW' };
}

/** Machines for the enclosing `describe`, each stopped after its test. */
/** A maker of machines for the enclosing `describe`, each stopped after its test. */
const useMachinesHere = (): (() => Machine) => useMachines(() => new Machine());

describe('actors/agent: persistent volumes (pure)', () => {
  it('a volume\'s directory is <workDir>/volumes/roles/<role>/<id>; a hierarchical role is one component, its / a space, as in Mesos', () => {
    expect(persistentVolumePath('/var/lib/mesos', 'eng', 'db-1')).to.equal('/var/lib/mesos/volumes/roles/eng/db-1');
    // Nested, role eng/web's volume pv1 would lie inside role eng's volume `web`.
    expect(persistentVolumePath('/var/lib/mesos', 'eng/web', 'pv1')).to.equal('/var/lib/mesos/volumes/roles/eng web/pv1');
    expect(persistentVolumePath('/var/lib/mesos', 'eng/web', 'pv1').startsWith(`${persistentVolumePath('/var/lib/mesos', 'eng', 'web')}/`)).to.equal(false);
    for (const [role, id] of [['*', 'a'], ['eng', '..'], ['eng', 'a/b'], ['eng', '']]) {
      expect(() => persistentVolumePath('/w', role as string, id as string), `${role} ${id}`).to.throw();
    }
  });

  it('a change of checkpointed resources makes the directories of new volumes and removes those of volumes gone; none when neither side has one', () => {
    const reservation = Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops'));
    expect(volumeDirectoryChanges(WORK_DIR, Resources.EMPTY, reservation)).to.equal(undefined);
    const changes = volumeDirectoryChanges(WORK_DIR, volumes(volumeJSON('a'), volumeJSON('b')), volumes(volumeJSON('b'), volumeJSON('c', 10, 'eng/web')));
    expect(changes?.create.map((directory) => directory.path)).to.deep.equal([persistentVolumePath(WORK_DIR, 'eng/web', 'c')]);
    expect(changes?.remove).to.deep.equal([{ path: persistentVolumePath(WORK_DIR, 'eng', 'a'), id: 'a', role: 'eng' }]);
    // Same role and id, another container path: the same directory, kept (Mesos compares paths).
    const moved = volumeDirectoryChanges(WORK_DIR, volumes(volumeJSON('a')), volumes(volumeJSON('a', 64, 'eng', 'elsewhere')));
    expect(moved).to.deep.equal({ create: [], remove: [] });
  });

  it('listsVolume scans a JSON list; sandboxVolumesOf lists each volume of several lists once', () => {
    expect(listsVolume(undefined)).to.equal(false);
    expect(listsVolume(Resources.parse('cpus:1;disk:10').toJSON())).to.equal(false);
    expect(listsVolume([...Resources.parse('cpus:1').toJSON(), volumeJSON('a')])).to.equal(true);
    expect(sandboxVolumesOf(WORK_DIR, [undefined, [volumeJSON('a')], Resources.parse('cpus:1').toJSON(), [volumeJSON('a'), volumeJSON('b', 5, 'eng', 'x/y')]]))
      .to.deep.equal([shown('a'), shown('b', 'x/y')]);
  });

  it('SandboxVolumeLinks makes one sandbox\'s changes in the order asked (a link removed, then another at the same path), and names the volume when one is in the way', async () => {
    const disk = new MemoryDisk();
    const links = new SandboxVolumeLinks(disk);
    await disk.makeDirectory('/sandbox');
    const first = links.update('/sandbox', [shown('a')], []);
    const second = links.update('/sandbox', [shown('b')], [shown('a')]);
    await Promise.all([first, second]);
    expect(disk.symlinkTarget('/sandbox/data')).to.equal(shown('b').source);
    await disk.writeFileAtomically('/sandbox/x', 'task output');
    const failure = await links.update('/sandbox', [shown('c', 'x')], []).then(() => undefined, (error: Error) => error.message);
    expect(failure).to.equal("cannot show persistent volume 'c' at 'x' in the sandbox: /sandbox/x is in the way: a file is there, and the agent replaces nothing in a sandbox");
    expect(await disk.readFile('/sandbox/x')).to.equal('task output');
  });
});

describe('actors/agent: persistent volume directories', () => {
  const machine = useMachinesHere();

  it('a CheckpointResources holding a volume makes its directory before the file is written; /state shows the volume in Mesos\' JSON, and the metrics count its disk', async () => {
    const m = machine();
    await m.registeredAgent();
    const volume = volumes(volumeJSON('pv1'));
    m.disk.delayWritesMs(1_000);
    await m.checkpoint(volume);
    // Made first; the file (the commit) is still being written.
    expect(m.disk.exists(persistentVolumePath(WORK_DIR, 'eng', 'pv1'))).to.equal(true);
    expect(await m.disk.readFile(checkpointedResourcesPath(WORK_DIR))).to.equal(undefined);
    await m.clock.advance(1_000);
    expect(Resources.fromJSON(JSON.parse(await m.disk.readFile(checkpointedResourcesPath(WORK_DIR)) as string)).equals(volume)).to.equal(true);
    const state = await m.state();
    expect(state.reserved_resources_full.eng).to.deep.equal([{ ...volumeJSON('pv1'), reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }] }]);
    expect(state.reserved_resources.eng).to.include({ disk: 64 });
    expect(state.unreserved_resources).to.include({ disk: 960 });
    const metrics = await m.metrics();
    expect(metrics['slave/disk_total']).to.equal(1024);
    expect(metrics['slave/disk_used']).to.equal(0);
    expect(m.log.find('the persistent volumes change').map((record) => record.create)).to.deep.equal([[persistentVolumePath(WORK_DIR, 'eng', 'pv1')]]);
  });

  it('a volume of a hierarchical role gets one directory for the role, its / a space', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(volumes(volumeJSON('pv1', 64, 'eng/web')));
    expect(m.disk.listDirectories()).to.include(`${WORK_DIR}/volumes/roles/eng web/pv1`);
    expect(m.disk.exists(`${WORK_DIR}/volumes/roles/eng/web`)).to.equal(false);
  });

  it('the directory and what is in it outlive a restart of the agent; one missing at start is made again', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(volumes(volumeJSON('pv1'), volumeJSON('pv2', 32)));
    const data = `${persistentVolumePath(WORK_DIR, 'eng', 'pv1')}/db/table`;
    await m.disk.writeFileAtomically(data, 'rows');
    await m.disk.removeDirectory(persistentVolumePath(WORK_DIR, 'eng', 'pv2'));
    expect(m.disk.exists(persistentVolumePath(WORK_DIR, 'eng', 'pv2'))).to.equal(false);
    await m.kill();
    await m.start();
    expect(await m.disk.readFile(data)).to.equal('rows');
    expect(m.disk.exists(persistentVolumePath(WORK_DIR, 'eng', 'pv2'))).to.equal(true);
    expect((await m.state()).reserved_resources_full.eng).to.have.length(2);
  });

  it('a volume gone from the checkpointed resources (DESTROY) has its directory removed, with all in it; the reservation it was made of stays', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(volumes(volumeJSON('pv1')));
    await m.disk.writeFileAtomically(`${persistentVolumePath(WORK_DIR, 'eng', 'pv1')}/file`, 'x');
    const plain = volumes(volumeJSON('pv1')).beforeConversions().reservedDynamically('eng', dynamicReservation('ops'));
    await m.checkpoint(plain);
    expect(m.disk.exists(persistentVolumePath(WORK_DIR, 'eng', 'pv1'))).to.equal(false);
    expect(m.disk.exists(`${WORK_DIR}/volumes/roles/eng`)).to.equal(true);
    const state = await m.state();
    expect(state.reserved_resources.eng).to.include({ disk: 64 });
    expect((state.reserved_resources_full.eng as ResourceJSON[])[0]).to.not.have.property('disk');
  });

  it('a destroyed volume a live task here still uses keeps its directory, with a warning saying to remove it once the task has ended', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(volumes(volumeJSON('pv1')));
    m.runTask(task('t1', [volumeJSON('pv1')]));
    await m.clock.settle();
    await m.checkpoint(Resources.EMPTY);
    expect(m.disk.exists(persistentVolumePath(WORK_DIR, 'eng', 'pv1'))).to.equal(true);
    const [warning] = m.log.find('keeping the directory of a destroyed persistent volume');
    expect(warning).to.include({ volume: 'pv1', directory: persistentVolumePath(WORK_DIR, 'eng', 'pv1') });
    expect(Resources.fromJSON(JSON.parse(await m.disk.readFile(checkpointedResourcesPath(WORK_DIR)) as string)).isEmpty()).to.equal(true);
  });

  it('a directory kept for a live task is removed by the next change of the checkpointed resources once the task has ended', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(volumes(volumeJSON('pv1')));
    m.runTask(task('t1', [volumeJSON('pv1')]));
    await m.clock.settle();
    const executor = await m.registerExecutor('t1');
    await m.checkpoint(Resources.EMPTY);
    expect(m.disk.exists(persistentVolumePath(WORK_DIR, 'eng', 'pv1'))).to.equal(true);
    await m.update(executor, 't1', 't1', 'TASK_FINISHED', '00000000-0000-4000-8000-000000000001');
    await m.checkpoint(Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops')));
    expect(m.disk.exists(persistentVolumePath(WORK_DIR, 'eng', 'pv1'))).to.equal(false);
  });
});

describe('actors/agent: tasks using persistent volumes', () => {
  const machine = useMachinesHere();

  it('a new executor\'s launch carries its task\'s volumes; once it registers, the sandbox is asked to show them before the task is sent; the task\'s end hides them', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(volumes(volumeJSON('pv1', 64, 'eng', 'state/db')));
    m.runTask(task('t1', [volumeJSON('pv1', 64, 'eng', 'state/db')]));
    await m.clock.settle();
    const run = m.launcher.run('t1');
    expect(run.launch.volumes).to.deep.equal([shown('pv1', 'state/db')]);
    // Held open: the task waits for its volumes.
    let showVolumes: () => void = () => undefined;
    m.launcher.volumeUpdateOutcome = () => new Promise<void>((resolve) => { showVolumes = resolve; });
    const executor = await m.registerExecutor('t1');
    expect(m.launcher.volumeUpdates).to.deep.equal([{ runId: run.launch.runId, directory: run.launch.directory, link: [shown('pv1', 'state/db')], unlink: [] }]);
    expect(executor.count('RunTaskOnExecutor')).to.equal(0);
    showVolumes();
    await m.clock.settle();
    expect(executor.count('RunTaskOnExecutor')).to.equal(1);
    m.launcher.volumeUpdateOutcome = undefined;
    await m.update(executor, 't1', 't1', 'TASK_FINISHED', '00000000-0000-4000-8000-000000000001');
    expect(m.launcher.volumeUpdates.at(-1)).to.deep.equal({ runId: run.launch.runId, directory: run.launch.directory, link: [], unlink: [shown('pv1', 'state/db')] });
  });

  it('a task on a volume of another size than the agent holds (a resize\'s CheckpointResources lost) is dropped, REASON_RESOURCES_UNKNOWN: a volume is used whole, as Mesos\' containment says (chaos --volumes --task-groups --agent-recovery, seed 9040: the task ran on part of the volume)', async () => {
    const m = machine();
    await m.registeredAgent();
    // The agent holds pv1 at 14; the master shrank it to 8 and launches on that.
    await m.checkpoint(volumes(volumeJSON('pv1', 14)));
    m.runTask(task('on-part', [volumeJSON('pv1', 8)]));
    m.runTask(task('on-more', [volumeJSON('pv1', 20)]));
    m.runTask(task('on-whole', [volumeJSON('pv1', 14)]));
    await m.clock.settle();
    expect(m.statuses('on-part').map((status) => [status.state, status.reason])).to.deep.equal([['TASK_LOST', 'REASON_RESOURCES_UNKNOWN']]);
    expect(m.statuses('on-part')[0]?.message).to.include('unknown to the agent');
    expect(m.statuses('on-more').map((status) => [status.state, status.reason])).to.deep.equal([['TASK_LOST', 'REASON_RESOURCES_UNKNOWN']]);
    expect(m.statuses('on-whole').map((status) => status.state)).to.not.include('TASK_LOST');
    expect(m.launcher.run('on-whole').launch.volumes).to.deep.equal([shown('pv1')]);
  });

  it('a custom executor: a volume still used by another of its tasks stays shown; another volume may take the same path once the first is hidden', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(volumes(volumeJSON('a'), volumeJSON('b', 32)));
    const executorInfo = { executorId: 'E', command: { value: 'run-executor' } };
    m.runTask(task('t1', [volumeJSON('a')], { executor: executorInfo, command: undefined }));
    await m.clock.settle();
    const executor = await m.registerExecutor('E');
    m.runTask(task('t2', [volumeJSON('a')], { executor: executorInfo, command: undefined }));
    await m.clock.settle();
    expect(executor.count('RunTaskOnExecutor')).to.equal(2);
    await m.update(executor, 'E', 't1', 'TASK_FINISHED', '00000000-0000-4000-8000-000000000001');
    // t2 still uses `a`: nothing hidden.
    expect(m.launcher.volumeUpdates.map((update) => [update.link.map((volume) => volume.id), update.unlink.map((volume) => volume.id)])).to.deep.equal([[['a'], []], [['a'], []]]);
    await m.update(executor, 'E', 't2', 'TASK_FINISHED', '00000000-0000-4000-8000-000000000002');
    m.runTask(task('t3', [volumeJSON('b', 32)], { executor: executorInfo, command: undefined }));
    await m.clock.settle();
    expect(m.launcher.volumeUpdates.slice(2).map((update) => [update.link.map((volume) => volume.id), update.unlink.map((volume) => volume.id)])).to.deep.equal([[[], ['a']], [['b'], []]]);
    expect(executor.count('RunTaskOnExecutor')).to.equal(3);
  });

  it('a volume that cannot be shown (something in the sandbox in its way) fails the task, REASON_CONTAINER_UPDATE_FAILED, saying why; the executor runs on', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(volumes(volumeJSON('a')));
    const executorInfo = { executorId: 'E', command: { value: 'run-executor' } };
    m.runTask(task('t1', [], { executor: executorInfo, command: undefined }));
    await m.clock.settle();
    const executor = await m.registerExecutor('E');
    m.launcher.volumeUpdateOutcome = () => Promise.reject(new Error("cannot show persistent volume 'a' at 'data' in the sandbox: /s/data is in the way: a file is there"));
    m.runTask(task('t2', [volumeJSON('a')], { executor: executorInfo, command: undefined }));
    await m.clock.settle();
    expect(executor.count('RunTaskOnExecutor')).to.equal(1);
    const [failed] = m.statuses('t2');
    expect(failed).to.include({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_UPDATE_FAILED' });
    expect(failed?.message).to.equal("Failed to show the task's persistent volumes in its sandbox: cannot show persistent volume 'a' at 'data' in the sandbox: /s/data is in the way: a file is there");
    expect(m.launcher.runs.filter((run) => run.destroyed)).to.have.length(0);
  });

  it('a task without volumes asks nothing of the sandbox and launches without a volumes field', async () => {
    const m = machine();
    await m.registeredAgent();
    m.runTask(task('t1', []));
    await m.clock.settle();
    expect(m.launcher.run('t1').launch).to.not.have.property('volumes');
    const executor = await m.registerExecutor('t1');
    expect(executor.count('RunTaskOnExecutor')).to.equal(1);
    await m.update(executor, 't1', 't1', 'TASK_FINISHED', '00000000-0000-4000-8000-000000000001');
    expect(m.launcher.volumeUpdates).to.deep.equal([]);
  });

  it('a volume is not the sandbox\'s disk: the container\'s disk limit leaves it out', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(volumes(volumeJSON('a')));
    m.runTask(task('t1', [volumeJSON('a'), ...Resources.parse('disk:16').toJSON()]));
    await m.clock.settle();
    expect(m.launcher.run('t1').launch.limits?.diskBytes).to.equal(16 * 1024 * 1024);
  });
});
