import { expect } from 'chai';
import { OperationBook } from '../../actors/master/operations';
import { Prng } from '../../lib/process';
import type { AgentOperation } from '../../lib/protocol';
import { v1Uuid } from '../../lib/v1/json';
import { FeedbackLedger, feedbackAgrees, feedbackLive, OperationFeedback } from './chaos-feedback';
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
