/**
 * The registry's deactivated and drained agents (Mesos' DeactivateAgent, DrainAgent,
 * MarkAgentDrained and ReactivateAgent registry operations): logged, compacted, loaded back, and
 * kept exactly as long as the agent is admitted or unreachable.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_REMOVED_AGENTS } from '../../../actors/master/constants';
import { Registry, REGISTRY_FILE_NAME, registryLogPathOf, type RegistryAgent } from '../../../actors/master';
import { cleanUp, makeWorkDir } from './harness';

function registryAgent(id: string): RegistryAgent {
  return { id, info: { id, hostname: `${id}.local`, port: 5051, resources: [] } };
}

const TEN_SECONDS_NS = 10_000_000_000;

describe('actors/master/registry: deactivated and drained agents', () => {
  afterEach(cleanUp);

  it('logs deactivations, drains and their DRAINED, compacts them into the snapshot, and loads them back; reactivation forgets both', async () => {
    const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
    const registry = await Registry.load(file);
    for (const id of ['S1', 'S2', 'S3']) await registry.admit(registryAgent(id));
    await registry.markUnreachable(['S3'], 5);
    await registry.deactivateAgent('S1');
    await registry.drainAgent('S2', { maxGracePeriodNs: TEN_SECONDS_NS, markGone: false });
    await registry.drainAgent('S3', { markGone: true });
    await registry.markAgentDrained('S2');
    // A deactivation keeps a draining (Mesos' DeactivateAgent sets `deactivated` only).
    await registry.deactivateAgent('S2');
    const logged = fs.readFileSync(registryLogPathOf(file), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { ops: Array<{ type: string }> });
    expect(logged.flatMap((batch) => batch.ops.map((op) => op.type)).slice(-5)).to.deep.equal(['deactivateAgent', 'drainAgent', 'drainAgent', 'markAgentDrained', 'deactivateAgent']);
    const expected = new Map([
      ['S1', undefined],
      ['S2', { state: 'DRAINED', config: { maxGracePeriodNs: TEN_SECONDS_NS, markGone: false } }],
      ['S3', { state: 'DRAINING', config: { markGone: true } }],
    ]);
    expect(registry.deactivatedAgents()).to.deep.equal(expected);
    const loaded = await Registry.load(file); // replays the log, then compacts
    expect(loaded.deactivatedAgents()).to.deep.equal(expected);
    expect((JSON.parse(fs.readFileSync(file, 'utf8')) as { deactivated: unknown }).deactivated).to.deep.equal([
      { id: 'S1' },
      { id: 'S2', drain: { state: 'DRAINED', config: { maxGracePeriodNs: TEN_SECONDS_NS, markGone: false } } },
      { id: 'S3', drain: { state: 'DRAINING', config: { markGone: true } } },
    ]);
    await loaded.reactivateAgent('S2');
    await loaded.reactivateAgent('S2'); // nothing left to undo: nothing changes
    expect([...(await Registry.load(file)).deactivatedAgents().keys()]).to.deep.equal(['S1', 'S3']);
  });

  it('MarkAgentDrained changes only a DRAINING agent; a deactivation or draining of an agent neither admitted nor unreachable is refused', async () => {
    const registry = await Registry.load(path.join(makeWorkDir(), REGISTRY_FILE_NAME));
    await registry.admit(registryAgent('S1'));
    await registry.deactivateAgent('S1');
    await registry.markAgentDrained('S1');
    expect(registry.deactivatedAgents()).to.deep.equal(new Map([['S1', undefined]]));
    const refused = await Promise.all([registry.deactivateAgent('nope'), registry.drainAgent('nope', {})].map((write) => write.then(() => 'accepted', (error: Error) => error.message)));
    expect(refused).to.deep.equal(['agent nope is neither admitted nor unreachable', 'agent nope is neither admitted nor unreachable']);
    // In one batch, after the agent's removal: refused too.
    await registry.admit(registryAgent('S2'));
    const [removed, drained] = await Promise.all([registry.remove('S2'), registry.drainAgent('S2', {}).then(() => 'accepted', (error: Error) => error.message)]);
    expect([removed, drained]).to.deep.equal([undefined, 'agent S2 is neither admitted nor unreachable']);
    expect(registry.deactivatedAgents().has('S2')).to.equal(false);
  });

  it('an agent keeps its deactivation while unreachable and once back, loses it when it unregisters, is marked gone, or its unreachable entry is trimmed', async () => {
    const registry = await Registry.load(path.join(makeWorkDir(), REGISTRY_FILE_NAME));
    for (const id of ['S1', 'S2', 'S3']) {
      await registry.admit(registryAgent(id));
      await registry.deactivateAgent(id);
    }
    await registry.markUnreachable(['S1'], 1);
    await registry.markReachable(registryAgent('S1'));
    await registry.remove('S2');
    await registry.markGone('S3', 2);
    expect([...registry.deactivatedAgents().keys()]).to.deep.equal(['S1']);
    await registry.markUnreachable(['S1'], 3);
    expect(registry.deactivatedAgents().has('S1'), 'unreachable, it keeps it').to.equal(true);
    // The unreachable list keeps the newest MAX_REMOVED_AGENTS: S1, the oldest, goes with its deactivation.
    const others = Array.from({ length: MAX_REMOVED_AGENTS }, (_, index) => `U${index}`);
    await Promise.all(others.map((id) => registry.admit(registryAgent(id)))); // one batch
    await registry.markUnreachable(others, 4);
    expect(registry.isUnreachable('S1')).to.equal(false);
    expect(registry.deactivatedAgents().size).to.equal(0);
  });

  it('a registry written before agents could be deactivated loads as before; a bad entry is refused, naming where it is', async () => {
    const dir = makeWorkDir();
    const file = path.join(dir, REGISTRY_FILE_NAME);
    fs.writeFileSync(file, JSON.stringify({ version: 2, seq: 0, agents: [registryAgent('S1')], unreachable: [] }));
    const registry = await Registry.load(file);
    expect(registry.deactivatedAgents().size).to.equal(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).to.not.have.property('deactivated');
    fs.writeFileSync(file, JSON.stringify({ version: 2, seq: 0, agents: [], unreachable: [], deactivated: [{ id: 'S1', drain: { state: 'UNDRAINED', config: {} } }] }));
    const failure = await Registry.load(file).then(() => undefined, (error: Error) => error.message);
    expect(failure).to.match(/is invalid at deactivated\.0\.drain\.state/);
  });
});
