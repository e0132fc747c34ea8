/**
 * An operator's view of the chaos simulation (chaos.ts): a v1 operator API event stream
 * (`SUBSCRIBE`), opened through the leading master's own `/api/v1` route, from which it keeps
 * what a dashboard would: the agents, the frameworks and every task's latest state. After each
 * step the run compares that view with the master's state (`mismatches`): a view built from the
 * events must agree with what GET_STATE would say at the same moment. A stream the master ended
 * (it stopped, or stepped down) is opened again on the next leader, from its SUBSCRIBED.
 */
import { dispatch } from '../../lib/actor';
import type { HttpRequest, StreamSink } from '../../lib/process';
import { isTerminalState, type TaskState } from '../../lib/protocol';
import type { Master } from '../../actors/master/master';
import type { ClusterSnapshot } from './chaos-invariants';
import { recordReader } from '../support/recordio';

/** The operator API's SUBSCRIBE, as the host hands it to the master's route. */
const SUBSCRIBE_REQUEST: HttpRequest = {
  method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: Buffer.from('{"type":"SUBSCRIBE"}'), remoteAddress: '127.0.0.1',
};

type Json = Record<string, unknown>;

/** `value.a.b...` of a JSON object, or undefined. */
function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = typeof current === 'object' && current !== null ? (current as Json)[key] : undefined;
  return current;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '?';
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A task as the view has it: its latest state, the state of the last status an event carried, its agent. */
interface ViewedTask {
  readonly state: TaskState;
  readonly status: TaskState | undefined;
  readonly agentId: string;
}

/** A task of SUBSCRIBED or TASK_ADDED as the view keeps it. */
function viewedTask(task: unknown): ViewedTask {
  const statuses = list(at(task, 'statuses'));
  return { state: at(task, 'state') as TaskState, status: at(statuses[statuses.length - 1], 'state') as TaskState | undefined, agentId: text(at(task, 'agent_id', 'value')) };
}

export class OperatorWatcher implements StreamSink {
  readonly buffered = 0;
  /** The stream ended (the master stopped or stepped down), or none is open. */
  private open = false;
  /** Reads the current stream's records (a new stream starts a new reader). */
  private read = recordReader((record) => this.take(record));
  /** The master the stream is from. */
  private master: Master | undefined;
  private subscribed = false;
  private readonly agents = new Set<string>();
  private readonly frameworks = new Set<string>();
  /** `frameworkId/taskId` → its latest state and its agent, as the events said. */
  private readonly tasks = new Map<string, ViewedTask>();
  /** Events that could not be read (each a bug of the stream). */
  private readonly unreadable: string[] = [];

  /** Opens a stream on `master` unless one from it is open. */
  async follow(master: Master): Promise<void> {
    if (this.open && this.master === master) return;
    this.master = master;
    this.open = true;
    this.subscribed = false;
    this.read = recordReader((record) => this.take(record));
    const route = master.runtime.routes.get(SUBSCRIBE_REQUEST.path);
    if (route === undefined) throw new Error('the master serves no /api/v1 route');
    const response = await dispatch(master, (actor) => route.call(actor, SUBSCRIBE_REQUEST));
    if (response.status !== 200 || response.stream === undefined) {
      this.open = false;
      this.unreadable.push(`SUBSCRIBE answered ${response.status}`);
      return;
    }
    response.stream.attach(this);
  }

