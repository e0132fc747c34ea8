/**
 * A real, standalone ZooKeeper server for tests, from Debian's `zookeeper` package: one JVM
 * (`org.apache.zookeeper.server.ZooKeeperServerMain`) on a free loopback port, with its config,
 * data and log in a temporary directory.
 *
 *   const server = await ZooKeeperServer.start();
 *   const client = connectNodeZooKeeper(parseZooKeeperUrl(server.url('/mesos')), { sessionTimeoutMs: 2_000 });
 *   await server.pause();        // SIGSTOP: the server neither answers nor expires sessions
 *   server.resume();             // SIGCONT
 *   await server.restart();      // SIGKILL, then the same port and data again
 *   await server.stop();         // SIGKILL, and the directory is removed
 *
 * Specs that need it check `zooKeeperSkipReason()` first and say why they are skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { unhandedPort } from './ports';

/** Where Debian's `libzookeeper-java` (pulled in by `zookeeper`) puts its jars. */
const JAVA_LIBRARY_DIRECTORY = '/usr/share/java';
/** The server's jar; its manifest's Class-Path names its dependencies (absolute paths). */
const ZOOKEEPER_JAR = path.join(JAVA_LIBRARY_DIRECTORY, 'zookeeper.jar');
/** An SLF4J binding in `libslf4j-java` (a dependency), so the server's log reaches a file; optional. */
const SLF4J_SIMPLE_JAR = path.join(JAVA_LIBRARY_DIRECTORY, 'slf4j-simple.jar');

/** How long a JVM may take to start serving: generous, as CI machines can be busy. */
export const ZOOKEEPER_START_TIMEOUT_MS = 60_000;
/** Between two probes of a starting server. */
const START_POLL_INTERVAL_MS = 100;
/** A probe (`srvr`) unanswered this long counts as "not yet". */
const PROBE_TIMEOUT_MS = 2_000;
/** How long a killed server may take to exit. */
const EXIT_TIMEOUT_MS = 10_000;
/** How long a JVM's threads may take to stop after SIGSTOP. */
const STOP_TIMEOUT_MS = 5_000;
/** Between two looks at whether they have. */
const STOP_POLL_INTERVAL_MS = 5;
/** Ports taken by someone else between choosing and binding: try this many. */
const MAX_START_ATTEMPTS = 3;
/** Lines of the server's log shown when it fails to start. */
const LOG_TAIL_LINES = 30;

/** Server settings; times are small so that sessions expire within a test's budget. */
export interface ZooKeeperServerOptions {
  /** ZooKeeper's tick; the smallest session timeout it grants is 2 ticks. */
  readonly tickTimeMs?: number;
  /** The largest session timeout it grants. */
  readonly maxSessionTimeoutMs?: number;
  /**
   * Connections it accepts from one IP address (`maxClientCnxns`; 0: no limit). Every client
   * here connects from 127.0.0.1, so a test or bench with many sessions (one per agent) raises it.
   */
  readonly maxClientConnectionsPerAddress?: number;
}

const DEFAULT_TICK_TIME_MS = 200;
const DEFAULT_MAX_SESSION_TIMEOUT_MS = 10_000;
/** ZooKeeper's own default `maxClientCnxns`. */
const DEFAULT_MAX_CLIENT_CONNECTIONS_PER_ADDRESS = 60;

/** Why ZooKeeper tests cannot run here, or undefined if they can. */
export function zooKeeperSkipReason(): string | undefined {
  if (!fs.existsSync(ZOOKEEPER_JAR)) return `the zookeeper package is not installed (no ${ZOOKEEPER_JAR}); .ci/run installs it`;
  if (findJava() === undefined) return 'no java on PATH (the zookeeper package depends on default-jre; .ci/run installs it)';
  return undefined;
}

/** Whether Debian's `zookeeper` package (and a Java runtime) is installed. */
export function zooKeeperInstalled(): boolean {
  return zooKeeperSkipReason() === undefined;
}

