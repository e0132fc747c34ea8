/**
 * Persistent volumes on the machine's disk: the process launcher links a volume into a sandbox
 * (never over what is there), and a real agent makes a volume's directory when the master's
 * CheckpointResources holds it, shows it to a task that uses it (the task writes through the
 * link into the volume; the link goes with the task), and removes it when the volume is gone.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResourceJSON } from '../../../lib/resources';
import { Resources } from '../../../lib/resources';
import { ProcessLauncher } from '../../../actors/agent/launcher';
import { persistentVolumePath } from '../../../actors/agent/paths';
import { eventually } from '../../support/runtime';
import { RealCluster } from './real-master';

/** Mesos JSON of a persistent volume of 64 MB reserved dynamically to `eng`. */
function volumeJSON(id: string, containerPath: string): ResourceJSON {
  return {
    name: 'disk', type: 'SCALAR', scalar: { value: 64 }, role: 'eng', reservation: {},
    disk: { persistence: { id }, volume: { container_path: containerPath, mode: 'RW' } },
  };
}

describe('actors/agent: the process launcher shows persistent volumes in sandboxes (real disk)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'volume-links-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('links each volume at its container path (parents made), again without complaint, and removes only its own link', async () => {
    const sandbox = path.join(root, 'sandbox');
    const source = path.join(root, 'volumes', 'roles', 'eng', 'pv1');
    fs.mkdirSync(sandbox);
    fs.mkdirSync(source, { recursive: true });
    const launcher = new ProcessLauncher();
    const volume = { id: 'pv1', containerPath: 'state/db', source, mode: 'RW' } as const;
    await launcher.updateVolumes('R1', sandbox, [volume], []);
    await launcher.updateVolumes('R1', sandbox, [volume], []);
    expect(fs.readlinkSync(path.join(sandbox, 'state', 'db'))).to.equal(source);
    fs.writeFileSync(path.join(sandbox, 'state', 'db', 'table'), 'rows');
    expect(fs.readFileSync(path.join(source, 'table'), 'utf8')).to.equal('rows');
    await launcher.updateVolumes('R1', sandbox, [], [volume]);
    expect(fs.existsSync(path.join(sandbox, 'state', 'db'))).to.equal(false);
    expect(fs.readFileSync(path.join(source, 'table'), 'utf8')).to.equal('rows');
  });

  it('refuses to replace or follow what is in the sandbox, naming the volume and what is there', async () => {
    const sandbox = path.join(root, 'sandbox');
    fs.mkdirSync(path.join(sandbox, 'dir'), { recursive: true });
    fs.writeFileSync(path.join(sandbox, 'data'), 'a task\'s file');
    fs.symlinkSync('/etc', path.join(sandbox, 'etc'));
    const launcher = new ProcessLauncher();
    const failure = (containerPath: string): Promise<string> => launcher.updateVolumes('R1', sandbox, [{ id: 'pv1', containerPath, source: '/nowhere', mode: 'RW' }], []).then(() => 'linked', (error: Error) => error.message);
    expect(await failure('data')).to.equal(`cannot show persistent volume 'pv1' at 'data' in the sandbox: ${sandbox}/data is in the way: a file is there, and the agent replaces nothing in a sandbox`);
    expect(await failure('dir')).to.include(`${sandbox}/dir is in the way: a directory is there`);
    expect(await failure('etc/mesos')).to.include(`${sandbox}/etc is in the way: a symbolic link to /etc is there`);
    expect(fs.existsSync('/etc/mesos')).to.equal(false);
    expect(fs.readFileSync(path.join(sandbox, 'data'), 'utf8')).to.equal('a task\'s file');
  });
});

describe('actors/agent: persistent volumes with a real agent (real processes)', function () {
  this.timeout(30_000);
  let cluster: RealCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('CheckpointResources makes the volume\'s directory; a task writes into it through its link; removing the volume removes the directory', async () => {
    cluster = await RealCluster.start({ executorRegistrationTimeoutMs: 10_000 });
    const { master, workDir } = cluster;
    const volumes = [volumeJSON('pv1', 'data'), volumeJSON('pv2', 'nested/dir')];
    master.post(cluster.agentPid, 'CheckpointResources', { resources: volumes });
    const pv1 = persistentVolumePath(workDir, 'eng', 'pv1');
    const pv2 = persistentVolumePath(workDir, 'eng', 'pv2');
    await eventually(() => fs.existsSync(path.join(workDir, 'meta', 'resources', 'resources.info')), 10_000, 'the checkpointed resources to be written');
    expect(fs.statSync(pv1).isDirectory()).to.equal(true);
    expect(fs.statSync(pv2).isDirectory()).to.equal(true);

    // The task sees the links (to the volumes' directories) and writes through them.
    cluster.runTask(RealCluster.commandTask('T1', `test "$(readlink data)" = '${pv1}' && echo hello > data/hello.txt && echo deep > nested/dir/deep.txt`, {
      resources: [...Resources.parse('cpus:0.1;mem:32').toJSON(), ...volumes],
    }));
    await eventually(() => master.states('T1').includes('TASK_FINISHED') || master.states('T1').includes('TASK_FAILED'), 15_000, 'T1 to end');
    expect(master.states('T1').at(-1), JSON.stringify(master.updates('T1').map((update) => update.status.message))).to.equal('TASK_FINISHED');
    expect(fs.readFileSync(path.join(pv1, 'hello.txt'), 'utf8')).to.equal('hello\n');
    expect(fs.readFileSync(path.join(pv2, 'deep.txt'), 'utf8')).to.equal('deep\n');
    // Its end hid them (no live task of the container uses them); the directory made for the nested one stays.
    const sandbox = cluster.sandbox('T1');
    await eventually(() => !fs.existsSync(path.join(sandbox, 'data')), 5_000, 'the link to be removed at the task\'s end');
    expect(fs.lstatSync(path.join(sandbox, 'nested')).isDirectory()).to.equal(true);

    master.post(cluster.agentPid, 'CheckpointResources', { resources: [volumes[1] as ResourceJSON] });
    await eventually(() => !fs.existsSync(pv1), 10_000, 'pv1\'s directory to be removed');
    expect(fs.readFileSync(path.join(pv2, 'deep.txt'), 'utf8')).to.equal('deep\n');
  });
});
