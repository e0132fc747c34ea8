import { expect } from 'chai';
import { renderStatus } from '../../lib/state-json';

describe('lib/state-json', () => {
  it('renders a status sent without a timestamp with 0, as Mesos writes an unset field (found by the wire fuzzer, seed 1, WebSocket run)', () => {
    expect(renderStatus({ taskId: 't1', state: 'TASK_RUNNING' })).to.deep.equal({ state: 'TASK_RUNNING', timestamp: 0 });
    expect(renderStatus({ taskId: 't1', state: 'TASK_RUNNING', timestamp: 12.5, source: 'SOURCE_EXECUTOR' })).to.deep.equal({ state: 'TASK_RUNNING', timestamp: 12.5, source: 'SOURCE_EXECUTOR' });
  });
});
