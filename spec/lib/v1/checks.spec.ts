/** Health checks, checks and check statuses in Mesos' v1 JSON: both ways, and in the state endpoints' JSON. */
import { expect } from 'chai';
import type { HealthCheck, TaskInfo, TaskStatus } from '../../../lib/protocol';
import { v1Task } from '../../../lib/v1/operator';
import { emptyCheckStatus, resolveCheck, resolveHealthCheck } from '../../../lib/protocol';
import { renderStatus, renderTask } from '../../../lib/state-json';
import { parseExecutorCall, launchEvent } from '../../../lib/v1/executor';
import { v1CheckStatus, v1TaskStatus } from '../../../lib/v1/json';
import { parseSchedulerCall, type SchedulerCall } from '../../../lib/v1/scheduler';

/** Mesos' JSON of a task with a health check and a check, as a v1 scheduler would ACCEPT it. */
const V1_TASK = {
  name: 'web',
  task_id: { value: 'web-1' },
  agent_id: { value: 'S0' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
  command: { value: 'python3 -m http.server 8080' },
  health_check: {
    type: 'HTTP',
    http: { port: 8080, path: '/health', scheme: 'http', statuses: [200] },
    delay_seconds: 5, interval_seconds: 2, timeout_seconds: 1, consecutive_failures: 4, grace_period_seconds: 30,
  },
  check: {
    type: 'COMMAND',
    command: { command: { value: 'test -f ready', environment: { variables: [{ name: 'A', type: 'VALUE', value: 'b' }] } } },
    delay_seconds: 0, interval_seconds: 1, timeout_seconds: 0,
  },
};

const TASK: TaskInfo = {
  name: 'web', taskId: 'web-1', agentId: 'S0', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
  command: { value: 'python3 -m http.server 8080' },
  healthCheck: {
    type: 'HTTP', http: { port: 8080, path: '/health', scheme: 'http', statuses: [200] },
    delaySeconds: 5, intervalSeconds: 2, timeoutSeconds: 1, consecutiveFailures: 4, gracePeriodSeconds: 30,
  },
  check: { type: 'COMMAND', command: { command: { value: 'test -f ready', environment: { A: 'b' } } }, delaySeconds: 0, intervalSeconds: 1, timeoutSeconds: 0 },
};

function acceptedTask(task: unknown): TaskInfo {
  const parsed = parseSchedulerCall({ type: 'ACCEPT', framework_id: { value: 'F1' }, accept: { offer_ids: [{ value: 'O1' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
  if (!parsed.ok) throw new Error(parsed.error);
  return (parsed.call as Extract<SchedulerCall, { type: 'ACCEPT' }>).operations[0]?.launch?.taskInfos[0] as TaskInfo;
}

describe('health checks and checks in v1 JSON', () => {
  it('takes health_check and check from a scheduler ACCEPT', () => {
    expect(acceptedTask(V1_TASK)).to.deep.equal(TASK);
  });

  it('gives them back to a v1 executor in LAUNCH as Mesos writes them, and that JSON parses back to the same task', () => {
    const launched = launchEvent(TASK).launch as { task: Record<string, unknown> };
    expect(launched.task.health_check).to.deep.equal(V1_TASK.health_check);
    expect(launched.task.check).to.deep.equal(V1_TASK.check);
    expect(acceptedTask(launched.task)).to.deep.equal(TASK);
  });

  it('leaves types and numbers to the master\'s validation (a bad one is a TASK_ERROR, not a refused call)', () => {
    const task = acceptedTask({ ...V1_TASK, health_check: { type: 'UDP', delay_seconds: -1 } });
    expect(task.healthCheck).to.deep.equal({ type: 'UDP', delaySeconds: -1 });
  });

  it('writes check_status on a status, each kind, with and without a result', () => {
    const cases: Array<[TaskStatus['checkStatus'], Record<string, unknown>]> = [
      [{ type: 'COMMAND', command: { exitCode: 1 } }, { type: 'COMMAND', command: { exit_code: 1 } }],
      [{ type: 'HTTP', http: { statusCode: 503 } }, { type: 'HTTP', http: { status_code: 503 } }],
      [{ type: 'TCP', tcp: { succeeded: false } }, { type: 'TCP', tcp: { succeeded: false } }],
      [emptyCheckStatus('HTTP'), { type: 'HTTP', http: {} }],
    ];
    for (const [checkStatus, json] of cases) {
      expect(v1CheckStatus(checkStatus as NonNullable<TaskStatus['checkStatus']>)).to.deep.equal(json);
      const status: TaskStatus = { taskId: 'T1', state: 'TASK_RUNNING', healthy: true, ...(checkStatus === undefined ? {} : { checkStatus }) };
      expect(v1TaskStatus(status)).to.deep.include({ healthy: true, check_status: json });
      expect(renderStatus(status)).to.deep.include({ healthy: true, check_status: json });
    }
  });

  it('takes check_status and healthy from an executor UPDATE, and refuses a status without its part', () => {
    const update = (checkStatus: unknown): ReturnType<typeof parseExecutorCall> => parseExecutorCall({
      type: 'UPDATE', framework_id: { value: 'F1' }, executor_id: { value: 'E1' },
      update: { status: { task_id: { value: 'T1' }, state: 'TASK_RUNNING', uuid: Buffer.from('1b4e28ba2fa141d2883f0016d3cca427', 'hex').toString('base64'), healthy: false, check_status: checkStatus } },
    });
    const parsed = update({ type: 'TCP', tcp: { succeeded: true } });
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.call).to.deep.include({ type: 'UPDATE' });
    expect((parsed.call as { status: TaskStatus }).status).to.deep.include({ healthy: false, checkStatus: { type: 'TCP', tcp: { succeeded: true } } });
    expect(update({ type: 'HTTP' })).to.deep.equal({ ok: false, error: "update.status.check_status: Expecting 'http' to be set for HTTP check's status" });
    expect(update({ type: 'NOPE', tcp: {} })).to.deep.equal({ ok: false, error: "update.status.check_status: 'NOPE' is not a valid check's status type" });
  });

  it('shows a task\'s health_check (as Mesos\' Task has it) in state JSON and the operator API', () => {
    const rendered = renderTask({ name: 'web', taskId: 'web-1', frameworkId: 'F1', agentId: 'S0', state: 'TASK_RUNNING', resources: TASK.resources, healthCheck: TASK.healthCheck as HealthCheck });
    expect(rendered).to.deep.include({ health_check: V1_TASK.health_check });
    expect(v1Task({ name: 'web', taskId: 'web-1', frameworkId: 'F1', agentId: 'S0', state: 'TASK_RUNNING', resources: [], healthCheck: TASK.healthCheck as HealthCheck }).health_check).to.deep.equal(V1_TASK.health_check);
  });
});

describe('resolving health checks and checks (Mesos\' defaults)', () => {
  it('fills in Mesos\' defaults: 15 s delay, 10 s interval, 20 s timeout, 3 failures, 10 s grace', () => {
    expect(resolveHealthCheck({ type: 'TCP', tcp: { port: 80 } })).to.deep.equal({
      probe: { type: 'TCP', port: 80 }, delayMs: 15_000, intervalMs: 10_000, timeoutMs: 20_000, consecutiveFailures: 3, gracePeriodMs: 10_000,
    });
    expect(resolveCheck({ type: 'HTTP', http: { port: 80 } })).to.deep.equal({
      probe: { type: 'HTTP', port: 80, path: '/', scheme: 'http' }, delayMs: 15_000, intervalMs: 10_000, timeoutMs: 20_000,
    });
  });

  it('refuses to resolve an invalid one', () => {
    expect(() => resolveHealthCheck({ type: 'HTTP' })).to.throw("invalid health check: Expecting 'http' to be set for HTTP health check");
  });
});
