import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import { threadCpuMs } from '../../lib/thread-cpu';

/** A worker that spins until its own thread has used `ms` of CPU, then says so. */
const SPINNER = `
const { parentPort, workerData } = require('node:worker_threads');
const { threadCpuMs } = require(workerData.module);
const until = threadCpuMs() + workerData.ms;
while (threadCpuMs() < until) { /* spin */ }
parentPort.postMessage('spun');
`;

describe('lib/thread-cpu', function () {
  this.timeout(60_000);

  it(`counts this thread's CPU and not another thread's (Linux: /proc/thread-self/schedstat${process.platform === 'linux' ? '' : '; skipped, this is not Linux'})`, async function () {
    if (process.platform !== 'linux') this.skip();
    const ownBefore = threadCpuMs();
    const processBefore = process.cpuUsage();
    const worker = new Worker(SPINNER, { eval: true, workerData: { module: require.resolve('../../lib/thread-cpu'), ms: 300 } });
    await new Promise<void>((resolve, reject) => { worker.once('message', () => resolve()); worker.once('error', reject); });
    await worker.terminate();
    const processUsage = process.cpuUsage(processBefore);
    expect((processUsage.user + processUsage.system) / 1000, "the process' CPU, the worker's with it").to.be.at.least(300);
    expect(threadCpuMs() - ownBefore, "this thread's, which waited").to.be.below(150);
    const spinFrom = threadCpuMs();
    while (threadCpuMs() < spinFrom + 100) { /* spin here */ }
    expect(threadCpuMs() - spinFrom).to.be.at.least(100);
  });
});
