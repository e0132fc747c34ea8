import { expect } from 'chai';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '../../../lib/process';
import { runProbe, TaskChecks, type ProbeContext, type ProbeOutcome } from '../../../actors/framework/checks';

/** Interval of the streaming server's writes (real ms: the server is real). */
const STREAM_WRITE_INTERVAL_MS = 5;

describe('actors/framework/checks: probes hold nothing once their result is in', () => {
  it('an HTTP probe against a response that streams forever closes its connection once it has the status (review: leak.js)', async () => {
    let open = 0;
    const server = http.createServer((request, response) => {
      open += 1;
      response.writeHead(200);
      const writes = setInterval(() => response.write('x'.repeat(1000)), STREAM_WRITE_INTERVAL_MS);
      request.socket.once('close', () => {
        open -= 1;
        clearInterval(writes);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (let probe = 0; probe < 3; probe++) {
        const outcome = await runProbe({ type: 'HTTP', port, path: '/', scheme: 'http' }, { sandbox: '/tmp', environment: {}, signal: new AbortController().signal });
        expect(outcome).to.deep.equal({ type: 'HTTP', statusCode: 200 });
      }
      for (let turn = 0; turn < 100 && open > 0; turn++) await new Promise((resolve) => setTimeout(resolve, STREAM_WRITE_INTERVAL_MS));
      expect(open, 'connections the server still has open').to.equal(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('aborts a probe\'s signal when its result is in, not only at a timeout or stop', async () => {
    const clock = new VirtualClock();
    const signals: AbortSignal[] = [];
    const probes = (_probe: unknown, context: ProbeContext): Promise<ProbeOutcome> => {
      signals.push(context.signal);
      return Promise.resolve({ type: 'TCP', succeeded: true });
    };
    const checks = new TaskChecks(
      { taskId: 'T1', name: 'T1', agentId: 'A1', resources: [], check: { type: 'TCP', tcp: { port: 80 }, delaySeconds: 0, intervalSeconds: 1 } },
      {
        host: { now: () => clock.now(), delay: (ms, callback) => clock.setTimer(ms, callback), defer: (promise, then, onError) => { promise.then(then, onError); } },
        sandbox: '/tmp', environment: {}, probes,
      },
      { healthChanged: () => undefined, checkUpdated: () => undefined, unhealthy: () => undefined },
    );
    checks.start();
    await clock.advance(0);
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(signals).to.have.length(1);
    expect(signals[0]?.aborted).to.equal(true);
    checks.stop();
  });
});
