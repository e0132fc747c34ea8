/**
 * The sandbox layout, and the agreement that matters most about it: an id the master accepts
 * (in a task it validates) is an id the agent can make a sandbox of.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as path from 'node:path';
import { MAX_ID_LENGTH, type TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { validateTask, type TaskContext } from '../../../actors/master/validation';
import { agentDirectory, executorDirectory, executorDirectoryOfRun, executorRunDirectory, frameworkDirectoryIn, frameworkDirectoryOfRun, frameworksDirectory, pathComponentError } from '../../../actors/agent/paths';
import { AGENT_ID, AgentHarness, FRAMEWORK_ID } from './harness';

const resources = Resources.parse('cpus:1;mem:32').toJSON();

/** A master's view in which nothing but the ids can be wrong. */
const context: TaskContext = {
  frameworkId: FRAMEWORK_ID, agentId: AGENT_ID, hasTask: () => false, hasUnreachableTask: () => false, executor: () => undefined,
  available: Resources.parse('cpus:4;mem:1024'),
};

/** A task with a custom executor, so that the master checks both a task id and an executor id. */
function taskWithIds(taskId: string, executorId: string): TaskInfo {
  return { name: 'task', taskId, agentId: AGENT_ID, resources, executor: { executorId, command: { value: 'x' } } };
}

/** Ids around every rule: any text, text near the length limit, and names with dots, separators and NULs. */
const idCandidates = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('a', '-', '.', '_', ':'), minLength: MAX_ID_LENGTH - 16, maxLength: MAX_ID_LENGTH + 2 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '€'), minLength: MAX_ID_LENGTH / 3 - 2, maxLength: MAX_ID_LENGTH }),
  fc.string({ unit: fc.constantFrom('.', '/', '\\', '\0', 'a', 'é'), maxLength: 4 }),
);

