import { expect } from 'chai';
import { UPID } from '../../../lib/actor';
import type { ActorHost } from '../../../lib/process';
import {
  advertiseIpError, clientOf, isOwnHost, ownHostNames, routableIp, sameLocalEndpoint, FALLBACK_ADVERTISE_IP, MAX_LEARNED_HOST_NAMES, NOT_OWN_NAME_TTL_MS, OWN_NAME_TTL_MS, OwnNameResolver, type MachineAddresses,
} from '../../../lib/process/addresses';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { encodeEnvelope } from '../../../lib/process/codec';
import { eventually, netHost, Probe, rawLinkPeer, within } from '../../support/runtime';

/** A machine with loopback and one routable interface, 10.99.0.1, that the tests pretend is this one. */
const MACHINE: MachineAddresses = {
  hostname: 'TestBox',
  interfaces: [
    { address: '127.0.0.1', family: 'IPv4', internal: true },
    { address: '::1', family: 'IPv6', internal: true },
    { address: 'fd00::9', family: 'IPv6', internal: false },
    { address: '10.99.0.1', family: 'IPv4', internal: false },
  ],
};

describe('addresses of this machine (pure)', () => {
  it('counts a client for the per-client bounds by its IPv4 address, or by its IPv6 /64 (review of 2026-12-05: one client with a /64 had unlimited addresses)', () => {
    expect(clientOf('10.0.0.1')).to.equal('10.0.0.1');
    expect(clientOf('::ffff:10.0.0.1')).to.equal('10.0.0.1');
    expect(clientOf('::1')).to.equal('::1');
    for (const address of ['2001:db8:1:2::7', '2001:db8:1:2:aaaa::5', '2001:0db8:0001:0002:0:0:0:1', '2001:DB8:1:2:ffff:ffff:ffff:ffff']) expect(clientOf(address), address).to.equal('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:3::7')).to.equal('2001:db8:1:3::/64');
  });

  const names = ownHostNames(MACHINE, ['192.0.2.77']);

  it('counts localhost, loopback, the host name, interface IPs and the advertised IP as ours', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'testbox', '10.99.0.1', '[fd00::9]', '192.0.2.77']) {
      expect(isOwnHost(host, names), host).to.equal(true);
    }
  });

  it('does not count other machines (or almost-loopback spellings) as ours', () => {
    for (const host of ['10.99.0.2', 'otherbox', '128.0.0.1', '127.0.0.256', '0.0.0.0']) {
      expect(isOwnHost(host, names), host).to.equal(false);
    }
  });

  it('takes two spellings of one port on this machine as one endpoint, and nothing else', () => {
    expect(sameLocalEndpoint('localhost:5050', '10.99.0.1:5050', names)).to.equal(true);
    expect(sameLocalEndpoint('localhost:5050', '127.0.0.1:5051', names)).to.equal(false);
    expect(sameLocalEndpoint('localhost:5050', '10.99.0.2:5050', names)).to.equal(false);
  });

  it('advertises the first non-internal IPv4 for a wildcard, else 127.0.0.1', () => {
    expect(routableIp(MACHINE)).to.equal('10.99.0.1');
    expect(routableIp({ hostname: 'lonely', interfaces: [{ address: '127.0.0.1', family: 'IPv4', internal: true }] })).to.equal(FALLBACK_ADVERTISE_IP);
  });

  it('refuses wildcards and non-IPs as an advertised IP', () => {
    expect(advertiseIpError('10.0.0.5')).to.equal(undefined);
    expect(advertiseIpError('fd00::1')).to.equal(undefined);
    expect(advertiseIpError('0.0.0.0')).to.match(/wildcard/);
    expect(advertiseIpError('master.example.com')).to.match(/not an IP address/);
    expect(advertiseIpError('300.1.1.1')).to.match(/not an IP address/);
  });
});

