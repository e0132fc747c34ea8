/**
 * Issue 9: the master enforces Mesos' ACLs (`--acls`) on what authenticated principals do —
 * register_frameworks, run_tasks, teardown_frameworks, view_frameworks / view_tasks /
 * view_executors — and answers each refusal with its reason. Schedulers are the real Scheduler
 * base with a credential; HTTP goes over a real listening host under the virtual clock.
 */
import { expect } from 'chai';
import { captureLogger } from '../../../lib/logging';
import { basicAuthorization, VirtualClock } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import type { Offer, TaskStatus } from '../../../lib/protocol';
import { Scheduler, type SchedulerOptions } from '../../../actors/framework/scheduler';
import { defaultMasterFlags, parseAcls, startMaster, type MasterFlags } from '../../../actors/master';
import { netHost, within } from '../../support/runtime';
import { cleanUp, makeWorkDir, registerAgent, startHarness, type Harness } from './harness';

const CREDENTIALS = new Map([['ops', 'ops-secret'], ['dev', 'dev-secret'], ['admin', 'admin-secret']]);

/** A scheduler that launches one task as soon as it is offered anything, and records what it hears. */
class OneTask extends Scheduler {
  readonly events: string[] = [];
  readonly statuses: TaskStatus[] = [];
  private launched = false;
  /** The task's command's user, if it names one. */
  commandUser: string | undefined;
  protected override registered(): void { this.events.push('registered'); }
  protected override error(message: string): void { this.events.push(`error ${message}`); }
  protected override statusUpdate(status: TaskStatus): void { this.statuses.push(status); }
  protected override resourceOffers(offers: Offer[]): void {
    const offer = offers[0];
    if (offer === undefined || this.launched) return;
    this.launched = true;
    this.launch(offer.id, [{ name: 't1', taskId: 't1', agentId: offer.agentId, resources: Resources.parse('cpus:1;mem:64').toJSON(), command: { value: 'true', ...(this.commandUser !== undefined ? { user: this.commandUser } : {}) } }]);
  }
}

let nextScheduler = 1;

function scheduler(harness: Harness, principal: string, framework: Partial<SchedulerOptions['framework']> = {}): OneTask {
  const actor = new OneTask({
    master: harness.masterPid.toString(), id: `acl-scheduler-${nextScheduler++}`,
    framework: { name: `fw-${principal}`, user: 'nobody', ...framework },
    credential: { principal, secret: CREDENTIALS.get(principal) ?? 'unknown' },
  });
  harness.host.spawn(actor);
  return actor;
}

/** A master with the credentials and these ACLs; frameworks must authenticate. */
function secured(acls: unknown, extra: Partial<MasterFlags> = {}): Promise<Harness> {
  return startHarness({ credentials: CREDENTIALS, authenticateFrameworks: true, acls: parseAcls(acls), ...extra });
}

