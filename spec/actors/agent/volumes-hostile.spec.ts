/**
 * Hostile review of the agent's persistent volumes: what a destroyed volume leaves behind, and
 * what a master's word the agent cannot carry out does to the words after it.
 */
import { expect } from 'chai';
import { captureLogger, type CapturedLogger } from '../../../lib/logging';
import { dynamicReservation, Resources, type ResourceJSON } from '../../../lib/resources';
import { checkpointedResourcesPath } from '../../../actors/agent/checkpointed-resources';
import { persistentVolumePath } from '../../../actors/agent/paths';
import { AgentHarness, AgentMachine } from './harness';

const WORK_DIR = '/agent';
const AGENT_ID = 'A1';
const DECLARED = 'cpus:4;mem:4096;disk:1024';

function volumeJSON(id: string, size = 64, role = 'eng', containerPath = 'data'): ResourceJSON {
  return {
    name: 'disk', type: 'SCALAR', scalar: { value: size }, role, reservation: { principal: 'ops' },
    disk: { persistence: { id, principal: 'ops' }, volume: { container_path: containerPath, mode: 'RW' } },
  };
}

class Machine extends AgentMachine {
  readonly log: CapturedLogger;

  constructor(log: CapturedLogger = captureLogger()) {
    super(WORK_DIR, DECLARED, log.logger);
    this.log = log;
  }

  async registeredAgent(): Promise<void> {
    await this.start();
    await this.clock.advance(1_000);
    this.fromMaster('AgentRegistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
    await this.clock.settle();
  }

  checkpoint(resources: Resources): void {
    this.fromMaster('CheckpointResources', { resources: resources.toJSON() });
  }

  async written(): Promise<Resources> {
    return Resources.fromJSON(JSON.parse(await this.disk.readFile(checkpointedResourcesPath(WORK_DIR)) as string));
  }
}

function useMachines(): () => Machine {
  const machines: Machine[] = [];
  afterEach(async () => {
    await Promise.all(machines.splice(0).map((used) => used.host.stop()));
  });
  return () => {
    const created = new Machine();
    machines.push(created);
    return created;
  };
}

describe('actors/agent: persistent volumes, hostile review', () => {
  const machine = useMachines();

  it('a volume destroyed and made again with the same id while a write is under way starts empty: the queued words are not merged past the destruction', async () => {
    const m = machine();
    await m.registeredAgent();
    const pv = Resources.fromJSON([volumeJSON('pv1')]);
    m.checkpoint(pv);
    await m.clock.settle();
    const directory = persistentVolumePath(WORK_DIR, 'eng', 'pv1');
    await m.disk.writeFileAtomically(`${directory}/secret`, 'the first volume\'s data');
    const other = Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops'));
    const plain = pv.withoutVolumes();
    m.disk.delayWritesMs(1_000);
    // A RESERVE (written slowly), then DESTROY of pv1, then CREATE of pv1 again (another framework's, say).
    m.checkpoint(pv.add(other));
    await m.clock.settle();
    m.checkpoint(plain.add(other));
    m.checkpoint(pv.add(other));
    await m.clock.settle();
    await m.clock.advance(5_000);
    expect((await m.written()).equals(pv.add(other))).to.equal(true);
    expect(m.disk.exists(directory)).to.equal(true);
    expect(await m.disk.readFile(`${directory}/secret`)).to.equal(undefined);
  });

  it('a DESTROY whose file write failed after its directory was removed: the volume created again with that id gets its directory back, empty', async () => {
    const m = machine();
    await m.registeredAgent();
    const pv = Resources.fromJSON([volumeJSON('pv1')]);
    m.checkpoint(pv);
    await m.clock.settle();
    const directory = persistentVolumePath(WORK_DIR, 'eng', 'pv1');
    await m.disk.writeFileAtomically(`${directory}/secret`, 'the first volume\'s data');
    m.disk.failNextWrites(1);
    m.checkpoint(pv.withoutVolumes());
    await m.clock.settle();
    // The agent still holds pv1 (its file says so), but its directory went before the file failed.
    expect((await m.written()).equals(pv)).to.equal(true);
    expect(m.disk.exists(directory)).to.equal(false);
    // The master's next word has the volume again (created anew with the same id): the same as the file, yet not ignored.
    m.checkpoint(pv);
    await m.clock.settle();
    expect(m.disk.exists(directory)).to.equal(true);
    expect(await m.disk.readFile(`${directory}/secret`)).to.equal(undefined);
  });

  it('a task on a volume whose directory is still to be made (its CheckpointResources waits behind another write) starts only once it is made', async () => {
    const m = machine();
    await m.registeredAgent();
    const other = Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops'));
    const pv = Resources.fromJSON([volumeJSON('pv1')]);
    const directory = persistentVolumePath(WORK_DIR, 'eng', 'pv1');
    m.disk.delayWritesMs(1_000);
    m.checkpoint(other);
    await m.clock.settle();
    m.disk.delayWritesMs(0);
    // RESERVE, CREATE and LAUNCH in one ACCEPT: the volume's word waits behind the reservation's write.
    m.checkpoint(other.add(pv));
    m.fromMaster('RunTask', { framework: { id: 'F1', name: 'fw', user: 'u' }, frameworkId: 'F1', task: { name: 't1', taskId: 't1', agentId: AGENT_ID, resources: [...Resources.parse('cpus:0.5;mem:64').toJSON(), volumeJSON('pv1')], command: { value: 'sleep 60' } } });
    await m.clock.settle();
    const launchedEarly = m.launcher.runs.length > 0;
    const existedAtLaunch = m.disk.exists(directory);
    await m.clock.advance(1_000);
    expect(m.launcher.runs).to.have.length(1);
    expect({ launchedEarly, existedAtLaunch: launchedEarly ? existedAtLaunch : true }).to.deep.equal({ launchedEarly: false, existedAtLaunch: true });
    expect(m.disk.exists(directory)).to.equal(true);
  });
});
