import { expect } from 'chai';
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import {
  canonicalJson, LaunchParses, launchResources, listedRoles, MAX_ROLES_IN_REASON, validateFrameworkInfo, validateOffers, validateTask, type OfferFacts, type TaskContext,
} from '../../../actors/master';

const json = (text: string): TaskInfo['resources'] => Resources.parse(text).toJSON();

const baseTask: TaskInfo = { name: 'task', taskId: 't1', agentId: 'S0', resources: json('cpus:1;mem:128'), command: { value: 'true' } };
const executor: ExecutorInfo = { executorId: 'ex', command: { value: './run' }, resources: json('cpus:0.5;mem:64') };

function context(overrides: Partial<TaskContext> = {}): TaskContext {
  return {
    frameworkId: 'F0',
    agentId: 'S0',
    hasTask: (taskId) => taskId === 'live',
    hasUnreachableTask: (taskId) => taskId === 'away',
    executor: () => undefined,
    available: Resources.parse('cpus:2;mem:512;ports:[31000-31010]'),
    ...overrides,
  };
}

describe('actors/master/validation', () => {
  describe('validateTask: the table', () => {
    const rows: Array<[string, TaskInfo, Partial<TaskContext>, string | RegExp | undefined]> = [
      ['a valid command task', baseTask, {}, undefined],
      ['an empty-looking id with a slash', { ...baseTask, taskId: 'a/b' }, {}, "Task ID is invalid: 'a/b' contains invalid characters"],
      ['the id ..', { ...baseTask, taskId: '..' }, {}, "Task ID is invalid: '..' is disallowed"],
      ['an id with a control character', { ...baseTask, taskId: 'a\nb' }, {}, /contains invalid characters/],
      ['an id of 256 characters', { ...baseTask, taskId: 'x'.repeat(256) }, {}, 'Task ID is invalid: ID must not be greater than 255 characters'],
      ['the id of a live task', { ...baseTask, taskId: 'live' }, {}, 'Task has duplicate ID: live'],
      ['the id of an unreachable task', { ...baseTask, taskId: 'away' }, {}, 'Task reuses the ID of an unreachable task: away'],
      ['another agent than the offers', { ...baseTask, agentId: 'S9' }, {}, 'Task uses invalid agent S9 while agent S0 is expected'],
      ['resources allocated to the offers\' role', { ...baseTask, allocationRoles: ['b'] }, { role: 'b' }, undefined],
      ['resources allocated to another role than the offers\' (v1 walkthrough)', { ...baseTask, allocationRoles: ['b', 'zzz'] }, { role: 'b' }, "Task's resources are allocated to role 'zzz', but the offers are allocated to role 'b'"],
      ['no resources', { ...baseTask, resources: [] }, {}, 'Task uses no resources'],
      ['only zero resources', { ...baseTask, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0 } }] }, {}, 'Task uses no resources'],
      ['negative resources', { ...baseTask, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] }, {}, /^Task uses invalid resources: /],
      ['neither command nor executor', { ...baseTask, command: undefined }, {}, 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present'],
      ['both command and executor', { ...baseTask, executor }, {}, 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present'],
      ['a valid executor task', { ...baseTask, command: undefined, executor }, {}, undefined],
      ['an executor of another framework', { ...baseTask, command: undefined, executor: { ...executor, frameworkId: 'F9' } }, {}, 'ExecutorInfo has an invalid FrameworkID (Actual: F9 vs Expected: F0)'],
      ['an executor id with a slash', { ...baseTask, command: undefined, executor: { ...executor, executorId: 'e/x' } }, {}, /^Executor ID is invalid/],
      ['an executor with invalid resources', { ...baseTask, command: undefined, executor: { ...executor, resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: -5 } }] } }, {}, /^Executor uses invalid resources/],
      ['an executor incompatible with the running one', { ...baseTask, command: undefined, executor },
        { executor: () => ({ ...executor, frameworkId: 'F0', command: { value: './other' } }) }, /^ExecutorInfo is not compatible/],
      ['more than is offered', { ...baseTask, resources: json('cpus:3') }, {}, 'Total resources cpus:3 required by task and its executor is more than available cpus:2;mem:512;ports:[31000-31010]'],
      ['ports outside the offer', { ...baseTask, resources: json('cpus:1;ports:[40000-40000]') }, {}, /is more than available/],
      ['a task plus a new executor beyond the offer', { ...baseTask, resources: json('cpus:1.6'), command: undefined, executor }, {}, /^Total resources cpus:2.1;mem:64 required/],
      ['a task and a new executor using cpus as SCALAR and as SET', { ...baseTask, command: undefined, executor: { ...executor, resources: [{ name: 'cpus', type: 'SET', set: { item: ['a'] } }] } },
        {}, "Task and executor resources conflict: resource 'cpus' of role '*' is both SCALAR and SET"],
      ['a valid HTTP health check and TCP check', { ...baseTask, healthCheck: { type: 'HTTP', http: { port: 8080, path: '/health' } }, check: { type: 'TCP', tcp: { port: 8080 } } }, {}, undefined],
      ['a health check of an unknown type', { ...baseTask, healthCheck: { type: 'UDP' } }, {}, "Task uses invalid health check: 'UDP' is not a valid health check type"],
      ['an HTTP health check without http', { ...baseTask, healthCheck: { type: 'HTTP' } }, {}, "Task uses invalid health check: Expecting 'http' to be set for HTTP health check"],
      ['a COMMAND health check without a command', { ...baseTask, healthCheck: { type: 'COMMAND', tcp: { port: 1 } } }, {}, "Task uses invalid health check: Expecting 'command' to be set for COMMAND health check"],
      ['a COMMAND health check with an empty command', { ...baseTask, healthCheck: { type: 'COMMAND', command: { value: '' } } }, {}, "Task uses invalid health check: Command health check must contain 'shell command'"],
      ['a COMMAND health check with an empty executable path', { ...baseTask, healthCheck: { type: 'COMMAND', command: { value: '', shell: false } } }, {}, "Task uses invalid health check: Command health check must contain 'executable path'"],
      ['an HTTP health check on port 0', { ...baseTask, healthCheck: { type: 'HTTP', http: { port: 0 } } }, {}, "Task uses invalid health check: Expecting 'http.port' to be an integer from 1 to 65535"],
      ['a TCP health check on port 65536', { ...baseTask, healthCheck: { type: 'TCP', tcp: { port: 65536 } } }, {}, "Task uses invalid health check: Expecting 'tcp.port' to be an integer from 1 to 65535"],
      ['an HTTP health check with a relative path', { ...baseTask, healthCheck: { type: 'HTTP', http: { port: 80, path: 'health' } } }, {}, "Task uses invalid health check: The path 'health' of HTTP health check must start with '/'"],
      ['an HTTP health check over ftp', { ...baseTask, healthCheck: { type: 'HTTP', http: { port: 80, scheme: 'ftp' } } }, {}, "Task uses invalid health check: Unsupported HTTP health check scheme: 'ftp'"],
      ['a negative delay', { ...baseTask, healthCheck: { type: 'TCP', tcp: { port: 80 }, delaySeconds: -1 } }, {}, "Task uses invalid health check: Expecting 'delay_seconds' to be non-negative"],
      ['a negative grace period', { ...baseTask, healthCheck: { type: 'TCP', tcp: { port: 80 }, gracePeriodSeconds: -0.5 } }, {}, "Task uses invalid health check: Expecting 'grace_period_seconds' to be non-negative"],
      ['an infinite interval', { ...baseTask, healthCheck: { type: 'TCP', tcp: { port: 80 }, intervalSeconds: Infinity } }, {}, "Task uses invalid health check: Expecting 'interval_seconds' to be non-negative"],
      ['a NaN timeout', { ...baseTask, healthCheck: { type: 'TCP', tcp: { port: 80 }, timeoutSeconds: NaN } }, {}, "Task uses invalid health check: Expecting 'timeout_seconds' to be non-negative"],
      ['a fractional consecutive_failures', { ...baseTask, healthCheck: { type: 'TCP', tcp: { port: 80 }, consecutiveFailures: 1.5 } }, {}, "Task uses invalid health check: Expecting 'consecutive_failures' to be a non-negative integer"],
      ['a check of an unknown type', { ...baseTask, check: { type: 'UNKNOWN' } }, {}, "Task uses invalid check: 'UNKNOWN' is not a valid check type"],
      ['a TCP check without tcp', { ...baseTask, check: { type: 'TCP' } }, {}, "Task uses invalid check: Expecting 'tcp' to be set for TCP check"],
      ['a COMMAND check with an empty command', { ...baseTask, check: { type: 'COMMAND', command: { command: { value: '' } } } }, {}, "Task uses invalid check: Command check must contain 'shell command'"],
      ['an HTTP check with a relative path', { ...baseTask, check: { type: 'HTTP', http: { port: 80, path: 'x' } } }, {}, "Task uses invalid check: The path 'x' of HTTP check must start with '/'"],
      ['a check with a negative timeout', { ...baseTask, check: { type: 'TCP', tcp: { port: 80 }, timeoutSeconds: -1 } }, {}, "Task uses invalid check: Expecting 'timeout_seconds' to be non-negative"],
      ['a bad check and a bad health check: the check is named first (Mesos)', { ...baseTask, check: { type: 'TCP' }, healthCheck: { type: 'HTTP' } }, {}, /^Task uses invalid check: /],
      ['a task fitting only because its executor already runs', { ...baseTask, resources: json('cpus:1.6'), command: undefined, executor },
        { executor: () => ({ ...executor, frameworkId: 'F0' }) }, undefined],
    ];
    for (const [what, task, overrides, expected] of rows) {
      it(`${what}: ${expected === undefined ? 'valid' : String(expected)}`, () => {
        const reason = validateTask(task, context(overrides));
        // The master validates with its launch's parses remembered: the same answer.
        expect(validateTask(task, context({ ...overrides, parses: new LaunchParses() })), 'with LaunchParses').to.equal(reason);
        if (expected === undefined) expect(reason).to.equal(undefined);
        else if (typeof expected === 'string') expect(reason).to.equal(expected);
        else expect(reason).to.match(expected);
      });
    }
  });

  it('launchResources counts an executor only when it is new on the agent', () => {
    const task: TaskInfo = { ...baseTask, command: undefined, executor };
    expect(launchResources(task, context()).format()).to.equal('cpus:1.5;mem:192');
    expect(launchResources(task, context({ executor: () => executor })).format()).to.equal('cpus:1;mem:128');
  });

  it('LaunchParses parses a list once and answers the same instance after; a list that does not parse throws each time', () => {
    const parses = new LaunchParses();
    const task: TaskInfo = { ...baseTask, command: undefined, executor };
    const withParses = context({ parses });
    const first = launchResources(task, withParses);
    expect(first.format()).to.equal('cpus:1.5;mem:192');
    expect(parses.parse(task.resources)).to.equal(parses.parse(task.resources));
    expect(parses.parse(task.resources).equals(Resources.fromJSON(task.resources))).to.equal(true);
    expect(parses.parse(executor.resources)).to.equal(parses.parse(executor.resources));
    expect(launchResources(task, withParses).equals(first)).to.equal(true);
    const bad = [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }];
    expect(() => new LaunchParses().parse(bad)).to.throw(/negative/);
    const afterBad = new LaunchParses();
    expect(() => afterBad.parse(bad)).to.throw(/negative/);
    expect(() => afterBad.parse(bad)).to.throw(/negative/);
    // A third list is parsed each time, and right.
    const third = [{ name: 'mem', type: 'SCALAR', scalar: { value: 7 } }];
    expect(parses.parse(third).format()).to.equal('mem:7');
    expect(parses.parse(third)).to.not.equal(parses.parse(third));
  });

  describe('validateOffers', () => {
    const offers: Record<string, OfferFacts> = {
      O1: { frameworkId: 'F0', agentId: 'S0', role: '*' },
      O2: { frameworkId: 'F0', agentId: 'S0', role: '*' },
      O3: { frameworkId: 'F0', agentId: 'S1', role: '*' },
      O4: { frameworkId: 'F1', agentId: 'S0', role: '*' },
      O5: { frameworkId: 'F0', agentId: 'S0', role: 'web' },
    };
    const lookup = (offerId: string): OfferFacts | undefined => offers[offerId];
    const rows: Array<[string[], string | undefined]> = [
      [['O1'], undefined],
      [['O1', 'O2'], undefined],
      [[], 'No offers specified'],
      [['O1', 'O1'], 'Duplicate offer O1 in offer list'],
      [['O2', 'O1', 'O1', 'O2'], 'Duplicate offer O1 in offer list'],
      [['O1', 'O9'], 'Offer O9 is no longer valid'],
      [['O4'], 'Offer O4 has invalid framework F1 while framework F0 is expected'],
      [['O1', 'O5'], "Aggregated offers must be allocated to the same role. Offer O5 uses role 'web' but another is using role '*'"],
      [['O1', 'O3'], 'Aggregated offers must belong to one single agent. Offer O3 uses agent S1 and agent S0'],
    ];
    for (const [offerIds, expected] of rows) {
      it(`[${offerIds.join(', ')}]: ${expected ?? 'valid'}`, () => {
        expect(validateOffers(offerIds, 'F0', lookup)).to.equal(expected);
      });
    }
  });

  describe('validateFrameworkInfo', () => {
    const base: FrameworkInfo = { name: 'f', user: 'u' };
    const rows: Array<[Partial<FrameworkInfo>, string | RegExp | undefined]> = [
      [{}, undefined],
      [{ roles: ['eng/web', '*'] }, undefined],
      [{ roles: [] }, 'Framework must subscribe to at least one role'],
      // As Mesos: a MULTI_ROLE framework may subscribe to no role (it is offered nothing).
      [{ roles: [], capabilities: ['MULTI_ROLE'] }, undefined],
      [{ roles: ['a', 'a', 'b', 'b', 'a'] }, "'FrameworkInfo.roles' contains duplicate items: { a, b }"],
      [{ roles: ['-bad'] }, /^Framework role '-bad' is invalid/],
      [{ failoverTimeout: Infinity }, 'The framework failover_timeout (Infinity) is invalid'],
      // Mesos' Duration holds int64 nanoseconds: ~292 years is the most.
      [{ failoverTimeout: 1e300 }, 'The framework failover_timeout (1e+300) is invalid'],
      [{ failoverTimeout: 9_223_372_036 }, undefined],
      [{ id: 'a/b' }, /^Framework ID is invalid/],
      // offer_filters, in Mesos' words (validateOfferFilters), and bounded as the wire is.
      [{ offerFilters: { r: { minAllocatableResources: [{ cpus: 1 }, {}] } } }, 'Resource quantities must contain at least one quantity'],
      [{ offerFilters: { r: { minAllocatableResources: [{ cpus: -1 }] } } }, /^Invalid resource quantity for 'cpus': value '-1' is negative$/],
      [{ offerFilters: { r: { minAllocatableResources: Array.from({ length: 65 }, () => ({ cpus: 1 })) } } }, "'FrameworkInfo.offer_filters' of role 'r' lists 65 alternatives; at most 64 are taken"],
      [{ offerFilters: { r: { minAllocatableResources: [{ cpus: 1 }] }, s: {} } }, undefined],
    ];
    for (const [overrides, expected] of rows) {
      it(`${JSON.stringify(overrides)}: ${expected === undefined ? 'valid' : String(expected)}`, () => {
        const reason = validateFrameworkInfo({ ...base, ...overrides });
        if (expected === undefined || typeof expected === 'string') expect(reason).to.equal(expected);
        else expect(reason).to.match(expected);
      });
    }
  });

  it('names at most MAX_ROLES_IN_REASON roles in a reason, and counts the rest (found by the wire fuzzer, seed 7: a 7 KB log line)', () => {
    const distinct = Array.from({ length: MAX_ROLES_IN_REASON + 20 }, (_, index) => `r${index}`);
    expect(listedRoles(['a', 'b'])).to.equal('a, b');
    const reason = validateFrameworkInfo({ name: 'f', user: 'u', roles: [...distinct, ...distinct] });
    expect(reason).to.equal(`'FrameworkInfo.roles' contains duplicate items: { ${distinct.slice(0, MAX_ROLES_IN_REASON).join(', ')}, … (20 more) }`);
  });

  it('canonicalJson ignores key order', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: [1, { e: 1, f: 2 }] } })).to.equal(canonicalJson({ b: { d: [1, { f: 2, e: 1 }], c: 2 }, a: 1 }));
  });
});
