/**
 * `/master/tasks`' order (actors/master/task-order.ts): the chunked sorted lists against a plain
 * sorted array, and pages picked from the books (`selectTasks`) against sorting every kept task,
 * over seeded sequences of what the master does to the books: launches (ids reused, so live
 * tasks are replaced), status updates (a repeated state replaces the first status, so its time
 * moves), completions and unreachable tasks past their lists' limits, tasks forgotten when their
 * agent comes back, frameworks completing past theirs.
 */
import { expect } from 'chai';
import { Prng } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import { UPID } from '../../../lib/actor';
import type { Task, TaskState } from '../../../lib/protocol';
import { defaultMasterFlags } from '../../../actors/master';
import { selectTasks } from '../../../actors/master/http';
import { keptTasks, MasterState, newAgentRecord, newFrameworkRecord, trackLaunchedTask, type AgentRecord, type FrameworkRecord, type TrackedTask } from '../../../actors/master/state';
import { entryBefore, orderTime, TASK_ORDER_CHUNK, TaskOrder, type TaskOrderEntry } from '../../../actors/master/task-order';
import { SEE_ALL, type StateViewer } from '../../../lib/state-json';
import { commandTask } from './harness';

describe('master: /master/tasks\' order kept as tasks come and go', () => {
  it('keeps entries in order through inserts, removals and moves, across chunk splits (seeded)', () => {
    const random = new Prng(29);
    for (let run = 0; run < 20; run++) {
      const order = new TaskOrder();
      const held: TaskOrderEntry[] = [];
      let seq = 0;
      // Enough to split chunks several times; few distinct times, many ties.
      const steps = 6 * TASK_ORDER_CHUNK;
      for (let step = 0; step < steps; step++) {
        const roll = random.nextInt(10);
        if (roll < 6 || held.length === 0) {
          // Mostly later than all before (as launches are), now and then anywhere.
          const time = random.nextInt(4) === 0 ? random.nextInt(50) : 50 + Math.floor(step / 10);
          const entry: TaskOrderEntry = { task: { taskId: `t${seq}` } as Task, time, seq: seq++, order, places: 1 };
          order.insert(entry);
          held.push(entry);
        } else if (roll < 8) {
          const [gone] = held.splice(random.nextInt(held.length), 1);
          if (gone === undefined) throw new Error('no entry');
          expect(order.remove(gone), `run ${run} step ${step}: removed`).to.equal(true);
          expect(order.remove(gone), 'a second removal finds nothing').to.equal(false);
        } else {
          const moved = held[random.nextInt(held.length)] as TaskOrderEntry;
          order.reorder(moved, random.nextInt(100));
        }
      }
      const sorted = [...held].sort((a, b) => (entryBefore(a, b) ? -1 : entryBefore(b, a) ? 1 : 0));
      expect([...order.entries(true)], `run ${run}: ascending`).to.deep.equal(sorted);
      expect([...order.entries(false)], `run ${run}: descending is ascending reversed`).to.deep.equal([...sorted].reverse());
      expect(order.size).to.equal(held.length);
      // Chunks a removal leaves half empty are merged into a neighbour: no two neighbours both are.
      expect(order.chunkCount, `run ${run}: chunks for ${held.length} entries`).to.be.at.most(4 * Math.ceil(held.length / TASK_ORDER_CHUNK) + 1);
    }
  });

  it('merges chunks emptied by removals from anywhere (the oldest completed tasks leave first)', () => {
    const order = new TaskOrder();
    const entries = Array.from({ length: 20 * TASK_ORDER_CHUNK }, (_, seq): TaskOrderEntry => ({ task: { taskId: `t${seq}` } as Task, time: seq, seq, order, places: 1 }));
    for (const entry of entries) order.insert(entry);
    const before = order.chunkCount;
    // All but every 16th leave: without merging, as many chunks would hold a sixteenth of what they held.
    for (const entry of entries) if (entry.seq % 16 !== 0) order.remove(entry);
    expect(order.size).to.equal(entries.length / 16);
    expect(order.chunkCount, `chunks: ${before} before`).to.be.at.most(4 * Math.ceil(order.size / TASK_ORDER_CHUNK) + 1);
    expect([...order.entries(true)].map((entry) => entry.seq)).to.deep.equal(entries.filter((entry) => entry.seq % 16 === 0).map((entry) => entry.seq));
  });

  it('puts a task with no status before every time in asc (after in des), as Mesos does, whatever the timestamps; a status without one counts as 0', () => {
    const books = new BooksRun(0, false);
    const framework = books.register();
    const early = books.launch(framework, 'negative');
    books.status(early, 'TASK_RUNNING', -5);
    books.launch(framework, 'none');
    const zero = books.launch(framework, 'unset');
    books.state.recordStatus(zero, { taskId: 'unset', state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR' });
    expect(books.page({}, true)).to.deep.equal(['none', 'negative', 'unset']);
    expect(books.page({}, false)).to.deep.equal(['unset', 'negative', 'none']);
  });

  it('shows a task object the books keep in two lists twice, and keeps it in order while either holds it', () => {
    // The master keeps copies; the books allow one object in two lists (a review's fuzz found the
    // order dropping a live task when its other, completed place was trimmed). Not in the seeded
    // sequences: the task summaries do not follow such an object through every change.
    const books = new BooksRun(0, false);
    const framework = books.register();
    const again = books.launch(framework, 'a');
    books.finish(again);
    books.state.addTask(again, books.agent);
    expect(books.page({}, true)).to.deep.equal(['a', 'a']);
    // Eight more completed tasks push its completed place out (the limit is 8).
    for (let index = 0; index < 8; index++) books.finish(books.launch(framework, `b${index}`));
    expect(books.page({ task_id: 'a' }, true), 'live, still listed').to.deep.equal(['a']);
    const order = books.state.taskOrderTexts();
    expect(order.kept).to.equal(order.fresh);
  });

  it('pages /master/tasks as sorting every kept task would (first status time, then the order first kept) through 300 seeded sequences of the books\' changes', () => {
    for (let run = 0; run < 300; run++) new BooksRun(run).check();
  });

  it('moves a task when its first status is replaced (a repeated state) and keeps its place among ties by when it was first kept', () => {
    const books = new BooksRun(0, false);
    const framework = books.register();
    const first = books.launch(framework, 'a');
    const second = books.launch(framework, 'b');
    books.status(first, 'TASK_RUNNING', 5);
    books.status(second, 'TASK_RUNNING', 5);
    expect(books.page({}, true)).to.deep.equal(['a', 'b']);
    // 'a' again RUNNING, later: Mesos keeps one status per consecutive state, so its first status is the new one.
    books.status(first, 'TASK_RUNNING', 9);
    expect(books.page({}, true)).to.deep.equal(['b', 'a']);
    expect(books.page({}, false)).to.deep.equal(['a', 'b']);
    // Finished and kept as completed, it keeps its place (and its `seq`).
    books.finish(first);
    expect(books.page({}, true)).to.deep.equal(['b', 'a']);
    expect(books.page({ task_id: 'a' }, true)).to.deep.equal(['a']);
  });
});

/** One seeded sequence of changes to the books, and the pages checked against a full sort. */
class BooksRun {
  private readonly random: Prng;
  readonly state: MasterState;
  private readonly agents: AgentRecord[];
  private readonly tracked = new Map<Task, TrackedTask>();
  /** The order each task object was first added in: what `seq` must follow. */
  private readonly firstKept = new Map<Task, number>();
  private frameworks = 0;

  constructor(private readonly run: number, randomSteps = true) {
    this.random = new Prng(1_000 + run);
    this.state = new MasterState({ ...defaultMasterFlags('/nonexistent'), maxCompletedTasksPerFramework: 8, maxUnreachableTasksPerFramework: 5, maxCompletedFrameworks: 2 });
    const total = Resources.parse('cpus:64;mem:65536');
    this.agents = [0, 1].map((index) => {
      const agent = newAgentRecord({ id: `S${index}`, hostname: 'h', port: 5051, resources: total.toJSON() }, UPID.parse(`slave(1)@10.0.0.${index + 1}:5051`), '1.0', total, 1_000);
      this.state.addAgent(agent);
      return agent;
    });
    if (randomSteps) {
      for (let f = 0; f < 3; f++) this.register();
      const steps = 20 + this.random.nextInt(120);
      for (let step = 0; step < steps; step++) this.step();
    }
  }

  /** The first agent. */
  get agent(): AgentRecord {
    return this.agents[0] as AgentRecord;
  }

  register(): FrameworkRecord {
    const framework = newFrameworkRecord({ id: `F${this.frameworks++ % 4}`, name: 'fw', user: this.random.nextInt(3) === 0 ? 'hidden' : 'u', roles: ['*'] }, UPID.parse(`scheduler${this.frameworks}@10.0.1.1:6000`), 1_000);
    this.state.addFramework(framework);
    return framework;
  }

  launch(framework: FrameworkRecord, taskId: string): TrackedTask {
    const agent = this.agents[this.random.nextInt(this.agents.length)] as AgentRecord;
    const tracked = trackLaunchedTask(commandTask(taskId, agent.id, 'cpus:0.1;mem:1'), framework.id, '*');
    this.state.addTask(tracked, agent);
    this.tracked.set(tracked.task, tracked);
    this.firstKept.set(tracked.task, this.firstKept.size);
    return tracked;
  }

  status(tracked: TrackedTask, state: TaskState, timestamp: number): void {
    this.state.recordStatus(tracked, { taskId: tracked.task.taskId, state, source: 'SOURCE_EXECUTOR', timestamp });
  }

  finish(tracked: TrackedTask): void {
    this.status(tracked, 'TASK_FINISHED', 20 + this.random.nextInt(5));
    this.state.removeTask(tracked, 'completed');
  }

  /** The ids of a page of everything, in `ascending` order or not. */
  page(query: { framework_id?: string; task_id?: string }, ascending: boolean): string[] {
    return selectTasks(this.context(), query, { limit: 100, offset: 0, ascending }).map((task) => task.taskId);
  }

  private step(): void {
    const registered = [...this.state.frameworks.values()];
    const live = registered.flatMap((framework) => [...framework.tasks.values()]);
    const roll = this.random.nextInt(20);
    const anyLive = live[this.random.nextInt(Math.max(1, live.length))];
    if (roll < 7 || anyLive === undefined) {
      const framework = registered[this.random.nextInt(registered.length)];
      // A small pool of ids: a live one is replaced, an ended one reused.
      if (framework !== undefined) this.launch(framework, `t${this.random.nextInt(12)}`);
      else this.register();
    } else if (roll < 11) {
      this.status(anyLive, this.random.nextInt(2) === 0 ? 'TASK_RUNNING' : 'TASK_STARTING', this.random.nextInt(6));
    } else if (roll < 14) {
      this.finish(anyLive);
    } else if (roll < 16) {
      this.status(anyLive, 'TASK_UNREACHABLE', 10 + this.random.nextInt(3));
      this.state.removeTask(anyLive, 'unreachable');
    } else if (roll < 17) {
      // A status recorded on a task kept as completed (an agent reporting it again).
      const ended = registered.flatMap((framework) => framework.completedTasks);
      const task = ended[this.random.nextInt(Math.max(1, ended.length))];
      const tracked = task === undefined ? undefined : this.tracked.get(task);
      if (tracked !== undefined) this.status(tracked, this.random.nextInt(2) === 0 ? 'TASK_FINISHED' : 'TASK_RUNNING', this.random.nextInt(30));
    } else if (roll < 18) {
      // An agent came back with some of its ended tasks: the books forget them.
      const agent = this.agents[this.random.nextInt(this.agents.length)] as AgentRecord;
      const back = new Set(registered.flatMap((framework) => [...keptTasks(framework)].filter(() => this.random.nextInt(2) === 0).map((task) => `${framework.id}/${task.taskId}`)));
      this.state.forgetAgentTasks(agent.id, back);
    } else if (roll < 19 && registered.length > 1) {
      // A framework torn down: its live tasks end, then it completes.
      const framework = registered[this.random.nextInt(registered.length)] as FrameworkRecord;
      for (const tracked of [...framework.tasks.values()]) {
        this.status(tracked, 'TASK_KILLED', 30);
        this.state.removeTask(tracked, 'completed');
      }
      this.state.completeFramework(framework);
    } else {
      this.register();
    }
  }

  private context(): Parameters<typeof selectTasks>[0] {
    const viewer: StateViewer = { ...SEE_ALL, framework: (user) => user !== 'hidden', tasks: (user) => user !== 'hidden' };
    return {
      state: this.state,
      info: { id: 'M', pid: 'master@10.0.0.1:5050', hostname: 'm', port: 5050, ip: '10.0.0.1', version: '1' },
      flags: defaultMasterFlags('/nonexistent'),
      startTimeMs: 1_000,
      nowMs: 2_000,
      ...(this.random.nextInt(3) === 0 ? { viewer } : {}),
    } as Parameters<typeof selectTasks>[0];
  }

  check(): void {
    const records = [...this.state.frameworks.values(), ...this.state.completedFrameworks];
    for (const framework of records) {
      expect(framework.taskOrder.size, `run ${this.run}: ${framework.id}'s order holds what it keeps`).to.equal(new Set(keptTasks(framework)).size);
    }
    const order = this.state.taskOrderTexts();
    expect(order.kept, `run ${this.run}: the orders against a sort afresh`).to.equal(order.fresh);
    for (let query = 0; query < 6; query++) {
      const context = this.context();
      const viewer = context.viewer;
      const filter: { framework_id?: string; task_id?: string } = {
        ...(this.random.nextInt(3) === 0 ? { framework_id: `F${this.random.nextInt(4)}` } : {}),
        ...(this.random.nextInt(3) === 0 ? { task_id: `t${this.random.nextInt(12)}` } : {}),
      };
      const page = { limit: this.random.nextInt(25), offset: this.random.nextInt(30), ascending: this.random.nextInt(2) === 0 };
      const every = records.flatMap((framework) => {
        if (viewer !== undefined && (!viewer.framework(framework.info.user) || !viewer.tasks(framework.info.user))) return [];
        if (filter.framework_id !== undefined && framework.id !== filter.framework_id) return [];
        return [...keptTasks(framework)].filter((task) => filter.task_id === undefined || task.taskId === filter.task_id);
      });
      const firstKept = (task: Task): number => {
        const order = this.firstKept.get(task);
        if (order === undefined) throw new Error(`task ${task.taskId} was never launched`);
        return order;
      };
      const sorted = every.sort((a, b) => (orderTime(a) !== orderTime(b) ? (orderTime(a) < orderTime(b) ? -1 : 1) : firstKept(a) - firstKept(b)));
      if (!page.ascending) sorted.reverse();
      const want = sorted.slice(page.offset, page.offset + page.limit);
      const got = selectTasks(context, filter, page);
      const label = (tasks: Task[]): string[] => tasks.map((task) => `${task.frameworkId}/${task.taskId}#${firstKept(task)}@${orderTime(task)}`);
      expect(label(got), `run ${this.run}: ${JSON.stringify({ ...filter, ...page, viewer: viewer !== undefined })}`).to.deep.equal(label(want));
    }
  }
}
