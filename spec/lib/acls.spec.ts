import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Prng } from '../../lib/process/prng';
import {
  ACL_ACTION_OBJECTS, AUTHORIZABLE_ENDPOINTS, Authorizer, MAX_ACLS_FILE_BYTES, PERMISSIVE_AUTHORIZER, UNENFORCED_ACL_ACTIONS,
  describeDenial, loadAcls, parseAcls, parseAclsFlag, unenforcedActionsIn, type AclAction, type AclEntity, type Acls,
} from '../../lib/acls';

const ANY = { type: 'ANY' } as const;
const NONE = { type: 'NONE' } as const;
const values = (...items: string[]): AclEntity => ({ values: items });

/** Every action the authorizer decides. */
const ACTIONS = Object.keys(ACL_ACTION_OBJECTS) as AclAction[];

/** The actions whose object is implicit (their rules take only ANY or NONE objects). */
const IMPLICIT: readonly AclAction[] = [
  'access_mesos_logs', 'view_flags', 'mark_agents_gone', 'register_agents', 'set_log_level', 'drain_agents', 'deactivate_agents', 'reactivate_agents',
  'update_maintenance_schedules', 'get_maintenance_schedules', 'start_maintenances', 'stop_maintenances', 'get_maintenance_statuses',
  'wait_standalone_containers', 'kill_standalone_containers',
];

/** A rule of `action` in Mesos' JSON. */
function rule(action: AclAction, principals: AclEntity, objects: AclEntity): Record<string, AclEntity> {
  return { principals, [ACL_ACTION_OBJECTS[action]]: objects };
}

/** An authorizer for one action's rules. */
function authorizer(action: AclAction, permissive: boolean, ...rules: Array<Record<string, AclEntity>>): Authorizer {
  return new Authorizer(parseAcls({ permissive, [action]: rules }));
}

/** An authorizer for Mesos JSON. */
function fromJson(json: unknown): Authorizer {
  return new Authorizer(parseAcls(json));
}

/** A valid object for an action in tests (get_endpoints only takes authorizable paths). */
function objectFor(action: AclAction, which: 0 | 1): string {
  if (action === 'get_endpoints') return which === 0 ? '/metrics/snapshot' : '/logging/toggle';
  return which === 0 ? 'prod' : 'other';
}

