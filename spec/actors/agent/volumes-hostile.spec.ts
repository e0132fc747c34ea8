/**
 * Hostile review of the agent's persistent volumes: what a destroyed volume leaves behind, and
 * what a master's word the agent cannot carry out does to the words after it.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { captureLogger, type CapturedLogger } from '../../../lib/logging';
import { dynamicReservation, Resources, type ResourceJSON } from '../../../lib/resources';
import { checkpointedResourcesPath } from '../../../actors/agent/checkpointed-resources';
import { persistentVolumePath } from '../../../actors/agent/paths';
import { AgentMachine, useMachines } from './harness';

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
    await this.registeredAs(AGENT_ID);
  }

  checkpoint(resources: Resources): void {
    this.fromMaster('CheckpointResources', { resources: resources.toJSON() });
  }

  /** What the agent's file holds (none when it has none). */
  async written(): Promise<Resources> {
    const text = await this.disk.readFile(checkpointedResourcesPath(WORK_DIR));
    return text === undefined ? Resources.EMPTY : Resources.fromJSON(JSON.parse(text));
  }
}

/** A maker of machines for the enclosing `describe`, each stopped after its test. */
const useMachinesHere = (): (() => Machine) => useMachines(() => new Machine());

describe('actors/agent: persistent volumes, hostile review', () => {
  const machine = useMachinesHere();

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

  it('property: whatever the words, their timing and failed writes, a volume\'s directory never holds what was written before a word that destroyed it, and the agent ends holding the last word with every volume\'s directory', async () => {
    const words = [
      Resources.EMPTY,
      Resources.fromJSON([volumeJSON('a')]),
      Resources.fromJSON([volumeJSON('a', 64, 'eng', 'elsewhere')]),
      Resources.fromJSON([volumeJSON('a'), volumeJSON('b', 32)]),
      Resources.fromJSON([volumeJSON('b', 32)]),
      Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops')).add(Resources.fromJSON([volumeJSON('a')])),
    ];
    const step = fc.record({ word: fc.nat(words.length - 1), settle: fc.boolean(), fail: fc.boolean(), slow: fc.boolean(), write: fc.boolean() });
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
      const m = new Machine();
      try {
        await m.registeredAgent();
        // The model: how many times each volume's directory was destroyed by a word sent.
        const destroyed = new Map<string, number>();
        const directoriesOf = (word: Resources): Set<string> => new Set(word.persistentVolumes().entries().map((entry) => persistentVolumePath(WORK_DIR, entry.role, entry.volume?.id ?? '')));
        let previous = Resources.EMPTY;
        let marker = 0;
        for (const { word, settle, fail, slow, write } of steps) {
          const next = words[word] as Resources;
          const kept = directoriesOf(next);
          for (const directory of directoriesOf(previous)) if (!kept.has(directory)) destroyed.set(directory, (destroyed.get(directory) ?? 0) + 1);
          m.disk.delayWritesMs(slow ? 100 : 0);
          if (fail) m.disk.failNextWrites(1);
          m.checkpoint(next);
          previous = next;
          if (settle) await m.clock.advance(200);
          // A task writes into each volume directory there is (tagged with how often it was destroyed so far).
          if (!write) continue;
          // (Directories: a file written here would take the failure meant for the agent's write, and wait on the clock.)
          for (const directory of kept) {
            if (m.disk.exists(directory)) await m.disk.makeDirectory(`${directory}/${destroyed.get(directory) ?? 0}-${marker++}`);
          }
        }
        // The master's word again, as when the agent re-registers: the agent ends holding it.
        m.disk.delayWritesMs(0);
        m.disk.failNextWrites(0);
        await m.clock.advance(1_000);
        m.checkpoint(previous);
        await m.clock.advance(1_000);
        expect((await m.written()).equals(previous)).to.equal(true);
        for (const directory of directoriesOf(previous)) {
          expect(m.disk.exists(directory), directory).to.equal(true);
          const stale = m.disk.listDirectories().filter((file) => file.startsWith(`${directory}/`) && Number(file.slice(directory.length + 1).split('-')[0]) < (destroyed.get(directory) ?? 0));
          expect(stale, `written before ${directory} was destroyed`).to.deep.equal([]);
        }
      } finally {
        await m.host.stop();
      }
    }), { numRuns: 200, seed: 1961 });
  });
});
