/**
 * `--isolation cgroups/...` on a real agent (issue 12): each executor runs in a cgroup of its
 * own from its first instruction, held to its executor's and tasks' resources (a command
 * task's: its own plus its command executor's 0.1 cpus and 32 MB, as Mesos); a container at its memory limit is destroyed and its task fails with the
 * reason while its neighbour runs on; CPU is shared by `cpus`; a fork bomb stops at the pids
 * limit; and no process and no cgroup is left once a container is destroyed. Needs root and
 * cgroups; skipped, saying why, elsewhere.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFINE_FAILED_STATUS, detectCgroups } from '../../../actors/agent/cgroups';
import { DEFAULT_EXECUTOR_MEM_MB } from '../../../actors/agent/constants';
import { eventually } from '../../support/runtime';
import { agentCgroupsRoot, commandExecutorCommand, defaultAgentFlags, NATIVE_COMMAND_EXECUTOR_PATH, type AgentFlags } from '../../../actors/agent';
import { ENTERS_CGROUPS_ENV } from '../../../actors/agent/launcher';
import { spawnSync } from 'node:child_process';
import { RealCluster } from './real-master';

const layout = detectCgroups();
const reason = process.platform !== 'linux' ? 'not Linux' : process.getuid?.() !== 0 ? 'not root' : layout === undefined ? 'no cgroups mounted' : undefined;

(reason === undefined ? describe : describe.skip)(`an agent with --isolation cgroups/cpu,cgroups/mem,cgroups/pids${reason === undefined ? '' : ` (skipped: ${reason})`}`, function () {
  this.timeout(30_000);
  const root = `mesos-isolation-test-${process.pid}`;
  /** The agent's own cgroup under the root (`<root>/agent-<hash of its work dir>`), where its containers go. */
  const agentRoot = (): string => agentCgroupsRoot(root, cluster.workDir);
  let cluster: RealCluster;

  /** The containers' cgroups (directories; a cgroup's files are listed beside them), in every hierarchy. */
  const containers = (): string[] => {
    const roots = layout === undefined ? [] : layout.version === 1 ? [...new Set(layout.hierarchies.values())].map((mount) => path.join(mount, agentRoot())) : [path.join(layout.mount, agentRoot())];
    const names = roots.flatMap((directory) => (fs.existsSync(directory) ? fs.readdirSync(directory, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name) : []));
    return [...new Set(names)];
  };

  /** Where the memory hierarchy keeps this test's containers. */
  const memoryRoot = (): string => (layout?.version === 1 ? path.join(layout.hierarchies.get('memory') as string, agentRoot()) : path.join(layout?.version === 2 ? layout.mount : '', agentRoot()));

  /** Processes anywhere on the machine that are in one of this test's cgroups. */
  const confinedProcesses = (): number[] => fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`/${root}/`);
    } catch {
      return false; // gone meanwhile
    }
  }).map(Number);

  /** The cgroup directory of `taskId`'s run in `controller`'s hierarchy (v1), or the unified one (v2). */
  const cgroupOf = (taskId: string, controller: 'cpuacct' | 'pids' | 'memory'): string => {
    const runId = path.basename(cluster.sandbox(taskId));
    return layout?.version === 1 ? path.join(layout.hierarchies.get(controller) as string, agentRoot(), runId) : path.join(layout?.version === 2 ? layout.mount : '', agentRoot(), runId);
  };

  const start = async (overrides: Partial<AgentFlags> = {}): Promise<void> => {
    cluster = await RealCluster.start({ isolation: 'cgroups/cpu,cgroups/mem,cgroups/pids', cgroupsRoot: root, ...overrides });
  };

  afterEach(async () => {
    await cluster?.stop();
    // A run's cgroup goes once its executor is gone (the agent's stop kills it), and nothing it ran survives it.
    await eventually(() => containers().length === 0, 10_000, 'every container cgroup removed');
    expect(confinedProcesses()).to.deep.equal([]);
    const mounts = layout === undefined ? [] : layout.version === 1 ? [...new Set(layout.hierarchies.values())] : [layout.mount];
    // The agent's own cgroup went with it (its stop waits for its containers' cleanups, then removes it).
    for (const mount of mounts) expect(fs.existsSync(path.join(mount, agentRoot())), path.join(mount, agentRoot())).to.equal(false);
    for (const mount of mounts) if (fs.existsSync(path.join(mount, root))) fs.rmdirSync(path.join(mount, root));
  });

  it('runs the executor and its task inside the run\'s cgroup, with the memory limit of the task plus its executor\'s own 32 MB, and removes it when the run ends', async () => {
    await start();
    cluster.runTask(RealCluster.commandTask('T1', 'cat /proc/self/cgroup; sleep 1'));
    // While it runs: one container cgroup, limited to the task's 32 MB plus its command executor's own 32 MB.
    await eventually(() => containers().length === 1, 10_000, 'the run\'s cgroup');
    const [runId] = containers();
    if (layout?.version === 1) {
      // The limit is written right after the cgroup is made (and before the executor starts).
      const limit = (): number => { try { return Number(fs.readFileSync(path.join(memoryRoot(), runId as string, 'memory.limit_in_bytes'), 'utf8')); } catch { return -1; } }; // made in one hierarchy after another
      await eventually(() => limit() === (32 + DEFAULT_EXECUTOR_MEM_MB) * 1024 * 1024, 5_000, 'the memory limit');
    }
    await eventually(() => cluster.master.states('T1').includes('TASK_FINISHED'), 15_000, 'TASK_FINISHED');
    // The task saw itself in the run's cgroup.
    const stdout = fs.readFileSync(path.join(cluster.sandbox('T1'), 'stdout'), 'utf8');
    expect(stdout).to.contain(`/${agentRoot()}/${runId as string}`);
    await eventually(() => containers().length === 0, 10_000, 'the run\'s cgroup removed');
  });

  it('a task that allocates far more than its mem is destroyed at the limit and fails with REASON_CONTAINER_LIMITATION_MEMORY, naming the limit and the peak; its neighbour runs on', async () => {
    await start();
    cluster.runTask(RealCluster.commandTask('neighbour', 'sleep 60'));
    await eventually(() => cluster.master.states('neighbour').includes('TASK_RUNNING'), 15_000, 'the neighbour running');
    // 32 MB asked for; 1 GB taken, a MB at a time, each page touched.
    cluster.runTask(RealCluster.commandTask('hog', `${JSON.stringify(process.execPath)} -e "const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))"`));
    await eventually(() => cluster.master.states('hog').includes('TASK_FAILED'), 20_000, 'the hog failed');
    const failed = cluster.master.updates('hog').find((update) => update.status.state === 'TASK_FAILED');
    expect(failed?.status.reason).to.equal('REASON_CONTAINER_LIMITATION_MEMORY');
    const limit = (32 + DEFAULT_EXECUTOR_MEM_MB) * 1024 * 1024;
    expect(failed?.status.message).to.match(new RegExp(`^Memory limit exceeded: Requested: ${limit / 1024 / 1024}MB Maximum Used: \\d+(\\.\\d+)?[KMG]?B$`));
    // The neighbour's container was not touched.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(cluster.master.states('neighbour')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    expect(containers()).to.have.length(1);
  });

  it('shares the CPU by cpus: two busy tasks with cpus 0.5 and 1.5 on one core get CPU time in about that ratio (CFS enforced)', async function () {
    if (layout?.version !== 1) this.skip(); // v2 accounting is cpu.stat's usage_usec; this machine's cgroups are v1
    await start({ cgroupsEnableCfs: true });
    // Both on core 0, so that they contend whatever the machine's size: the kernel then splits
    // that core by the containers' shares (1024 per cpu, each with its command executor's own 0.1).
    const busy = 'exec taskset -c 0 sh -c "while :; do :; done"';
    cluster.runTask(RealCluster.commandTask('small', busy, { resources: RealCluster.commandTask('x', '').resources.map((resource) => (resource.name === 'cpus' ? { ...resource, scalar: { value: 0.5 } } : resource)) }));
    cluster.runTask(RealCluster.commandTask('large', busy, { resources: RealCluster.commandTask('x', '').resources.map((resource) => (resource.name === 'cpus' ? { ...resource, scalar: { value: 1.5 } } : resource)) }));
    await eventually(() => ['small', 'large'].every((taskId) => cluster.master.states(taskId).includes('TASK_RUNNING')), 15_000, 'both running');
    const usage = (taskId: string): number => Number(fs.readFileSync(path.join(cgroupOf(taskId, 'cpuacct'), 'cpuacct.usage'), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 500)); // both loops started
    const before = { small: usage('small'), large: usage('large') };
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const ratio = (usage('large') - before.large) / (usage('small') - before.small);
    // Shares 1638 : 614 = 2.67 (3 without the executors' own 0.1); tolerance ±25% of that.
    const expected = (1.5 + 0.1) / (0.5 + 0.1);
    expect(ratio, `CPU time large/small ${ratio.toFixed(2)}, expected ${expected.toFixed(2)}`).to.be.within(expected * 0.75, expected * 1.25);
    // And the CFS quota is in place: cpus plus the executor's own, per 100 ms period.
    expect(fs.readFileSync(path.join(cgroupOf('small', 'cpuacct').replace(layout.hierarchies.get('cpuacct') as string, layout.hierarchies.get('cpu') as string), 'cpu.cfs_quota_us'), 'utf8').trim()).to.equal('60000');
  });

  it('holds a fork bomb at the pids limit and kills it cleanly: no process and no cgroup remain', async function () {
    if (layout?.version === 1 && !layout.hierarchies.has('pids')) this.skip();
    await start({ containerPidsLimit: 64 });
    cluster.runTask(RealCluster.commandTask('bomb', 'b() { b | b & }; b; sleep 60', { killPolicy: { gracePeriodSeconds: 1 } }));
    await eventually(() => cluster.master.states('bomb').includes('TASK_RUNNING'), 15_000, 'the bomb running');
    const pidsFile = (name: string): string => path.join(cgroupOf('bomb', 'pids'), name);
    const current = (): number => Number(fs.readFileSync(pidsFile('pids.current'), 'utf8'));
    /** Forks the limit has refused so far (`pids.events`: `max N`), or undefined where the kernel keeps no such count. */
    const refused = (): number | undefined => (fs.existsSync(pidsFile('pids.events')) ? Number(/^max (\d+)/m.exec(fs.readFileSync(pidsFile('pids.events'), 'utf8'))?.[1] ?? 0) : undefined);
    // It fills the container up to the limit, and no further: forks past it are refused. It need
    // not stay there: a shell whose fork keeps failing gives up, and one run in ten here the bomb
    // died down to its first three processes after 43 refused forks. Waiting for 60 processes
    // then timed out. With a count of refusals, the refusals are what is waited for.
    await eventually(() => (refused() ?? 0) > 0 || current() >= 60, 10_000, 'the bomb at the limit');
    expect(current()).to.be.at.most(64);
    expect(Number(fs.readFileSync(path.join(cgroupOf('bomb', 'pids'), 'pids.max'), 'utf8'))).to.equal(64);
    cluster.master.post(cluster.agentPid, 'KillTaskOnAgent', { frameworkId: 'F1', taskId: 'bomb' });
    await eventually(() => cluster.master.states('bomb').some((state) => state === 'TASK_KILLED' || state === 'TASK_FAILED'), 20_000, 'the bomb ended');
    await eventually(() => containers().length === 0, 10_000, 'its cgroup removed');
    expect(confinedProcesses()).to.deep.equal([]);
  });
});