describe('actors/master/acls', () => {
  describe('each action allows what a rule allows and denies the rest (permissive: false)', () => {
    for (const action of ACTIONS.filter((candidate) => !IMPLICIT.includes(candidate))) {
      const [mine, theirs] = [objectFor(action, 0), objectFor(action, 1)];
      const acl = authorizer(action, false, rule(action, values('ops'), values(mine)));
      it(`${action} (${ACL_ACTION_OBJECTS[action]}): ops on ${mine} allowed; ops on ${theirs}, dev on ${mine} denied`, () => {
        expect(acl.authorized(action, 'ops', mine)).to.equal(true);
        expect(acl.authorized(action, 'ops', theirs)).to.equal(false);
        expect(acl.authorized(action, 'dev', mine)).to.equal(false);
      });
    }
    for (const action of IMPLICIT) {
      it(`${action} (implicit object): ops allowed by ANY, denied by NONE; dev denied; any object given is ignored`, () => {
        const acl = authorizer(action, false, rule(action, values('ops'), ANY), rule(action, values('guest'), NONE));
        expect(acl.authorized(action, 'ops', undefined)).to.equal(true);
        expect(acl.authorized(action, 'ops', 'whatever')).to.equal(true);
        expect(acl.authorized(action, 'guest', undefined)).to.equal(false);
        expect(acl.authorized(action, 'dev', undefined)).to.equal(false);
      });
    }
  });

  describe('semantics', () => {
    it('the first matching rule decides: an allow before a deny allows, the reverse denies', () => {
      const allowFirst = authorizer('run_tasks', true, rule('run_tasks', values('ops'), values('root')), rule('run_tasks', ANY, NONE));
      const denyFirst = authorizer('run_tasks', true, rule('run_tasks', ANY, NONE), rule('run_tasks', values('ops'), values('root')));
      expect(allowFirst.decide('run_tasks', 'ops', 'root')).to.deep.equal({ allowed: true, rule: 0 });
      expect(denyFirst.decide('run_tasks', 'ops', 'root')).to.deep.equal({ allowed: false, rule: 0 });
      expect(allowFirst.decide('run_tasks', 'dev', 'root')).to.deep.equal({ allowed: false, rule: 1 });
    });

    it('a rule that does not match is skipped, even if it names the principal', () => {
      const acl = authorizer('run_tasks', false, rule('run_tasks', values('ops'), values('nobody')), rule('run_tasks', values('ops'), values('root')));
      expect(acl.decide('run_tasks', 'ops', 'root')).to.deep.equal({ allowed: true, rule: 1 });
    });

    it('NONE objects match every object and deny it, even when permissive', () => {
      const acl = authorizer('view_tasks', true, rule('view_tasks', values('guest'), NONE));
      expect(acl.authorized('view_tasks', 'guest', 'nobody')).to.equal(false);
      expect(acl.authorized('view_tasks', 'guest', undefined)).to.equal(false);
      expect(acl.authorized('view_tasks', 'ops', 'nobody')).to.equal(true);
    });

    it('NONE subjects match every principal, and requests without one, and deny them', () => {
      const acl = authorizer('reserve_resources', true, rule('reserve_resources', NONE, values('prod')));
      expect(acl.authorized('reserve_resources', 'ops', 'prod')).to.equal(false);
      expect(acl.authorized('reserve_resources', undefined, 'prod')).to.equal(false);
      expect(acl.authorized('reserve_resources', 'ops', 'dev')).to.equal(true);
    });

    it('permissive: false denies what no rule matches; permissive: true allows it; permissive defaults to true', () => {
      const onlyOps = rule('teardown_frameworks', values('ops'), ANY);
      expect(authorizer('teardown_frameworks', false, onlyOps).decide('teardown_frameworks', 'dev', 'fw')).to.deep.equal({ allowed: false });
      expect(authorizer('teardown_frameworks', true, onlyOps).decide('teardown_frameworks', 'dev', 'fw')).to.deep.equal({ allowed: true });
      expect(parseAcls({}).permissive).to.equal(true);
      expect(fromJson({ teardown_frameworks: [onlyOps] }).authorized('teardown_frameworks', 'dev', 'fw')).to.equal(true);
    });

    it('permissive: false does not deny what a rule allows, nor allow what a rule denies', () => {
      const acl = authorizer('unreserve_resources', false, rule('unreserve_resources', values('ops'), ANY), rule('unreserve_resources', values('dev'), NONE));
      expect(acl.authorized('unreserve_resources', 'ops', 'anyone')).to.equal(true);
      expect(acl.authorized('unreserve_resources', 'dev', 'dev')).to.equal(false);
    });

    it('a missing principal matches only ANY and NONE subjects (Mesos: no subject is the entity ANY)', () => {
      const named = authorizer('run_tasks', false, rule('run_tasks', values('ops'), ANY));
      const anyone = authorizer('run_tasks', false, rule('run_tasks', ANY, ANY));
      const noOne = authorizer('run_tasks', true, rule('run_tasks', NONE, ANY));
      expect(named.decide('run_tasks', undefined, 'nobody')).to.deep.equal({ allowed: false });
      expect(anyone.decide('run_tasks', undefined, 'nobody')).to.deep.equal({ allowed: true, rule: 0 });
      expect(noOne.decide('run_tasks', undefined, 'nobody')).to.deep.equal({ allowed: false, rule: 0 });
      expect(authorizer('run_tasks', true, rule('run_tasks', values('ops'), NONE)).authorized('run_tasks', undefined, 'root')).to.equal(true);
    });

    it('no particular object (undefined) matches only ANY and NONE objects', () => {
      const acl = authorizer('view_frameworks', false, rule('view_frameworks', values('ops'), values('nobody')), rule('view_frameworks', values('ops'), ANY));
      expect(acl.decide('view_frameworks', 'ops', undefined)).to.deep.equal({ allowed: true, rule: 1 });
      expect(authorizer('view_frameworks', false, rule('view_frameworks', values('ops'), values('nobody'))).authorized('view_frameworks', 'ops', undefined)).to.equal(false);
    });

    it('values are compared exactly (no case folding, no prefixes outside role actions)', () => {
      const acl = authorizer('run_tasks', false, rule('run_tasks', values('ops'), values('root', 'eng/%')));
      expect(acl.authorized('run_tasks', 'OPS', 'root')).to.equal(false);
      expect(acl.authorized('run_tasks', 'ops', 'roo')).to.equal(false);
      expect(acl.authorized('run_tasks', 'ops', 'eng/a')).to.equal(false);
      expect(acl.authorized('run_tasks', 'ops', 'eng/%')).to.equal(true);
    });

    it('authorizedAll needs every object allowed; with none, permissive decides', () => {
      const acl = authorizer('register_frameworks', false, rule('register_frameworks', values('ops'), values('a', 'b')));
      expect(acl.authorizedAll('register_frameworks', 'ops', ['a', 'b'])).to.equal(true);
      expect(acl.authorizedAll('register_frameworks', 'ops', ['a', 'c'])).to.equal(false);
      expect(acl.authorizedAll('register_frameworks', 'ops', [])).to.equal(false);
      expect(PERMISSIVE_AUTHORIZER.authorizedAll('register_frameworks', 'ops', [])).to.equal(true);
    });

    it('the authorizer copies its rules: changing the ACL object afterwards changes nothing', () => {
      const acls = parseAcls({ permissive: false, run_tasks: [rule('run_tasks', values('dev'), ANY)] });
      const acl = new Authorizer(acls);
      ((acls.run_tasks?.[0]?.principals as { values: string[] }).values).push('ops');
      (acls.run_tasks as unknown[]).length = 0;
      expect(acl.authorized('run_tasks', 'ops', 'root')).to.equal(false);
      expect(acl.authorized('run_tasks', 'dev', 'root')).to.equal(true);
    });

    it('PERMISSIVE_AUTHORIZER allows every action, with or without a principal or an object', () => {
      for (const action of ACTIONS) {
        expect(PERMISSIVE_AUTHORIZER.authorized(action, undefined, undefined), action).to.equal(true);
        expect(PERMISSIVE_AUTHORIZER.authorized(action, 'anyone', objectFor(action, 0)), action).to.equal(true);
      }
    });
  });

  describe('hierarchical roles (role values ending in /%), as Mesos src/tests/authorization_tests.cpp checks them', () => {
    for (const action of ['register_frameworks', 'reserve_resources'] as const) {
      // The ACLs of Mesos' "HierarchicalRoles" tests for RegisterFramework and ReserveResources.
      const acl = authorizer(action, true,
        rule(action, values('elizabeth-ii'), values('king/%', 'king')),
        rule(action, values('charles'), values('king/%')),
        rule(action, values('j-welby'), values('king')),
        rule(action, ANY, NONE));
      it(`${action}: king/% covers every role nested under king/, not king itself nor kingdom`, () => {
        const cases: Array<[string | undefined, string, boolean]> = [
          ['elizabeth-ii', 'king', true], ['elizabeth-ii', 'king/prince', true], ['elizabeth-ii', 'king/prince/duke', true],
          ['charles', 'king', false], ['charles', 'king/prince', true], ['charles', 'kingdom', false],
          ['j-welby', 'king', true], ['j-welby', 'king/prince', false],
          ['someone', 'king/prince', false], [undefined, 'king/prince', false],
        ];
        for (const [subject, role, expected] of cases) expect(acl.authorized(action, subject, role), `${subject} ${role}`).to.equal(expected);
      });
    }
  });

  describe("Mesos' docs/authorization.md examples (Examples section), decided as the docs say", () => {
    it('register_frameworks: "Only principal foo can register frameworks subscribed to the analytics role" (permissive default)', () => {
      const acl = fromJson({ register_frameworks: [
        { principals: { values: ['foo'] }, roles: { values: ['analytics'] } },
        { principals: { type: 'NONE' }, roles: { values: ['analytics'] } },
      ] });
      expect(acl.authorized('register_frameworks', 'foo', 'analytics')).to.equal(true);
      expect(acl.authorized('register_frameworks', 'bar', 'analytics')).to.equal(false);
      expect(acl.authorized('register_frameworks', undefined, 'analytics')).to.equal(false);
      expect(acl.authorized('register_frameworks', 'foo', 'ads')).to.equal(true);
      expect(acl.authorized('register_frameworks', 'bar', 'ads')).to.equal(true);
    });

    it('register_frameworks: "foo can register ... analytics and ads roles and no other role. Any other principal ... any roles"', () => {
      const acl = fromJson({ register_frameworks: [
        { principals: { values: ['foo'] }, roles: { values: ['analytics', 'ads'] } },
        { principals: { values: ['foo'] }, roles: { type: 'NONE' } },
      ] });
      expect(acl.authorizedAll('register_frameworks', 'foo', ['analytics', 'ads'])).to.equal(true);
      expect(acl.authorized('register_frameworks', 'foo', 'dev')).to.equal(false);
      expect(acl.authorized('register_frameworks', 'bar', 'dev')).to.equal(true);
      expect(acl.authorized('register_frameworks', undefined, 'dev')).to.equal(true);
    });

    it('register_frameworks, permissive false: "foo can register ... analytics ... No other principal can register ... including *"', () => {
      const acl = fromJson({ permissive: false, register_frameworks: [{ principals: { values: ['foo'] }, roles: { values: ['analytics'] } }] });
      expect(acl.authorized('register_frameworks', 'foo', 'analytics')).to.equal(true);
      expect(acl.authorized('register_frameworks', 'foo', '*')).to.equal(false);
      expect(acl.authorized('register_frameworks', 'bar', '*')).to.equal(false);
    });

    it('run_tasks, permissive false: "principals can only run tasks as ... guest or bar"', () => {
      const acl = fromJson({ permissive: false, run_tasks: [{ principals: { type: 'ANY' }, users: { values: ['guest', 'bar'] } }] });
      expect(acl.authorized('run_tasks', 'anyone', 'guest')).to.equal(true);
      expect(acl.authorized('run_tasks', undefined, 'bar')).to.equal(true);
      expect(acl.authorized('run_tasks', 'anyone', 'root')).to.equal(false);
    });

    it('run_tasks: "foo and bar can run tasks as ... alice and no other user. No other principal can run tasks"', () => {
      const acl = fromJson({ permissive: false, run_tasks: [{ principals: { values: ['foo', 'bar'] }, users: { values: ['alice'] } }] });
      expect(acl.authorized('run_tasks', 'foo', 'alice')).to.equal(true);
      expect(acl.authorized('run_tasks', 'bar', 'alice')).to.equal(true);
      expect(acl.authorized('run_tasks', 'foo', 'root')).to.equal(false);
      expect(acl.authorized('run_tasks', 'baz', 'alice')).to.equal(false);
    });

    it('run_tasks: "foo can run tasks only as ... guest ... Any other principal (or framework without a principal) ... any user"', () => {
      const acl = fromJson({ run_tasks: [
        { principals: { values: ['foo'] }, users: { values: ['guest'] } },
        { principals: { values: ['foo'] }, users: { type: 'NONE' } },
      ] });
      expect(acl.authorized('run_tasks', 'foo', 'guest')).to.equal(true);
      expect(acl.authorized('run_tasks', 'foo', 'root')).to.equal(false);
      expect(acl.authorized('run_tasks', 'bar', 'root')).to.equal(true);
      expect(acl.authorized('run_tasks', undefined, 'root')).to.equal(true);
    });

    it('run_tasks: "No principal can run tasks as ... root. Any principal (or framework without a principal) can run ... any other user"', () => {
      const acl = fromJson({ run_tasks: [{ principals: { type: 'NONE' }, users: { values: ['root'] } }] });
      expect(acl.authorized('run_tasks', 'foo', 'root')).to.equal(false);
      expect(acl.authorized('run_tasks', undefined, 'root')).to.equal(false);
      expect(acl.authorized('run_tasks', 'foo', 'guest')).to.equal(true);
      expect(acl.authorized('run_tasks', undefined, 'guest')).to.equal(true);
    });

    it('teardown_frameworks order example: the docs write {"type": "admin"}, which Mesos cannot parse either; with values it behaves as described', () => {
      const asWritten = { teardown_frameworks: [
        { principals: { type: 'NONE' }, framework_principals: { type: 'ANY' } },
        { principals: { type: 'admin' }, framework_principals: { type: 'ANY' } },
      ] };
      expect(() => parseAcls(asWritten)).to.throw('acls.teardown_frameworks[1].principals.type: expected "ANY", "NONE" or "SOME", got "admin"');
      const admin = { principals: { values: ['admin'] }, framework_principals: { type: 'ANY' } };
      const noOne = { principals: { type: 'NONE' }, framework_principals: { type: 'ANY' } };
      const broken = fromJson({ teardown_frameworks: [noOne, admin] });
      const fixed = fromJson({ teardown_frameworks: [admin, noOne] });
      expect(broken.authorized('teardown_frameworks', 'admin', 'fw')).to.equal(false);
      expect(fixed.authorized('teardown_frameworks', 'admin', 'fw')).to.equal(true);
      expect(fixed.authorized('teardown_frameworks', 'ops', 'fw')).to.equal(false);
    });

    it('teardown_frameworks, permissive false: "ops can teardown any framework ... No other principal can"', () => {
      const acl = fromJson({ permissive: false, teardown_frameworks: [{ principals: { values: ['ops'] }, framework_principals: { type: 'ANY' } }] });
      expect(acl.authorized('teardown_frameworks', 'ops', 'payroll')).to.equal(true);
      expect(acl.authorized('teardown_frameworks', 'ops', undefined)).to.equal(true);
      expect(acl.authorized('teardown_frameworks', 'payroll', 'payroll')).to.equal(false);
    });

    it('reserve_resources: "foo can reserve ... for any role" / "foo cannot reserve" / "only for roles prod and dev"', () => {
      const anyRole = fromJson({ permissive: false, reserve_resources: [{ principals: { values: ['foo'] }, roles: { type: 'ANY' } }] });
      expect(anyRole.authorized('reserve_resources', 'foo', 'x')).to.equal(true);
      expect(anyRole.authorized('reserve_resources', 'bar', 'x')).to.equal(false);
      const noRole = fromJson({ reserve_resources: [{ principals: { values: ['foo'] }, roles: { type: 'NONE' } }] });
      expect(noRole.authorized('reserve_resources', 'foo', 'x')).to.equal(false);
      expect(noRole.authorized('reserve_resources', undefined, 'x')).to.equal(true);
      const some = fromJson({ permissive: false, reserve_resources: [{ principals: { values: ['foo'] }, roles: { values: ['prod', 'dev'] } }] });
      expect(some.authorized('reserve_resources', 'foo', 'dev')).to.equal(true);
      expect(some.authorized('reserve_resources', 'foo', 'qa')).to.equal(false);
      expect(some.authorized('reserve_resources', undefined, 'dev')).to.equal(false);
    });

    it('unreserve_resources: "foo can unreserve resources reserved by itself and by bar. bar ... only its own"', () => {
      const acl = fromJson({ permissive: false, unreserve_resources: [
        { principals: { values: ['foo'] }, reserver_principals: { values: ['foo', 'bar'] } },
        { principals: { values: ['bar'] }, reserver_principals: { values: ['bar'] } },
      ] });
      expect(acl.authorized('unreserve_resources', 'foo', 'bar')).to.equal(true);
      expect(acl.authorized('unreserve_resources', 'bar', 'bar')).to.equal(true);
      expect(acl.authorized('unreserve_resources', 'bar', 'foo')).to.equal(false);
      expect(acl.authorized('unreserve_resources', 'baz', 'baz')).to.equal(false);
    });

    it('get_endpoints: "ops can reach all HTTP endpoints ... foo ... only /logging/toggle and /monitor/statistics"', () => {
      const acl = fromJson({ permissive: false, get_endpoints: [
        { principals: { values: ['ops'] }, paths: { type: 'ANY' } },
        { principals: { values: ['foo'] }, paths: { values: ['/logging/toggle', '/monitor/statistics'] } },
      ] });
      expect(acl.authorized('get_endpoints', 'ops', '/metrics/snapshot')).to.equal(true);
      expect(acl.authorized('get_endpoints', 'foo', '/monitor/statistics')).to.equal(true);
      expect(acl.authorized('get_endpoints', 'foo', '/metrics/snapshot')).to.equal(false);
      expect(acl.authorized('get_endpoints', 'bar', '/logging/toggle')).to.equal(false);
    });
  });

  describe('parseAcls: errors name the path', () => {
    const runTask = { principals: ANY, users: ANY };
    const rows: Array<[string, unknown, string | RegExp]> = [
      ['not an object', [], 'acls: expected a JSON object'],
      ['permissive not a boolean', { permissive: 'no' }, 'acls.permissive: expected true or false, got "no"'],
      ['an action that is not a list', { run_tasks: {} }, 'acls.run_tasks: expected an array of rules, got {}'],
      ['a rule that is not an object', { run_tasks: [runTask, 7] }, 'acls.run_tasks[1]: expected an object with "principals" and "users", got 7'],
      ['a bad entity', { run_tasks: [runTask, runTask, { principals: ANY, users: ['nobody'] }] },
        'acls.run_tasks[2].users: expected {values: [...]} or {type: "ANY"|"NONE"}, got ["nobody"]'],
      ['a missing object field', { run_tasks: [{ principals: ANY }] }, 'acls.run_tasks[0].users: missing (a run_tasks rule has "principals" and "users")'],
      ['a missing subject field', { view_tasks: [{ users: ANY }] }, 'acls.view_tasks[0].principals: missing (a view_tasks rule has "principals" and "users")'],
      ['a misspelled object field', { run_tasks: [{ principals: ANY, user: ANY }] }, 'acls.run_tasks[0].user: unknown field (a run_tasks rule has "principals" and "users")'],
      ['an unknown entity type', { run_tasks: [{ principals: { type: 'ALL' }, users: ANY }] }, 'acls.run_tasks[0].principals.type: expected "ANY", "NONE" or "SOME", got "ALL"'],
      ['values with ANY', { run_tasks: [{ principals: { type: 'ANY', values: ['a'] }, users: ANY }] }, /^acls\.run_tasks\[0\]\.principals: \{type: "ANY"\} takes no values/],
      ['SOME without values', { run_tasks: [{ principals: { type: 'SOME' }, users: ANY }] }, /^acls\.run_tasks\[0\]\.principals: expected \{values/],
      ['an unknown entity field', { run_tasks: [{ principals: { value: ['a'] }, users: ANY }] }, /^acls\.run_tasks\[0\]\.principals\.value: unknown field/],
      ['an empty values list', { run_tasks: [{ principals: { values: [] }, users: ANY }] }, 'acls.run_tasks[0].principals.values: expected at least one value (an empty list matches nothing)'],
      ['a value that is not a string', { run_tasks: [{ principals: ANY, users: { values: ['a', 0] } }] }, 'acls.run_tasks[0].users.values[1]: expected a string, got 0'],
      ['values for an implicit object', { access_mesos_logs: [{ principals: ANY, logs: { values: ['x'] } }] }, /^acls\.access_mesos_logs\[0\]\.logs: expected \{type: "ANY"\|"NONE"\}/],
      ['values for an implicit object of an unenforced action', { prune_images: [{ principals: ANY, images: { values: ['a'] } }] }, /^acls\.prune_images\[0\]\.images: expected \{type/],
      ['values for the implicit object of drain_agents', { drain_agents: [{ principals: ANY, agents: { values: ['a'] } }] }, /^acls\.drain_agents\[0\]\.agents: expected \{type/],
      ['an endpoint Mesos cannot authorize', { get_endpoints: [{ principals: ANY, paths: { values: ['/metrics/snapshot', '/master/state'] } }] },
        /^acls\.get_endpoints\[0\]\.paths\.values\[1\]: '\/master\/state' is not an authorizable endpoint/],
      ['a misspelled action', { run_task: [] }, 'acls.run_task: not an ACL action Mesos defines; did you mean "run_tasks"?'],
      ['an unknown action', { launch_rockets: [] }, 'acls.launch_rockets: not an ACL action Mesos defines'],
      ['a malformed rule of an unenforced action', { create_volumes: [{ principals: ANY, users: ANY }] }, 'acls.create_volumes[0].users: unknown field (a create_volumes rule has "principals" and "roles")'],
    ];
    for (const [what, json, expected] of rows) {
      it(`${what}: ${String(expected)}`, () => {
        expect(() => parseAcls(json)).to.throw(expected);
      });
    }

    it('keeps {type: "SOME", values} as {values}, fills in permissive, and keeps rules in order', () => {
      const acls = parseAcls({ run_tasks: [{ principals: { type: 'SOME', values: ['a'] }, users: NONE }, { principals: ANY, users: values('b') }] });
      expect(acls).to.deep.equal({ permissive: true, run_tasks: [{ principals: values('a'), users: NONE }, { principals: ANY, users: values('b') }] });
    });

    it("accepts every action Mesos defines but this module does not enforce, keeps them, and lists them; they decide nothing here", () => {
      const json: Record<string, unknown> = { permissive: false };
      for (const action of UNENFORCED_ACL_ACTIONS) json[action] = [];
      json['resize_volumes'] = [{ principals: ANY, roles: values('prod') }];
      const acls = parseAcls(json);
      // view_roles, update_weights, get_quotas and update_quotas are enforced (/master/roles, /weights, /quota), view_containers too (/containers), create_volumes and destroy_volumes (CREATE, DESTROY),
      // set_log_level (/logging/toggle, SET_LOGGING_LEVEL), drain_agents, deactivate_agents and reactivate_agents (DRAIN_AGENT...), the five maintenance actions (/master/maintenance/..., /master/machine/...),
      // wait_/kill_standalone_containers and wait_/kill_nested_containers (the agent's WAIT_CONTAINER and KILL_CONTAINER); the rest of acls.proto is not.
      expect(UNENFORCED_ACL_ACTIONS).to.have.length(20);
      expect(unenforcedActionsIn(acls)).to.deep.equal(['resize_volumes']);
      expect(new Authorizer(acls).authorized('run_tasks', 'ops', 'root')).to.equal(false);
    });

    it('accepts every authorizable endpoint', () => {
      expect(() => parseAcls({ get_endpoints: [{ principals: ANY, paths: { values: [...AUTHORIZABLE_ENDPOINTS] } }] })).not.to.throw();
    });
  });

  describe('parseAclsFlag and loadAcls: inline JSON, file:// and plain paths', () => {
    const acls = { permissive: false, run_tasks: [{ principals: ANY, users: values('nobody') }] };
    let directory = '';
    before(() => {
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'acls-spec-'));
      fs.writeFileSync(path.join(directory, 'acls.json'), JSON.stringify(acls));
      fs.writeFileSync(path.join(directory, 'bad.json'), JSON.stringify({ run_tasks: [{ principals: ANY }] }));
      fs.writeFileSync(path.join(directory, 'broken.json'), '{"run_tasks": [');
      fs.writeFileSync(path.join(directory, 'huge.json'), ' '.repeat(MAX_ACLS_FILE_BYTES + 1));
    });
    after(() => fs.rmSync(directory, { recursive: true, force: true }));

    it('inline JSON, a file:// URL, an absolute and a relative path give the same ACLs', () => {
      const file = path.join(directory, 'acls.json');
      const expected = parseAcls(acls);
      expect(parseAclsFlag(JSON.stringify(acls))).to.deep.equal(expected);
      expect(parseAclsFlag(`  ${JSON.stringify(acls)}\n`)).to.deep.equal(expected);
      expect(() => parseAclsFlag('[]')).to.throw('acls: expected a JSON object');
      expect(parseAclsFlag(`file://${file}`)).to.deep.equal(expected);
      expect(parseAclsFlag(file)).to.deep.equal(expected);
      expect(parseAclsFlag(path.relative(process.cwd(), file))).to.deep.equal(expected);
      expect(loadAcls(file)).to.deep.equal(expected);
    });

    it('errors name the file and, for content, the path inside it', () => {
      const bad = path.join(directory, 'bad.json');
      expect(() => parseAclsFlag(`file://${bad}`)).to.throw(`acls.run_tasks[0].users: missing (a run_tasks rule has "principals" and "users") (in file '${bad}')`);
      expect(() => loadAcls(path.join(directory, 'broken.json'))).to.throw(/^acls: not valid JSON: .* \(in file '.*broken\.json'\)$/);
      expect(() => parseAclsFlag('{"run_tasks": ')).to.throw(/^acls: not valid JSON/);
      expect(() => parseAclsFlag(path.join(directory, 'missing.json'))).to.throw(/^acls: cannot read '.*missing\.json': ENOENT/);
      expect(() => loadAcls(directory)).to.throw(/cannot read '.*': not a regular file/);
      expect(() => loadAcls(path.join(directory, 'huge.json'))).to.throw(/more than the 1048576 allowed/);
    });
  });

  describe('describeDenial', () => {
    const rows: Array<[AclAction, string | undefined, string | undefined, string]> = [
      ['run_tasks', 'x', 'root', "principal 'x' is not authorized to run tasks as user 'root'"],
      ['register_frameworks', 'x', 'prod', "principal 'x' is not authorized to register frameworks with role 'prod'"],
      ['teardown_frameworks', 'x', 'fw', "principal 'x' is not authorized to tear down frameworks of principal 'fw'"],
      ['view_frameworks', 'x', undefined, "principal 'x' is not authorized to view frameworks of any user"],
      ['view_tasks', 'x', 'u', "principal 'x' is not authorized to view tasks of user 'u'"],
      ['view_executors', 'x', 'u', "principal 'x' is not authorized to view executors of user 'u'"],
      ['access_sandboxes', undefined, 'u', "a request without a principal is not authorized to access sandboxes of user 'u'"],
      ['reserve_resources', 'x', 'prod', "principal 'x' is not authorized to reserve resources for role 'prod'"],
      ['unreserve_resources', 'x', 'y', "principal 'x' is not authorized to unreserve resources reserved by principal 'y'"],
      ['access_mesos_logs', 'x', 'ignored', "principal 'x' is not authorized to access the Mesos logs"],
      ['view_flags', undefined, undefined, 'a request without a principal is not authorized to view the flags'],
      ['get_endpoints', 'x', '/metrics/snapshot', "principal 'x' is not authorized to GET endpoint '/metrics/snapshot'"],
    ];
    for (const [action, subject, object, expected] of rows) {
      it(`${action}: ${expected}`, () => expect(describeDenial(action, subject, object)).to.equal(expected));
    }
  });

  describe('properties (seeded; a failure names its seed)', () => {
    /** Seeds per property. */
    const SEEDS = 200;
    /** Names drawn for principals and objects; small, so rules and requests often meet. */
    const NAMES = ['ops', 'dev', 'root', 'nobody', 'king', 'king/a', 'king/a/b', 'kingdom', '/metrics/snapshot', '/logging/toggle'];

    const pick = <T>(prng: Prng, items: readonly T[]): T => items[prng.nextInt(items.length)] as T;
    const name = (prng: Prng): string => pick(prng, NAMES);
    const maybeName = (prng: Prng): string | undefined => (prng.nextInt(4) === 0 ? undefined : name(prng));
    const entity = (prng: Prng, recursive: boolean): AclEntity => {
      const kind = prng.nextInt(4);
      if (kind === 0) return ANY;
      if (kind === 1) return NONE;
      const count = 1 + prng.nextInt(3);
      return values(...Array.from({ length: count }, () => (recursive && prng.nextInt(3) === 0 ? 'king/%' : name(prng))));
    };
    const randomRule = (prng: Prng, action: AclAction): Record<string, AclEntity> => {
      const objects = IMPLICIT.includes(action) ? pick(prng, [ANY, NONE]) : entity(prng, action === 'register_frameworks' || action === 'reserve_resources');
      return rule(action, entity(prng, false), objects);
    };
    const randomRules = (prng: Prng, action: AclAction, most: number): Array<Record<string, AclEntity>> =>
      Array.from({ length: prng.nextInt(most + 1) }, () => randomRule(prng, action));
    /** Builds Acls without parseAcls' endpoint check (random rules may name any path). */
    const build = (permissive: boolean, action: AclAction, rules: Array<Record<string, AclEntity>>): Authorizer =>
      new Authorizer({ permissive, [action]: rules } as unknown as Acls);

    /** Runs `check` for every seed, naming the seed when it fails. */
    const forEachSeed = (check: (prng: Prng, action: AclAction) => void): void => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const prng = new Prng(seed);
        try {
          check(prng, pick(prng, ACTIONS));
        } catch (error) {
          throw new Error(`seed ${seed}: ${(error as Error).message}`);
        }
      }
    };

    it('permissive: true with no rules allows everything', () => {
      const acl = new Authorizer(parseAcls({ permissive: true }));
      forEachSeed((prng, action) => expect(acl.authorized(action, maybeName(prng), maybeName(prng))).to.equal(true));
    });

    it('permissive: false with no rules denies everything', () => {
      const acl = new Authorizer(parseAcls({ permissive: false }));
      forEachSeed((prng, action) => expect(acl.authorized(action, maybeName(prng), maybeName(prng))).to.equal(false));
    });

    it('a rule list of only ANY/ANY rules allows everything, even with permissive: false', () => {
      forEachSeed((prng, action) => {
        const acl = build(false, action, Array.from({ length: 1 + prng.nextInt(3) }, () => rule(action, ANY, ANY)));
        expect(acl.decide(action, maybeName(prng), maybeName(prng))).to.deep.equal({ allowed: true, rule: 0 });
      });
    });

    it('a first rule ANY/NONE denies everything, whatever follows and whatever permissive says', () => {
      forEachSeed((prng, action) => {
        const acl = build(prng.nextInt(2) === 0, action, [rule(action, ANY, NONE), ...randomRules(prng, action, 4)]);
        expect(acl.authorized(action, maybeName(prng), maybeName(prng))).to.equal(false);
      });
    });

    it('rules appended after the deciding rule change no decision (the first match decides)', () => {
      forEachSeed((prng, action) => {
        const permissive = prng.nextInt(2) === 0;
        const rules = randomRules(prng, action, 4);
        const [subject, object] = [maybeName(prng), maybeName(prng)];
        const before = build(permissive, action, rules).decide(action, subject, object);
        const after = build(permissive, action, [...rules, ...randomRules(prng, action, 4)]).decide(action, subject, object);
        if (before.rule !== undefined) expect(after).to.deep.equal(before);
      });
    });

    it('a request without a principal is decided as if rules naming principals were not there', () => {
      forEachSeed((prng, action) => {
        const permissive = prng.nextInt(2) === 0;
        const rules = randomRules(prng, action, 5);
        const object = maybeName(prng);
        const unnamed = rules.filter((candidate) => !('values' in (candidate['principals'] as AclEntity)));
        expect(build(permissive, action, rules).authorized(action, undefined, object))
          .to.equal(build(permissive, action, unnamed).authorized(action, undefined, object));
      });
    });

    it('agrees with a model of Mesos\' match and allow tables for single-valued requests', () => {
      forEachSeed((prng, action) => {
        const permissive = prng.nextInt(2) === 0;
        const rules = randomRules(prng, action, 5);
        const [subject, object] = [maybeName(prng), IMPLICIT.includes(action) ? undefined : maybeName(prng)];
        expect(build(permissive, action, rules).authorized(action, subject, object))
          .to.equal(modelDecision(action, permissive, rules, subject, object));
      });
    });
  });
});

