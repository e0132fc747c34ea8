import { expect } from 'chai';
import { OperationBook } from '../../actors/master/operations';
import { Prng } from '../../lib/process';
import type { AgentOperation } from '../../lib/protocol';
import { v1Uuid } from '../../lib/v1/json';
import { AgentOperations, type AgentOperationHooks } from '../../actors/agent/operations';
import type { Agent } from '../../actors/agent';
import { agentCarriedOperations, FeedbackLedger, feedbackAgrees, feedbackLive, OperationFeedback, pendingOperationsCarried } from './chaos-feedback';
import type { ClusterSnapshot } from './chaos-invariants';

const STATUS_UUID = '0f4f8a2c-5d7e-4b1a-9c3d-2e6f7a8b9c0d';

/** A framework's feedback with one RESERVE sent to agent S0 (an id is drawn until one is given). */
function withOneOperation(): { feedback: OperationFeedback; operationId: string } {
  const feedback = new OperationFeedback('fw0', new Prng(1));
  for (;;) {
    const operationId = feedback.operationId('RESERVE', 'S0');
    if (operationId !== undefined) return { feedback, operationId };
  }
}

/** What the checks at quiescence read of a snapshot: agent S0 registered and connected, framework F0 too. */
const SNAPSHOT = {
  master: { slaves: [{ id: 'S0', connected: true }], frameworks: [{ id: 'F0', connected: true }] },
} as unknown as ClusterSnapshot;

