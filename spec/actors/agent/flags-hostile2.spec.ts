/** A hostile review of the agent's flags (checkAgentFlags). */
import { expect } from 'chai';
import { checkAgentFlags, defaultAgentFlags } from '../../../actors/agent';

const GOOD = defaultAgentFlags({ master: '127.0.0.1:5050', workDir: '/tmp/mesos' });

describe('agent flags (hostile review 2)', () => {
  it('--cgroups_root is checked naming the flag and what was typed (empty was refused as "cgroups root \'/agent-<hash>\'", a path nobody typed)', () => {
    for (const bad of ['', '/mesos', 'a/../b', 'a b']) {
      expect(() => checkAgentFlags({ ...GOOD, cgroupsRoot: bad }), bad).to.throw(`--cgroups_root: '${bad}' must be a relative path of plain names (e.g. mesos)`);
    }
    for (const good of ['mesos', 'mesos/agents', 'a_b.c-d']) expect(() => checkAgentFlags({ ...GOOD, cgroupsRoot: good }), good).to.not.throw();
  });
});
