/**
 * The agent's operations with feedback (operations.ts) where a review found them unsafe under
 * failure: driven directly, with hooks whose journal writes the test holds back.
 */
import { expect } from 'chai';
import type { AgentOperation } from '../../../lib/protocol';
import { AgentOperations, type AgentOperationHooks } from '../../../actors/agent/operations';
import type { CheckpointRecord } from '../../../actors/agent/checkpoint';

const RESERVE = { uuid: '6d3c0f1e-0000-4000-8000-000000000001', frameworkId: 'F1', operationId: 'op-1', type: 'RESERVE' as const };

/** Hooks of a registered agent A1 whose journal writes end when the test says (`land`). */
function heldJournal(): { hooks: AgentOperationHooks; sent: AgentOperation[]; land(): void } {
  const sent: AgentOperation[] = [];
  const held: Array<() => void> = [];
  const hooks: AgentOperationHooks = {
    agentId: () => 'A1',
    registered: () => true,
    send: (operation) => { sent.push(operation); },
    record: (_record: CheckpointRecord) => new Promise<void>((resolve) => { held.push(resolve); }),
    newUuid: () => '7f1d2c3b-4a59-4687-9abc-def012345678',
    delay: () => ({ cancel: () => undefined }),
    staleAcknowledgement: () => undefined,
  };
  return { hooks, sent, land: () => { for (const resolve of held.splice(0)) resolve(); } };
}

describe('actors/agent: operation feedback under failure', () => {
  it('a re-registration does not report a status not yet journaled (a master would keep it, the operation no longer pending, if the record were lost)', async () => {
    const { hooks, sent, land } = heldJournal();
    const operations = new AgentOperations(hooks);
    operations.carry([RESERVE]);
    operations.durable();
    expect(operations.report(), 'its record is not durable: not reported').to.equal(undefined);
    expect(sent).to.deep.equal([]);
    land();
    await Promise.resolve();
    expect(sent).to.have.length(1);
    expect(operations.report()).to.deep.equal(sent);
  });
});
