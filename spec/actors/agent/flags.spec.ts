import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { checkAgentFlags, defaultAgentFlags, FILES_ACTOR_ID, RECOVERY_TIMEOUT_MS, renderAgentFlags, startAgent, type AgentFlags, type SystemProbe } from '../../../actors/agent';
import { addAgentOptions, agentFlagsFrom } from '../../../bin/server';
import { memoryHost } from '../../support/runtime';
import { FakeLauncher } from './harness';

const GOOD = defaultAgentFlags({ master: '127.0.0.1:5050', workDir: '/tmp/mesos' });

/** A machine that must never be asked: the flags are refused first. */
const untouchableProbe: SystemProbe = {
  logicalCores: () => Promise.reject(new Error('resources were detected')),
  totalMemoryBytes: () => Promise.reject(new Error('resources were detected')),
  filesystemBytes: () => Promise.reject(new Error('resources were detected')),
};

describe('agent flags (checkAgentFlags)', () => {
  it('accepts the defaults, a full master UPID, and a zero shutdown grace period', () => {
    expect(() => checkAgentFlags(GOOD)).to.not.throw();
    expect(() => checkAgentFlags({ ...GOOD, master: 'master@10.0.0.1:5050' })).to.not.throw();
    expect(() => checkAgentFlags({ ...GOOD, executorShutdownGracePeriodMs: 0 })).to.not.throw();
  });

  const bad: Array<[string, Partial<AgentFlags>, RegExp]> = [
    ['a zero registration backoff factor (it would re-dial in a tight loop)', { registrationBackoffFactorMs: 0 }, /^--registration_backoff_factor: must be a positive duration/],
    ['a negative registration backoff factor', { registrationBackoffFactorMs: -1 }, /--registration_backoff_factor/],
    ['a registration backoff factor that is not a number', { registrationBackoffFactorMs: Number.NaN }, /--registration_backoff_factor/],
    ['a zero executor registration timeout', { executorRegistrationTimeoutMs: 0 }, /^--executor_registration_timeout: /],
    ['an infinite executor registration timeout', { executorRegistrationTimeoutMs: Number.POSITIVE_INFINITY }, /^--executor_registration_timeout: /],
    ['a negative master ping timeout', { masterPingTimeoutMs: -5 }, /^masterPingTimeoutMs: /],
    ['a negative shutdown grace period', { executorShutdownGracePeriodMs: -1 }, /^--executor_shutdown_grace_period: /],
    ['an empty master', { master: '' }, /^--master: must not be empty/],
    ['a master without a port', { master: 'localhost' }, /^--master: 'localhost' is not host:port/],
    ['an empty work dir', { workDir: ' ' }, /^--work_dir: must not be empty/],
    ['an empty host name', { hostname: '' }, /^--hostname: must not be empty/],
    ['an empty command executor path', { commandExecutorPath: '' }, /^commandExecutorPath: must not be empty/],
    ['a negative gc delay', { gcDelayMs: -1 }, /^--gc_delay: must be a duration of 0 or more/],
    ['a zero disk watch interval (it would check the disk in a tight loop)', { diskWatchIntervalMs: 0 }, /^--disk_watch_interval: must be a positive duration/],
    ['a gc disk headroom above 1', { gcDiskHeadroom: 1.5 }, /^--gc_disk_headroom: must be between 0.0 and 1.0/],
    ['a negative gc disk headroom', { gcDiskHeadroom: -0.1 }, /^--gc_disk_headroom: /],
    ['a pids limit the executor\'s own threads exceed (at 8 the Node executor died of SIGABRT, saying nothing: agent-recovery walkthrough)', { containerPidsLimit: 8 }, /^--container_pids_limit: must be a whole number of 32 or more \(the executor's own threads count against it\), not 8$/],
  ];
  bad.push(['a zero recovery timeout', { recoveryTimeoutMs: 0 }, /^--recovery_timeout: must be a positive duration/]);
  for (const [what, override, message] of bad) {
    it(`rejects ${what}, naming the flag`, () => {
      expect(() => checkAgentFlags({ ...GOOD, ...override })).to.throw(Error, message);
    });
  }

  it("takes Mesos' --recovery_timeout and --strict on the command line (hostile recovery pass: both were 'unknown option', and an agent started as Mesos' was refused)", () => {
    const parse = (args: string[]): AgentFlags => {
      const program = addAgentOptions(new Command()).exitOverride();
      program.parse(args, { from: 'user' });
      return agentFlagsFrom(program.opts(), '127.0.0.1:5050', '/tmp/mesos');
    };
    expect(parse([])).to.include({ recoveryTimeoutMs: RECOVERY_TIMEOUT_MS, strict: true });
    expect(parse(['--recovery_timeout', '30mins', '--strict=false'])).to.include({ recoveryTimeoutMs: 30 * 60_000, strict: false });
    expect(renderAgentFlags(parse(['--recovery_timeout', '30mins', '--strict=false']))).to.include({ recovery_timeout: '30mins', strict: 'false' });
  });

  it('lets startAgent skip the files actor (files: false), so that several agents share one host', async () => {
    const host = memoryHost();
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-files-'));
    try {
      const start = (name: string): ReturnType<typeof startAgent> => startAgent({
        flags: defaultAgentFlags({ master: '127.0.0.1:5050', workDir: path.join(workDir, name), resources: 'cpus:1;mem:128;disk:100;ports:[31000-31001]' }),
        host, launcher: new FakeLauncher(), probe: untouchableProbe, files: false,
      });
      const [first, second] = [await start('a'), await start('b')];
      expect([first.pid.id, second.pid.id]).to.deep.equal(['slave(1)', 'slave(2)']);
      expect(host.lookup(FILES_ACTOR_ID)).to.equal(undefined);
    } finally {
      await host.stop();
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('makes startAgent reject before anything starts: no work dir, no detection, no actors', async () => {
    const host = memoryHost();
    const workDir = path.join(fs.realpathSync(os.tmpdir()), `agent-flags-${process.pid}-${Date.now()}`);
    try {
      const flags = defaultAgentFlags({ master: '127.0.0.1:5050', workDir, registrationBackoffFactorMs: 0 });
      let error: unknown;
      await startAgent({ flags, host, launcher: new FakeLauncher(), probe: untouchableProbe }).catch((caught: unknown) => { error = caught; });
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/^--registration_backoff_factor: /);
      expect(fs.existsSync(workDir)).to.equal(false);
      expect(host.lookup(FILES_ACTOR_ID)).to.equal(undefined);
      expect(host.lookup('slave(1)')).to.equal(undefined);
    } finally {
      await host.stop();
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('makes startAgent reject on a TLS host whose settings are PEM text, not files: its executors could not be given them', async () => {
    const host = memoryHost({ tls: { cert: 'cert', key: 'key', requireClientCert: false } });
    const workDir = path.join(fs.realpathSync(os.tmpdir()), `agent-tls-${process.pid}-${Date.now()}`);
    try {
      const error = await startAgent({ flags: defaultAgentFlags({ master: '127.0.0.1:5050', workDir }), host, probe: untouchableProbe }).then(() => undefined, (caught: unknown) => caught);
      expect((error as Error).message).to.match(/executors need the files/);
      expect(fs.existsSync(workDir)).to.equal(false);
    } finally {
      await host.stop();
    }
  });
});
