import { expect } from 'chai';
import { droppedTaskState, isPartitionAware, type FrameworkInfo } from '../../../lib/protocol';

const plain: FrameworkInfo = { name: 'fw', user: 'u' };
const aware: FrameworkInfo = { ...plain, capabilities: ['TASK_KILLING_STATE', 'PARTITION_AWARE'] };

describe('lib/protocol/types', () => {
  it('isPartitionAware reads the PARTITION_AWARE capability', () => {
    expect(isPartitionAware(aware)).to.equal(true);
    expect(isPartitionAware(plain)).to.equal(false);
    expect(isPartitionAware({ ...plain, capabilities: ['TASK_KILLING_STATE'] })).to.equal(false);
  });

  it('droppedTaskState: TASK_DROPPED for a partition-aware framework, TASK_LOST for others and for an unknown one', () => {
    expect(droppedTaskState(aware)).to.equal('TASK_DROPPED');
    expect(droppedTaskState(plain)).to.equal('TASK_LOST');
    expect(droppedTaskState(undefined)).to.equal('TASK_LOST');
  });
});
