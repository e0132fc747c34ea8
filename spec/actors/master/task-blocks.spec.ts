/**
 * A framework's live tasks in blocks (`TaskBlocks`), as the state endpoints keep them: what they
 * push is the books' live tasks, in the books' order, each task's text as of now, over seeded
 * random sequences of what the master does to tasks (launches, replacements, status updates,
 * forwarding, removal) with the books' changes taken at random points; and a push that follows
 * another with nothing changed looks at no task.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { UPID } from '../../../lib/actor';
import type { Task, TaskState } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { defaultMasterFlags } from '../../../actors/master/flags';
import { MasterState, newAgentRecord, newFrameworkRecord, TASK_CHANGES_SLACK, trackLaunchedTask, type FrameworkRecord, type TrackedTask } from '../../../actors/master/state';
import { STATE_TASK_BLOCKS_SLACK, STATE_TASKS_PER_BLOCK, TaskBlocks, type TaskFormat } from '../../../actors/master/task-blocks';
import { commandTask } from './harness';

/** Task ids drawn from: enough for several blocks, few enough that ids come back. */
const TASK_IDS = 3 * STATE_TASKS_PER_BLOCK + 10;
const STATES: readonly TaskState[] = ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED'];

type Step =
  | { kind: 'launch'; id: number }
  | { kind: 'relaunch'; pick: number }
  | { kind: 'status'; pick: number; state: number }
  | { kind: 'forward'; pick: number; state: number }
  | { kind: 'remove'; pick: number; unreachable: boolean }
  | { kind: 'take' }
  | { kind: 'placeSome'; count: number }
  | { kind: 'applySome'; count: number }
  | { kind: 'compact'; count: number }
  | { kind: 'overflow' }
  | { kind: 'push' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('launch' as const), id: fc.nat({ max: TASK_IDS - 1 }) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('relaunch' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('status' as const), pick: fc.nat(), state: fc.nat({ max: STATES.length - 1 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('forward' as const), pick: fc.nat(), state: fc.nat({ max: STATES.length - 1 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat(), unreachable: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('take' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('placeSome' as const), count: fc.integer({ min: 1, max: 40 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('applySome' as const), count: fc.integer({ min: 1, max: 40 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('compact' as const), count: fc.integer({ min: 1, max: 80 }) }), weight: 1 },
  // The books saying 'all' (more changed than they keep, which takes thousands of steps): set directly.
  { arbitrary: fc.record({ kind: fc.constant('overflow' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('push' as const) }), weight: 1 },
);

/** A task's text: everything a change the blocks must notice changes. */
function textOf(task: Task, format: TaskFormat): string {
  return `${format}|${task.taskId}|${task.state}|${task.statuses?.length ?? 0}|${task.statuses?.at(-1)?.uuid ?? ''}|${task.statusUpdateState ?? ''}|${task.statusUpdateUuid ?? ''}`;
}

class Books {
  readonly state = new MasterState(defaultMasterFlags('/nonexistent'));
  readonly framework: FrameworkRecord;
  readonly agent = newAgentRecord({ id: 'M-S0', hostname: 'h', port: 5051, resources: Resources.parse('cpus:1000;mem:100000').toJSON() }, UPID.parse('slave(1)@10.0.0.1:5051'), '1.0', Resources.parse('cpus:1000;mem:100000'), 1_000);
  readonly blocks: TaskBlocks;
  /** Every task ever launched, removed ones too (relaunched as the same object). */
  readonly launched: TrackedTask[] = [];
  private updates = 0;

  constructor() {
    this.state.addAgent(this.agent);
    this.framework = newFrameworkRecord({ id: 'M-0000', name: 'fw', user: 'u', roles: ['*'] }, UPID.parse('scheduler@10.0.1.1:6000'), 1_000);
    this.state.addFramework(this.framework);
    this.blocks = new TaskBlocks(this.framework);
  }

  take(): void {
    this.blocks.take(this.state.takeTaskChanges(this.framework));
  }

  live(pick: number): TrackedTask | undefined {
    const tasks = [...this.framework.tasks.values()];
    return tasks.length === 0 ? undefined : tasks[pick % tasks.length];
  }

  status(tracked: TrackedTask, state: TaskState, forward: boolean): void {
    const uuid = `u${this.updates++}`;
    if (forward) {
      // As the master forwards an update: the status update state first, then the status.
      (tracked.task as { statusUpdateState?: TaskState }).statusUpdateState = state;
      (tracked.task as { statusUpdateUuid?: string }).statusUpdateUuid = uuid;
    }
    this.state.recordStatus(tracked, { taskId: tracked.task.taskId, state, uuid, source: 'SOURCE_EXECUTOR', timestamp: this.updates });
  }

  apply(next: Step): void {
    switch (next.kind) {
      case 'launch': {
        const tracked = trackLaunchedTask(commandTask(`t${next.id}`, this.agent.id, 'cpus:0.01;mem:1'), this.framework.id, '*');
        this.launched.push(tracked);
        this.state.addTask(tracked, this.agent);
        return;
      }
      case 'relaunch': {
        // The same task object back (removed, and kept in no list, as the master forgets a task an
        // agent comes back with): it goes to the end of the live tasks.
        const held = (task: Task): boolean => this.framework.tasks.has(task.taskId) || [...this.framework.unreachableTasks.values()].includes(task) || this.framework.completedTasks.includes(task);
        const removed = this.launched.filter((tracked) => !held(tracked.task));
        const tracked = removed[next.pick % Math.max(1, removed.length)];
        if (tracked !== undefined) this.state.addTask(tracked, this.agent);
        return;
      }
      case 'status':
      case 'forward': {
        const tracked = this.live(next.pick);
        if (tracked !== undefined) this.status(tracked, STATES[next.state] as TaskState, next.kind === 'forward');
        return;
      }
      case 'remove': {
        const tracked = this.live(next.pick);
        if (tracked !== undefined) this.state.removeTask(tracked, next.unreachable ? 'unreachable' : 'completed');
        return;
      }
      case 'take':
        return this.take();
      case 'placeSome':
        this.blocks.placeSome(next.count);
        return;
      case 'applySome':
        this.blocks.applySome(next.count);
        return;
      case 'compact':
        // Part of a pass merging blocks. One starts only when they are sparse, which few sequences
        // reach: white box, a pass is started here whenever none is under way.
        if (!this.blocks.compacting && !this.blocks.startCompaction()) (this.blocks as unknown as { compactAt: number }).compactAt = 0;
        this.blocks.compactSome(next.count);
        return;
      case 'overflow':
        this.framework.taskChanges = 'all';
        return;
      case 'push':
        this.take();
        this.check('a push');
    }
  }

  /** Both formats as the blocks push them against a walk of the books' live tasks; then a second push looks at no task. */
  check(when: string): void {
    for (const format of ['state', 'v1'] as const) {
      const parts: string[] = [];
      const first = this.blocks.push(parts, format, textOf);
      const expected = [...this.framework.tasks.values()].map((tracked) => textOf(tracked.task, format)).join(',');
      expect(parts.join(''), `${format} after ${when}`).to.equal(expected);
      expect(first, `${format}: nothing pushed`).to.equal(this.framework.tasks.size === 0);
      let looked = 0;
      this.blocks.push([], format, (task, again) => {
        looked++;
        return textOf(task, again);
      });
      expect(looked, `${format}: tasks looked at by a push right after another`).to.equal(0);
    }
    for (const size of this.blocks.sizes()) expect(size).to.be.within(1, STATE_TASKS_PER_BLOCK);
  }
}

describe('master: a framework\'s live tasks in blocks (state endpoints)', () => {
  it('pushes the books\' live tasks in their order, each as of now, whatever happened between two takes (seeded sequences)', () => {
    fc.assert(fc.property(fc.array(step, { minLength: 50, maxLength: 600, size: 'max' }), (steps) => {
      const books = new Books();
      for (const next of steps) books.apply(next);
      books.take();
      books.check('the last step');
    }), { seed: 13_1202, numRuns: 300 });
  });

  it('places every task afresh when more changed than the books keep between two takes (they say \'all\')', () => {
    const books = new Books();
    for (let id = 0; id < 2 * STATE_TASKS_PER_BLOCK; id++) books.apply({ kind: 'launch', id });
    books.take();
    books.check('the launches');
    // More status updates than twice the live tasks and the slack: the books stop listing them.
    const updates = 2 * books.framework.tasks.size + TASK_CHANGES_SLACK + 1;
    for (let count = 0; count < updates; count++) books.apply({ kind: 'status', pick: count, state: count % 3 });
    expect(books.framework.taskChanges).to.equal('all');
    books.take();
    expect(books.blocks.placing, 'placing afresh').to.equal(true);
    books.check('the updates');
  });

  it('applies every change taken after the books said \'all\' while changes taken before were partly applied (review)', () => {
    const books = new Books();
    for (let id = 0; id < 10; id++) books.apply({ kind: 'launch', id });
    books.take();
    books.check('the launches');
    for (let pick = 0; pick < 5; pick++) books.apply({ kind: 'status', pick, state: 1 });
    for (let id = 10; id < 13; id++) books.apply({ kind: 'launch', id });
    books.take();
    books.blocks.applySome(6); // a warming turn's slice of them: the five updates and a launch
    books.apply({ kind: 'overflow' });
    books.take();
    books.check('the \'all\'');
    // After 'all', a status update and a launch: neither may be skipped as if applied before.
    books.apply({ kind: 'status', pick: 0, state: 2 });
    books.apply({ kind: 'launch', id: 20 });
    books.take();
    books.check('the changes after the \'all\'');
  });

  it('merges neighbouring blocks when tasks leaving left many more than the live tasks fill (STATE_TASK_BLOCKS_SLACK)', () => {
    const books = new Books();
    const filled = 2 * STATE_TASK_BLOCKS_SLACK;
    for (let id = 0; id < filled * STATE_TASKS_PER_BLOCK; id++) books.apply({ kind: 'launch', id });
    books.take();
    books.check('the launches');
    expect(books.blocks.sizes().length).to.equal(filled);
    // All but one task of each block leave: a block each for a few tasks.
    let removed = 0;
    for (const tracked of [...books.framework.tasks.values()]) {
      if (Number(tracked.task.taskId.slice(1)) % STATE_TASKS_PER_BLOCK === 0) continue;
      books.state.removeTask(tracked, 'completed');
      // Taken now and then, as requests would (more at once, and the books would say 'all').
      if (++removed % STATE_TASKS_PER_BLOCK === 0) books.take();
    }
    books.take();
    // A last turn's push merges nothing (a warming does, a slice at a time): the blocks stay sparse.
    books.check('most tasks left');
    expect(books.blocks.sizes(), 'blocks after the push').to.deep.equal(Array.from({ length: filled }, () => 1));
    expect(books.blocks.startCompaction(), 'a pass started').to.equal(true);
    books.blocks.compactSome(5);
    expect(books.blocks.compacting, 'still merging after a slice').to.equal(true);
    books.blocks.compactSome(Infinity);
    expect(books.blocks.compacting).to.equal(false);
    books.check('merged');
    // Neighbours merged while they fit in one block: full blocks, and what is left in the last.
    const merged = Array.from({ length: Math.ceil(filled / STATE_TASKS_PER_BLOCK) }, (_, index) => Math.min(STATE_TASKS_PER_BLOCK, filled - index * STATE_TASKS_PER_BLOCK));
    expect(books.blocks.sizes(), 'blocks merged').to.deep.equal(merged);
    expect(books.blocks.startCompaction(), 'no pass once they are not sparse').to.equal(false);
  });
});
