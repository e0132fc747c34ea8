/** Starting the bins as real child processes in tests, and waiting on what they print. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { within } from '../support/runtime';

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
    env: { ...process.env, MESOS_LOG_LEVEL: 'warn', ...env },
  }));
}
