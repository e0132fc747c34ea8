import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandInfo } from '../../../lib/protocol';
import { commandExecutorCommand, defaultAgentFlags, defaultExecutorCommand, DEFAULT_EXECUTOR_PATH, TYPESCRIPT_COMMAND_EXECUTOR_PATH } from '../../../actors/agent';
import { commandLine, destroyExecutor, executorBaseEnvironment, executorEnvironment, ProcessLauncher, runAs, type ExecutorExit, type ExecutorLaunch, type LaunchedExecutor } from '../../../actors/agent/launcher';
import { TASK_PROCESSES_FILE } from '../../../actors/agent/paths';
import type { Isolator } from '../../../actors/agent/isolator';
import { Fetcher } from '../../../actors/agent/fetcher';
import { processStartTime } from '../../../lib/proc-stat';

/** The resolution of a process' start time in `/proc/<pid>/stat` (a clock tick, 1/100 s on Linux). */
const START_TIME_TICK_MS = 10;
import { eventually, processExists, within } from '../../support/runtime';

describe('launcher', () => {
  describe('commandLine (Mesos: with shell false, value is the program and arguments the whole argv)', () => {
    it('runs a shell command through /bin/sh -c', () => {
      expect(commandLine({ value: 'echo hi | wc -c' })).to.deep.equal({ file: '/bin/sh', args: ['-c', 'echo hi | wc -c'] });
      expect(commandLine({ value: 'true', shell: true, arguments: ['ignored'] })).to.deep.equal({ file: '/bin/sh', args: ['-c', 'true'] });
    });

    it('runs value with arguments[1..], arguments[0] being argv[0]', () => {
      expect(commandLine({ value: 'echo', shell: false, arguments: ['echo', 'a', 'b'] })).to.deep.equal({ file: 'echo', args: ['a', 'b'], argv0: 'echo' });
      expect(commandLine({ value: '/bin/busybox', shell: false, arguments: ['ls', '-l'] })).to.deep.equal({ file: '/bin/busybox', args: ['-l'], argv0: 'ls' });
      expect(commandLine({ value: '/bin/true', shell: false })).to.deep.equal({ file: '/bin/true', args: [] });
      expect(commandLine({ value: '/bin/true', shell: false, arguments: [] })).to.deep.equal({ file: '/bin/true', args: [] });
    });

    it('runs the command executor the agent describes: node with the script, or the native program alone', () => {
      const script = commandExecutorCommand(defaultAgentFlags({ master: 'm:1', workDir: '/w', commandExecutorPath: '/opt/command-executor.js' }));
      expect(commandLine(script)).to.deep.equal({ file: process.execPath, args: ['/opt/command-executor.js'], argv0: process.execPath });
      const native = commandExecutorCommand(defaultAgentFlags({ master: 'm:1', workDir: '/w', commandExecutorPath: '/opt/mesos-command-executor' }));
      expect(commandLine(native)).to.deep.equal({ file: '/opt/mesos-command-executor', args: [], argv0: '/opt/mesos-command-executor' });
    });

    it('runs the TypeScript command executor under TLS (the native one speaks plain WebSocket only)', () => {
      const flags = defaultAgentFlags({ master: 'm:1', workDir: '/w' });
      expect(commandLine(commandExecutorCommand(flags, false, true))).to.deep.equal({ file: process.execPath, args: [TYPESCRIPT_COMMAND_EXECUTOR_PATH], argv0: process.execPath });
      expect(commandLine(commandExecutorCommand(flags, true, true)).args).to.deep.equal([TYPESCRIPT_COMMAND_EXECUTOR_PATH]);
    });

    it('runs the default executor (task groups) as node with default-executor.js, next to the command executor', () => {
      expect(commandLine(defaultExecutorCommand())).to.deep.equal({ file: process.execPath, args: [DEFAULT_EXECUTOR_PATH], argv0: process.execPath });
      expect(path.dirname(DEFAULT_EXECUTOR_PATH)).to.equal(path.dirname(TYPESCRIPT_COMMAND_EXECUTOR_PATH));
      expect(fs.existsSync(DEFAULT_EXECUTOR_PATH), 'built').to.equal(true);
    });
  });

  describe('executorEnvironment (Mesos\' executor environment, for executors in any language)', () => {
    const launch: ExecutorLaunch = {
      agentId: 'A1', agentPid: 'slave(1)@10.0.0.7:5051', frameworkId: 'F1', executorId: 'E1', runId: 'R1', directory: '/w/sandbox',
      command: { value: 'x' }, commandExecutor: false, checkpoint: false, shutdownGracePeriodMs: 5_000,
      recovery: { timeoutMs: 15 * 60_000, subscriptionBackoffMaxMs: 2_000 }, token: 'secret',
    };

    it('names the agent\'s endpoint, the ids, the sandbox, and durations in Mesos\' format', () => {
      expect(executorEnvironment(launch, {})).to.deep.equal({
        MESOS_AGENT_PID: 'slave(1)@10.0.0.7:5051', MESOS_SLAVE_PID: 'slave(1)@10.0.0.7:5051', MESOS_AGENT_ENDPOINT: '10.0.0.7:5051',
        MESOS_AGENT_ID: 'A1', MESOS_SLAVE_ID: 'A1', MESOS_FRAMEWORK_ID: 'F1', MESOS_EXECUTOR_ID: 'E1',
        MESOS_DIRECTORY: '/w/sandbox', MESOS_SANDBOX: '/w/sandbox', MESOS_CHECKPOINT: '0', MESOS_HTTP_COMMAND_EXECUTOR: '0',
        MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs', MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'secret',
      });
    });

    it('tells a checkpointing framework\'s executor how long, and how often, to retry subscribing', () => {
      const environment = executorEnvironment({ ...launch, checkpoint: true, shutdownGracePeriodMs: 90_000 }, {});
      expect(environment).to.include({ MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '15mins', MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs', MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '90secs' });
    });
  });

  describe('ProcessLauncher (real processes)', function () {
    this.timeout(15_000);
    let sandbox: string;

    beforeEach(() => {
      sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-'));
    });

    afterEach(() => {
      fs.rmSync(sandbox, { recursive: true, force: true });
    });

    async function launch(command: CommandInfo, launcher = new ProcessLauncher(), user?: string): Promise<{ started: LaunchedExecutor; exited: Promise<ExecutorExit> }> {
      let reportExit: (exit: ExecutorExit) => void = () => undefined;
      const exited = new Promise<ExecutorExit>((resolve) => { reportExit = resolve; });
      const started = await launcher.launch({
        agentId: 'A1', agentPid: 'slave(1)@127.0.0.1:5051', frameworkId: 'F1', executorId: 'E1', runId: 'R1', directory: sandbox,
        command, commandExecutor: false, checkpoint: false, shutdownGracePeriodMs: 5_000, ...(user !== undefined ? { user } : {}),
      }, reportExit);
      return { started, exited };
    }

    // Mesos' --switch_user (the hostile-input pass of 2026-12-05: every task ran as the agent's user, root, whatever
    // user its framework named, so the run_tasks ACL's users protected nothing).
    it('fetches the command\'s URIs into the sandbox before the executor starts; a failed fetch fails the launch and starts nothing', async () => {
      const archive = path.join(os.tmpdir(), `launcher-fetch-${process.pid}`);
      fs.mkdirSync(path.join(archive, 'app'), { recursive: true });
      try {
        fs.writeFileSync(path.join(archive, 'app', 'version'), '1.2');
        spawnSync('tar', ['-C', archive, '-czf', path.join(archive, 'app.tgz'), 'app']);
        const { exited } = await launch({ value: 'cat app/version', uris: [{ value: `file://${path.join(archive, 'app.tgz')}` }] });
        expect(await within(exited, 5_000, 'the command to exit')).to.deep.equal({ code: 0, signal: null });
        expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).to.equal('1.2');
        let failure: Error | undefined;
        await launch({ value: 'touch started', uris: [{ value: path.join(archive, 'absent.tgz') }] }).catch((error: Error) => { failure = error; });
        expect(failure?.message).to.match(/^Failed to fetch '.*absent\.tgz': .*ENOENT/);
        expect(fs.existsSync(path.join(sandbox, 'started'))).to.equal(false);
      } finally {
        fs.rmSync(archive, { recursive: true, force: true });
      }
    });

    // A review: an abort that came as the fetch ended (the registration timing out, a shutdown) still started the
    // executor, which the agent then killed at once: its command could already have run.
    it('starts nothing when the launch is aborted as its fetch ends', async () => {
      const abort = new AbortController();
      class AbortingFetcher extends Fetcher {
        override fetch(): Promise<void> {
          abort.abort();
          return Promise.resolve();
        }
      }
      let failure: Error | undefined;
      await new ProcessLauncher(undefined, {}, undefined, undefined, false, undefined, new AbortingFetcher()).launch({
        agentId: 'A1', agentPid: 'slave(1)@127.0.0.1:5051', frameworkId: 'F1', executorId: 'E1', runId: 'R1', directory: sandbox,
        command: { value: 'touch started', uris: [{ value: '/absent' }] }, commandExecutor: false, checkpoint: false, shutdownGracePeriodMs: 5_000, signal: abort.signal,
      }, () => undefined).then((started) => started.destroy(), (error: Error) => { failure = error; });
      expect(failure?.message).to.equal('the executor was shut down while its URIs were fetched');
      expect(fs.existsSync(path.join(sandbox, 'started'))).to.equal(false);
    });

    describe('--switch_user: each run as its user', () => {
      const root = process.getuid?.() === 0;
      const nobody = 'nobody';

      it(`runs the executor and what it starts as the launch's user, ids and groups, in a sandbox it owns${root ? '' : ' (skipped: needs root, to switch users)'}`, async function () {
        if (!root) this.skip();
        fs.chmodSync(sandbox, 0o755); // the user reaches its sandbox (mkdtemp makes it the creator's alone)
        const uid = Number((await runAs(nobody))?.uid);
        const { exited } = await launch({ value: 'id -u; id -g; id -G; echo made > by-task; stat -c %u by-task' }, new ProcessLauncher(undefined, {}, undefined, undefined, true), nobody);
        expect(await within(exited, 5_000, 'the command to exit')).to.deep.equal({ code: 0, signal: null });
        const [ownUid, ownGid, groups, fileOwner] = fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8').trim().split('\n');
        expect(Number(ownUid)).to.equal(uid).and.not.equal(0);
        expect(groups?.split(' '), 'no group of root\'s left').to.not.include('0');
        expect(ownGid).to.not.equal('0');
        expect(Number(fileOwner)).to.equal(uid);
        expect(fs.statSync(sandbox).uid, 'the sandbox is the user\'s').to.equal(uid);
      });

      it(`fails the launch, naming the user, for a user this machine does not have${root ? '' : ' (skipped: needs root)'}`, async function () {
        if (!root) this.skip();
        let failure: Error | undefined;
        await launch({ value: 'true' }, new ProcessLauncher(undefined, {}, undefined, undefined, true), 'no-such-user-here').catch((error: Error) => { failure = error; });
        expect(failure?.message).to.match(/no user 'no-such-user-here' on this machine/);
        expect(fs.existsSync(path.join(sandbox, 'stdout')), 'nothing made').to.equal(false);
      });

      it('runs as the agent\'s own user with --switch_user=false, and for no user, an empty one or its own', async () => {
        const own = os.userInfo().username;
        const { exited } = await launch({ value: 'id -un' }, new ProcessLauncher(undefined, {}, undefined, undefined, false), nobody);
        expect(await within(exited, 5_000, 'the command to exit')).to.deep.equal({ code: 0, signal: null });
        expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).to.equal(`${own}\n`);
        expect(await runAs(undefined)).to.equal(undefined);
        expect(await runAs('')).to.equal(undefined);
        expect(await runAs(own)).to.equal(undefined);
        if (root) expect(await runAs('root')).to.equal(undefined);
      });
    });

    it("gives every executor the launcher's environment, over the command's (an agent's TLS settings)", async () => {
      const launcher = new ProcessLauncher(undefined, { LIBPROCESS_SSL_ENABLED: 'true' });
      const { exited } = await launch({ value: 'echo "$LIBPROCESS_SSL_ENABLED $MESOS_EXECUTOR_ID"', environment: { LIBPROCESS_SSL_ENABLED: 'false' } }, launcher);
      expect(await within(exited, 5_000, 'echo to exit')).to.deep.equal({ code: 0, signal: null });
      expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).to.equal('true E1\n');
    });

    it("gives executors none of the agent's environment but PATH, the locale, the time zone and the log level: its secret never reaches a task (security review)", async () => {
      const saved = { MESOS_SECRET: process.env.MESOS_SECRET, AGENT_PRIVATE_TOKEN: process.env.AGENT_PRIVATE_TOKEN };
      process.env.MESOS_SECRET = 'agent-secret';
      process.env.AGENT_PRIVATE_TOKEN = 'xyz123';
      try {
        const launcher = new ProcessLauncher();
        const { exited } = await launch({ value: 'env' }, launcher);
        expect(await within(exited, 5_000, 'env to exit')).to.deep.equal({ code: 0, signal: null });
        const printed = fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8');
        expect(printed).to.not.contain('agent-secret');
        expect(printed).to.not.contain('xyz123');
        expect(printed).to.match(/^PATH=/m);
        expect(printed).to.match(/^MESOS_EXECUTOR_ID=E1$/m);
      } finally {
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });

    it('--executor_environment_variables: exactly those, with Mesos\' own, and nothing of the agent\'s (PATH: the host default unless given, as Mesos)', async () => {
      const launcher = new ProcessLauncher(undefined, {}, undefined, undefined, false, executorBaseEnvironment({ GREETING: 'hi' }));
      const { exited } = await launch({ value: '/usr/bin/env' }, launcher);
      expect(await within(exited, 5_000, 'env to exit')).to.deep.equal({ code: 0, signal: null });
      const printed = fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8');
      expect(printed).to.match(/^GREETING=hi$/m);
      expect(printed).to.match(/^PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m);
      expect(printed).to.not.match(/^HOME=/m);
    });

    it("makes the run's sandbox 0750, as Mesos' createSandboxDirectory: not for other users to read (security review)", async () => {
      fs.chmodSync(sandbox, 0o777);
      const { exited } = await launch({ value: 'true' });
      await within(exited, 5_000, 'true to exit');
      expect(fs.statSync(sandbox).mode & 0o777).to.equal(0o750);
    });

    function pidIn(file: string): number {
      return Number(fs.readFileSync(path.join(sandbox, file), 'utf8'));
    }

    it("points runs/latest at each new run of an executor (Mesos' layout), replacing the link of the run before", async () => {
      const runs = path.join(sandbox, 'executors', 'E1', 'runs');
      const launcher = new ProcessLauncher();
      for (const runId of ['R1', 'R2']) {
        let reportExit: (exit: ExecutorExit) => void = () => undefined;
        const exited = new Promise<ExecutorExit>((resolve) => { reportExit = resolve; });
        await launcher.launch({
          agentId: 'A1', agentPid: 'slave(1)@127.0.0.1:5051', frameworkId: 'F1', executorId: 'E1', runId, directory: path.join(runs, runId),
          command: { value: `echo ${runId}` }, commandExecutor: false, checkpoint: false, shutdownGracePeriodMs: 5_000,
        }, reportExit);
        await within(exited, 5_000, `run ${runId} to exit`);
        expect(fs.readlinkSync(path.join(runs, 'latest')), runId).to.equal(runId);
        expect(fs.readFileSync(path.join(runs, 'latest', 'stdout'), 'utf8')).to.equal(`${runId}\n`);
      }
      expect(fs.readdirSync(runs).sort()).to.deep.equal(['R1', 'R2', 'latest']);
    });

    it('makes no latest link beside a directory outside the layout', async () => {
      const { exited } = await launch({ value: 'true' });
      await within(exited, 5_000, 'true to exit');
      expect(fs.existsSync(path.join(path.dirname(sandbox), 'latest'))).to.equal(false);
    });

    it('passes arguments[1..] to the program with shell false', async () => {
      const { exited } = await launch({ value: '/bin/echo', shell: false, arguments: ['echo', 'a b', 'c'] });
      expect(await within(exited, 5_000, 'echo to exit')).to.deep.equal({ code: 0, signal: null });
      expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).to.equal('a b c\n');
    });

    it('destroys what is left once the executor has exited: its group, and processes below what stayed in it', async () => {
      // A helper stays in the executor's group and starts a process in a session of its own.
      const command = "(setsid sleep 60 & echo $! > own-session.pid; wait) & sleep 60 & echo $! > group.pid; exit 0";
      const { started, exited } = await launch({ value: command });
      await within(exited, 5_000, 'the executor to exit');
      await eventually(() => fs.existsSync(path.join(sandbox, 'own-session.pid')) && fs.readFileSync(path.join(sandbox, 'own-session.pid'), 'utf8').trim() !== '', 5_000, 'the pids');
      const [inGroup, inOwnSession] = [pidIn('group.pid'), pidIn('own-session.pid')];
      expect(processExists(inGroup) && processExists(inOwnSession)).to.equal(true);
      started.destroy();
      await eventually(() => !processExists(inGroup) && !processExists(inOwnSession), 5_000, 'every leftover to be gone');
    });

    /** `sleep 60`, started at another clock tick than `startTime` (a `processStartTime`). */
    async function startedAfterTick(startTime: string | undefined): Promise<ChildProcess> {
      for (;;) {
        const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
        if (processStartTime(child.pid as number) !== startTime) return child;
        child.kill('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, START_TIME_TICK_MS));
      }
    }

    it('recover: a process that took a dead executor\'s pid (it started at another time than the one checkpointed) is reported gone, never killed; the executor itself is adopted and killed (hostile recovery pass: a restarted agent SIGKILLed it)', async () => {
      const { started, exited } = await launch({ value: 'sleep 60' });
      // A start time counts clock ticks (10 ms): a process started within the executor's tick cannot be told from it
      // (neither by Mesos' agent); the test's other process must start later, as a pid reused after a crash does.
      const victim = await startedAfterTick(started.startTime);
      const victimPid = victim.pid as number;
      try {
        expect(started.startTime, 'the start time goes with the process id').to.be.a('string');
        const launcher = new ProcessLauncher();
        // The journal names the executor's start time; the pid is the other process' now.
        let reportGone: () => void = () => undefined;
        const gone = new Promise<void>((resolve) => { reportGone = resolve; });
        const reused = launcher.recover({ frameworkId: 'F1', executorId: 'E2', runId: 'R2', processId: victimPid, ...(started.startTime !== undefined ? { startTime: started.startTime } : {}) }, () => reportGone());
        await within(gone, 5_000, 'the executor reported gone');
        const adopted = launcher.recover({ frameworkId: 'F1', executorId: 'E1', runId: 'R1', processId: started.processId as number, ...(started.startTime !== undefined ? { startTime: started.startTime } : {}) }, () => undefined);
        reused.destroy();
        adopted.destroy();
        await within(exited, 5_000, 'the adopted executor killed');
        expect(processExists(victimPid), 'the other process lives').to.equal(true);
      } finally {
        victim.kill('SIGKILL');
        started.destroy();
      }
    });

    /** A `sleep 60` leading a session of its own (as the TypeScript executors start tasks), with `environment` only. */
    function sessionSleep(environment: NodeJS.ProcessEnv): ChildProcess {
      const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, ...environment } });
      child.unref();
      return child;
    }

    /** `pid`'s entry for the run's task record: `<pid> <start time>`, as an executor writes it. */
    function entryOf(pid: number, startTime = processStartTime(pid)): string {
      return `${pid} ${startTime as string}\n`;
    }

    function killQuietly(pids: readonly number[]): void {
      for (const pid of pids) {
        try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }

    it('a SIGKILLed executor: its tasks in groups of their own in its session are killed with it (the native command executor\'s tasks; they used to run on)', async function () {
      if (spawnSync('perl', ['-e', '1']).status !== 0) this.skip();
      // A task as the native executor starts one: a process group of its own (setpgid) in the executor's session.
      const command = `perl -e 'setpgrp(0, 0); exec "sleep", "60"' & echo $! > task.pid; while [ ! -s task.pid ]; do :; done; kill -9 $$`;
      const { started, exited } = await launch({ value: command });
      expect(await within(exited, 5_000, 'the executor to be killed')).to.deep.equal({ code: null, signal: 'SIGKILL' });
      const task = pidIn('task.pid');
      try {
        expect(processExists(task), 'the task outlives its executor').to.equal(true);
        started.destroy();
        await eventually(() => !processExists(task), 5_000, 'the task to be gone');
      } finally {
        killQuietly([task]);
      }
    });

    it('a SIGKILLed executor: the tasks its run recorded, each leading a session of its own, are killed with it (the TypeScript executors\' tasks; they used to run on)', async () => {
      const { started, exited } = await launch({ value: 'setsid sleep 60 & echo $! > task.pid; sleep 60' });
      await eventually(() => fs.existsSync(path.join(sandbox, 'task.pid')) && fs.readFileSync(path.join(sandbox, 'task.pid'), 'utf8').trim() !== '', 5_000, 'the task pid');
      const task = pidIn('task.pid');
      try {
        // What `startTask` records; the task has the run's MESOS_DIRECTORY from the executor.
        fs.writeFileSync(path.join(sandbox, TASK_PROCESSES_FILE), entryOf(task));
        process.kill(started.processId as number, 'SIGKILL');
        await within(exited, 5_000, 'the executor to be killed');
        expect(processExists(task), 'the task outlives its executor').to.equal(true);
        started.destroy();
        await eventually(() => !processExists(task), 5_000, 'the task to be gone');
      } finally {
        killQuietly([task]);
      }
    });

    it('a forged task record kills nothing that is not the run\'s: another run\'s, no MESOS_DIRECTORY, a later process with the pid, or one older than the executor (hostile task)', async () => {
      const older = sessionSleep({ MESOS_DIRECTORY: sandbox });
      await new Promise((resolve) => setTimeout(resolve, 2 * START_TIME_TICK_MS));
      const { started, exited } = await launch({ value: 'sleep 60' });
      const executorStart = started.startTime;
      await new Promise((resolve) => setTimeout(resolve, 2 * START_TIME_TICK_MS));
      const [stranger, otherRun, recycled, own] = [
        sessionSleep({}),
        sessionSleep({ MESOS_DIRECTORY: `${sandbox}-other` }),
        sessionSleep({ MESOS_DIRECTORY: sandbox }),
        sessionSleep({ MESOS_DIRECTORY: sandbox }),
      ];
      const pids = [older, stranger, otherRun, recycled, own].map((child) => child.pid as number);
      const [olderPid, strangerPid, otherRunPid, recycledPid, ownPid] = pids as [number, number, number, number, number];
      try {
        expect(BigInt(processStartTime(olderPid) as string) < BigInt(executorStart as string), 'the older one started before the executor').to.equal(true);
        expect(BigInt(processStartTime(strangerPid) as string) > BigInt(executorStart as string), 'the stranger started after the executor').to.equal(true);
        // The recycled one's entry names a start time other than its own: another process had the pid then.
        const record = [entryOf(olderPid), entryOf(strangerPid), entryOf(otherRunPid), entryOf(recycledPid, String(BigInt(processStartTime(recycledPid) as string) + 1n)), entryOf(ownPid), '1 0\n', `${process.pid} ${processStartTime(process.pid) as string}\n`];
        fs.writeFileSync(path.join(sandbox, TASK_PROCESSES_FILE), record.join(''));
        process.kill(started.processId as number, 'SIGKILL');
        await within(exited, 5_000, 'the executor to be killed');
        await destroyExecutor({ processId: started.processId, ...(executorStart !== undefined ? { startTime: executorStart } : {}), directory: sandbox }, 'SIGKILL');
        await eventually(() => !processExists(ownPid), 5_000, 'the run\'s own process to be gone');
        expect({ older: processExists(olderPid), stranger: processExists(strangerPid), otherRun: processExists(otherRunPid), recycled: processExists(recycledPid) }).to.deep.equal({ older: true, stranger: true, otherRun: true, recycled: true });
      } finally {
        killQuietly(pids);
      }
    });

    it('reads the task record only as a regular file: a FIFO does not hang the clean-up, a link is not followed (hostile task)', async () => {
      const { started, exited } = await launch({ value: 'sleep 60' });
      const own = sessionSleep({ MESOS_DIRECTORY: sandbox });
      const ownPid = own.pid as number;
      try {
        const elsewhere = path.join(sandbox, 'elsewhere');
        fs.writeFileSync(elsewhere, entryOf(ownPid));
        fs.symlinkSync(elsewhere, path.join(sandbox, TASK_PROCESSES_FILE));
        process.kill(started.processId as number, 'SIGKILL');
        await within(exited, 5_000, 'the executor to be killed');
        const remains = { processId: started.processId, ...(started.startTime !== undefined ? { startTime: started.startTime } : {}), directory: sandbox };
        await within(destroyExecutor(remains, 'SIGKILL'), 5_000, 'the clean-up past a link');
        expect(processExists(ownPid), 'a linked record is not read').to.equal(true);
        fs.rmSync(path.join(sandbox, TASK_PROCESSES_FILE));
        expect(spawnSync('mkfifo', [path.join(sandbox, TASK_PROCESSES_FILE)]).status).to.equal(0);
        await within(destroyExecutor(remains, 'SIGKILL'), 5_000, 'the clean-up past a FIFO');
        expect(processExists(ownPid), 'a FIFO is not read').to.equal(true);
      } finally {
        killQuietly([ownPid]);
      }
    });

    it('an isolated launch reports its start time too (the isolating path dropped it, and a restart adopted whatever had the pid)', async () => {
      const inert: Isolator = {
        names: ['posix/cpu'], checkIntervalMs: undefined,
        prepare: async () => [], isolate: () => undefined, update: async () => undefined, usage: async () => undefined, limitation: async () => undefined,
        cleanup: async () => undefined, release: async () => undefined, recover: async () => [],
      };
      const { started, exited } = await launch({ value: 'sleep 60' }, new ProcessLauncher(undefined, {}, inert));
      try {
        expect(started.startTime).to.be.a('string').and.match(/^\d+$/);
      } finally {
        started.destroy();
        await within(exited, 5_000, 'the executor killed');
      }
    });
  });
});
