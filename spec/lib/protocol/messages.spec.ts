import { expect } from 'chai';
import { MAX_UPID_LENGTH } from '../../../lib/actor';
import {
  DeclineOffers, FrameworkError, KillTask, MAX_AGENT_REPORTED_FRAMEWORKS, MAX_RECONCILE_TASKS, MAX_RESOURCE_ENTRIES, ReconcileTasks, ReregisterAgent, MAX_SHORT_TEXT_LENGTH, MAX_STATUS_MESSAGE_LENGTH, RegisterAgent, ReviveOffers,
  StatusUpdateAcknowledgement, StatusUpdateMessage, UpdateFramework,
} from '../../../lib/protocol';

/** A string of `length` characters. */
function text(length: number): string {
  return 'x'.repeat(length);
}

const agent = { hostname: 'h', port: 5051, resources: [] };
const update = { frameworkId: 'F', timestamp: 1, status: { taskId: 'T', state: 'TASK_RUNNING' } };

describe('lib/protocol/messages', () => {
  it("bounds the strings of the messages' own fields as the value types' are (found by the wire fuzzer, seed 1: a 65 KB offer id in a log line)", () => {
    // Each case: a message, and a body with one string of the given length.
    const cases: Array<[{ name: string; validate(body: unknown): unknown }, number, (value: string) => unknown]> = [
      [DeclineOffers, MAX_SHORT_TEXT_LENGTH, (value) => ({ frameworkId: 'F', offerIds: [value] })],
      [KillTask, MAX_SHORT_TEXT_LENGTH, (value) => ({ frameworkId: value, taskId: 'T' })],
      [StatusUpdateAcknowledgement, MAX_SHORT_TEXT_LENGTH, (value) => ({ agentId: 'A', frameworkId: 'F', taskId: 'T', uuid: value })],
      [ReviveOffers, MAX_SHORT_TEXT_LENGTH, (value) => ({ frameworkId: 'F', roles: [value] })],
      [RegisterAgent, MAX_SHORT_TEXT_LENGTH, (value) => ({ agent, version: value })],
      [StatusUpdateMessage, MAX_UPID_LENGTH, (value) => ({ update, pid: value })],
      [UpdateFramework, MAX_UPID_LENGTH, (value) => ({ frameworkId: 'F', pid: value })],
      [FrameworkError, MAX_STATUS_MESSAGE_LENGTH, (value) => ({ message: value })],
    ];
    for (const [type, limit, body] of cases) {
      expect(() => type.validate(body(text(limit))), `${type.name} at the limit`).to.not.throw();
      expect(() => type.validate(body(text(limit + 1))), `${type.name} beyond the limit`).to.throw(`at most ${limit} characters`);
    }
  });

  it('bounds the entries of a resource list: the resource algebra is quadratic in them (20,000 kept the master busy for 1.3 s)', () => {
    const entries = (count: number): unknown[] => Array.from({ length: count }, (_, index) => ({ name: `r${index}`, type: 'SCALAR', scalar: { value: 1 } }));
    expect(() => RegisterAgent.validate({ agent: { ...agent, resources: entries(MAX_RESOURCE_ENTRIES) }, version: '1' })).to.not.throw();
    expect(() => RegisterAgent.validate({ agent: { ...agent, resources: entries(MAX_RESOURCE_ENTRIES + 1) }, version: '1' })).to.throw(`agent.resources: must have at most ${MAX_RESOURCE_ENTRIES} entries`);
  });

  it('refuses a host name with control characters (NUL was accepted and shown as it was)', () => {
    expect(() => RegisterAgent.validate({ agent: { ...agent, hostname: 'a\u0000b' }, version: '1' })).to.throw('agent.hostname: must not contain control characters');
    expect(() => RegisterAgent.validate({ agent: { ...agent, hostname: 'agent-1.example.com' }, version: '1' })).to.not.throw();
  });

  it('bounds what one reconciliation names and one re-registration reports (the hostile-wire pass: 500,000 tasks grew a master by 590 MB, 50,000 frameworks held it 17 s)', () => {
    const statuses = (count: number): unknown[] => Array.from({ length: count }, (_, index) => ({ taskId: `t${index}` }));
    expect(() => ReconcileTasks.validate({ frameworkId: 'F', statuses: statuses(MAX_RECONCILE_TASKS) })).to.not.throw();
    expect(() => ReconcileTasks.validate({ frameworkId: 'F', statuses: statuses(MAX_RECONCILE_TASKS + 1) })).to.throw(`statuses: names at most ${MAX_RECONCILE_TASKS} tasks (reconcile in batches)`);
    const frameworks = (count: number): unknown[] => Array.from({ length: count }, (_, index) => ({ name: 'f', user: 'u', id: `F${index}` }));
    const reregister = (count: number): unknown => ({ agent: { ...agent, id: 'S1' }, version: '1', tasks: [], executors: [], frameworks: frameworks(count) });
    expect(() => ReregisterAgent.validate(reregister(MAX_AGENT_REPORTED_FRAMEWORKS))).to.not.throw();
    expect(() => ReregisterAgent.validate(reregister(MAX_AGENT_REPORTED_FRAMEWORKS + 1))).to.throw(`frameworks: reports at most ${MAX_AGENT_REPORTED_FRAMEWORKS} frameworks`);
  });
});