/** The kind of an entity, in a request or in a rule. */
type Kind = 'SOME' | 'ANY' | 'NONE';

/**
 * Mesos' match and allow tables (src/authorizer/local/authorizer.cpp), keyed by the request's kind,
 * then the rule's: true, false, or 'listed' (the request's value must be among the rule's values).
 */
const MATCH_TABLE: Readonly<Record<Kind, Readonly<Record<Kind, boolean | 'listed'>>>> = {
  SOME: { SOME: 'listed', NONE: true, ANY: true },
  NONE: { SOME: false, NONE: true, ANY: false },
  ANY: { SOME: false, NONE: true, ANY: true },
};
const ALLOW_TABLE: Readonly<Record<Kind, Readonly<Record<Kind, boolean | 'listed'>>>> = {
  SOME: { SOME: 'listed', NONE: false, ANY: true },
  NONE: { SOME: false, NONE: true, ANY: false },
  ANY: { SOME: false, NONE: false, ANY: true },
};

/** A rule entity as the model sees it. */
interface ModelEntity {
  readonly kind: Kind;
  readonly values: readonly string[];
}

/** One of the model's (possibly split) rules; `under` is set for a recursive role rule (`p/%` → `p/`). */
interface ModelRule {
  readonly subjects: ModelEntity;
  readonly objects: ModelEntity;
  readonly under?: string;
}

