/**
 * How the agent stamps an executor's status update before forwarding it (Mesos'
 * `Slave::statusUpdate`): source SOURCE_EXECUTOR, the agent's id, and the update's uuid and
 * executor id copied into the status. An update that says all of that already is forwarded as
 * it came, not copied; every other one is copied with the stamps, the original left as it was.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { StatusUpdate } from '../../../lib/protocol';
import { stampExecutorUpdate } from '../../../actors/agent/updates';

const AGENT = 'agent-1';
const EXECUTOR = 'executor-1';

/** An update as this repository's executors make it (`Executor.newUpdate`): stamped already. */
function stamped(): StatusUpdate {
  return {
    frameworkId: 'framework-1', executorId: EXECUTOR, agentId: AGENT, timestamp: 1, uuid: 'u-1',
    status: { taskId: 'task-1', state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', executorId: EXECUTOR, agentId: AGENT, timestamp: 1, uuid: 'u-1' },
  };
}

/** What stamping must give, written out field by field (the rule, independent of the code). */
function expectStamps(result: StatusUpdate, original: StatusUpdate, executorId: string | undefined): void {
  const executor = original.executorId ?? executorId;
  expect(result.agentId).to.equal(AGENT);
  expect(result.status.agentId).to.equal(AGENT);
  expect(result.status.source).to.equal('SOURCE_EXECUTOR');
  if (original.uuid !== undefined) expect(result.status.uuid).to.equal(original.uuid);
  if (executor !== undefined) {
    expect(result.executorId).to.equal(executor);
    expect(result.status.executorId).to.equal(executor);
  }
  expect(result.status.taskId).to.equal(original.status.taskId);
  expect(result.status.state).to.equal(original.status.state);
}

describe('agent: stamping an executor\'s status update', () => {
  it('forwards an update stamped already as it came (no copy)', () => {
    const update = stamped();
    expect(stampExecutorUpdate(update, AGENT, EXECUTOR)).to.equal(update);
    expect(stampExecutorUpdate(update, AGENT, undefined)).to.equal(update);
  });

  it('copies an update that lacks a stamp, and leaves the original as it was', () => {
    const cases: Array<[string, (update: StatusUpdate) => void]> = [
      ['no source', (update) => { delete update.status.source; }],
      ['another source', (update) => { update.status.source = 'SOURCE_MASTER'; }],
      ['another agent id on the update', (update) => { update.agentId = 'agent-2'; }],
      ['no agent id in the status', (update) => { delete update.status.agentId; }],
      ['another uuid in the status', (update) => { update.status.uuid = 'u-2'; }],
      ['no executor id in the status', (update) => { delete update.status.executorId; }],
      ['no executor id on the update', (update) => { delete update.executorId; }],
    ];
    for (const [what, change] of cases) {
      const update = stamped();
      change(update);
      const before = structuredClone(update);
      const result = stampExecutorUpdate(update, AGENT, EXECUTOR);
      expect(result, what).to.not.equal(update);
      expectStamps(result, before, EXECUTOR);
      expect(update, what).to.deep.equal(before);
    }
  });

  it('gives the same stamps either way, over any mix of present and missing fields (property)', () => {
    const maybe = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(value, { nil: undefined });
    fc.assert(fc.property(
      maybe(fc.constantFrom(AGENT, 'agent-2')), maybe(fc.constantFrom(AGENT, 'agent-2')), maybe(fc.constantFrom<'SOURCE_EXECUTOR' | 'SOURCE_MASTER'>('SOURCE_EXECUTOR', 'SOURCE_MASTER')),
      maybe(fc.constantFrom('u-1', 'u-2')), maybe(fc.constantFrom('u-1', 'u-2')), maybe(fc.constantFrom(EXECUTOR, 'executor-2')), maybe(fc.constantFrom(EXECUTOR, 'executor-2')),
      maybe(fc.constantFrom(EXECUTOR, 'executor-3')),
      (agentId, statusAgentId, source, uuid, statusUuid, executorId, statusExecutorId, known) => {
        const update: StatusUpdate = { frameworkId: 'framework-1', timestamp: 1, status: { taskId: 'task-1', state: 'TASK_RUNNING', timestamp: 1 } };
        if (agentId !== undefined) update.agentId = agentId;
        if (uuid !== undefined) update.uuid = uuid;
        if (executorId !== undefined) update.executorId = executorId;
        if (statusAgentId !== undefined) update.status.agentId = statusAgentId;
        if (source !== undefined) update.status.source = source;
        if (statusUuid !== undefined) update.status.uuid = statusUuid;
        if (statusExecutorId !== undefined) update.status.executorId = statusExecutorId;
        const before = structuredClone(update);
        const result = stampExecutorUpdate(update, AGENT, known);
        expectStamps(result, before, known);
        expect(update).to.deep.equal(before);
        const sameObject = result === update;
        const needsNothing = agentId === AGENT && statusAgentId === AGENT && source === 'SOURCE_EXECUTOR' && (uuid === undefined || statusUuid === uuid)
          && executorId === (executorId ?? known) && statusExecutorId === (executorId ?? known);
        expect(sameObject).to.equal(needsNothing);
      },
    ), { seed: 1309 });
  });
});
