/**
 * `--isolation cgroups/...` on a real agent (issue 12, first wiring): each executor runs in a
 * cgroup of its own from its first instruction, held to its executor's and tasks' resources
 * plus the executor's headroom, and the cgroup goes when the run ends. Needs root and cgroups;
 * skipped, saying why, elsewhere.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectCgroups } from '../../../actors/agent/cgroups';
import { CONTAINER_MEM_HEADROOM_BYTES } from '../../../actors/agent/constants';
import { eventually } from '../../support/runtime';
import { RealCluster } from './real-master';

const layout = detectCgroups();
const reason = process.platform !== 'linux' ? 'not Linux' : process.getuid?.() !== 0 ? 'not root' : layout === undefined ? 'no cgroups mounted' : undefined;

(reason === undefined ? describe : describe.skip)(`an agent with --isolation cgroups/cpu,cgroups/mem,cgroups/pids${reason === undefined ? '' : ` (skipped: ${reason})`}`, function () {
  this.timeout(30_000);
  const root = `mesos-isolation-test-${process.pid}`;
  let cluster: RealCluster;

  /** The containers' cgroups (directories; a cgroup's files are listed beside them). */
  const containers = (): string[] => (fs.existsSync(memoryRoot()) ? fs.readdirSync(memoryRoot(), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name) : []);

  /** Where the memory hierarchy keeps this test's containers. */
  const memoryRoot = (): string => (layout?.version === 1 ? path.join(layout.hierarchies.get('memory') as string, root) : path.join(layout?.version === 2 ? layout.mount : '', root));

  beforeEach(async () => {
    cluster = await RealCluster.start({ isolation: 'cgroups/cpu,cgroups/mem,cgroups/pids', cgroupsRoot: root });
  });

  afterEach(async () => {
    await cluster.stop();
    // A run's cgroup goes once its executor is gone (the agent's stop kills it).
    await eventually(() => containers().length === 0, 10_000, 'every container cgroup removed');
    const mounts = layout === undefined ? [] : layout.version === 1 ? [...new Set(layout.hierarchies.values())] : [layout.mount];
    for (const mount of mounts) if (fs.existsSync(path.join(mount, root))) fs.rmdirSync(path.join(mount, root));
  });

  it('runs the executor and its task inside the run\'s cgroup, with the memory limit of the task plus the headroom, and removes it when the run ends', async () => {
    cluster.runTask(RealCluster.commandTask('T1', 'cat /proc/self/cgroup; sleep 1'));
    // While it runs: one container cgroup, limited to the task's 32 MB plus the executor's headroom.
    await eventually(() => containers().length === 1, 10_000, 'the run\'s cgroup');
    const [runId] = containers();
    if (layout?.version === 1) {
      // The limit is written right after the cgroup is made (and before the executor starts).
      const limit = (): number => Number(fs.readFileSync(path.join(memoryRoot(), runId as string, 'memory.limit_in_bytes'), 'utf8'));
      await eventually(() => limit() === 32 * 1024 * 1024 + CONTAINER_MEM_HEADROOM_BYTES, 5_000, 'the memory limit');
    }
    await eventually(() => cluster.master.states('T1').includes('TASK_FINISHED'), 15_000, 'TASK_FINISHED');
    // The task saw itself in the run's cgroup.
    const stdout = fs.readFileSync(path.join(cluster.sandbox('T1'), 'stdout'), 'utf8');
    expect(stdout).to.contain(`/${root}/${runId as string}`);
    await eventually(() => containers().length === 0, 10_000, 'the run\'s cgroup removed');
  });
});
