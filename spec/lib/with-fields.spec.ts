import { expect } from 'chai';
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
});
