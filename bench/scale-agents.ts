/**
 * How `bench:scale` starts its agents, on whichever thread they live (bench/scale-cluster.ts on
 * the master's, bench/scale-agents-worker.ts on a thread of their own): every agent at once, on
 * one shared `MemoryDisk`, with in-process simulated executors.
 */
import { MemoryDisk } from '../lib/disk';
import type { ActorHost, VirtualClock } from '../lib/process';
import { defaultAgentFlags, startAgent } from '../actors/agent';
import {
  InProcessLauncher, SIMULATED_COMMAND_EXECUTOR_PATH, SIMULATED_MACHINE, SIMULATION_WORK_DIR, simulatedAgentHostname, simulatedToken,
} from '../spec/cluster/simulation';

/** Declared resources of every agent (a 8-core, 16 GiB machine). */
export const SCALE_AGENT_RESOURCES = 'cpus:8;mem:16384;disk:100000;ports:[31000-32000]';

/** Starts `count` agents on `host` for the master at `masterAddress`; resolves when all are spawned (none registered yet). */
export async function spawnAgents(options: { clock: VirtualClock; host: ActorHost; masterAddress: string; count: number }): Promise<void> {
  const { clock, host, masterAddress, count } = options;
  const disk = new MemoryDisk(clock);
  const launcher = new InProcessLauncher(host).on(disk);
  const token = simulatedToken(host);
  await Promise.all(Array.from({ length: count }, (_, index) => startAgent({
    flags: defaultAgentFlags({
      master: masterAddress, workDir: `${SIMULATION_WORK_DIR}/agent-${index}`, resources: SCALE_AGENT_RESOURCES,
      hostname: simulatedAgentHostname(index), commandExecutorPath: SIMULATED_COMMAND_EXECUTOR_PATH,
    }),
    host, launcher, disk, probe: SIMULATED_MACHINE, files: false, metrics: false, executorToken: token,
  })));
}
