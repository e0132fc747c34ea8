import { expect } from 'chai';
import { AgentHarness } from './harness';

/** What the harness agent runs for checkpointing frameworks: the TypeScript command executor in `startAgent`. */
const TYPESCRIPT_EXECUTOR = { value: '/typescript-executor', shell: false };

describe('agent: the command executor of a task with a health check (harness: virtual clock, fake launcher)', () => {
  let harness: AgentHarness;

  beforeEach(async () => {
    harness = new AgentHarness({}, undefined, { recoverableCommandExecutor: TYPESCRIPT_EXECUTOR });
    await harness.register();
  });

  afterEach(async () => {
    await harness.stop();
  });

  it('gives a task with an HTTPS health check the TypeScript executor (the native one speaks no TLS)', async () => {
    harness.runTask(AgentHarness.commandTask('T1', 'serve', { healthCheck: { type: 'HTTP', http: { port: 8443, scheme: 'https' } } }));
    await harness.clock.settle();
    expect(harness.launcher.run('T1').launch.command).to.deep.equal(TYPESCRIPT_EXECUTOR);
  });

  it('gives a task with an HTTP, TCP or command health check the default command executor', async () => {
    harness.runTask(AgentHarness.commandTask('T1', 'serve', { healthCheck: { type: 'HTTP', http: { port: 8080 } } }));
    harness.runTask(AgentHarness.commandTask('T2', 'serve', { healthCheck: { type: 'TCP', tcp: { port: 8080 } } }));
    await harness.clock.settle();
    expect(harness.launcher.run('T1').launch.command.value).to.equal('/bin/true');
    expect(harness.launcher.run('T2').launch.command.value).to.equal('/bin/true');
  });
});
