/**
 * What a peer sends reaches the master's log lines and its replies only within bounds (issue 9:
 * 80,000 fuzzed messages once filled 417 MB of log). Each case was found by the wire fuzzer
 * (spec/cluster/wire-fuzz.spec.ts): a list or a resource rendering a peer makes as long as its
 * message, echoed whole.
 */
import { expect } from 'chai';
import type { StatusUpdate } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { MAX_LOGGED_IDS, MAX_LOGGED_RESOURCES_LENGTH, MAX_TASK_ERROR_LENGTH } from '../../../actors/master/constants';
import { agentInfo, cleanUp, commandTask, FakeAgent, latestOffer, launch, registerAgent, registerFramework, startHarness, updatesOf } from './harness';

/** Items of a set resource long enough to make any rendering of it far longer than every bound. */
const MANY_ITEMS = 5_000;

/** Resources with a set of `MANY_ITEMS` items (each rendering of them is about 30 KB). */
function manyItems(prefix: string): Resources {
  return Resources.fromJSON([{ name: 'disks', type: 'SET', set: { item: Array.from({ length: MANY_ITEMS }, (_, index) => `${prefix}${index}`) } }]);
}

describe('actors/master: peer input in log lines and replies is bounded (found by the wire fuzzer)', () => {
  afterEach(cleanUp);

  it(`a launch on invalid offers logs at most ${MAX_LOGGED_IDS} of its offer ids, and how many there were (seed 4: a 16 KB line)`, async () => {
    const harness = await startHarness();
    const framework = await registerFramework(harness);
    const offerIds = Array.from({ length: 2_000 }, (_, index) => `gone-${index}`);
    await launch(harness, framework, offerIds, [commandTask('t1', 'S0')]);
    const [line] = harness.captured.find('launch with invalid offers');
    expect(line?.offerIds).to.deep.equal(offerIds.slice(0, MAX_LOGGED_IDS));
    expect(line?.offerCount).to.equal(offerIds.length);
    expect(JSON.stringify(line).length).to.be.below(1_024);
  });

  it(`an agent's resources are logged in at most ${MAX_LOGGED_RESOURCES_LENGTH} characters when it registers (seed 2: a 1.2 KB line, as long as its message)`, async () => {
    const harness = await startHarness();
    const agent = new FakeAgent('agent-many-disks');
    harness.host.spawn(agent);
    agent.post(harness.masterPid, 'RegisterAgent', { agent: { ...agentInfo('cpus:1;mem:128'), resources: Resources.parse('cpus:1;mem:128').add(manyItems('d')).toJSON() }, version: '1' });
    await harness.clock.settle();
    const [line] = harness.captured.find('agent registered');
    expect((line?.resources as string).length).to.be.below(MAX_LOGGED_RESOURCES_LENGTH + 64);
  });

  it(`a task refused for resources it names is told so in at most ${MAX_TASK_ERROR_LENGTH} characters, and the line logging it too`, async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096');
    const framework = await registerFramework(harness);
    const task = { ...commandTask('t1', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(manyItems('x')).toJSON() };
    await launch(harness, framework, [latestOffer(framework.probe).id], [task]);
    const [error] = updatesOf(framework.probe).map(({ update }: { update: StatusUpdate }) => update.status).filter((status) => status.state === 'TASK_ERROR');
    expect(error?.message).to.match(/^Total resources cpus:1;mem:128;disks:\{x0,x1,/);
    expect(error?.message?.length).to.be.below(MAX_TASK_ERROR_LENGTH + 64);
    const [line] = harness.captured.find('task invalid');
    expect(JSON.stringify(line).length).to.be.below(MAX_TASK_ERROR_LENGTH + 512);
  });
});
