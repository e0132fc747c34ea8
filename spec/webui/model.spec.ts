import { expect } from 'chai';
import { nextPollDelayMs, MAX_POLL_BACKOFF_MS, STATE_POLL_INTERVAL_MS } from '../../webui/src/model/backoff';
import { formatMegabytes, formatPercent } from '../../webui/src/model/format';
import { parseRoute, routeHash, type Route } from '../../webui/src/model/routes';
import { findExecutor, relativeToSandbox, sandboxPath, taskSandboxPath } from '../../webui/src/model/sandbox';
import { computeShares, dominantShare } from '../../webui/src/model/shares';
import {
  agentEndpoint, AGENTS_PAGE_ROWS, agentStatus, allTasks, drainConfigText, clusterResources, filterAgents, findAgent, findTask, frameworkTasks, liveTasksByAgent, parseMasterState, stateTaskCounts, taskCountsByState,
  taskHealth, tasksByAgent, tasksNewestFirst,
} from '../../webui/src/model/state';
import { appendChunk, startTail } from '../../webui/src/model/tail';
import { containerUsage, parseStatistics, totalUsage } from '../../webui/src/model/usage';
import type { AgentStateJson, FrameworkJson, MasterStateJson, ResourcesJson, TaskJson } from '../../webui/src/model/types';

function resources(cpus: number, mem: number, disk = 0): ResourcesJson {
  return { cpus, mem, disk, gpus: 0 };
}

function task(id: string, state: string, cpus: number, mem: number, role?: string): TaskJson {
  return { id, name: id, framework_id: 'f', executor_id: '', slave_id: 'a1', state, resources: resources(cpus, mem), ...(role === undefined ? {} : { role }), statuses: [{ state, timestamp: 100 }] };
}

function framework(id: string, roles: string[], used: ResourcesJson, offered: ResourcesJson, extra: Partial<FrameworkJson> = {}): FrameworkJson {
  const sum = (name: string): number => (used[name] as number) + (offered[name] as number);
  return {
    id, name: `name-${id}`, user: 'u', roles, hostname: '', webui_url: '', checkpoint: false, failover_timeout: 0, active: true, connected: true,
    registered_time: 1, unregistered_time: 0, resources: { cpus: sum('cpus'), mem: sum('mem'), disk: sum('disk'), gpus: 0 }, used_resources: used, offered_resources: offered,
    tasks: [], unreachable_tasks: [], completed_tasks: [], offers: [], executors: [], ...extra,
  };
}

/** Two agents: cpus 10, mem 1000, disk 100 in all. */
function cluster(frameworks: FrameworkJson[]): MasterStateJson {
  const agent = (id: string, total: ResourcesJson, used: ResourcesJson) => ({
    id, pid: `slave(1)@127.0.0.1:${id === 'a1' ? 5051 : 5052}`, hostname: 'h', port: 5051, registered_time: 1, resources: total, used_resources: used,
    offered_resources: resources(0, 0), reserved_resources: {}, unreserved_resources: total, attributes: {}, active: true,
  });
  return parseMasterState({
    version: 'v', id: 'm', pid: 'master@127.0.0.1:5050', hostname: 'h', start_time: 1, elected_time: 1, activated_slaves: 2, deactivated_slaves: 0, unreachable_slaves: 0,
    frameworks, slaves: [agent('a1', resources(6, 600, 50), resources(3, 100)), agent('a2', resources(4, 400, 50), resources(0, 0))],
  });
}