/** The java command line that runs a standalone server with `configPath` (logging to `logPath`). */
export function zooKeeperCommand(configPath: string, logPath: string): { command: string; args: string[] } {
  const java = findJava();
  if (java === undefined) throw new Error('no java on PATH');
  const classPath = [ZOOKEEPER_JAR, ...(fs.existsSync(SLF4J_SIMPLE_JAR) ? [SLF4J_SIMPLE_JAR] : [])].join(':');
  const args = [
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1', // starts faster; a test server does little work
    `-Dorg.slf4j.simpleLogger.logFile=${logPath}`,
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dzookeeper.jmx.log4j.disable=true',
    '-cp', classPath,
    'org.apache.zookeeper.server.ZooKeeperServerMain',
    configPath,
  ];
  return { command: java, args };
}

/** Running servers, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A standalone ZooKeeper server (see the file's comment). */
export class ZooKeeperServer {
  /** The JVM, while started. */
  private child: ChildProcess | undefined;
  /** Whether `pause` stopped it. */
  private paused = false;

  private constructor(
    /** The temporary directory: zoo.cfg, data/, server.log. */
    readonly directory: string,
    /** The loopback port clients connect to. */
    readonly port: number,
  ) {}

  /** Starts a server on a free loopback port; resolves once it serves requests. */
  static async start(options: ZooKeeperServerOptions = {}): Promise<ZooKeeperServer> {
    const reason = zooKeeperSkipReason();
    if (reason !== undefined) throw new Error(`cannot start ZooKeeper: ${reason}`);
    const directory = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mesos-zk-'));
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
      const server = new ZooKeeperServer(directory, await freeLoopbackPort());
      await server.writeConfig(options);
      try {
        await server.launch();
        return server;
      } catch (error) {
        lastError = error;
        await server.kill();
      }
    }
    await fs.promises.rm(directory, { recursive: true, force: true });
    throw lastError;
  }

  /** `127.0.0.1:port`, as ZooKeeper clients take it. */
  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** A `zk://` URL for `znodePath` on this server. */
  url(znodePath = '/mesos', credentials?: string): string {
    return `zk://${credentials !== undefined ? `${credentials}@` : ''}${this.connectString}${znodePath}`;
  }

  /** The server process's id (while started). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Stops the JVM (SIGSTOP): connections stay open but nothing is answered, and no session
   * expires until `resume`. Resolves once every thread is stopped: a signal is delivered
   * asynchronously, and a thread still running could answer one more request.
   */
  async pause(): Promise<void> {
    const child = this.requireChild('pause');
    child.kill('SIGSTOP');
    this.paused = true;
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (!allThreadsStopped(child.pid)) {
      if (Date.now() > deadline) throw new Error(`ZooKeeper (pid ${child.pid}) was not stopped ${STOP_TIMEOUT_MS} ms after SIGSTOP`);
      await new Promise((resolve) => setTimeout(resolve, STOP_POLL_INTERVAL_MS));
    }
  }

  /** Continues a paused server (SIGCONT); sessions whose timeout passed meanwhile then expire. */
  resume(): void {
    const child = this.requireChild('resume');
    child.kill('SIGCONT');
    this.paused = false;
  }

  /** Kills the server and starts it again on the same port with the same data. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Kills the server (SIGKILL) and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    await fs.promises.rm(this.directory, { recursive: true, force: true });
  }

  /** The end of the server's log (for failure messages). */
  logTail(lines = LOG_TAIL_LINES): string {
    const logPath = path.join(this.directory, 'server.log');
    if (!fs.existsSync(logPath)) return '(no server.log)';
    return fs.readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  private async writeConfig(options: ZooKeeperServerOptions): Promise<void> {
    const tickTimeMs = options.tickTimeMs ?? DEFAULT_TICK_TIME_MS;
    const config = [
      `tickTime=${tickTimeMs}`,
      `dataDir=${path.join(this.directory, 'data')}`,
      `clientPort=${this.port}`,
      'clientPortAddress=127.0.0.1',
      `minSessionTimeout=${2 * tickTimeMs}`,
      `maxSessionTimeout=${options.maxSessionTimeoutMs ?? DEFAULT_MAX_SESSION_TIMEOUT_MS}`,
      `maxClientCnxns=${options.maxClientConnectionsPerAddress ?? DEFAULT_MAX_CLIENT_CONNECTIONS_PER_ADDRESS}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,ruok,stat,cons',
      // Snapshots and log preallocation make no difference to a test but cost disk and time.
      'preAllocSize=1024',
      'snapCount=100000',
    ];
    await fs.promises.writeFile(path.join(this.directory, 'zoo.cfg'), config.join('\n') + '\n');
  }

  /** Spawns the JVM and waits until it answers `srvr` as a serving server. */
  private async launch(): Promise<void> {
    const { command, args } = zooKeeperCommand(path.join(this.directory, 'zoo.cfg'), path.join(this.directory, 'server.log'));
    const child = spawn(command, args, { cwd: this.directory, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.paused = false;
    running.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`)));
    child.once('exit', () => running.delete(child));
    child.once('error', (error) => {
      stderr += `\nspawn ${command}: ${error.message}`;
    });
    const deadline = Date.now() + ZOOKEEPER_START_TIMEOUT_MS;
    for (;;) {
      const outcome = await Promise.race([exited, probeServing(this.port).then((serving) => (serving ? 'serving' : 'not yet'))]);
      if (outcome === 'serving') return;
      if (outcome !== 'not yet') throw new Error(`ZooKeeper on port ${this.port} ${outcome} before serving:\n${stderr}\n${this.logTail()}`);
      if (Date.now() > deadline) {
        throw new Error(`ZooKeeper on port ${this.port} was not serving after ${ZOOKEEPER_START_TIMEOUT_MS} ms:\n${stderr}\n${this.logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, START_POLL_INTERVAL_MS));
    }
  }

  /** SIGKILLs the JVM (paused or not) and waits for it to exit. */
  private async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.paused = false;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), EXIT_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    child.kill('SIGKILL');
    if (!(await exited)) throw new Error(`ZooKeeper (pid ${child.pid}) did not exit within ${EXIT_TIMEOUT_MS} ms of SIGKILL`);
  }

  private requireChild(action: string): ChildProcess {
    if (this.child === undefined) throw new Error(`cannot ${action} a ZooKeeper server that is not running`);
    if (action === 'pause' && this.paused) throw new Error('the ZooKeeper server is already paused');
    return this.child;
  }
}

/** Whether the server on `port` answers the `srvr` four-letter word as a serving server. */
function probeServing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = (serving: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(serving);
    };
    const timer = setTimeout(() => finish(false), PROBE_TIMEOUT_MS);
    socket.on('connect', () => socket.write('srvr'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    // A server still starting answers "not currently serving requests"; a serving one, its mode.
    socket.on('end', () => finish(/Mode: standalone/.test(answer)));
    socket.on('error', () => finish(false));
  });
}

/**
 * Whether every thread of process `pid` is stopped (state T in /proc/<pid>/task/<tid>/stat).
 * Without /proc (not Linux) it cannot tell, and says yes.
 */
function allThreadsStopped(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  const tasks = `/proc/${pid}/task`;
  let threadIds: string[];
  try {
    threadIds = fs.readdirSync(tasks);
  } catch {
    return true;
  }
  return threadIds.every((threadId) => {
    try {
      // The state follows the command name, which is in parentheses and may contain spaces.
      const stat = fs.readFileSync(path.join(tasks, threadId, 'stat'), 'utf8');
      return /^[Tt]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
    } catch {
      return true; // the thread exited
    }
  });
}

/** A port free on 127.0.0.1 now that the kernel hands to no other process before ZooKeeper binds it (`unhandedPort`). */
export function freeLoopbackPort(): Promise<number> {
  return unhandedPort();
}

function findJava(): string | undefined {
  const javaHome = process.env.JAVA_HOME;
  const candidates = [
    ...(javaHome !== undefined && javaHome !== '' ? [path.join(javaHome, 'bin', 'java')] : []),
    ...(process.env.PATH ?? '').split(path.delimiter).filter((directory) => directory !== '').map((directory) => path.join(directory, 'java')),
  ];
  return candidates.find((candidate) => {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
