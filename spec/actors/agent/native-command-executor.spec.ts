import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UPID } from '../../../lib/actor';
import type { ActorHost } from '../../../lib/process';
import type { StatusUpdate } from '../../../lib/protocol';
import { eventually, netHost, Probe, within, processExists } from '../../support/runtime';

const BINARY = path.resolve(__dirname, '../../../actors/agent/mesos-command-executor');
const built = fs.existsSync(BINARY);

/** Plays the agent: answers RegisterExecutor, hands over one task, acknowledges every update. */
class FakeAgent extends Probe {
  executor: UPID | undefined;
  readonly updates: StatusUpdate[] = [];
  autoAck = true;
  constructor(private readonly command: Record<string, unknown>, private readonly grace?: number, private readonly capabilities: string[] = [], taskExtra: Record<string, unknown> = {}) {
    super('slave(1)');
    this.install('RegisterExecutor', (from, body) => {
      this.executor = from;
      this.record({ from, name: 'RegisterExecutor', body });
      this.send(from, 'ExecutorRegistered', { agentId: 'A1', frameworkId: 'F1', executorInfo: {}, frameworkInfo: {}, agentInfo: {} });
      this.send(from, 'RunTaskOnExecutor', { frameworkId: 'F1', framework: { name: 'f', user: 'u', capabilities: this.capabilities }, task: { taskId: 'T1', name: 't', agentId: 'A1', resources: [], command: this.command, ...taskExtra } });
    });
    this.install('StatusUpdate', (from, body: { update: StatusUpdate }) => {
      this.updates.push(body.update);
      this.record({ from, name: 'StatusUpdate', body });
      if (this.autoAck) this.send(from, 'StatusUpdateAcknowledgement', { agentId: 'A1', frameworkId: 'F1', taskId: 'T1', uuid: body.update.uuid });
    });
  }
  killTask(graceSeconds = this.grace): void {
    this.send(this.executor!, 'KillTaskOnExecutor', { frameworkId: 'F1', taskId: 'T1', ...(graceSeconds !== undefined ? { gracePeriodSeconds: graceSeconds } : {}) });
  }
  shutdown(): void {
    this.send(this.executor!, 'ShutdownExecutorOnExecutor', {});
  }
  states(): string[] {
    return this.updates.map((u) => u.status.state);
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

(built ? describe : describe.skip)(`native command executor${built ? '' : ' (skipped: no C compiler built actors/agent/mesos-command-executor)'}`, function () {
  this.timeout(20_000);
  let host: ActorHost;
  let sandbox: string;
  beforeEach(async () => {
    host = await netHost();
    sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-'));
  });
  afterEach(async () => {
    await host.stop();
    fs.rmSync(sandbox, { recursive: true, force: true });
  });

  function start(agent: FakeAgent, env: Record<string, string> = {}): ChildProcess {
    const pid = host.spawn(agent);
    return spawn(BINARY, [], {
      env: { ...process.env, MESOS_AGENT_PID: pid.toString(), MESOS_FRAMEWORK_ID: 'F1', MESOS_EXECUTOR_ID: 'T1', MESOS_DIRECTORY: sandbox, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }

  it('registers, runs the command in the sandbox, reports STARTING, RUNNING, FINISHED and exits once acknowledged', async () => {
    const agent = new FakeAgent({ value: 'echo hello; echo oops >&2' });
    const child = start(agent);
    expect(await within(exitOf(child), 10_000, 'the executor to exit')).to.equal(0);
    expect(agent.states()).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const [registration] = agent.received;
    expect(registration?.body).to.deep.equal({ frameworkId: 'F1', executorId: 'T1' });
    expect(registration?.from.id).to.equal('executor');
    const finished = agent.updates[2]!;
    expect(finished.frameworkId).to.equal('F1');
    expect(finished.status.taskId).to.equal('T1');
    expect(finished.status.source).to.equal('SOURCE_EXECUTOR');
    expect(finished.status.agentId).to.equal('A1');
    expect(finished.status.message).to.equal('Command exited with status 0');
    expect(finished.uuid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(finished.status.uuid).to.equal(finished.uuid);
    expect(new Set(agent.updates.map((u) => u.uuid)).size).to.equal(3);
    expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).to.equal('hello\n');
    expect(fs.readFileSync(path.join(sandbox, 'stderr'), 'utf8')).to.equal('oops\n');
  });

  it('reports TASK_FAILED with the exit status, and the command environment is set', async () => {
    const agent = new FakeAgent({ value: 'test "$GREETING" = hi && exit 3', environment: { GREETING: 'hi' } });
    const child = start(agent);
    await within(exitOf(child), 10_000, 'the executor to exit');
    expect(agent.states()).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    expect(agent.updates[2]?.status.message).to.equal('Command exited with status 3');
    expect(agent.updates[2]?.status.reason).to.equal('REASON_COMMAND_EXECUTOR_FAILED');
  });

  it("registers with the run's token and takes it out of the task's environment, as Mesos' executor library erases it (security review)", async () => {
    const agent = new FakeAgent({ value: 'echo "token=${MESOS_EXECUTOR_AUTHENTICATION_TOKEN:-none}"' });
    const child = start(agent, { MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'run-secret' });
    expect(await within(exitOf(child), 10_000, 'the executor to exit')).to.equal(0);
    expect(agent.received[0]?.body).to.deep.equal({ frameworkId: 'F1', executorId: 'T1', token: 'run-secret' });
    expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).to.equal('token=none\n');
  });

  it('runs a command without a shell, arguments[0] being argv[0]', async () => {
    const agent = new FakeAgent({ value: '/bin/echo', shell: false, arguments: ['echo', 'a b', 'c'] });
    await within(exitOf(start(agent)), 10_000, 'the executor to exit');
    expect(agent.states().at(-1)).to.equal('TASK_FINISHED');
    expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).to.equal('a b c\n');
  });

  it('kills the whole process group with SIGTERM and reports TASK_KILLED', async () => {
    const agent = new FakeAgent({ value: 'sleep 60 & echo $! > child.pid; wait' });
    const child = start(agent);
    await within(agent.until(() => agent.states().includes('TASK_RUNNING')), 10_000, 'TASK_RUNNING');
    await eventually(() => fs.existsSync(path.join(sandbox, 'child.pid')) && fs.readFileSync(path.join(sandbox, 'child.pid'), 'utf8').trim() !== '', 10_000, 'the grandchild');
    const grandchild = Number(fs.readFileSync(path.join(sandbox, 'child.pid'), 'utf8'));
    agent.killTask();
    await within(exitOf(child), 10_000, 'the executor to exit');
    expect(agent.states().at(-1)).to.equal('TASK_KILLED');
    expect(agent.updates.at(-1)?.status.message).to.equal('Command terminated with signal SIGTERM');
    await eventually(() => !processExists(grandchild), 5_000, 'the grandchild to be gone');
  });

  it('SIGKILLs a command that ignores SIGTERM after the grace period', async () => {
    const agent = new FakeAgent({ value: "trap '' TERM; echo ready; while true; do sleep 0.05; done" }, 0.3);
    const child = start(agent);
    await within(agent.until(() => agent.states().includes('TASK_RUNNING')), 10_000, 'TASK_RUNNING');
    await eventually(() => fs.existsSync(path.join(sandbox, 'stdout')) && fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8').includes('ready'), 10_000, 'the trap');
    agent.killTask();
    await within(exitOf(child), 10_000, 'the executor to exit');
    expect(agent.states().at(-1)).to.equal('TASK_KILLED');
    expect(agent.updates.at(-1)?.status.message).to.equal('Command terminated with signal SIGKILL');
  });

  it('sends an unacknowledged update again (and exits after a bounded wait)', async () => {
    const agent = new FakeAgent({ value: 'true' });
    agent.autoAck = false;
    // Short intervals (the defaults are 10 s each): nothing is acknowledged, so each update is
    // sent again every 200 ms until the executor gives up 700 ms after the terminal one.
    const child = start(agent, { MESOS_EXECUTOR_UPDATE_RETRY_MS: '200', MESOS_EXECUTOR_EXIT_AFTER_TERMINAL_MS: '700' });
    expect(await within(exitOf(child), 10_000, 'the executor to give up')).to.equal(0);
    const states = agent.states();
    expect(states.slice(0, 3)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(states.length).to.be.greaterThan(3);
    expect(new Set(agent.updates.map((u) => u.uuid)).size).to.equal(3);
  });

  it('never drops the terminal update when a flapping check has filled its unacknowledged updates: the oldest check updates give way', async () => {
    // The check's result flips at every probe: one update per probe, none acknowledged.
    const flapping = { type: 'COMMAND', command: { command: { value: 'if [ -f flag ]; then rm flag; exit 1; else touch flag; exit 0; fi' } }, delaySeconds: 0, intervalSeconds: 0.01 };
    // The task ends when the test says, once the check has sent more updates than the executor keeps (it ran for
    // 1.5 s, which a busy machine's probes did not fill: 34 updates, not over 40).
    const agent = new FakeAgent({ value: 'while [ ! -f stop ]; do sleep 0.05; done' }, undefined, [], { check: flapping });
    agent.autoAck = false;
    const child = start(agent, { MESOS_EXECUTOR_UPDATE_RETRY_MS: '60000', MESOS_EXECUTOR_EXIT_AFTER_TERMINAL_MS: '300' });
    const checkUpdates = (): number => agent.updates.filter((update) => update.status.reason === 'REASON_TASK_CHECK_STATUS_UPDATED').length;
    await eventually(() => checkUpdates() > 40, 30_000, 'more check updates than the executor keeps unacknowledged (32)');
    fs.writeFileSync(path.join(sandbox, 'stop'), '');
    expect(await within(exitOf(child), 10_000, 'the executor to exit')).to.equal(0);
    expect(agent.states().at(-1)).to.equal('TASK_FINISHED');
  });

  it('leaves nothing the task started running: not in its group, not escaped with setsid', async () => {
    const agent = new FakeAgent({ value: 'sleep 60 & echo $! > grouped.pid; setsid sleep 60 & echo $! > escaped.pid; sleep 0.2' });
    const child = start(agent);
    await within(exitOf(child), 10_000, 'the executor to exit');
    expect(agent.states().at(-1)).to.equal('TASK_FINISHED');
    for (const file of ['grouped.pid', 'escaped.pid']) {
      const pid = Number(fs.readFileSync(path.join(sandbox, file), 'utf8'));
      await eventually(() => !processExists(pid), 5_000, `the ${file} process to be gone`);
    }
  });

  it('kills a timed-out probe\'s whole tree, what it started with setsid too, while the task runs on', async () => {
    const healthCheck = {
      type: 'COMMAND', command: { value: 'setsid sleep 60 & echo $! > escaped.pid; sleep 60 & echo $! > grouped.pid; wait' },
      delaySeconds: 0, intervalSeconds: 60, timeoutSeconds: 0.3, gracePeriodSeconds: 0,
    };
    const agent = new FakeAgent({ value: 'exec sleep 60' }, undefined, [], { healthCheck });
    const child = start(agent);
    try {
      await eventually(() => agent.updates.some((update) => update.status.healthy === false), 10_000, 'the probe to time out');
      for (const file of ['grouped.pid', 'escaped.pid']) {
        const pid = Number(fs.readFileSync(path.join(sandbox, file), 'utf8'));
        await eventually(() => !processExists(pid), 5_000, `the probe's ${file} process to be gone`);
      }
      expect(agent.states()).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING']);
    } finally {
      agent.killTask(0);
      await within(exitOf(child), 10_000, 'the executor to exit');
    }
  });

  it('passes the task no file descriptor of its own (only 0, 1, 2 and what it inherited)', async () => {
    // Baseline: what a shell spawned like the executor inherits from this test process.
    const baseline = spawnSync('/bin/sh', ['-c', 'ls /proc/$$/fd'], { stdio: ['ignore', 'pipe', 'pipe'] }).stdout.toString().trim().split('\n');
    const agent = new FakeAgent({ value: 'ls /proc/$$/fd' });
    await within(exitOf(start(agent)), 10_000, 'the executor to exit');
    const fds = fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8').trim().split('\n');
    expect(fds).to.include.members(['0', '1', '2']);
    expect(fds.filter((fd) => !baseline.includes(fd))).to.deep.equal([]);
  });

  it('a repeated kill can only shorten the grace period; TASK_KILLING for frameworks that ask', async () => {
    const agent = new FakeAgent({ value: "trap '' TERM; echo ready; while true; do sleep 0.05; done" }, 30, ['TASK_KILLING_STATE']);
    const child = start(agent);
    await within(agent.until(() => agent.states().includes('TASK_RUNNING')), 10_000, 'TASK_RUNNING');
    await eventually(() => fs.existsSync(path.join(sandbox, 'stdout')) && fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8').includes('ready'), 10_000, 'the trap');
    agent.killTask(30);
    await within(agent.until(() => agent.states().includes('TASK_KILLING')), 5_000, 'TASK_KILLING');
    agent.killTask(60); // longer: ignored
    agent.killTask(0.2); // shorter: SIGKILL in 0.2 s rather than 30 s
    await within(exitOf(child), 5_000, 'the executor to exit');
    expect(agent.states()).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    expect(agent.updates.at(-1)?.status.message).to.equal('Command terminated with signal SIGKILL');
  });

  it('on shutdown, kills the task within the agent grace period less the margin', async () => {
    const agent = new FakeAgent({ value: "trap '' TERM; echo ready; while true; do sleep 0.05; done" });
    const child = start(agent, { MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '2300ms' });
    await within(agent.until(() => agent.states().includes('TASK_RUNNING')), 10_000, 'TASK_RUNNING');
    await eventually(() => fs.existsSync(path.join(sandbox, 'stdout')) && fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8').includes('ready'), 10_000, 'the trap');
    const startedMs = Date.now();
    agent.shutdown();
    await within(exitOf(child), 5_000, 'the executor to exit');
    expect(Date.now() - startedMs).to.be.below(2_000); // 2.3 s less the 2 s margin, not 2.3 s
    expect(agent.states().at(-1)).to.equal('TASK_KILLED');
  });

  it('shut down (its framework torn down), exits a second after TASK_KILLED without waiting for an acknowledgement the agent will not send (walkthrough: the agent SIGKILLed it at every teardown)', async () => {
    const agent = new FakeAgent({ value: 'sleep 60' });
    // Its wait for an acknowledgement made long: the exit must not come from it.
    const child = start(agent, { MESOS_EXECUTOR_EXIT_AFTER_TERMINAL_MS: '120000' });
    await within(agent.until(() => agent.states().includes('TASK_RUNNING')), 10_000, 'TASK_RUNNING');
    agent.autoAck = false; // a terminating framework's updates are dropped by the agent
    agent.shutdown();
    await within(exitOf(child), 30_000, 'the executor to exit (it waited 120 s for the acknowledgement before)');
    expect(agent.states().at(-1)).to.equal('TASK_KILLED');
  });

  it('fails a task whose health check it cannot run rather than running it unchecked (the agent sends such tasks to the TypeScript executor)', async () => {
    const agent = new FakeAgent({ value: 'sleep 30' }, undefined, [], { healthCheck: { type: 'TCP', tcp: { port: 80 }, consecutiveFailures: 2_000_000 } });
    const child = start(agent);
    expect(await within(exitOf(child), 10_000, 'the executor to exit')).to.equal(0);
    expect(agent.states()).to.deep.equal(['TASK_FAILED']);
    expect(agent.updates[0]?.status).to.include({ reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'the native command executor cannot run the task\'s health check or check' });
  });

  it('exits with an error naming the missing environment', async () => {
    const child = spawn(BINARY, [], { env: {}, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    expect(await within(exitOf(child), 5_000, 'exit')).to.equal(2);
    expect(stderr).to.match(/MESOS_AGENT_PID, MESOS_FRAMEWORK_ID and MESOS_EXECUTOR_ID must be set/);
  });
});