describe('actors/master: authorization by ACLs (issue 9)', () => {
  afterEach(cleanUp);

  describe('register_frameworks (principal → role)', () => {
    const acls = {
      permissive: false,
      register_agents: [{ principals: { type: 'ANY' }, agents: { type: 'ANY' } }],
      register_frameworks: [{ principals: { values: ['ops'] }, roles: { values: ['prod', 'eng/%'] } }],
      run_tasks: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }],
    };

    it('allows a principal its roles (and nested ones under eng/%)', async () => {
      const harness = await secured(acls);
      const prod = scheduler(harness, 'ops', { roles: ['prod'] });
      const nested = scheduler(harness, 'ops', { roles: ['eng/web', 'eng/batch'] });
      await harness.clock.settle();
      expect(prod.events).to.deep.equal(['registered']);
      expect(nested.events).to.deep.equal(['registered']);
    });

    it('refuses a role the principal may not use, and another principal any role, naming the principal and the role', async () => {
      const harness = await secured(acls);
      const wrongRole = scheduler(harness, 'ops', { roles: ['prod', 'dev'] });
      const wrongPrincipal = scheduler(harness, 'dev', { roles: ['prod'] });
      await harness.clock.settle();
      expect(wrongRole.events).to.deep.equal(["error Not authorized to register: principal 'ops' is not authorized to register frameworks with role 'dev'"]);
      expect(wrongPrincipal.events).to.deep.equal(["error Not authorized to register: principal 'dev' is not authorized to register frameworks with role 'prod'"]);
      expect(harness.handle.master.stateJson()).to.have.property('frameworks').that.is.empty;
    });

    it('treats an unauthenticated framework as having no principal, whatever principal it claims', async () => {
      const harness = await startHarness({ credentials: CREDENTIALS, acls: parseAcls(acls) });
      const claiming = new OneTask({ master: harness.masterPid.toString(), id: 'claiming', framework: { name: 'liar', user: 'nobody', principal: 'ops', roles: ['prod'] } });
      harness.host.spawn(claiming);
      await harness.clock.settle();
      expect(claiming.events).to.deep.equal(["error Not authorized to register: a request without a principal is not authorized to register frameworks with role 'prod'"]);
    });
  });

  describe('run_tasks (principal → user)', () => {
    const acls = {
      permissive: true,
      run_tasks: [
        { principals: { values: ['ops'] }, users: { values: ['nobody'] } },
        { principals: { type: 'ANY' }, users: { type: 'NONE' } },
      ],
    };

    it("launches a task as a user the principal may run as; answers TASK_ERROR / REASON_TASK_UNAUTHORIZED otherwise, and the agent never hears of it", async () => {
      const harness = await secured(acls);
      const agent = await registerAgent(harness, 'cpus:4;mem:1024');
      const allowed = scheduler(harness, 'ops', { user: 'nobody' });
      await harness.clock.advance(2_000);
      expect(agent.probe.count('RunTask')).to.equal(1);
      expect(allowed.statuses).to.deep.equal([]);

      const denied = scheduler(harness, 'dev', { user: 'root' });
      await harness.clock.advance(10_000);
      expect(denied.statuses.map((status) => [status.state, status.reason, status.message])).to.deep.equal([
        ['TASK_ERROR', 'REASON_TASK_UNAUTHORIZED', "Task 't1' is not authorized to launch: principal 'dev' is not authorized to run tasks as user 'root'"],
      ]);
      expect(agent.probe.count('RunTask')).to.equal(1);
      expect(harness.handle.master.metrics()['master/tasks_error']).to.equal(1);
    });

    // The user a task runs as is its command's when it names one (the agent switches to it), so that is the user
    // authorized: else a principal allowed to run as 'nobody' ran as root by naming it in its command.
    it("authorizes the task's command's user, when it names one, not the framework's", async () => {
      const harness = await secured(acls);
      const agent = await registerAgent(harness, 'cpus:4;mem:1024');
      const escalating = scheduler(harness, 'ops', { user: 'nobody' });
      escalating.commandUser = 'root';
      await harness.clock.advance(10_000);
      expect(escalating.statuses.map((status) => [status.state, status.reason, status.message])).to.deep.equal([
        ['TASK_ERROR', 'REASON_TASK_UNAUTHORIZED', "Task 't1' is not authorized to launch: principal 'ops' is not authorized to run tasks as user 'root'"],
      ]);
      expect(agent.probe.count('RunTask')).to.equal(0);
      // A master of its own: the first scheduler holds what it is offered from then on.
      const other = await secured(acls);
      const otherAgent = await registerAgent(other, 'cpus:4;mem:1024');
      const named = scheduler(other, 'ops', { user: 'someone' });
      named.commandUser = 'nobody';
      await other.clock.advance(10_000);
      expect(named.statuses).to.deep.equal([]);
      expect(otherAgent.probe.count('RunTask')).to.equal(1);
    });
  });

  describe('HTTP: view_* filter the state, teardown_frameworks guards /master/teardown', () => {
    const acls = {
      permissive: false,
      register_agents: [{ principals: { type: 'ANY' }, agents: { type: 'ANY' } }],
      register_frameworks: [{ principals: { type: 'ANY' }, roles: { type: 'ANY' } }],
      run_tasks: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }],
      view_frameworks: [
        { principals: { values: ['admin'] }, users: { type: 'ANY' } },
        { principals: { values: ['ops'] }, users: { values: ['ops-user'] } },
      ],
      view_tasks: [{ principals: { values: ['admin'] }, users: { type: 'ANY' } }],
      view_executors: [{ principals: { values: ['admin'] }, users: { type: 'ANY' } }],
      teardown_frameworks: [{ principals: { values: ['admin'] }, framework_principals: { type: 'ANY' } }],
    };

    async function listening(withAcls: unknown = acls, schedulers?: (harness: Harness) => void): Promise<{ harness: Harness; base: string; opsScheduler: OneTask }> {
      const clock = new VirtualClock();
      const captured = captureLogger();
      const host = await netHost({ clock, logger: captured.logger });
      const workDir = makeWorkDir();
      const flags: MasterFlags = {
        ...defaultMasterFlags(workDir), credentials: CREDENTIALS, authenticateFrameworks: true, authenticateHttpReadonly: true,
        authenticateHttpReadwrite: true, acls: parseAcls(withAcls),
      };
      const handle = await startMaster({ flags, host });
      await clock.settle();
      const harness: Harness = { clock, host, handle, workDir, flags, captured, masterPid: handle.pid };
      await registerAgent(harness, 'cpus:4;mem:1024');
      const opsScheduler = scheduler(harness, 'ops', { user: 'ops-user' });
      if (schedulers !== undefined) opsScheduler.commandUser = 'dev-user';
      scheduler(harness, 'dev', { user: 'dev-user' });
      schedulers?.(harness);
      await clock.advance(3_000);
      return { harness, base: `http://${host.address}`, opsScheduler };
    }

    async function request(url: string, principal?: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
      const headers: Record<string, string> = principal === undefined ? {} : { authorization: basicAuthorization(principal, CREDENTIALS.get(principal) ?? 'x') };
      const response = await within(fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } }), 5_000, url);
      const text = await response.text();
      return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : {}, headers: response.headers };
    }

    type Frameworks = Array<{ name: string; tasks: unknown[]; executors: unknown[] }>;

    it('each principal sees only the frameworks (and tasks) the ACLs let it view; no credentials is 401 with WWW-Authenticate', async () => {
      const { harness, base } = await listening();
      try {
        const anonymous = await request(`${base}/master/state`);
        expect(anonymous.status).to.equal(401);
        expect(anonymous.headers.get('www-authenticate')).to.equal('Basic realm="mesos-master-readonly"');
        expect((await request(`${base}/master/state`, 'nobody-known')).status).to.equal(401);

        const admin = (await request(`${base}/master/state`, 'admin')).body.frameworks as Frameworks;
        expect(admin.map((framework) => framework.name).sort()).to.deep.equal(['fw-dev', 'fw-ops']);
        expect(admin.find((framework) => framework.name === 'fw-ops')?.tasks).to.have.length(1);
        const ops = (await request(`${base}/master/frameworks`, 'ops')).body.frameworks as Frameworks;
        expect(ops.map((framework) => framework.name)).to.deep.equal(['fw-ops']);
        expect(ops[0]?.tasks).to.deep.equal([]);
        expect((await request(`${base}/master/state`, 'dev')).body.frameworks).to.deep.equal([]);
        expect((await request(`${base}/master/tasks`, 'ops')).body.tasks).to.deep.equal([]);
        expect((await request(`${base}/master/tasks`, 'admin')).body.tasks).to.have.length(2);
      } finally {
        await harness.host.stop();
      }
    });

    it('view_tasks decides by the user a task runs as (its command\'s, else its framework\'s), as Mesos: /master/state, /master/tasks, GET_TASKS (they decided by the framework\'s user)', async () => {
      const byTaskUser = {
        ...acls,
        view_frameworks: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }],
        view_tasks: [{ principals: { values: ['ops'] }, users: { values: ['ops-user'] } }, { principals: { values: ['dev'] }, users: { values: ['dev-user'] } }],
      };
      // fw-ops (user ops-user) runs its task as dev-user; fw-dev (user dev-user) runs its task as itself; fw-admin (user dev-user) runs its own as ops-user.
      const { harness, base } = await listening(byTaskUser, (harness) => void (scheduler(harness, 'admin', { user: 'dev-user' }).commandUser = 'ops-user'));
      try {
        const tasksOf = async (principal: string): Promise<Record<string, number>> => {
          const frameworks = (await request(`${base}/master/state`, principal)).body.frameworks as Frameworks;
          return Object.fromEntries(frameworks.map((framework) => [framework.name, framework.tasks.length]));
        };
        expect(await tasksOf('dev')).to.deep.equal({ 'fw-ops': 1, 'fw-dev': 1, 'fw-admin': 0 });
        expect(await tasksOf('ops')).to.deep.equal({ 'fw-ops': 0, 'fw-dev': 0, 'fw-admin': 1 });
        const users = async (principal: string): Promise<string[]> => ((await request(`${base}/master/tasks`, principal)).body.tasks as Array<{ user?: string; framework_id: string }>).map((task) => task.user ?? 'framework').sort();
        expect(await users('dev')).to.deep.equal(['dev-user', 'framework']);
        expect(await users('ops')).to.deep.equal(['ops-user']);
        const v1 = async (principal: string): Promise<number> => {
          const answer = await request(`${base}/api/v1`, principal, { method: 'POST', body: JSON.stringify({ type: 'GET_TASKS' }), headers: { 'content-type': 'application/json' } });
          expect(answer.status).to.equal(200);
          return ((answer.body.get_tasks as { tasks?: unknown[] }).tasks ?? []).length;
        };
        expect(await v1('dev')).to.equal(2);
        expect(await v1('ops')).to.equal(1);
      } finally {
        await harness.host.stop();
      }
    });

    it('/master/teardown: 403 naming the denial for a principal without teardown_frameworks; an admin tears the framework down and its scheduler is told', async () => {
      const { harness, base, opsScheduler } = await listening();
      try {
        const [ops] = (harness.handle.master.stateJson().frameworks as Array<{ id: string; name: string }>).filter((framework) => framework.name === 'fw-ops');
        const form = { method: 'POST', body: `frameworkId=${ops?.id ?? ''}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
        expect((await request(`${base}/master/teardown`, undefined, form)).status).to.equal(401);
        const forbidden = await request(`${base}/master/teardown`, 'ops', form);
        expect(forbidden.status).to.equal(403);
        expect(forbidden.body.error).to.equal("Forbidden: principal 'ops' is not authorized to tear down frameworks of principal 'ops'");
        expect((await request(`${base}/master/teardown`, 'admin', { method: 'GET' })).status).to.equal(405);
        expect((await request(`${base}/master/teardown`, 'admin', { ...form, body: 'frameworkId=nope' })).status).to.equal(400);
        expect((await request(`${base}/master/teardown`, 'admin', form)).status).to.equal(200);
        const remaining = harness.handle.master.stateJson().frameworks as Array<{ name: string }>;
        expect(remaining.map((framework) => framework.name)).to.deep.equal(['fw-dev']);
        await harness.clock.settle();
        expect(opsScheduler.events).to.deep.equal(['registered', 'error Framework torn down by the operator (/master/teardown)']);
      } finally {
        await harness.host.stop();
      }
    });
  });
});