describe('webui/model: what the UI computes from /master/state', () => {
  describe('DRF dominant shares', () => {
    it('takes the largest of allocated/total over cpus, mem and disk', () => {
      expect(dominantShare({ cpus: 2, mem: 500, disk: 10, gpus: 0 }, { cpus: 10, mem: 1000, disk: 100, gpus: 0 })).to.deep.equal({ share: 0.5, resource: 'mem' });
      expect(dominantShare({ cpus: 0, mem: 0, disk: 0, gpus: 0 }, { cpus: 10, mem: 1000, disk: 100, gpus: 0 })).to.deep.equal({ share: 0, resource: undefined });
      expect(dominantShare({ cpus: 1, mem: 1, disk: 1, gpus: 0 }, { cpus: 0, mem: 0, disk: 0, gpus: 0 }).share).to.equal(0);
    });

    it('ignores gpus in a cluster without any, and counts them in one with some', () => {
      expect(dominantShare({ cpus: 1, mem: 0, disk: 0, gpus: 5 }, { cpus: 10, mem: 1, disk: 1, gpus: 0 }).resource).to.equal('cpus');
      expect(dominantShare({ cpus: 1, mem: 0, disk: 0, gpus: 1 }, { cpus: 10, mem: 1, disk: 1, gpus: 2 })).to.deep.equal({ share: 0.5, resource: 'gpus' });
    });

    it('ranks frameworks and roles by dominant share of used plus offered, against all agents\' totals', () => {
      const state = cluster([
        framework('f1', ['web'], resources(3, 100), resources(0, 0)),         // cpus 3/10 = 0.3
        framework('f2', ['web'], resources(1, 0), resources(0, 400)),         // mem 400/1000 = 0.4 (offered)
        framework('f3', ['batch'], resources(0.5, 50), resources(0, 0)),      // cpus 0.05
      ]);
      const shares = computeShares(state);
      expect(shares.frameworks.map((row) => [row.id, row.dominantShare, row.dominantResource])).to.deep.equal([['f2', 0.4, 'mem'], ['f1', 0.3, 'cpus'], ['f3', 0.05, 'cpus']]);
      expect(shares.frameworks[0]?.usedShare).to.equal(0.1);
      // web: cpus 4/10, mem 500/1000 -> 0.5 (mem); batch: 0.05.
      expect(shares.roles.map((row) => [row.id, row.dominantShare, row.dominantResource, row.frameworks])).to.deep.equal([['web', 0.5, 'mem', 2], ['batch', 0.05, 'cpus', 1]]);
    });

    it('splits a multi-role framework by its tasks\' and offers\' roles', () => {
      const multi = framework('f1', ['a', 'b'], resources(3, 30), resources(1, 0), {
        tasks: [task('t1', 'TASK_RUNNING', 2, 20, 'b'), task('t2', 'TASK_RUNNING', 1, 10, 'a')],
        offers: [{ id: 'o1', framework_id: 'f1', slave_id: 'a2', allocation_info: { role: 'b' }, resources: resources(1, 0) }],
      });
      const roles = computeShares(cluster([multi])).roles;
      expect(roles.map((row) => [row.id, row.allocated.cpus, row.used.cpus])).to.deep.equal([['b', 3, 2], ['a', 1, 1]]);
    });
  });

  it('sums the cluster\'s resources over the agents and counts tasks by state, in lifecycle order', () => {
    const f = framework('f1', ['*'], resources(3, 100), resources(0, 0), {
      tasks: [task('t1', 'TASK_RUNNING', 1, 1), task('t2', 'TASK_STAGING', 1, 1)],
      completed_tasks: [task('t3', 'TASK_FINISHED', 1, 1), task('t4', 'TASK_FINISHED', 1, 1), task('t5', 'TASK_FAILED', 1, 1)],
    });
    const state = cluster([f]);
    expect(clusterResources(state).total).to.deep.equal({ cpus: 10, mem: 1000, disk: 100, gpus: 0 });
    expect(clusterResources(state).used.cpus).to.equal(3);
    expect(taskCountsByState(allTasks(state))).to.deep.equal([['TASK_STAGING', 1], ['TASK_RUNNING', 1], ['TASK_FINISHED', 2], ['TASK_FAILED', 1]]);
  });

  it('reads a state with missing lists, and refuses what is not a state', () => {
    const state = parseMasterState({ version: 'v', frameworks: [{ id: 'f', name: 'n' }] });
    expect(state.slaves).to.deep.equal([]);
    expect(state.frameworks[0]?.tasks).to.deep.equal([]);
    expect(() => parseMasterState('<html>')).to.throw(/JSON object/);
    expect(() => parseMasterState([])).to.throw(/JSON object/);
  });

  it('finds an agent\'s actor and address from its pid', () => {
    expect(agentEndpoint('slave(1)@10.0.0.7:5051')).to.deep.equal({ actorId: 'slave(1)', address: '10.0.0.7:5051' });
    expect(agentEndpoint('no-address')).to.equal(undefined);
  });

  it('routes hashes to pages and back', () => {
    const routes: Route[] = [
      { page: 'overview' }, { page: 'agents' }, { page: 'agents', filter: 'host-1 a&b' }, { page: 'agents', start: 200 }, { page: 'agents', filter: 'S9', start: 100 }, { page: 'agent', agentId: 'S0' }, { page: 'frameworks' }, { page: 'framework', frameworkId: 'F-1' },
      { page: 'tasks', state: undefined }, { page: 'tasks', state: 'TASK_RUNNING' }, { page: 'task', frameworkId: 'F', taskId: 'task/with slash' },
      { page: 'sandbox', agentId: 'S0', frameworkId: 'F', executorId: 'e 1', path: 'sub/dir', file: 'sub/dir/out.log' },
      { page: 'sandbox', agentId: 'S0', frameworkId: 'F', executorId: 'e', path: '', file: undefined },
    ];
    for (const route of routes) expect(parseRoute(routeHash(route))).to.deep.equal(route);
    expect(parseRoute('')).to.deep.equal({ page: 'overview' });
    expect(parseRoute('#/agents/S0/')).to.deep.equal({ page: 'agent', agentId: 'S0' });
    expect(parseRoute('#/nowhere').page).to.equal('not-found');
    expect(parseRoute('#/agents?start=-5&filter=')).to.deep.equal({ page: 'agents' });
    expect(parseRoute('#/agents?start=x')).to.deep.equal({ page: 'agents' });
    expect(parseRoute('#/tasks/%E0%A4%A').page).to.equal('not-found');
  });

  it('a task of the default executor (a task group\'s) has its own directory in the executor\'s sandbox, tasks/<id>; others the sandbox itself', () => {
    const executor = (executorId: string, type?: string) => ({ executor_id: executorId, name: '', framework_id: 'F', slave_id: 'a1', resources: resources(0.1, 32), ...(type !== undefined ? { type } : {}) });
    const owner = framework('F', ['*'], resources(0, 0), resources(0, 0), { executors: [executor('pod', 'DEFAULT'), executor('mine')] });
    const of = (taskId: string, executorId: string) => ({ task: { ...task(taskId, 'TASK_RUNNING', 1, 1), executor_id: executorId }, framework: owner, list: 'active' as const });
    expect(taskSandboxPath(of('web', 'pod'))).to.equal('tasks/web');
    expect(taskSandboxPath(of('t2', 'mine'))).to.equal('');
    expect(taskSandboxPath(of('t3', ''))).to.equal('');
    expect(taskSandboxPath(of('t4', 'gone'))).to.equal('');
  });

  it('finds a task\'s sandbox in the agent\'s state: by executor id, else by the task it runs; live runs first', () => {
    const executor = (id: string, directory: string, taskIds: string[]) => ({
      id, name: id, container: 'c', directory, tasks: [], queued_tasks: [], completed_tasks: taskIds.map((taskId) => task(taskId, 'TASK_FINISHED', 0, 0)),
    });
    const state: AgentStateJson = {
      id: 'S0', hostname: 'h',
      frameworks: [{ id: 'F', name: 'f', executors: [executor('custom', '/w/custom-2', ['t9'])], completed_executors: [executor('t1', '/w/t1-old', ['t1']), executor('t1', '/w/t1-new', ['t1'])] }],
      completed_frameworks: [{ id: 'G', name: 'g', executors: [], completed_executors: [executor('x', '/w/x', [])] }],
    };
    expect(findExecutor(state, 'F', 't1')?.executor.directory).to.equal('/w/t1-new');
    expect(findExecutor(state, 'F', 't9')?.executor.directory).to.equal('/w/custom-2');
    expect(findExecutor(state, 'G', 'x')?.executor.directory).to.equal('/w/x');
    expect(findExecutor(state, 'G', 't1')).to.equal(undefined);
    expect(sandboxPath('/w/run/', 'a//b/./c')).to.equal('/w/run/a/b/c');
    expect(sandboxPath('/w/run', '')).to.equal('/w/run');
    expect(relativeToSandbox('/w/run', '/w/run/a/b')).to.equal('a/b');
    expect(relativeToSandbox('/w/run', '/w/runner/a')).to.equal(undefined);
  });

  // A link `#/sandbox/<agent>/<F>/<E>?file=../../../<G>/executors/.../stdout` showed another
  // sandbox's file (or `?path=../..` the work dir) under the title "Sandbox of E" (UI pass,
  // 2026-12-06): a page one is sent to could pass off a file of the sender's as E's output.
  it('names no path outside the sandbox: a `..` in the route\'s path or file names none', () => {
    for (const escaping of ['..', '../x', 'a/../../x', 'a/..', '/..', '../../../G/executors/E/runs/latest/stdout']) {
      expect(sandboxPath('/w/run', escaping), escaping).to.equal(undefined);
    }
    expect(sandboxPath('/w/run', 'a..b/..c/d..')).to.equal('/w/run/a..b/..c/d..');
    expect(sandboxPath('/w/run', '/a')).to.equal('/w/run/a');
  });

  it('tails a file: starts near its end, appends in order, counts bytes in UTF-8, stays bounded', () => {
    expect(startTail(100, 30)).to.deep.equal({ offset: 70, text: '', truncated: true });
    let tail = startTail(0);
    tail = appendChunk(tail, { data: 'héllo\n', offset: 0 });
    expect(tail.offset).to.equal(7);
    expect(appendChunk(tail, { data: 'stale', offset: 3 })).to.equal(tail);
    tail = appendChunk(tail, { data: 'line two\nline three\n', offset: 7 }, 16);
    expect(tail.text).to.equal('line three\n');
    expect(tail.truncated).to.equal(true);
  });

  it('polls every interval while the master answers, backing off to a cap while it does not', () => {
    expect(nextPollDelayMs(0)).to.equal(STATE_POLL_INTERVAL_MS);
    expect(nextPollDelayMs(1)).to.equal(2 * STATE_POLL_INTERVAL_MS);
    expect(nextPollDelayMs(3)).to.equal(8 * STATE_POLL_INTERVAL_MS);
    expect(nextPollDelayMs(1_000)).to.equal(MAX_POLL_BACKOFF_MS);
  });

  it('writes sizes and shares readably', () => {
    expect(formatMegabytes(512)).to.equal('512 MB');
    expect(formatMegabytes(1536)).to.equal('1.5 GB');
    expect(formatPercent(0.25)).to.equal('25%');
    expect(formatPercent(0.035)).to.equal('3.5%');
  });
  it('turns an agent\'s /monitor/statistics into CPUs in use (CPU time over time between reports) and memory against limits', () => {
    const report = (timestamp: number, cpuSecs: number, rss: number): unknown => ({
      executor_id: 'e1', framework_id: 'f1', source: '', executor_name: '',
      statistics: { timestamp, cpus_limit: 1.1, cpus_user_time_secs: cpuSecs * 0.75, cpus_system_time_secs: cpuSecs * 0.25, mem_rss_bytes: rss, mem_limit_bytes: 1000, processes: 2 },
    });
    const first = parseStatistics([report(100, 10, 200), { bogus: true }]);
    expect(first).to.have.length(1);
    expect(containerUsage(first)[0]?.cpusUsed, 'one report: no rate yet').to.equal(undefined);
    const second = parseStatistics([report(102, 11, 300)]);
    const [usage] = containerUsage(second, first);
    expect(usage).to.deep.equal({ frameworkId: 'f1', executorId: 'e1', cpusUsed: 0.5, cpusLimit: 1.1, memBytes: 300, memLimitBytes: 1000, diskBytes: undefined, diskLimitBytes: undefined, processes: 2 });
    expect(totalUsage([usage as NonNullable<typeof usage>, usage as NonNullable<typeof usage>])).to.deep.equal({ cpusUsed: 1, cpusLimit: 2.2, memBytes: 600, memLimitBytes: 2000 });
    expect(() => parseStatistics({})).to.throw('a list of containers');
  });
  it("says an agent is draining or drained, deactivated, disconnected, active or (from a master without those fields) inactive, in that order", () => {
    const base = cluster([]).slaves[0];
    if (base === undefined) throw new Error('no agent');
    const drain = (state: string, config: { max_grace_period?: { nanoseconds: number }; mark_gone?: boolean } = {}) => ({ state, config });
    const cases: Array<[Partial<typeof base>, string, string]> = [
      [{}, 'active', 'ok'],
      [{ active: false }, 'inactive', 'warn'],
      [{ active: false, connected: false }, 'disconnected', 'warn'],
      [{ active: false, connected: false, deactivated: true }, 'deactivated', 'warn'],
      [{ active: false, deactivated: true, drain_info: drain('DRAINING') }, 'draining', 'warn'],
      [{ active: false, connected: false, deactivated: true, drain_info: drain('DRAINED') }, 'drained', 'warn'],
    ];
    for (const [fields, text, tone] of cases) expect(agentStatus({ ...base, ...fields }), JSON.stringify(fields)).to.deep.equal({ text, tone });
    expect(drainConfigText(drain('DRAINING', { mark_gone: false }))).to.equal("tasks' own grace periods");
    expect(drainConfigText(drain('DRAINING', { max_grace_period: { nanoseconds: 2.5e9 }, mark_gone: true }))).to.equal('grace periods at most 2.5 s; marked gone once drained');
    expect(drainConfigText(drain('DRAINED', { max_grace_period: { nanoseconds: 300e9 } }))).to.equal('grace periods at most 5 min');
    expect(drainConfigText(drain('DRAINED', { max_grace_period: { nanoseconds: 7200e9 } }))).to.equal('grace periods at most 2 h');
    expect(drainConfigText(drain('DRAINED', { max_grace_period: { nanoseconds: 0 } }))).to.equal('grace periods at most 0 s');
  });

  it('reads a task\'s health from its latest status that carries one', () => {
    const statuses = [{ state: 'TASK_RUNNING', timestamp: 3, healthy: false }, { state: 'TASK_STARTING', timestamp: 1 }, { state: 'TASK_RUNNING', timestamp: 2, healthy: true }];
    expect(taskHealth({ ...task('t', 'TASK_RUNNING', 1, 1), statuses })).to.equal(false);
    expect(taskHealth({ ...task('t', 'TASK_RUNNING', 1, 1), statuses: statuses.slice(1) })).to.equal(true);
    expect(taskHealth(task('t', 'TASK_RUNNING', 1, 1))).to.equal(undefined);
  });
});

