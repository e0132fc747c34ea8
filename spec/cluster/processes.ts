/** Starting the bins as real child processes in tests, and waiting on what they print. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unhandedPort } from '../support/ports';
import { eventuallyAsync, within } from '../support/runtime';

/** Path of a compiled bin. */
export function binPath(name: string): string {
  return path.resolve(__dirname, `../../bin/${name}.js`);
}

/** A bin running as a child process, with everything it printed so far. */
export class BinProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => { this.stdout += chunk.toString(); });
    child.stderr?.on('data', (chunk: Buffer) => { this.stderr += chunk.toString(); });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first match of `pattern` in stdout, within `ms`. */
  async waitFor(pattern: RegExp, ms = 15_000): Promise<RegExpExecArray> {
    const found = (): RegExpExecArray | null => pattern.exec(this.stdout);
    await within(new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (found()) resolve();
        else if (this.child.exitCode !== null) reject(new Error(`exited (${this.child.exitCode}) before printing ${pattern}: ${this.stderr}`));
        else setTimeout(check, 10);
      };
      check();
    }), ms, `${pattern} in the output of ${this.child.spawnargs.join(' ')}`);
    return found() as RegExpExecArray;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Path of a compiled example framework (`actors/framework/examples/<name>.js`). */
export function examplePath(name: string): string {
  return path.resolve(__dirname, `../../actors/framework/examples/${name}.js`);
}

/** Starts bin `name` with `args` (stdout and stderr captured). */
export function startBin(name: string, args: string[], env: NodeJS.ProcessEnv = {}): BinProcess {
  return startScript(binPath(name), args, env);
}

/** Starts the Node.js program at `script` with `args` (stdout and stderr captured), as `startBin` does. */
export function startScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}): BinProcess {
  return new BinProcess(spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Agents run tasks as the agent's user: test frameworks name made-up users ('tester', 'u'), which
    // `--switch_user` (on by default, as in Mesos) would fail; launcher.spec.ts tests the switching.
    env: { ...process.env, MESOS_LOG_LEVEL: 'warn', MESOS_SWITCH_USER: 'false', ...env },
  }));
}

/** A `mesos-local` run by `localClusterHooks`: its master's and first agent's addresses, once started. */
export interface LocalCluster {
  readonly process: BinProcess;
  readonly master: string;
  readonly agent: string;
}

/**
 * Registers mocha `before`/`after` hooks that run `mesos-local --port 0 --agents 1` with `args`
 * (`args()` is read in `before`, so it may name files made there) and stop it after; resolves
 * the returned holder's `cluster` once the master and the agent are up. `closers` run first in
 * `after` (streams to close before the cluster goes).
 */
export function localClusterHooks(args: () => string[], closers: Array<() => void> = []): { cluster: () => LocalCluster } {
  let started: LocalCluster | undefined;
  before(async () => {
    const process = startBin('mesos-local', ['--port', '0', '--agents', '1', ...args()]);
    const [, master] = await process.waitFor(/master master@(\S+)/);
    const [, agent] = await process.waitFor(/agent slave\(1\)@(\S+)/);
    started = { process, master: master as string, agent: agent as string };
  });
  after(async () => {
    for (const close of closers) close();
    if (started === undefined) return;
    started.process.kill('SIGTERM');
    await within(started.process.exited, 20_000, 'mesos-local');
  });
  return {
    cluster: () => {
      if (started === undefined) throw new Error('mesos-local has not started (localClusterHooks)');
      return started;
    },
  };
}

/**
 * Polls the master's `/master/state` until `check` holds (the master acts a moment after a
 * call); resolves with that state, or rejects after `ms` naming `what` and the last state seen.
 */
export async function untilMasterState<T>(master: string, check: (state: T) => boolean, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const state = (await (await fetch(`http://${master}/master/state`)).json()) as T;
    if (check(state)) return state;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}: ${JSON.stringify(state).slice(0, 2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A TCP port free now, which the kernel hands to no other process (to restart a master or an agent
 * on the same address, or to give a bin its port before it starts): see `unhandedPort`. A port
 * from `listen(0)`, released, is in the ephemeral range, and another process' `listen(0)` or
 * `connect()` may be handed it before the bin binds it.
 */
export function freePort(): Promise<number> {
  return unhandedPort();
}

type Json = Record<string, unknown>;

/** What `realBinsHooks` gives a test: bins it starts (killed after each test), a fresh work dir, and the master's agents. */
export interface RealBins {
  /** Starts bin `name`; it is killed (SIGKILL) after the test. */
  start(name: string, args: string[]): BinProcess;
  /** This test's directory under the system's temporary one (removed after it). */
  workDir(): string;
  /** GET `url` as JSON, within 5 s. */
  json(url: string): Promise<Json>;
  /** The master's first active agent in `/master/slaves` for which `check` holds, within 30 s (else fails naming `what`). */
  masterAgent(master: string, check: (agent: Json) => boolean, what: string): Promise<Json>;
}

/**
 * Mocha hooks for a test that starts the bins itself (a master and an agent it kills and
 * restarts): each test gets its own work dir named after `prefix`, and its bins die with it.
 */
export function realBinsHooks(prefix: string): RealBins {
  const bins: BinProcess[] = [];
  let dir: string | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    for (const bin of bins.splice(0)) bin.kill('SIGKILL');
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  const json = async (url: string): Promise<Json> => await (await within(fetch(url), 5_000, url)).json() as Json;
  return {
    start: (name, args) => {
      const bin = startBin(name, args);
      bins.push(bin);
      return bin;
    },
    workDir: () => {
      if (dir === undefined) throw new Error('realBinsHooks: no test is running');
      return dir;
    },
    json,
    masterAgent: async (master, check, what) => {
      let found: Json | undefined;
      await eventuallyAsync(async () => {
        const slaves = (await json(`http://${master}/master/slaves`).catch(() => ({ slaves: [] }))).slaves as Json[] | undefined;
        found = slaves?.find((agent) => agent.active === true && check(agent));
        return found !== undefined;
      }, 30_000, what);
      return found as Json;
    },
  };
}