describe('a host takes messages for any of its addresses', () => {
  const hosts: ActorHost[] = [];
  const start = async (options: Parameters<typeof netHost>[0] = {}): Promise<ActorHost> => {
    const host = await netHost({ machine: MACHINE, ...options });
    hosts.push(host);
    return host;
  };
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  it('delivers to actor@localhost:<port> and actor@127.0.0.1:<port>, and replies from the advertised spelling come back once it is confirmed', async () => {
    const receiverHost = await start({ advertiseIp: '127.0.0.1' });
    const senderHost = await start();
    const port = receiverHost.address.split(':')[1] as string;
    expect(receiverHost.address).to.equal(`127.0.0.1:${port}`);
    const receiver = new ReplyingProbe('receiver');
    receiverHost.spawn(receiver);
    const sender = new Probe('sender', ['Pong']);
    senderHost.spawn(sender);
    sender.post(`receiver@localhost:${port}`, 'Ping', 1);
    sender.post(`receiver@127.0.0.1:${port}`, 'Ping', 2);
    await within(sender.until(() => sender.count('Pong') === 2), 5_000, 'two pongs');
    expect(receiver.received.map((r) => r.body)).to.deep.equal([1, 2]);
    expect(sender.received.map((r) => r.from.toString())).to.deep.equal([`receiver@127.0.0.1:${port}`, `receiver@127.0.0.1:${port}`]);
    expect(senderHost.forgedSenderDrops).to.equal(0);
    expect(receiverHost.forgedSenderDrops).to.equal(0);
  });

  it("a peer dialed as localhost that advertises another local IP's address (where another process listens on the same port) is not believed", async () => {
    const victim = await start({ ip: '127.0.0.2' });
    const port = Number(victim.address.split(':')[1]);
    const impostor = await start({ ip: '127.0.0.1', port, advertiseIp: '127.0.0.2' });
    expect(impostor.address).to.equal(victim.address);
    const senderHost = await start();
    impostor.spawn(new ReplyingProbe('receiver'));
    const sender = new Probe('sender', ['Pong']);
    senderHost.spawn(sender);
    sender.post(`receiver@localhost:${port}`, 'Ping', 1);
    // The impostor answers in the victim's name; the sender asked 127.0.0.2 who it is, and drops the answer.
    await eventually(() => senderHost.forgedSenderDrops === 1, 5_000, 'the reply in the victim\'s name dropped');
    expect(sender.count('Pong')).to.equal(0);
  });

  it("a peer proving another address of this machine at the master's port does not speak for the master (reachedAs); the master's advertised spelling does", async () => {
    // The hostile-wire pass (2026-12-05): an agent took RunTask from master@127.0.0.2:P while its master listened at 127.0.0.1:P.
    const masterHost = await start({ ip: '127.0.0.1' });
    const port = Number(masterHost.address.split(':')[1]);
    const impostorHost = await start({ ip: '127.0.0.2', port });
    expect(impostorHost.address).to.equal(`127.0.0.2:${port}`);
    masterHost.spawn(new ReplyingProbe('master'));
    const impostor = new Probe('master');
    impostorHost.spawn(impostor);
    const victimHost = await start();
    const configured = UPID.parse(`master@localhost:${port}`);
    const verdicts: Array<[string, boolean]> = [];
    class Victim extends Probe {
      constructor() {
        super('victim', []);
        this.install('Pong', (from) => { verdicts.push([from.toString(), this.reachedAs(from, configured)]); });
      }
    }
    const victim = new Victim();
    victimHost.spawn(victim);
    victim.post(configured, 'Ping', 1);
    await eventually(() => verdicts.length === 1, 5_000, "the master's pong");
    impostor.post(victim.self(), 'Pong', 'run this as root');
    await eventually(() => verdicts.length === 2, 5_000, "the impostor's pong");
    expect(verdicts).to.deep.equal([[`master@127.0.0.1:${port}`, true], [`master@127.0.0.2:${port}`, false]]);
  });

  it("a master that dialed first: the agent's message to its configured spelling goes over that link once the master there is confirmed, and the master's answers speak for it (review of 2026-12-05)", async () => {
    const masterHost = await start({ advertiseIp: '127.0.0.1' });
    const port = Number(masterHost.address.split(':')[1]);
    const master = new ReplyingProbe('master');
    masterHost.spawn(master);
    const agentHost = await start();
    const configured = UPID.parse(`master@localhost:${port}`);
    const verdicts: Array<[string, string, boolean]> = [];
    class Agent extends Probe {
      constructor() {
        super('agent', []);
        for (const name of ['Ping', 'Pong']) this.install(name, (from) => { verdicts.push([name, from.toString(), this.reachedAs(from, configured)]); });
      }
    }
    const agent = new Agent();
    agentHost.spawn(agent);
    // The master dials first (its ping to an agent that restarted): the agent has no word yet that 127.0.0.1 is the master at localhost.
    master.post(agent.self(), 'Ping', 'ping');
    await eventually(() => verdicts.length === 1, 5_000, "the master's ping");
    agent.post(configured, 'Ping', 'hello');
    await eventually(() => verdicts.length === 2, 5_000, "the master's answer");
    expect(verdicts).to.deep.equal([['Ping', `master@127.0.0.1:${port}`, false], ['Pong', `master@127.0.0.1:${port}`, true]]);
    expect(master.received.map((r) => r.body)).to.deep.equal(['hello']);
    expect(agentHost.forgedSenderDrops + masterHost.forgedSenderDrops).to.equal(0);
  });

  it('a send to an address of this machine with no link goes to that address, not over a link dialed to another local IP at the same port (review of 2026-12-05)', async () => {
    const realHost = await start({ ip: '127.0.0.1' });
    const port = Number(realHost.address.split(':')[1]);
    const impostorHost = await start({ ip: '127.0.0.2', port });
    const real = new Probe('receiver', ['Ping']);
    realHost.spawn(real);
    const impostor = new Probe('receiver', ['Ping']);
    impostorHost.spawn(impostor);
    const senderHost = await start();
    const sender = new Probe('sender');
    senderHost.spawn(sender);
    sender.post(`receiver@127.0.0.2:${port}`, 'Ping', 'to the other IP');
    await eventually(() => impostor.count('Ping') === 1, 5_000, 'the first message');
    sender.post(`receiver@127.0.0.1:${port}`, 'Ping', 'to 127.0.0.1');
    await eventually(() => real.count('Ping') === 1, 5_000, 'the second message, where it was sent');
    expect(impostor.received.map((r) => r.body)).to.deep.equal(['to the other IP']);
  });

  it('takes messages addressed under a DNS name that resolves to this machine, not under one that resolves elsewhere; the dialer believes the socket it reached', async () => {
    // Names of a pretend DNS: the dialer resolves both to the receiver's loopback; the receiver
    // finds that one resolves to it and the other to a machine that is not it.
    const dialerDns = new Map([['master.example', '127.0.0.1'], ['alias.example', '127.0.0.1']]);
    const receiverDns = new Map([['master.example', ['127.0.0.1']], ['alias.example', ['10.7.7.7']]]);
    const lookups: string[] = [];
    const receiverHost = await start({
      advertiseIp: '127.0.0.1',
      lookupHostName: async (name) => {
        lookups.push(name);
        return receiverDns.get(name) ?? [];
      },
    });
    const lookup: LookupFunction = (hostname, _options, callback) => {
      const address = dialerDns.get(hostname);
      if (address === undefined) (callback as (error: Error | null, address: string, family: number) => void)(new Error(`no such name ${hostname}`), '', 4);
      else (callback as (error: Error | null, address: string | LookupAddress[], family?: number) => void)(null, [{ address, family: 4 }]);
    };
    const senderHost = await start({ links: { lookup } });
    const port = receiverHost.address.split(':')[1] as string;
    const receiver = new ReplyingProbe('receiver');
    receiverHost.spawn(receiver);
    const sender = new Probe('sender', ['Pong']);
    senderHost.spawn(sender);
    sender.post(`receiver@master.example:${port}`, 'Ping', 1);
    await within(sender.until(() => sender.count('Pong') === 1), 5_000, 'the pong');
    // The reply comes from the advertised address, which is the socket the sender reached: believed.
    expect(sender.received.map((r) => r.from.toString())).to.deep.equal([`receiver@127.0.0.1:${port}`]);
    expect(senderHost.forgedSenderDrops).to.equal(0);
    // A name that resolves to another machine is not ours, even if a dialer reached us by it.
    sender.post(`receiver@alias.example:${port}`, 'Ping', 2);
    sender.post(`receiver@master.example:${port}`, 'Ping', 3);
    await within(sender.until(() => sender.count('Pong') === 2), 5_000, 'the second pong');
    expect(receiver.received.map((r) => r.body)).to.deep.equal([1, 3]);
    expect(lookups.filter((name) => name === 'master.example'), 'a name is looked up once').to.have.length(1);
  });

  it('what a lookup found holds for its time: a name that moved away stops being ours, one that failed is looked up again (review)', async () => {
    const names = new Set(['localhost']);
    const dns = new Map<string, string[]>([['moving.example', ['127.0.0.1']]]);
    let now = 0;
    const resolver = new OwnNameResolver(names, (name) => Promise.resolve(dns.get(name) ?? []), 1_000, () => now);
    await resolver.learn('moving.example:5050');
    expect(names.has('moving.example')).to.equal(true);
    dns.set('moving.example', ['10.9.9.9']); // the name now points at another machine
    now += OWN_NAME_TTL_MS - 1;
    await resolver.learn('moving.example:5050');
    expect(names.has('moving.example'), 'still within its time').to.equal(true);
    now += 1;
    await resolver.learn('moving.example:5050');
    expect(names.has('moving.example'), 'looked up again: no longer ours').to.equal(false);
    // Not ours now; once that has expired and the name is back here, it is ours again.
    dns.set('moving.example', ['127.0.0.1']);
    await resolver.learn('moving.example:5050');
    expect(names.has('moving.example')).to.equal(false);
    now += NOT_OWN_NAME_TTL_MS;
    await resolver.learn('moving.example:5050');
    expect(names.has('moving.example')).to.equal(true);
  });

  it('counts what a lookup found by the monotonic clock: the wall clock set back an hour does not make it hold the hour too (audit of clock set-back hazards)', async () => {
    const names = new Set(['localhost']);
    let lookups = 0;
    const resolver = new OwnNameResolver(names, () => { lookups++; return Promise.resolve(['10.9.9.9']); }, 1_000);
    const wall = Date.now;
    const monotonic = performance.now.bind(performance);
    try {
      await resolver.learn('elsewhere.example:5050');
      expect(lookups).to.equal(1);
      // The wall clock is set back an hour; NOT_OWN_NAME_TTL_MS passes.
      Date.now = () => wall() - 3_600_000;
      performance.now = () => monotonic() + NOT_OWN_NAME_TTL_MS;
      await resolver.learn('elsewhere.example:5050');
      expect(lookups, 'looked up again once its time was up').to.equal(2);
    } finally {
      Date.now = wall;
      performance.now = monotonic;
    }
  });

  it('looks up at most MAX_LEARNED_HOST_NAMES names, and takes an unanswered lookup as not ours', async () => {
    const names = new Set(['localhost']);
    let asked = 0;
    const resolver = new OwnNameResolver(names, (name) => {
      asked++;
      return name === 'slow.example' ? new Promise<readonly string[]>(() => undefined) : Promise.resolve(['127.0.0.1']);
    }, 20);
    await resolver.learn('slow.example:5050');
    expect(names.has('slow.example')).to.equal(false);
    for (let i = 0; i < MAX_LEARNED_HOST_NAMES + 10; i++) await resolver.learn(`n${i}.example:5050`);
    expect(asked).to.equal(MAX_LEARNED_HOST_NAMES);
    expect(names.has('n0.example')).to.equal(true);
    // IPs, our own names and malformed values are never looked up.
    for (const header of ['10.1.2.3:5050', '[::1]:5050', 'localhost:5050', 'bad name:1', undefined]) await resolver.learn(header);
    expect(asked).to.equal(MAX_LEARNED_HOST_NAMES);
  });

  it("still refuses a message addressed to another host's address (another port, or an IP not of this machine)", async () => {
    const host = await start();
    const port = Number(host.address.split(':')[1]);
    const receiver = new Probe('receiver', ['Ping']);
    host.spawn(receiver);
    const peer = await rawLinkPeer(host);
    try {
      const from = `sender@${peer.address}`;
      for (const to of [`receiver@127.0.0.1:${port === 65535 ? 1 : port + 1}`, `receiver@10.99.0.2:${port}`, `receiver@otherbox:${port}`]) {
        peer.socket.send(encodeEnvelope({ from, to, name: 'Ping', body: to }));
      }
      peer.socket.send(encodeEnvelope({ from, to: `receiver@localhost:${port}`, name: 'Ping', body: 'mine' }));
      await eventually(() => receiver.received.length > 0, 5_000, 'the message addressed to us');
      expect(receiver.received.map((r) => r.body)).to.deep.equal(['mine']);
    } finally {
      await peer.close();
    }
  });

  it('a host bound to 0.0.0.0 advertises a routable IP, and the one --advertise_ip names when given', async () => {
    const wildcard = await start({ ip: '0.0.0.0' });
    expect(wildcard.address).to.match(/^10\.99\.0\.1:[0-9]+$/);
    const advertised = await start({ ip: '0.0.0.0', advertiseIp: '127.0.0.1' });
    expect(advertised.address).to.match(/^127\.0\.0\.1:[0-9]+$/);
    expect(advertised.spawn(new Probe('probe')).toString()).to.equal(`probe@${advertised.address}`);
  });

  it('advertises --advertise_port instead of the bound one, and takes messages at both', async () => {
    const host = await start({ advertisePort: 65_000 });
    expect(host.address).to.equal('127.0.0.1:65000');
    const receiver = new Probe('receiver', ['Ping']);
    host.spawn(receiver);
    const local = new Probe('local');
    host.spawn(local);
    local.post(UPID.parse('receiver@localhost:65000'), 'Ping', 'advertised port');
    await within(receiver.until(() => receiver.count('Ping') === 1), 5_000, 'the message to the advertised port');
  });
});

/** Answers each Ping with a Pong to its sender. */
class ReplyingProbe extends Probe {
  constructor(id: string) {
    super(id, []);
    this.install('Ping', (from, body) => {
      this.record({ from, name: 'Ping', body });
      this.send(from, 'Pong', body);
    });
  }
}
