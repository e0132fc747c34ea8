import { expect } from 'chai';
import type { Task, TaskState } from '../../../lib/protocol';
import { reconcile, type AgentStanding, type ReconciliationView } from '../../../actors/master';

function task(taskId: string, state: TaskState, statusUpdateState?: TaskState): Task {
  return { name: taskId, taskId, frameworkId: 'F0', agentId: 'S0', state, resources: [], ...(statusUpdateState ? { statusUpdateState } : {}) };
}

function view(options: { partitionAware?: boolean; recovered?: boolean } = {}): ReconciliationView {
  const tasks = new Map([['running', task('running', 'TASK_RUNNING')], ['finishing', task('finishing', 'TASK_FINISHED', 'TASK_RUNNING')]]);
  const standings: Record<string, AgentStanding> = { S0: 'registered', R1: 'recovered', U1: 'unreachable', G1: 'gone' };
  return {
    frameworkId: 'F0',
    partitionAware: options.partitionAware ?? false,
    nowMs: 1_000_000,
    task: (taskId) => tasks.get(taskId),
    tasks: () => tasks.values(),
    agentStanding: (agentId) => standings[agentId] ?? 'unknown',
    unreachableSinceMs: (agentId) => (agentId === 'U1' ? 900_000 : undefined),
    anyRecoveredAgents: options.recovered ?? false,
  };
}

describe('actors/master/reconciliation', () => {
  it("a partition-aware framework's TASK_UNREACHABLE says when the agent became unreachable (Mesos' unreachable_time; v1 walkthrough); TASK_LOST does not", () => {
    expect(reconcile(view({ partitionAware: true }), [{ taskId: 'x', agentId: 'U1' }])[0]?.status).to.include({ state: 'TASK_UNREACHABLE', unreachableTime: 900 });
    expect(reconcile(view(), [{ taskId: 'x', agentId: 'U1' }])[0]?.status).to.not.have.property('unreachableTime');
  });

  it('implicit: the latest state sent to the framework (status update state), else the current state', () => {
    const updates = reconcile(view(), []);
    expect(updates.map((update) => [update.status.taskId, update.status.state])).to.deep.equal([['running', 'TASK_RUNNING'], ['finishing', 'TASK_RUNNING']]);
    for (const update of updates) {
      expect(update.uuid).to.equal(undefined);
      expect(update.status.uuid).to.equal(undefined);
      expect(update.status).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', message: 'Reconciliation: Latest task state', agentId: 'S0' });
      expect(update.timestamp).to.equal(1_000);
    }
  });

  const rules: Array<[string, { taskId: string; agentId?: string }, { partitionAware?: boolean; recovered?: boolean }, TaskState | undefined]> = [
    ['a known task', { taskId: 'running' }, {}, 'TASK_RUNNING'],
    ['a known task named with its agent', { taskId: 'running', agentId: 'S0' }, {}, 'TASK_RUNNING'],
    ['an unknown task on a recovered agent', { taskId: 'x', agentId: 'R1' }, {}, undefined],
    ['an unknown task, no agent, while agents are recovering', { taskId: 'x' }, { recovered: true }, undefined],
    ['an unknown task on a registered agent', { taskId: 'x', agentId: 'S0' }, {}, 'TASK_LOST'],
    ['an unknown task on a registered agent, partition-aware', { taskId: 'x', agentId: 'S0' }, { partitionAware: true }, 'TASK_GONE'],
    ['an unknown task on an unreachable agent', { taskId: 'x', agentId: 'U1' }, {}, 'TASK_LOST'],
    ['an unknown task on an unreachable agent, partition-aware', { taskId: 'x', agentId: 'U1' }, { partitionAware: true }, 'TASK_UNREACHABLE'],
    ['an unknown task on an agent marked gone', { taskId: 'x', agentId: 'G1' }, {}, 'TASK_LOST'],
    ['an unknown task on an agent marked gone, partition-aware', { taskId: 'x', agentId: 'G1' }, { partitionAware: true }, 'TASK_GONE_BY_OPERATOR'],
    ['an unknown task on an unknown agent', { taskId: 'x', agentId: 'Z9' }, {}, 'TASK_LOST'],
    ['an unknown task on an unknown agent, partition-aware', { taskId: 'x', agentId: 'Z9' }, { partitionAware: true }, 'TASK_UNKNOWN'],
    ['an unknown task without an agent', { taskId: 'x' }, {}, 'TASK_LOST'],
    ['an unknown task without an agent, partition-aware', { taskId: 'x' }, { partitionAware: true }, 'TASK_UNKNOWN'],
    ['a known task while agents are recovering', { taskId: 'running' }, { recovered: true }, 'TASK_RUNNING'],
  ];
  for (const [what, request, options, expected] of rules) {
    it(`explicit, ${what}: ${expected ?? 'no answer'}`, () => {
      const updates = reconcile(view(options), [request]);
      if (expected === undefined) {
        expect(updates).to.deep.equal([]);
        return;
      }
      expect(updates).to.have.length(1);
      expect(updates[0]?.status).to.include({ taskId: request.taskId, state: expected, source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' });
      expect(updates[0]?.uuid).to.equal(undefined);
      if (request.agentId !== undefined) expect(updates[0]?.agentId).to.equal(request.agentId);
    });
  }

  it('answers each task of an explicit request in order', () => {
    const updates = reconcile(view(), [{ taskId: 'finishing' }, { taskId: 'x', agentId: 'R1' }, { taskId: 'running' }]);
    expect(updates.map((update) => update.status.taskId)).to.deep.equal(['finishing', 'running']);
  });
});
