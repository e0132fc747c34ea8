import { expect } from 'chai';
import type { TaskInfo } from '../../../lib/protocol';
import {
  NATIVE_CHECK_MAX_ARGUMENTS, NATIVE_CHECK_MAX_CONSECUTIVE_FAILURES, NATIVE_CHECK_MAX_ENVIRONMENT, NATIVE_CHECK_MAX_SECONDS, nativeChecksRefusal,
} from '../../../actors/agent/native-checks';
import { AgentHarness } from './harness';

/** `count` environment variables. */
function variables(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`V${index}`, `${index}`]));
}

/** Tasks whose checks the native executor cannot run, each with the refusal expected (review: checks beyond checks.c's limits ran unchecked). */
const REFUSED: ReadonlyArray<readonly [string, Partial<TaskInfo>, RegExp]> = [
  ['an HTTPS health check', { healthCheck: { type: 'HTTP', http: { port: 8443, scheme: 'https' } } }, /HTTPS/],
  ['too many task environment variables for a command health check', {
    command: { value: 'serve', environment: variables(NATIVE_CHECK_MAX_ENVIRONMENT) },
    healthCheck: { type: 'COMMAND', command: { value: 'true', environment: { MORE: '1' } } },
  }, /environment variables/],
  ['too many environment variables for a command check', { check: { type: 'COMMAND', command: { command: { value: 'true', environment: variables(NATIVE_CHECK_MAX_ENVIRONMENT + 1) } } } }, /the check: .*environment/],
  ['too many arguments', { healthCheck: { type: 'COMMAND', command: { value: 'true', shell: false, arguments: Array.from({ length: NATIVE_CHECK_MAX_ARGUMENTS + 1 }, () => 'x') } } }, /arguments/],
  ['a health check timing over a year', { healthCheck: { type: 'TCP', tcp: { port: 80 }, gracePeriodSeconds: NATIVE_CHECK_MAX_SECONDS + 1 } }, /timing/],
  ['a check timing over a year', { check: { type: 'TCP', tcp: { port: 80 }, intervalSeconds: NATIVE_CHECK_MAX_SECONDS + 1 } }, /the check: a timing/],
  ['too many consecutive failures', { healthCheck: { type: 'TCP', tcp: { port: 80 }, consecutiveFailures: NATIVE_CHECK_MAX_CONSECUTIVE_FAILURES + 1 } }, /consecutive failures/],
];

/** Tasks the native executor runs, checks and all (limits it had before, now lifted). */
const ACCEPTED: ReadonlyArray<readonly [string, Partial<TaskInfo>]> = [
  ['an HTTP path with a space and non-ASCII bytes', { healthCheck: { type: 'HTTP', http: { port: 80, path: '/health check/é' } } }],
  ['300 task environment variables', { command: { value: 'serve', environment: variables(300) }, healthCheck: { type: 'COMMAND', command: { value: 'true' } } }],
  ['300 arguments', { check: { type: 'COMMAND', command: { command: { value: 'true', shell: false, arguments: Array.from({ length: 300 }, () => 'x') } } } }],
  ['timings of a year, a million consecutive failures', { healthCheck: { type: 'TCP', tcp: { port: 80 }, delaySeconds: NATIVE_CHECK_MAX_SECONDS, consecutiveFailures: NATIVE_CHECK_MAX_CONSECUTIVE_FAILURES } }],
];

describe('actors/agent/native-checks: what the native command executor cannot check', () => {
  for (const [what, extra, refusal] of REFUSED) {
    it(`refuses ${what}`, () => {
      expect(nativeChecksRefusal(AgentHarness.commandTask('T1', 'serve', extra))).to.match(refusal);
    });
  }
  for (const [what, extra] of ACCEPTED) {
    it(`takes ${what}`, () => {
      expect(nativeChecksRefusal(AgentHarness.commandTask('T1', 'serve', extra))).to.equal(undefined);
    });
  }
});

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

  for (const [what, extra] of REFUSED) {
    it(`gives the TypeScript executor a task with ${what} (never run unchecked)`, async () => {
      harness.runTask(AgentHarness.commandTask('T1', 'serve', extra));
      await harness.clock.settle();
      expect(harness.launcher.run('T1').launch.command).to.deep.equal(TYPESCRIPT_EXECUTOR);
    });
  }

  it('gives a task with an HTTP, TCP or command health check the default command executor', async () => {
    harness.runTask(AgentHarness.commandTask('T1', 'serve', { healthCheck: { type: 'HTTP', http: { port: 8080 } } }));
    harness.runTask(AgentHarness.commandTask('T2', 'serve', { healthCheck: { type: 'TCP', tcp: { port: 8080 } } }));
    await harness.clock.settle();
    expect(harness.launcher.run('T1').launch.command.value).to.equal('/bin/true');
    expect(harness.launcher.run('T2').launch.command.value).to.equal('/bin/true');
  });
});