const modelEntity = (entity: AclEntity): ModelEntity =>
  ('type' in entity ? { kind: entity.type, values: [] } : { kind: 'SOME', values: entity.values });

/** Looks a request up in a table. */
function lookUp(table: typeof MATCH_TABLE, requested: string | undefined, entity: ModelEntity): boolean {
  const cell = table[requested === undefined ? 'ANY' : 'SOME'][entity.kind];
  return cell === 'listed' ? entity.values.includes(requested as string) : cell;
}

/**
 * Splits role rules the way Mesos' hierarchical approver does: each `p/%` value becomes a rule of
 * its own, the other values stay together.
 */
function splitRule(subjects: ModelEntity, objects: ModelEntity, hierarchical: boolean): ModelRule[] {
  if (!hierarchical || objects.kind !== 'SOME') return [{ subjects, objects }];
  const recursive = objects.values.filter((value) => value.endsWith('/%'));
  const plain = objects.values.filter((value) => !value.endsWith('/%'));
  const split: ModelRule[] = recursive.map((value) => ({ subjects, objects: { kind: 'ANY', values: [] }, under: value.slice(0, -1) }));
  return plain.length > 0 ? [...split, { subjects, objects: { kind: 'SOME', values: plain } }] : split;
}

/**
 * An independent model of the local authorizer built on Mesos' 3×3 tables (the module under test
 * folds them into "ANY and NONE match everything; NONE denies" and never splits rules). The first
 * rule matching on both sides decides with the allow table; no match: `permissive`.
 */
function modelDecision(
  action: AclAction, permissive: boolean, rules: Array<Record<string, AclEntity>>, subject: string | undefined, object: string | undefined,
): boolean {
  const hierarchical = action === 'register_frameworks' || action === 'reserve_resources';
  const split = rules.flatMap((candidate) => splitRule(
    modelEntity(candidate['principals'] as AclEntity), modelEntity(candidate[ACL_ACTION_OBJECTS[action]] as AclEntity), hierarchical));
  for (const candidate of split) {
    if (candidate.under !== undefined && (object === undefined || !object.startsWith(candidate.under))) continue;
    if (!lookUp(MATCH_TABLE, subject, candidate.subjects) || !lookUp(MATCH_TABLE, object, candidate.objects)) continue;
    return lookUp(ALLOW_TABLE, subject, candidate.subjects) && lookUp(ALLOW_TABLE, object, candidate.objects);
  }
  return permissive;
}
