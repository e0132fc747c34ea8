import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Runs `script` in a Node of its own (`flags` for V8, then `args`) and returns the figure its
 * last line of output names: the line is JSON, `{"<key>": n}`. For measurements that need a heap
 * of their own (the memory specs). Fails naming the output when the figure is missing, and kills
 * the child past `timeoutMs`.
 */
export async function childFigure(script: string, flags: readonly string[], args: readonly string[], key: string, timeoutMs: number): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, script, ...args], { timeout: timeoutMs });
  const figures = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  const figure = figures[key];
  if (typeof figure !== 'number') throw new Error(`the child printed no ${key}: ${stdout}`);
  return figure;
}
