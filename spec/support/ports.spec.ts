import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { EPHEMERAL_PORT_RANGE_FILE, LOWEST_PICKED_PORT, parsePortRange, unhandedPort, unhandedRange } from './ports';

/** Listens on 127.0.0.1:0: the port the kernel hands out. */
async function kernelListener(): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('ports for the processes real-process tests start (spec/support/ports.ts)', () => {
  it('reads the ephemeral range as Linux writes it, and refuses anything else', () => {
    expect(parsePortRange('32768\t60999\n')).to.deep.equal({ low: 32768, high: 60999 });
    expect(parsePortRange('1024 65535')).to.deep.equal({ low: 1024, high: 65535 });
    for (const text of ['', '32768', '60999 32768', '0 100', '1 65536', 'a b']) expect(parsePortRange(text), text).to.equal(undefined);
  });

  it('picks from the wider side of the range that the kernel never hands out, from LOWEST_PICKED_PORT up, or nowhere', () => {
    expect(unhandedRange({ low: 32768, high: 60999 })).to.deep.equal({ low: LOWEST_PICKED_PORT, high: 32767 });
    expect(unhandedRange({ low: 10000, high: 30000 })).to.deep.equal({ low: 30001, high: 65535 });
    expect(unhandedRange({ low: 1024, high: 65535 })).to.equal(undefined);
  });

  it('gives a free port outside the machine\'s ephemeral range, which no listen(0) of this or any process is handed', async function () {
    if (!fs.existsSync(EPHEMERAL_PORT_RANGE_FILE)) this.skip();
    const range = parsePortRange(fs.readFileSync(EPHEMERAL_PORT_RANGE_FILE, 'utf8'));
    if (range === undefined || unhandedRange(range) === undefined) this.skip();
    const port = await unhandedPort();
    // A port the kernel chose (what these tests took before) lies inside the range: the next
    // listen(0) or connect() on the machine may be handed it while a task starts.
    const chosen = await kernelListener();
    const chosenPort = (chosen.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => chosen.close(() => resolve()));
    expect(chosenPort).to.be.within(range.low, range.high);
    expect(port < range.low || port > range.high, `${port} outside ${range.low}-${range.high}`).to.equal(true);
    // Handed out 300 ports at once, the kernel gives none of them this one, and it stays free.
    const servers = await Promise.all(Array.from({ length: 300 }, () => kernelListener()));
    try {
      expect(servers.map((server) => (server.address() as net.AddressInfo).port)).to.not.include(port);
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } finally {
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    }
  });

  it('falls back to a port the kernel chose where there is no range to read, or no room outside it', async () => {
    for (const text of [() => { throw new Error('no /proc'); }, () => '1024 65535']) {
      const port = await unhandedPort(text);
      expect(port).to.be.within(1, 65535);
    }
  });
});