describe('chaos operation feedback checks (chaos-feedback.ts)', () => {
  it('take a status with a uuid only for the framework\'s own operation, from the agent it was sent to', () => {
    const { feedback, operationId } = withOneOperation();
    feedback.heard({ operationId: 'someone-elses', state: 'OPERATION_FINISHED', uuid: 'AAAA', agentId: 'S0' });
    feedback.heard({ operationId, state: 'OPERATION_FINISHED', uuid: 'AAAA', agentId: 'S1' });
    expect(feedback.violations).to.have.length(2);
  });

  it('refuse OPERATION_FINISHED after OPERATION_ERROR, and a second terminal state with a uuid; allow a reconciliation\'s GONE after FINISHED or ERROR (its agent marked gone, as Mesos answers)', () => {
    const refused = withOneOperation();
    refused.feedback.heard({ operationId: refused.operationId, state: 'OPERATION_ERROR', message: 'invalid' });
    refused.feedback.heard({ operationId: refused.operationId, state: 'OPERATION_GONE_BY_OPERATOR', agentId: 'S0' });
    expect(refused.feedback.violations).to.deep.equal([]);
    refused.feedback.heard({ operationId: refused.operationId, state: 'OPERATION_FINISHED' });
    expect(refused.feedback.violations).to.have.length(1);
    refused.feedback.heard({ operationId: refused.operationId, state: 'OPERATION_GONE_BY_OPERATOR', uuid: 'CCCC', agentId: 'S0' });
    expect(refused.feedback.violations).to.have.length(2);
    const finished = withOneOperation();
    finished.feedback.heard({ operationId: finished.operationId, state: 'OPERATION_FINISHED', uuid: 'AAAA', agentId: 'S0' });
    finished.feedback.heard({ operationId: finished.operationId, state: 'OPERATION_GONE_BY_OPERATOR', agentId: 'S0' });
    expect(finished.feedback.violations).to.deep.equal([]);
    finished.feedback.heard({ operationId: finished.operationId, state: 'OPERATION_GONE_BY_OPERATOR', uuid: 'BBBB', agentId: 'S0' });
    expect(finished.feedback.violations).to.have.length(1);
  });

  it('find an operation pending on a connected agent, one the agent holds that the master does not know, and a status acknowledged but still held', () => {
    const { feedback, operationId } = withOneOperation();
    const book = new OperationBook();
    book.add({ uuid: 'op-pending', frameworkId: 'F0', agentId: 'S0', operationId: 'other', type: 'RESERVE', info: undefined, latest: { state: 'OPERATION_PENDING', operationId: 'other', agentId: 'S0' } });
    const held: AgentOperation = { uuid: 'op-held', frameworkId: 'F0', operationId, type: 'RESERVE', status: { operationId, state: 'OPERATION_FINISHED', uuid: STATUS_UUID, agentId: 'S0' } };
    feedback.acknowledgedStatus(operationId, v1Uuid(STATUS_UUID));
    const broken = feedbackAgrees(SNAPSHOT, { master: book, agents: new Map([['S0', [held]]]) }, [feedback]);
    expect(broken).to.have.length(3);
    expect(broken[0]).to.match(/OPERATION_PENDING on connected agent S0/);
    expect(broken[1]).to.match(/holds RESERVE .* which the leading master does not know/);
    expect(broken[2]).to.match(/which its framework acknowledged/);
  });

  it('after a step, find an operation pending on a settled, connected, RUNNING agent that does not hold it (its word never reached it); not on one a fault touched lately, one re-registering, or one the master has disconnected', () => {
    const pid = 'slave(1)@chaos:5050';
    const snapshot = (connected: boolean, phase: string): ClusterSnapshot => ({
      master: { slaves: [{ id: 'S0', pid, connected }] }, agents: [{ id: 'S0', pid, phase }],
    }) as unknown as ClusterSnapshot;
    const book = new OperationBook();
    book.add({ uuid: 'op-pending', frameworkId: 'F0', agentId: 'S0', operationId: 'reserve-1', type: 'RESERVE', info: undefined, latest: { state: 'OPERATION_PENDING', operationId: 'reserve-1', agentId: 'S0' } });
    book.add({ uuid: 'op-finished', frameworkId: 'F0', agentId: 'S0', operationId: 'reserve-2', type: 'RESERVE', info: undefined, latest: { state: 'OPERATION_FINISHED', operationId: 'reserve-2', agentId: 'S0', uuid: STATUS_UUID } });
    const settled = (): boolean => true;
    const missing = pendingOperationsCarried(snapshot(true, 'RUNNING'), book, new Map([[pid, new Set<string>()]]), settled);
    expect(missing).to.have.length(1);
    expect(missing[0]).to.match(/RESERVE reserve-1 \(op-pending\) .* OPERATION_PENDING on connected agent S0 .* never reached the agent/);
    expect(pendingOperationsCarried(snapshot(true, 'RUNNING'), book, new Map([[pid, new Set(['op-pending'])]]), settled), 'held').to.deep.equal([]);
    expect(pendingOperationsCarried(snapshot(true, 'RUNNING'), book, new Map([[pid, new Set<string>()]]), () => false), 'a fault touched it').to.deep.equal([]);
    expect(pendingOperationsCarried(snapshot(true, 'DISCONNECTED'), book, new Map([[pid, new Set<string>()]]), settled), 're-registering').to.deep.equal([]);
    expect(pendingOperationsCarried(snapshot(false, 'RUNNING'), book, new Map([[pid, new Set<string>()]]), settled), 'disconnected at the master').to.deep.equal([]);
  });

  it('read what an agent holds of the operations: those waiting for their resources, and those finished and unacknowledged', () => {
    const hooks: AgentOperationHooks = {
      agentId: () => 'S0', registered: () => false, send: () => undefined, record: () => undefined, newUuid: () => STATUS_UUID,
      delay: () => ({ cancel: () => undefined }), staleAcknowledgement: () => undefined,
    };
    const operations = new AgentOperations(hooks);
    const agent = { operationBook: operations } as unknown as Agent;
    operations.carry([{ uuid: 'op-1', frameworkId: 'F0', operationId: 'reserve-1', type: 'RESERVE' }]);
    expect([...agentCarriedOperations(agent)]).to.deep.equal(['op-1']);
    operations.durable();
    operations.carry([{ uuid: 'op-2', frameworkId: 'F0', operationId: 'reserve-2', type: 'RESERVE' }]);
    expect([...agentCarriedOperations(agent)].sort()).to.deep.equal(['op-1', 'op-2']);
    expect([...agentCarriedOperations({} as unknown as Agent)], 'no book: nothing held').to.deep.equal([]);
  });

  it('want an operation the leading master applied known finished, but not one an earlier master applied and the leading one forgot', () => {
    const { feedback, operationId } = withOneOperation();
    const ledger = FeedbackLedger.open();
    try {
      const earlier = new OperationBook();
      earlier.add({ uuid: 'op-1', frameworkId: 'F0', agentId: 'S0', operationId, type: 'RESERVE', info: undefined, latest: { state: 'OPERATION_PENDING', operationId, agentId: 'S0' } });
      const leading = new OperationBook();
      const books = { master: leading, agents: new Map<string, AgentOperation[]>([['S0', []]]) };
      expect(feedbackLive(SNAPSHOT, ledger, books, new Map([['F0', feedback]]))).to.deep.equal([]);
      expect(feedbackLive(SNAPSHOT, ledger, { ...books, master: earlier }, new Map([['F0', feedback]]))).to.have.length(1);
      feedback.heard({ operationId, state: 'OPERATION_FINISHED', uuid: 'AAAA', agentId: 'S0' });
      expect(feedbackLive(SNAPSHOT, ledger, { ...books, master: earlier }, new Map([['F0', feedback]]))).to.deep.equal([]);
    } finally {
      ledger.close();
    }
  });
});