describe('webui/model: a large cluster', () => {
  /** `count` agents `S<i>` on hosts `host-<i>`, and one framework with a task on each of the first three (S1's finished). */
  function big(count: number): MasterStateJson {
    const tasks = [task('t0', 'TASK_RUNNING', 1, 1), { ...task('t1', 'TASK_FINISHED', 1, 1), slave_id: 'S1', statuses: [{ state: 'TASK_FINISHED', timestamp: 300 }] }, { ...task('t2', 'TASK_RUNNING', 1, 1), slave_id: 'S2', statuses: [{ state: 'TASK_RUNNING', timestamp: 200 }] }]
      .map((entry, index) => (index === 0 ? { ...entry, slave_id: 'S0' } : entry));
    return parseMasterState({
      version: 'v', id: 'm', pid: 'master@127.0.0.1:5050', hostname: 'h', start_time: 1, elected_time: 1, activated_slaves: count, deactivated_slaves: 0, unreachable_slaves: 0,
      frameworks: [framework('f', ['*'], resources(2, 2), resources(0, 0), { tasks: tasks.filter((entry) => entry.state !== 'TASK_FINISHED'), completed_tasks: tasks.filter((entry) => entry.state === 'TASK_FINISHED') })],
      slaves: Array.from({ length: count }, (_, index) => ({
        id: `S${index}`, pid: `slave(1)@10.0.0.${index % 250}:5051`, hostname: `host-${index}`, port: 5051, registered_time: 1, resources: resources(4, 400), used_resources: resources(0, 0),
        offered_resources: resources(0, 0), reserved_resources: {}, unreserved_resources: resources(4, 400), attributes: {}, active: true,
      })),
    });
  }

  it('makes each view of a state once, shared until the next state is read', () => {
    const state = big(5);
    expect(allTasks(state)).to.equal(allTasks(state));
    expect(tasksNewestFirst(state)).to.equal(tasksNewestFirst(state));
    expect(clusterResources(state)).to.equal(clusterResources(state));
    const next = big(5);
    expect(allTasks(next)).to.not.equal(allTasks(state));
    expect(allTasks(next)).to.deep.equal(allTasks(state).map((entry) => ({ ...entry, framework: next.frameworks[0] })));
    const [only] = state.frameworks;
    expect(frameworkTasks(only as FrameworkJson)).to.equal(frameworkTasks(only as FrameworkJson));
    expect(frameworkTasks(only as FrameworkJson).active.map((entry) => entry.task.id)).to.deep.equal(['t2', 't0']);
    expect(frameworkTasks(only as FrameworkJson).completed.map((entry) => entry.task.id)).to.deep.equal(['t1']);
  });

  it('answers what the pages ask of it as the walks it replaced did', () => {
    const state = big(300);
    expect(tasksNewestFirst(state).map((entry) => entry.task.id)).to.deep.equal(['t1', 't2', 't0']);
    expect(stateTaskCounts(state)).to.deep.equal(taskCountsByState(allTasks(state)));
    expect([...liveTasksByAgent(state)]).to.deep.equal([['S0', 1], ['S2', 1]]);
    expect([...tasksByAgent(state)].map(([agent, entries]) => [agent, entries.map((entry) => entry.task.id)])).to.deep.equal([['S1', ['t1']], ['S2', ['t2']], ['S0', ['t0']]]);
    expect(findAgent(state, 'S299')?.hostname).to.equal('host-299');
    expect(findAgent(state, 'S300')).to.equal(undefined);
    expect(findTask(state, 'f', 't1')?.list).to.equal('completed');
    expect(findTask(state, 'f', 'nope')).to.equal(undefined);
  });

  it('filters agents by id or host:port, any case, in the master\'s order', () => {
    const state = big(300);
    expect(filterAgents(state, undefined)).to.equal(state.slaves);
    expect(filterAgents(state, '  ')).to.equal(state.slaves);
    expect(filterAgents(state, 'S29').map((agent) => agent.id)).to.deep.equal(['S29', ...Array.from({ length: 10 }, (_, index) => `S29${index}`)]);
    expect(filterAgents(state, 'HOST-15:').map((agent) => agent.id)).to.deep.equal(['S15']);
    expect(filterAgents(state, 'S29')).to.equal(filterAgents(state, 's29'));
    expect(filterAgents(state, 'nowhere')).to.deep.equal([]);
    expect(AGENTS_PAGE_ROWS).to.equal(100);
  });
});