describe('actors/agent/paths', () => {
  it('builds <workDir>/agents/<agent>/frameworks/<framework>/executors/<executor>/runs/<run>', () => {
    const directory = executorRunDirectory('/w', { agentId: 'A', frameworkId: 'F', executorId: 'E', runId: 'R' });
    expect(directory).to.equal('/w/agents/A/frameworks/F/executors/E/runs/R');
  });

  it('joins as path.join does for any work dir, normal or not, without normalizing a normal one again (property, seed 1306)', () => {
    const segment = fc.constantFrom('w', 'work dir', '.', '..', '', 'é', 'a.b', 'runs');
    const workDirs = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 5 }), fc.boolean()).map(([absolute, parts, trailing]) => `${absolute ? '/' : ''}${parts.join('/')}${trailing ? '/' : ''}`);
    const ids = fc.oneof(fc.constant('runs'), fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/)).filter((id) => pathComponentError('x', id) === undefined);
    fc.assert(fc.property(workDirs, ids, ids, ids, ids, (workDir, agentId, frameworkId, executorId, runId) => {
      const expected = path.join(workDir, 'agents', agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', runId);
      expect(executorRunDirectory(workDir, { agentId, frameworkId, executorId, runId })).to.equal(expected);
      expect(executorDirectory(workDir, { agentId, frameworkId, executorId })).to.equal(path.dirname(path.dirname(expected)));
      // The executor's directory cut from its run's, whatever the ids and work dir (one named `runs` too).
      expect(executorDirectoryOfRun(expected)).to.equal(executorDirectory(workDir, { agentId, frameworkId, executorId }));
      expect(agentDirectory(workDir, agentId)).to.equal(path.join(workDir, 'agents', agentId));
    }), { numRuns: 5_000, seed: 1306 });
  });

  it("cuts a framework's directory from a sandbox in it, equal to the one joined, and from no other (property)", () => {
    const ids = fc.oneof(fc.constantFrom('F', 'F1', 'executors', 'frameworks', 'runs'), fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/)).filter((id) => pathComponentError('x', id) === undefined);
    fc.assert(fc.property(ids, ids, ids, ids, ids, (agentId, frameworkId, otherFrameworkId, executorId, runId) => {
      const frameworks = frameworksDirectory('/w', agentId);
      const run = executorRunDirectory('/w', { agentId, frameworkId, executorId, runId });
      expect(frameworkDirectoryOfRun(run, frameworks, frameworkId)).to.equal(frameworkDirectoryIn(frameworks, frameworkId));
      // Another framework's (one whose id the first's starts with, too), or another agent's: not cut.
      if (otherFrameworkId !== frameworkId) expect(frameworkDirectoryOfRun(run, frameworks, otherFrameworkId)).to.equal(undefined);
      expect(frameworkDirectoryOfRun(run, frameworksDirectory('/w', `${agentId}x`), frameworkId)).to.equal(undefined);
    }), { numRuns: 2_000, seed: 7 });
    expect(frameworkDirectoryOfRun('/w/agents/A/frameworks/F1/executors/E/runs/R', '/w/agents/A/frameworks', 'F')).to.equal(undefined);
    expect(() => frameworkDirectoryOfRun('/w/agents/A/frameworks/F/executors/E/runs/R', '/w/agents/A/frameworks', '..')).to.throw("framework id is invalid: '..' is disallowed");
  });

  it('refuses an id that is no directory name, naming its kind', () => {
    expect(pathComponentError('task', '..')).to.equal("task id is invalid: '..' is disallowed");
    expect(() => executorRunDirectory('/w', { agentId: 'A', frameworkId: 'F', executorId: 'a/b', runId: 'R' })).to.throw("executor id is invalid: 'a/b' contains invalid characters");
  });

  it('makes a sandbox of every task and executor id the master accepts (property)', () => {
    fc.assert(fc.property(idCandidates, idCandidates, (taskId, executorId) => {
      fc.pre(validateTask(taskWithIds(taskId, executorId), context) === undefined);
      expect(pathComponentError('task', taskId)).to.equal(undefined);
      const directory = executorRunDirectory('/w', { agentId: AGENT_ID, frameworkId: FRAMEWORK_ID, executorId, runId: 'R' });
      expect(directory.split(path.sep).at(-3)).to.equal(executorId);
    }), { numRuns: 2_000 });
  });

  it(`accepts ids of exactly ${MAX_ID_LENGTH} characters, as the master does, and refuses longer ones with it`, () => {
    const longest = 'x'.repeat(MAX_ID_LENGTH);
    const tooLong = `${longest}x`;
    expect(validateTask(taskWithIds(longest, longest), context)).to.equal(undefined);
    expect(pathComponentError('executor', longest)).to.equal(undefined);
    expect(validateTask(taskWithIds(tooLong, 'e'), context)).to.match(/^Task ID is invalid/);
    expect(pathComponentError('task', tooLong)).to.equal(`task id is invalid: ID must not be greater than ${MAX_ID_LENGTH} characters`);
  });

  describe('the agent (harness)', () => {
    let harness: AgentHarness;

    beforeEach(async () => {
      harness = new AgentHarness();
      await harness.register();
    });

    afterEach(async () => {
      await harness.stop();
    });

    it(`launches a command task whose id (so its executor id) has ${MAX_ID_LENGTH} characters`, async () => {
      const taskId = 't'.repeat(MAX_ID_LENGTH);
      harness.runTask(AgentHarness.commandTask(taskId));
      await harness.clock.settle();
      expect(harness.forwarded()).to.deep.equal([]);
      expect(harness.launcher.run(taskId).launch.directory).to.contain(`/executors/${taskId}/runs/`);
    });

    it(`fails a task whose id has ${MAX_ID_LENGTH + 1} characters with REASON_CONTAINER_LAUNCH_FAILED (the master never sends one)`, async () => {
      harness.runTask(AgentHarness.commandTask('t'.repeat(MAX_ID_LENGTH + 1)));
      await harness.clock.settle();
      expect(harness.launcher.runs).to.have.length(0);
      expect(harness.forwarded()[0]?.status).to.include({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
    });
  });
});
