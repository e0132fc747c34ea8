/**
 * actors/agent/cgroups.ts against this machine's real cgroups (issue 12): CI runs as root with
 * cgroups v1. Where there are none, or no root, the real tests are skipped and say why; the
 * parsing of /proc/mounts is tested everywhere.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cgroups, confinedCommand, detectCgroups, CONFINE_FAILED_STATUS, CPU_SHARES_PER_CPU, CFS_PERIOD_US } from '../../../actors/agent/cgroups';
import { within } from '../../support/runtime';

describe('actors/agent/cgroups: finding the hierarchies', () => {
  it('reads v1 hierarchies from /proc/mounts, and a unified v2 mount when no v1 one has memory', () => {
    const v1 = detectCgroups([
      'tmpfs /sys/fs/cgroup tmpfs rw 0 0',
      'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,relatime,cpu,cpuacct 0 0',
      'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
      'cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0',
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0',
    ].join('\n'));
    expect(v1?.version).to.equal(1);
    expect(v1?.version === 1 ? Object.fromEntries(v1.hierarchies) : {}).to.deep.equal({
      cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct', memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids',
    });
    expect(detectCgroups('proc /proc proc rw 0 0\n')).to.equal(undefined);
  });
});

/** Why the real tests cannot run here, or undefined. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  const layout = detectCgroups();
  if (layout === undefined) return 'no cgroups mounted';
  return undefined;
}

const reason = unavailable();
const describeReal = reason === undefined ? describe : describe.skip;

describeReal(`actors/agent/cgroups on this machine's cgroups${reason === undefined ? '' : ` (skipped: ${reason})`}`, function () {
  this.timeout(30_000);
  const root = `mesos-test-${process.pid}`;
  let cgroups: Cgroups;
  const children: ChildProcess[] = [];

  before(() => {
    cgroups = new Cgroups(detectCgroups() as NonNullable<ReturnType<typeof detectCgroups>>, root);
  });

  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const id of await cgroups.containers()) await cgroups.destroy(id);
  });

  after(() => {
    // The root itself, in each hierarchy (empty by now: every container was destroyed).
    const layout = cgroups.layout;
    const mounts = layout.version === 1 ? new Set(layout.hierarchies.values()) : new Set([layout.mount]);
    for (const mount of mounts) if (fs.existsSync(path.join(mount, root))) fs.rmdirSync(path.join(mount, root));
  });

  /** Starts `script` under `sh -c`, stopped at first until placed in the cgroup. */
  function start(script: string): ChildProcess {
    const child = spawn('/bin/sh', ['-c', script], { stdio: 'ignore' });
    children.push(child);
    return child;
  }

  it('creates a container cgroup, places a process in it, reads its usage, and destroys it with everything in it', async () => {
    await cgroups.create('c1');
    expect(cgroups.exists('c1')).to.equal(true);
    expect(await cgroups.containers()).to.deep.equal(['c1']);
    // The shell waits for a line before it starts its busy loop: placed first, everything it runs is inside.
    const child = spawn('/bin/sh', ['-c', 'read go; while :; do :; done'], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(child);
    await cgroups.assign('c1', child.pid as number);
    child.stdin?.write('go\n');
    const later = start('sleep 60');
    await cgroups.assign('c1', later.pid as number);
    let statistics = await cgroups.statistics('c1');
    expect(statistics.processes).to.be.at.least(2);
    await new Promise((resolve) => setTimeout(resolve, 300)); // real CPU time to measure
    statistics = await cgroups.statistics('c1');
    expect(statistics.cpusUserTimeSecs ?? 0, 'busy loops take CPU time').to.be.greaterThan(0);
    await cgroups.destroy('c1');
    expect(cgroups.exists('c1')).to.equal(false);
    await within(new Promise((resolve) => (later.exitCode !== null || later.signalCode !== null ? resolve(null) : later.once('exit', resolve))), 5_000, 'the process killed');
    expect(later.signalCode).to.equal('SIGKILL');
  });

  it('sets CPU shares, a CFS quota, a memory limit and a pids limit where it can', async () => {
    await cgroups.create('c2');
    await cgroups.setCpuShares('c2', 1.5);
    await cgroups.setCfsQuota('c2', 0.5);
    await cgroups.setMemoryLimit('c2', 64 * 1024 * 1024);
    if (cgroups.controllers().includes('pids')) await cgroups.setPidsLimit('c2', 16);
    const layout = cgroups.layout;
    if (layout.version === 1) {
      const read = (controller: 'cpu' | 'memory' | 'pids', file: string): string => fs.readFileSync(path.join(layout.hierarchies.get(controller) as string, root, 'c2', file), 'utf8').trim();
      expect(read('cpu', 'cpu.shares')).to.equal(String(1.5 * CPU_SHARES_PER_CPU));
      expect(read('cpu', 'cpu.cfs_quota_us')).to.equal(String(0.5 * CFS_PERIOD_US));
      expect(read('memory', 'memory.limit_in_bytes')).to.equal(String(64 * 1024 * 1024));
      if (layout.hierarchies.has('pids')) expect(read('pids', 'pids.max')).to.equal('16');
    }
    expect((await cgroups.statistics('c2')).memLimitBytes).to.equal(64 * 1024 * 1024);
  });

  it('a process that allocates past the memory limit is killed by the kernel, and the cgroup counts the OOM kill', async () => {
    await cgroups.create('c3');
    await cgroups.setMemoryLimit('c3', 32 * 1024 * 1024);
    // Node allocating 200 MiB in a cgroup of 32 MiB.
    const hog = spawn(process.execPath, ['-e', 'const a = []; for (let i = 0; i < 200; i++) { a.push(Buffer.alloc(1 << 20, 1)); } setTimeout(() => {}, 10000);'], { stdio: 'ignore' });
    children.push(hog);
    // Placed before it has allocated much: its first tick is far from 32 MiB of buffers.
    await cgroups.assign('c3', hog.pid as number);
    await within(new Promise((resolve) => hog.once('exit', resolve)), 20_000, 'the OOM kill');
    expect(hog.signalCode).to.equal('SIGKILL');
    const statistics = await cgroups.statistics('c3');
    expect(statistics.oomKills ?? 0).to.be.at.least(1);
    expect(statistics.memMaxBytes ?? 0).to.be.at.least(16 * 1024 * 1024);
  });

  it('with the OOM killer off a container at its limit is paused for the agent to destroy; handed over (the agent stopping on SIGTERM) the kernel kills in it again (agent-recovery walkthrough: paused while the agent was down)', async function () {
    if (cgroups.layout.version !== 1) this.skip(); // v2 never pauses: memory.oom.group
    await cgroups.create('c4');
    await cgroups.setMemoryLimit('c4', 32 * 1024 * 1024);
    await cgroups.setOomKillsWholeContainer('c4');
    const hog = spawn(process.execPath, ['-e', 'const a = []; for (let i = 0; i < 200; i++) { a.push(Buffer.alloc(1 << 20, 1)); } setTimeout(() => {}, 10000);'], { stdio: 'ignore' });
    children.push(hog);
    await cgroups.assign('c4', hog.pid as number);
    for (let tries = 0; tries < 200 && (await cgroups.oomState('c4'))?.limitReached !== true; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await cgroups.oomState('c4'))?.limitReached, 'paused at the limit').to.equal(true);
    expect(hog.exitCode === null && hog.signalCode === null, 'still there, paused').to.equal(true);
    await cgroups.setOomKillsWholeContainer('c4', false);
    await within(new Promise((resolve) => (hog.exitCode !== null || hog.signalCode !== null ? resolve(null) : hog.once('exit', resolve))), 20_000, 'the OOM kill once handed over');
    expect(hog.signalCode).to.equal('SIGKILL');
    await cgroups.destroy('c4');
  });

  it('a confined command is in its cgroup from its first instruction: what it forks at once is inside too', async () => {
    await cgroups.create('c4');
    // The command forks a child as the very first thing it does, and both then wait.
    const [file, args] = confinedCommand(['/bin/sh', '-c', 'sleep 60 & cat /proc/self/cgroup; wait'], cgroups.procsFiles('c4'));
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    await within(new Promise<void>((resolve) => {
      const check = (): void => (output.includes(`/${root}/c4`) ? resolve() : void setTimeout(check, 10));
      check();
    }), 5_000, "the command's own view of its cgroup");
    const pids = await cgroups.pids('c4');
    expect(pids, 'the shell (now the command) and the sleep it forked').to.include(child.pid as number);
    expect(pids.length).to.be.at.least(2);
    // A cgroup it cannot enter: it runs nothing, and says so by its exit status.
    const [badFile, badArgs] = confinedCommand(['/bin/sh', '-c', 'echo ran'], ['/nonexistent/cgroup.procs']);
    const refused = spawn(badFile, badArgs, { stdio: ['ignore', 'pipe', 'ignore'] });
    let ran = '';
    refused.stdout?.on('data', (chunk: Buffer) => { ran += chunk.toString(); });
    const status = await within(new Promise<number | null>((resolve) => refused.once('exit', resolve)), 5_000, 'the refused command');
    expect([status, ran]).to.deep.equal([CONFINE_FAILED_STATUS, '']);
  });

  it('destroys a container whose task made cgroups of its own below it: the processes in them are killed, the cgroups removed deepest first', async () => {
    await cgroups.create('c5');
    // A task running as root nests a cgroup (say, under systemd-run or Docker) and moves itself into it.
    const layout = cgroups.layout;
    const containerDirs = layout.version === 1 ? [...new Set(layout.hierarchies.values())].map((mount) => path.join(mount, root, 'c5')) : [path.join(layout.mount, root, 'c5')];
    for (const directory of containerDirs) fs.mkdirSync(path.join(directory, 'inner', 'deeper'), { recursive: true });
    const escaped = start('sleep 60');
    for (const directory of containerDirs) fs.writeFileSync(path.join(directory, 'inner', 'deeper', 'cgroup.procs'), String(escaped.pid));
    expect(await cgroups.pids('c5'), 'the nested cgroup\'s process counts as the container\'s').to.include(escaped.pid as number);
    await cgroups.destroy('c5');
    await within(new Promise((resolve) => (escaped.exitCode !== null || escaped.signalCode !== null ? resolve(null) : escaped.once('exit', resolve))), 5_000, 'the nested process killed');
    expect(escaped.signalCode).to.equal('SIGKILL');
    for (const directory of containerDirs) expect(fs.existsSync(directory), directory).to.equal(false);
  });

  it('refuses a container id or a root that is not a plain name', () => {
    expect(() => new Cgroups(cgroups.layout, '../escape')).to.throw(/plain names/);
    return cgroups.create('../c').then(() => expect.fail('created'), (error: Error) => expect(error.message).to.match(/not a plain name/));
  });
});
