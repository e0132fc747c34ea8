import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { FetchError } from '../../../actors/agent/fetcher';
import type { ExecutorExit, ExecutorLaunch, LaunchedExecutor } from '../../../actors/agent/launcher';
import type { CommandUri } from '../../../lib/protocol';
import { AgentHarness } from './harness';

/** The URIs the tasks below ask for. */
const URIS: CommandUri[] = [{ value: 'https://example.com/dist/app.tgz' }, { value: '/opt/tools/run.sh', executable: true, outputFile: 'bin/run.sh' }];

describe('actors/agent: launches that fetch their command\'s URIs', () => {
  let harness: AgentHarness;

  beforeEach(async () => {
    // A launch held open (its fetch) is work outside the agent: a simulated clock's settle does not wait for it.
    harness = new AgentHarness({}, undefined, { simulatedClock: true });
    await harness.register();
  });
  afterEach(() => harness.stop());

  /** Makes every launch wait for its fetch, which `settle` ends (resolving or failing it); an abort fails it at once. */
  function holdLaunches(): { settle: (error?: Error) => void; launches: ExecutorLaunch[] } {
    const launches: ExecutorLaunch[] = [];
    let settle: (error?: Error) => void = () => undefined;
    const original = harness.launcher.launch.bind(harness.launcher);
    harness.launcher.launch = (launch: ExecutorLaunch, onExit: (exit: ExecutorExit) => void): Promise<LaunchedExecutor> => {
      launches.push(launch);
      return new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(error));
        launch.signal?.addEventListener('abort', () => reject(new FetchError(`Failed to fetch '${URIS[0]?.value}': the fetch was aborted`)), { once: true });
      }).then(() => original(launch, onExit));
    };
    return { settle: (error) => settle(error), launches };
  }

  it('a command task\'s URIs go to its command executor\'s launch, with an abort; a task without any has none', async () => {
    harness.runTask(AgentHarness.commandTask('T1', 'ls', { command: { value: 'ls', uris: URIS } }));
    harness.runTask(AgentHarness.commandTask('T2'));
    await harness.clock.settle();
    expect(harness.launcher.run('T1').launch.command.uris).to.deep.equal(URIS);
    expect(harness.launcher.run('T1').launch.signal?.aborted).to.equal(false);
    expect(harness.launcher.run('T2').launch.command.uris).to.equal(undefined);
    expect(harness.launcher.run('T2').launch.signal).to.equal(undefined);
  });

  it('a failed fetch fails the task: TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED, the message naming the URI', async () => {
    const held = holdLaunches();
    harness.runTask(AgentHarness.commandTask('T1', 'ls', { command: { value: 'ls', uris: URIS } }));
    await harness.clock.settle();
    held.settle(new FetchError(`Failed to fetch '${URIS[0]?.value}': Error downloading resource, received HTTP return code 404`));
    await harness.clock.settle();
    const [failed] = harness.forwarded();
    expect(failed?.status).to.include({ taskId: 'T1', state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
    expect(failed?.status.message).to.equal(`Failed to launch executor: Failed to fetch '${URIS[0]?.value}': Error downloading resource, received HTTP return code 404`);
  });

  it('the registration timing out while the URIs are fetched aborts the fetch; the task fails once, with REASON_EXECUTOR_REGISTRATION_TIMEOUT', async () => {
    const held = holdLaunches();
    harness.runTask(AgentHarness.commandTask('T1', 'ls', { command: { value: 'ls', uris: URIS } }));
    await harness.clock.settle();
    const [launch] = held.launches;
    await harness.clock.advance(harness.flags.executorRegistrationTimeoutMs - 1);
    expect(launch?.signal?.aborted).to.equal(false);
    await harness.clock.advance(1);
    expect(launch?.signal?.aborted).to.equal(true);
    await harness.clock.settle();
    expect(harness.launcher.runs, 'no process was started').to.have.length(0);
    expect(harness.forwarded().map((update) => [update.status.state, update.status.reason])).to.deep.equal([['TASK_FAILED', 'REASON_EXECUTOR_REGISTRATION_TIMEOUT']]);
  });

  it('a shutdown while the URIs are fetched aborts the fetch, and starts nothing', async () => {
    const held = holdLaunches();
    harness.runTask(AgentHarness.commandTask('T1', 'ls', { command: { value: 'ls', uris: URIS } }));
    await harness.clock.settle();
    harness.fromMaster('ShutdownFramework', { frameworkId: 'F1' });
    await harness.clock.settle();
    expect(held.launches[0]?.signal?.aborted).to.equal(true);
    expect(harness.launcher.runs).to.have.length(0);
  });

  it('the agent stopping (SIGUSR1) while the URIs are fetched aborts the fetch, starts nothing, and the agent stops (the master tells the framework, as for any task of a stopping agent)', async () => {
    const held = holdLaunches();
    harness.runTask(AgentHarness.commandTask('T1', 'ls', { command: { value: 'ls', uris: URIS } }));
    await harness.clock.settle();
    const stopped = dispatch(harness.agent, (agent) => agent.stop());
    await harness.clock.settle();
    expect(held.launches[0]?.signal?.aborted).to.equal(true);
    await stopped;
    expect(harness.launcher.runs).to.have.length(0);
  });

  // A review: the agent's actor ending (its host stopped, as a crash or SIGTERM leaves it) left the fetch running,
  // and its launch then started an executor no agent watched.
  it('the agent ending while the URIs are fetched aborts the fetch', async () => {
    const held = holdLaunches();
    harness.runTask(AgentHarness.commandTask('T1', 'ls', { command: { value: 'ls', uris: URIS } }));
    await harness.clock.settle();
    expect(held.launches[0]?.signal?.aborted).to.equal(false);
    await harness.stop();
    expect(held.launches[0]?.signal?.aborted).to.equal(true);
  });

  // A review: Mesos' fetch counters were always 0 (a comment said a task's URIs were refused).
  it('counts as failed a fetch that ended just as its launch was aborted (the launcher then starts nothing, with a plain error)', async () => {
    const metric = (name: string): Promise<number | undefined> => dispatch(harness.agent, (agent) => agent.metrics()[`containerizer/fetcher/${name}`]);
    let finishFetch: () => void = () => undefined;
    harness.launcher.launch = (launch: ExecutorLaunch): Promise<LaunchedExecutor> => new Promise<void>((resolve) => { finishFetch = resolve; }).then(() => {
      // As ProcessLauncher: a fetch that succeeded, its launch aborted meanwhile, starts nothing.
      if (launch.signal?.aborted === true) throw new Error('the executor was shut down while its URIs were fetched');
      throw new Error('the abort did not come');
    });
    harness.runTask(AgentHarness.commandTask('T1', 'ls', { command: { value: 'ls', uris: URIS } }));
    await harness.clock.settle();
    harness.fromMaster('ShutdownFramework', { frameworkId: 'F1' });
    await harness.clock.settle();
    finishFetch();
    await harness.clock.settle();
    expect(await metric('task_fetches_failed')).to.equal(1);
    expect(await metric('task_fetches_succeeded')).to.equal(0);
  });

  it('counts fetches as Mesos does: each launch past its fetch succeeded, each failed or aborted fetch failed', async () => {
    const metric = (name: string): Promise<number | undefined> => dispatch(harness.agent, (agent) => agent.metrics()[`containerizer/fetcher/${name}`]);
    harness.runTask(AgentHarness.commandTask('T0', 'ls', { command: { value: 'ls', uris: URIS } }));
    await harness.clock.settle();
    const held = holdLaunches();
    harness.runTask(AgentHarness.commandTask('T1', 'ls', { command: { value: 'ls', uris: URIS } }));
    await harness.clock.settle();
    held.settle(new FetchError(`Failed to fetch '${URIS[0]?.value}': Error downloading resource, received HTTP return code 404`));
    await harness.clock.settle();
    harness.runTask(AgentHarness.commandTask('T2', 'ls', { command: { value: 'ls', uris: URIS } }));
    await harness.clock.settle();
    harness.fromMaster('ShutdownFramework', { frameworkId: 'F1' });
    await harness.clock.settle();
    expect(await metric('task_fetches_succeeded')).to.equal(1);
    expect(await metric('task_fetches_failed')).to.equal(2);
    expect(await metric('cache_size_used_bytes')).to.equal(0);
  });
});
