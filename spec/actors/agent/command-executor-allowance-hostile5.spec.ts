/**
 * A hostile review of the command executor's own resources (command-executor-allowance.spec.ts):
 * an agent upgraded in place recovers command executors from a journal written before they had
 * resources of their own, and must not shrink their running containers' limits below what they
 * were started with. Under the virtual clock, with a Probe as master (harness.ts `AgentMachine`).
 */
import { expect } from 'chai';
import { Resources } from '../../../lib/resources';
import { checkpointJournalPath } from '../../../actors/agent';
import { CONTAINER_CPUS_HEADROOM, CONTAINER_MEM_HEADROOM_BYTES } from '../../../actors/agent/constants';
import { AgentHarness, AgentMachine, EXECUTOR_MESSAGES, TimedProbe, useMachines } from './harness';

const WORK_DIR = '/agent';
const AGENT_ID = 'A1';
const FRAMEWORK = { id: 'F1', name: 'fw', user: 'u', checkpoint: true };
const MB = 1024 * 1024;

describe("the command executor's own resources, against a journal from before them (hostile review)", () => {
  const machine = useMachines(() => new AgentMachine(WORK_DIR, 'cpus:4;mem:4096'));

  it("a command executor recovered from a journal written before it had resources of its own keeps its container's limits (its task's plus the old headroom): they were cut by 0.1 cpus and 64 MB, under a running task", async () => {
    const m = machine();
    await m.registeredAs(AGENT_ID);
    const task = { name: 't1', taskId: 't1', agentId: AGENT_ID, resources: Resources.parse('cpus:1;mem:128').toJSON(), command: { value: 'sleep 600' } };
    m.fromMaster('RunTask', { framework: FRAMEWORK, frameworkId: FRAMEWORK.id, task });
    await m.clock.settle();
    const executor = new TimedProbe('executor-t1', EXECUTOR_MESSAGES);
    m.host.spawn(executor);
    executor.post(m.agent?.pid as never, 'RegisterExecutor', { frameworkId: FRAMEWORK.id, executorId: 't1', ...m.launcher.tokenOf(FRAMEWORK.id, 't1') });
    await m.clock.settle();
    expect(executor.count('RunTaskOnExecutor')).to.equal(1);
    const runId = m.launcher.run('t1').launch.runId;
    await m.kill();
    // The journal as an agent from before the allowance wrote it: the command executor's info without resources.
    const journal = checkpointJournalPath(WORK_DIR);
    const text = await m.disk.readFile(journal) as string;
    const rewritten = text.split('\n').map((line) => {
      if (line === '') return line;
      const record = JSON.parse(line) as { t: string; commandExecutor?: boolean; info?: { resources?: unknown } };
      if (record.t === 'executor' && record.commandExecutor === true) delete record.info?.resources;
      return JSON.stringify(record);
    }).join('\n');
    expect(rewritten).to.not.equal(text);
    await m.disk.writeFileAtomically(journal, rewritten);
    const before = m.launcher.updates.length;
    await m.start();
    await m.clock.advance(1_000);
    const recovered = m.launcher.updates.slice(before).filter((update) => update.runId === runId);
    expect(recovered.length, 'the recovered run is given its limits').to.be.greaterThan(0);
    expect(recovered.at(-1)?.limits).to.deep.equal({ cpus: 1 + CONTAINER_CPUS_HEADROOM, memBytes: 128 * MB + CONTAINER_MEM_HEADROOM_BYTES });
    m.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo, reconciliations: [], executors: [] });
    await m.clock.settle();
  });
});
