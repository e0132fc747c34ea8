/**
 * `mesos-execute --task` (bin/mesos-execute.ts): a TaskInfo in v1 JSON inline or from a file,
 * the file read bounded (a FIFO, a device or a huge file must neither hang nor eat memory).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTaskFlag, parseTaskGroupFlag, taskFlagsError } from '../../bin/mesos-execute';

/** `parseTaskFlag(value)`'s error in a child node (a blocking read would hang this one), or 'ok', within 10 s. */
function flagErrorInChild(value: string): { readonly said: string; readonly timedOut: boolean } {
  const module = path.join(__dirname, '../../bin/mesos-execute.js');
  const script = `try { require(${JSON.stringify(module)}).parseTaskFlag(${JSON.stringify(value)}); console.log('ok'); } catch (e) { console.log(e.message); }`;
  const child = spawnSync(process.execPath, ['--max-old-space-size=256', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  return { said: (child.stdout ?? '').trim(), timedOut: child.error !== undefined || child.signal !== null };
}

describe('mesos-execute --task', () => {
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-execute-task-'));
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('reads a TaskInfo inline, from file:///path and from /path', () => {
    const task = { name: 't', task_id: { value: 't' }, command: { value: 'true' } };
    const file = path.join(directory, 'task.json');
    fs.writeFileSync(file, JSON.stringify(task));
    for (const value of [JSON.stringify(task), `file://${file}`, file]) expect(parseTaskFlag(value).taskId, value).to.equal('t');
  });

  it('refuses a FIFO, /dev/zero and a huge file without hanging or reading them whole, naming the file', function () {
    this.timeout(40_000);
    const fifo = path.join(directory, 'task.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).to.equal(0);
    const huge = path.join(directory, 'huge.json');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 64 * 1024 * 1024);
    for (const value of [fifo, 'file:///dev/zero', huge]) {
      const { said, timedOut } = flagErrorInChild(value);
      expect(timedOut, `${value}: hung or died`).to.equal(false);
      expect(said, value).to.match(/^cannot read '.+': /);
    }
  });

  it('names the problem for JSON that is not an object', () => {
    for (const value of ['5', '[]', 'null', '"x"']) expect(() => parseTaskFlag(value), value).to.throw(/not a TaskInfo: .*expected object/);
  });
});

describe('mesos-execute --task_group', () => {
  const task = (taskId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: taskId, task_id: { value: taskId }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }], command: { value: 'true' }, ...extra });

  it('reads a TaskGroupInfo inline and from a file, each task as --task reads one (agent_id unset)', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-execute-group-'));
    try {
      const group = { tasks: [task('web'), task('sidecar')] };
      const file = path.join(directory, 'group.json');
      fs.writeFileSync(file, JSON.stringify(group));
      for (const value of [JSON.stringify(group), `file://${file}`]) expect(parseTaskGroupFlag(value).map((each) => each.taskId), value).to.deep.equal(['web', 'sidecar']);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it('names the problem: no tasks, not an object, a bad task by its index', () => {
    expect(() => parseTaskGroupFlag('{"tasks": []}')).to.throw("not a TaskGroupInfo: tasks: a task group needs at least one task in 'tasks'");
    expect(() => parseTaskGroupFlag('[]')).to.throw(/not a TaskGroupInfo: expected object/);
    expect(() => parseTaskGroupFlag(JSON.stringify({ tasks: [task('ok'), task('bad', { task_id: { value: '' } })] }))).to.throw(/not a TaskGroupInfo: tasks\.1: task_id\.value: /);
  });

  it('takes --task or --task_group, not both, and neither with --name, --command or --resources', () => {
    const tasks = parseTaskGroupFlag(JSON.stringify({ tasks: [task('a')] }));
    expect(taskFlagsError({ task_group: tasks, name: undefined as unknown as string, command: undefined as unknown as string }, false)).to.equal(undefined);
    expect(taskFlagsError({ task_group: tasks, task: tasks[0], name: undefined as unknown as string, command: undefined as unknown as string }, false)).to.match(/Provide either '--task' OR '--task_group'/);
    expect(taskFlagsError({ task_group: tasks, name: 'x', command: undefined as unknown as string }, false)).to.equal("'--name', '--command' and '--resources' can only be set when '--task_group' is not set (the tasks give their own)");
  });
});
