import { expect } from 'chai';
import { deepFreeze } from '../../lib/deep-freeze';
import { withFields } from '../../lib/with-fields';

describe('lib/with-fields', () => {
  it('makes what the spread makes: the base, then the fields, which win, in the same key order', () => {
    const base = { taskId: 't1', state: 'TASK_RUNNING', source: 'SOURCE_AGENT' };
    const made = withFields(base, { source: 'SOURCE_EXECUTOR', agentId: 'S1' });
    expect(made).to.deep.equal({ ...base, source: 'SOURCE_EXECUTOR', agentId: 'S1' });
    expect(Object.keys(made)).to.deep.equal(Object.keys({ ...base, source: 'SOURCE_EXECUTOR', agentId: 'S1' }));
    expect(made).to.not.equal(base);
    expect(base.source).to.equal('SOURCE_AGENT');
    expect(Object.getPrototypeOf(made)).to.equal(Object.prototype);
  });

  it('copies an own __proto__ key as a property, as the spread does, and never sets the prototype from it', () => {
    const base = JSON.parse('{"__proto__": {"polluted": true}, "taskId": "t1"}') as { taskId: string };
    const made = withFields(base, { agentId: 'S1' });
    expect(Object.getPrototypeOf(made)).to.equal(Object.prototype);
    expect((made as { polluted?: boolean }).polluted).to.equal(undefined);
    expect(Object.getOwnPropertyDescriptor(made, '__proto__')?.value).to.deep.equal({ polluted: true });
    expect(made.taskId).to.equal('t1');
    expect(made.agentId).to.equal('S1');
  });

  it('makes what the spread makes where the own __proto__ is not an object, or is frozen and shares a key (Object.assign would drop it, or throw)', () => {
    const primitive = JSON.parse('{"__proto__": 1, "taskId": "t1"}') as { taskId: string };
    expect(withFields(primitive, { agentId: 'S1' })).to.deep.equal({ ...primitive, agentId: 'S1' });
    expect(Object.getOwnPropertyDescriptor(withFields(primitive, { agentId: 'S1' }), '__proto__')?.value).to.equal(1);
    const frozen = deepFreeze(JSON.parse('{"__proto__": {"state": "X"}, "state": "Y"}') as { state: string });
    const made = withFields(frozen, { taskId: 't' });
    expect(made.state).to.equal('Y');
    expect(Object.getPrototypeOf(made)).to.equal(Object.prototype);
  });
});