describe('the native command executor enters its container\'s cgroups itself', () => {
  it('exits 125 (CONFINE_FAILED_STATUS) and runs nothing when it cannot enter them', function () {
    if (!fs.existsSync(NATIVE_COMMAND_EXECUTOR_PATH)) this.skip();
    const result = spawnSync(NATIVE_COMMAND_EXECUTOR_PATH, [], {
      env: { MESOS_CGROUP_PROCS: '/nonexistent/cgroup.procs', MESOS_AGENT_PID: 'slave(1)@127.0.0.1:1', MESOS_FRAMEWORK_ID: 'F1', MESOS_EXECUTOR_ID: 'E1' },
      encoding: 'utf8', timeout: 10_000,
    });
    expect(result.status).to.equal(CONFINE_FAILED_STATUS);
    expect(result.stderr).to.match(/^command-executor: cannot enter the container's cgroups \(\/nonexistent\/cgroup\.procs\): No such file or directory\n$/);
  });

  it('is started without a confining shell where it enters them itself; any other executor through one', () => {
    expect(commandExecutorCommand(defaultAgentFlags({ master: 'm:1', workDir: '/w', commandExecutorPath: NATIVE_COMMAND_EXECUTOR_PATH })).environment).to.deep.equal({ [ENTERS_CGROUPS_ENV]: '1' });
    expect(commandExecutorCommand(defaultAgentFlags({ master: 'm:1', workDir: '/w' }), true).environment).to.equal(undefined);
  });
});