  write(chunk: string | Buffer): void {
    this.read(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }

  /** One event of the stream, applied to the view (or noted as unreadable). */
  private take(bytes: Buffer): void {
    const record = bytes.toString();
    try {
      this.apply(JSON.parse(record) as Json);
    } catch (error) {
      this.unreadable.push(`${(error as Error).message}: ${record.slice(0, 200)}`);
    }
  }

  end(): void {
    this.open = false;
  }

  destroy(): void {
    this.open = false;
  }

  /** Nothing is ever buffered: every chunk is read as it is written. */
  onDrain(listener: () => void): void {
    listener();
  }

  private apply(event: Json): void {
    switch (event.type) {
      case 'SUBSCRIBED': {
        this.subscribed = true;
        this.agents.clear();
        this.frameworks.clear();
        this.tasks.clear();
        const state = at(event, 'subscribed', 'get_state');
        for (const agent of list(at(state, 'get_agents', 'agents'))) this.agents.add(text(at(agent, 'agent_info', 'id', 'value')));
        for (const framework of list(at(state, 'get_frameworks', 'frameworks'))) this.frameworks.add(text(at(framework, 'framework_info', 'id', 'value')));
        for (const task of [...list(at(state, 'get_tasks', 'tasks')), ...list(at(state, 'get_tasks', 'unreachable_tasks'))]) {
          this.tasks.set(`${text(at(task, 'framework_id', 'value'))}/${text(at(task, 'task_id', 'value'))}`, viewedTask(task));
        }
        return;
      }
      case 'TASK_ADDED': {
        const task = at(event, 'task_added', 'task');
        this.tasks.set(`${text(at(task, 'framework_id', 'value'))}/${text(at(task, 'task_id', 'value'))}`, viewedTask(task));
        return;
      }
      case 'TASK_UPDATED': {
        const key = `${text(at(event, 'task_updated', 'framework_id', 'value'))}/${text(at(event, 'task_updated', 'status', 'task_id', 'value'))}`;
        this.tasks.set(key, {
          state: at(event, 'task_updated', 'state') as TaskState, status: at(event, 'task_updated', 'status', 'state') as TaskState,
          agentId: this.tasks.get(key)?.agentId ?? text(at(event, 'task_updated', 'status', 'agent_id', 'value')),
        });
        return;
      }
      case 'AGENT_ADDED': {
        const agentId = text(at(event, 'agent_added', 'agent', 'agent_info', 'id', 'value'));
        this.agents.add(agentId);
        // An agent back from unreachable: the master forgets every task of it that was unreachable,
        // as Mesos' `_reregisterSlave` does, without an event; those it came back with are added again (TASK_ADDED).
        for (const [key, task] of this.tasks) if (task.agentId === agentId && task.state === 'TASK_UNREACHABLE') this.tasks.delete(key);
        return;
      }
      case 'AGENT_REMOVED':
        this.agents.delete(text(at(event, 'agent_removed', 'agent_id', 'value')));
        return;
      case 'FRAMEWORK_ADDED':
        this.frameworks.add(text(at(event, 'framework_added', 'framework', 'framework_info', 'id', 'value')));
        return;
      case 'FRAMEWORK_REMOVED':
        this.frameworks.delete(text(at(event, 'framework_removed', 'framework_info', 'id', 'value')));
        return;
      default:
        return; // HEARTBEAT, FRAMEWORK_UPDATED: nothing to keep
    }
  }

  /**
   * Where the view built from the events disagrees with `snapshot` (the master's state, read at
   * the same moment): agents, frameworks, and each task the master has, active or unreachable,
   * in its state; no live task in the view that the master no longer has.
   */
  mismatches(snapshot: ClusterSnapshot): string[] {
    const broken = this.unreadable.splice(0).map((line) => `operator stream: unreadable event: ${line}`);
    if (!this.open || !this.subscribed) return broken;
    const say = (line: string): number => broken.push(`operator stream: ${line}`);
    const masterAgents = new Set(snapshot.master.slaves.map((agent) => agent.id));
    for (const id of masterAgents) if (!this.agents.has(id)) say(`agent ${id} is at the master, not in the view`);
    for (const id of this.agents) if (!masterAgents.has(id)) say(`agent ${id} is in the view, not at the master`);
    const masterFrameworks = new Set(snapshot.master.frameworks.map((framework) => framework.id));
    for (const id of masterFrameworks) if (!this.frameworks.has(id)) say(`framework ${id} is at the master, not in the view`);
    for (const id of this.frameworks) if (!masterFrameworks.has(id)) say(`framework ${id} is in the view, not at the master`);
    const masterTasks = new Map<string, TaskState>();
    for (const framework of snapshot.master.frameworks) {
      for (const task of [...framework.tasks, ...framework.unreachable_tasks]) {
        const key = `${framework.id}/${task.id}`;
        masterTasks.set(key, task.state);
        // TASK_UPDATED says the task's latest state when a status of a new state is recorded (Mesos'
        // `updateTask`): a retried update whose agent's `latest_state` ran ahead moves the task
        // without an event. So the view may lag the task's state, but not its statuses: once the
        // master recorded a status of a state the view's last event did not carry, it must agree.
        const seen = this.tasks.get(key);
        const lastStatus = task.statuses[task.statuses.length - 1]?.state;
        if (seen?.state !== task.state && (seen === undefined || seen.status !== lastStatus)) {
          say(`task ${key} is ${task.state} at the master (its last status ${lastStatus ?? 'none'}), ${seen?.state ?? 'unknown'} in the view (its last status ${seen?.status ?? 'none'})`);
        }
      }
    }
    for (const [key, { state }] of this.tasks) {
      if (!isTerminalState(state) && !masterTasks.has(key)) say(`task ${key} is ${state} in the view; the master no longer has it`);
    }
    return broken;
  }
}
