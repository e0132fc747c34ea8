/**
 * What the client bins (mesos-execute, mesos-batch, mesos-ps) share: finding the master,
 * failing with one line, and an actor host for a scheduler.
 */
import { ActorHost } from '../lib/process';
import { createLogger, type LogLevel } from '../lib/logging';

/** How long a client waits for the master's HTTP endpoint before giving up. */
export const MASTER_CHECK_TIMEOUT_MS = 5_000;

/** Prints `<bin>: <message>` on stderr and exits with `code`. */
export function fail(bin: string, message: string, code = 1): never {
  process.stderr.write(`${bin}: ${message}\n`);
  process.exit(code);
}

/** GETs `path` from `address`; throws with a one-line reason unless it answers 2xx. */
export async function get(address: string, path: string, timeoutMs = MASTER_CHECK_TIMEOUT_MS): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`cannot reach ${address} (${cause})`);
  }
  if (!response.ok) throw new Error(`GET http://${address}${path} answered ${response.status}`);
  return response;
}

/** GETs a JSON document (see `get`). */
export async function getJson<T>(address: string, path: string, timeoutMs = MASTER_CHECK_TIMEOUT_MS): Promise<T> {
  return (await (await get(address, path, timeoutMs)).json()) as T;
}

/** Fails unless the master at `address` answers `/master/health`. */
export async function requireMaster(bin: string, address: string): Promise<void> {
  try {
    await get(address, '/master/health');
  } catch (error) {
    fail(bin, `no master at ${address}: ${(error as Error).message}`);
  }
}

/** An actor host for a client's scheduler, on `ip` and any free port. */
export function startClientHost(ip: string, level: LogLevel = 'warn'): Promise<ActorHost> {
  return ActorHost.start({ ip, port: 0, logger: createLogger('client', (process.env.MESOS_LOG_LEVEL as LogLevel | undefined) ?? level) });
}
