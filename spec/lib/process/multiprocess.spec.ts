import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { dispatch, UPID } from '../../../lib/actor';
import type { ActorHost } from '../../../lib/process';
import { netHost, Probe, within } from '../../support/runtime';

const FIXTURE = path.resolve(__dirname, '../../fixtures/echo-host.js');

/** Starts the echo host in a child process; resolves with the process and its address. */
async function startEchoHost(port = 0): Promise<{ child: ChildProcess; address: string }> {
  const child = fork(FIXTURE, [String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const address = await within(new Promise<string>((resolve) => child.once('message', (m) => resolve(String(m)))), 10_000, 'the child host');
  return { child, address };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('hosts in separate OS processes', function () {
  this.timeout(30_000);
  let host: ActorHost;
  let probe: Probe;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    host = await netHost();
    probe = new Probe('probe', ['Pong', 'Goodbye']);
    host.spawn(probe);
  });

  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await host.stop();
  });

  it('exchanges messages with a host in another process', async () => {
    const { child, address } = await startEchoHost();
    children.push(child);
    probe.post(UPID.at('echo', address), 'Ping', 'hello');
    await within(probe.until(() => probe.count('Pong') === 1), 10_000, 'Pong');
    expect(probe.received[0]?.body).to.deep.equal({ pid: child.pid, body: 'hello' });
  });

  it('kill -9 of the other host gives exited to linked actors; a restarted host re-links', async () => {
    const first = await startEchoHost();
    children.push(first.child);
    const echo = UPID.at('echo', first.address);
    await dispatch(probe, (p) => { p.watch(echo); p.post(echo, 'Ping', 1); });
    await within(probe.until(() => probe.count('Pong') === 1), 10_000, 'first Pong');
    first.child.kill('SIGKILL');
    await exitOf(first.child);
    await within(probe.until(() => probe.exits.length === 1), 10_000, 'exited after kill -9');
    expect(probe.exits[0]?.toString()).to.equal(echo.toString());
    expect(probe.count('Goodbye')).to.equal(0);

    const second = await startEchoHost(echo.port);
    children.push(second.child);
    expect(second.address).to.equal(first.address);
    await dispatch(probe, (p) => { p.watch(echo); p.post(echo, 'Ping', 2); });
    await within(probe.until(() => probe.count('Pong') === 2), 10_000, 'Pong from the restarted host');
    expect((probe.received[1]?.body as { pid: number }).pid).to.equal(second.child.pid);
    second.child.kill('SIGKILL');
    await within(probe.until(() => probe.exits.length === 2), 10_000, 'exited after the second kill');
  });

  it('SIGTERM stops a host gracefully: actors finalize, then links close', async () => {
    const { child, address } = await startEchoHost();
    children.push(child);
    const echo = UPID.at('echo', address);
    await dispatch(probe, (p) => { p.watch(echo); p.post(echo, 'Watch', null); p.post(echo, 'Ping', 1); });
    await within(probe.until(() => probe.count('Pong') === 1), 10_000, 'Pong');
    child.kill('SIGTERM');
    const exit = await within(exitOf(child), 10_000, 'the child to exit');
    expect(exit.code).to.equal(0);
    await within(probe.until(() => probe.count('Goodbye') === 1 && probe.exits.length === 1), 10_000, 'Goodbye and exited');
    expect(probe.received.map((r) => r.name)).to.deep.equal(['Pong', 'Goodbye']);
  });
});
