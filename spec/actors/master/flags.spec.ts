import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIN_ALLOCATION_INTERVAL_MS } from '../../../actors/allocator/allocator';
import { checkMasterFlags, defaultMasterFlags, startMaster, type MasterFlags } from '../../../actors/master';
import { parseMinAllocatableResources, parseResourceNameList, renderMasterFlags } from '../../../actors/master/flags';
import { addMasterOptions, commandLineFlags, masterFlagsFrom, parseLinkBacklogFlag } from '../../../bin/server';
import { createCommand, flag, parseDurationFlag } from '../../../lib/flags';
import { memoryHost } from '../../support/runtime';
import { cleanUp, latestOffer, makeWorkDir, offersOf, registerAgent, registerFramework, startHarness } from './harness';

describe('actors/master/flags: checkMasterFlags', () => {
  const base = defaultMasterFlags('/var/lib/mesos/master');

  afterEach(cleanUp);

  it('accepts the defaults and the shortest allocation interval the allocator takes', () => {
    expect(() => checkMasterFlags(base)).to.not.throw();
    expect(() => checkMasterFlags({ ...base, allocationIntervalMs: MIN_ALLOCATION_INTERVAL_MS })).to.not.throw();
  });

  // Each of these used to pass the check and fail later, in startMaster or while running. Each
  // names the command-line flag (a user of mesos-master typed --allocation_interval, never saw allocationIntervalMs).
  const rows: Array<[string, Partial<MasterFlags>, RegExp]> = [
    ['an allocation interval below the allocator minimum', { allocationIntervalMs: MIN_ALLOCATION_INTERVAL_MS / 2 }, /^--allocation_interval must be at least 1 ms, not 0.5 ms$/],
    ['a fractional ping timeout count', { maxAgentPingTimeouts: 2.5 }, /^--max_agent_ping_timeouts must be a positive integer, not 2.5$/],
    ['an empty registry path', { registryPath: '' }, /^--registry must not be empty$/],
    ['a negative per-peer framework cap', { maxFrameworksPerPeer: -1 }, /^--max_frameworks_per_peer must be a non-negative integer, not -1$/],
    ['a negative state turn budget', { stateTurnBudgetMs: -1 }, /^--state_turn_budget must be a non-negative duration, not -1 ms$/],
    ['an endless state turn budget', { stateTurnBudgetMs: Infinity }, /^--state_turn_budget must be a non-negative duration, not Infinity ms$/],
    ['a negative count of offers for a state request\'s last turn', { stateLastTurnOffers: -1 }, /^--state_last_turn_offers must be a non-negative integer, not -1$/],
    ['a fractional count of offers for a state request\'s last turn', { stateLastTurnOffers: 2.5 }, /^--state_last_turn_offers must be a non-negative integer, not 2.5$/],
    ['a negative count of tasks for a tasks page\'s own turn', { stateLastTurnTasks: -1 }, /^--state_last_turn_tasks must be a non-negative integer, not -1$/],
    ['a zero state cache timeout', { stateCacheTimeoutMs: 0 }, /^--state_cache_timeout must be positive, not 0 ms$/],
    ['a negative minimum allocatable quantity (built in code, not parsed)', { minAllocatableResources: [{ cpus: -1 }] }, /^--min_allocatable_resources: 'cpus:-1': /],
    ['a negative agent recovery factor', { allocatorAgentRecoveryFactor: -0.1 }, /^--allocator_agent_recovery_factor must be a non-negative number, not -0.1$/],
    ['a zero allocator recovery timeout', { allocatorRecoveryTimeoutMs: 0 }, /^--allocator_recovery_timeout must be positive, not 0 ms$/],
    ['an empty resource name excluded from fair sharing', { fairSharingExcludedResourceNames: ['gpus', ''] }, /^--fair_sharing_excluded_resource_names names an empty resource$/],
    ['rate limits with a bad qps (built in code, not parsed)', { rateLimits: { limits: [{ principal: 'a', qps: 0 }] } }, /^--rate_limits: limits\[0\]\.qps must be a positive number, not 0$/],
  ];
  for (const [what, flags, expected] of rows) {
    it(`rejects ${what}`, () => {
      expect(() => checkMasterFlags({ ...base, ...flags })).to.throw(expected);
    });
  }

  it('rejects a registry path that names a directory (loading it would fail in startMaster)', () => {
    const workDir = makeWorkDir();
    expect(() => checkMasterFlags({ ...defaultMasterFlags(workDir), registryPath: workDir })).to.throw(/^--registry: .* is not a file$/);
    expect(() => checkMasterFlags(defaultMasterFlags(workDir))).to.not.throw(); // registry.json not there yet: fine
  });

  it('names the registry path and the reason when a file stands where a directory of it should be', () => {
    const workDir = makeWorkDir();
    fs.writeFileSync(path.join(workDir, 'file'), '');
    expect(() => checkMasterFlags(defaultMasterFlags(path.join(workDir, 'file', 'sub')))).to.throw(/^--work_dir: cannot use .*file\/sub\/registry\.json \(ENOTDIR\)$/);
  });

  it('startMaster rejects a too short allocation interval before spawning anything', async () => {
    const host = memoryHost();
    try {
      const started = startMaster({ flags: { ...base, allocationIntervalMs: 0.5 }, host });
      let failure: Error | undefined;
      await started.catch((error: Error) => { failure = error; });
      expect(failure?.message).to.match(/^--allocation_interval must be at least 1 ms, not 0.5 ms$/);
      expect(host.lookup('allocator')).to.equal(undefined);
    } finally {
      await host.stop();
    }
  });
});

describe('actors/master/flags: renderMasterFlags and the command line (what /master/flags shows)', () => {
  it('renders every flag under its Mesos name, durations Mesos-style, booleans and JSON flags as text', () => {
    const flags: MasterFlags = {
      ...defaultMasterFlags('/var/lib/mesos/master'), hostname: 'm1', cluster: 'prod', offerTimeoutMs: 30_000,
      rateLimits: { limits: [{ principal: 'a', qps: 2 }] }, credentials: new Map([['ops', 'hunter2']]), credentialsPath: '/etc/mesos/credentials',
      commandLine: { ip: '10.0.0.5', port: '5050', agent_ping_timeout: 'overridden by the typed value' },
    };
    const rendered = renderMasterFlags(flags);
    expect(rendered).to.include({
      ip: '10.0.0.5', port: '5050', work_dir: '/var/lib/mesos/master', hostname: 'm1', cluster: 'prod',
      agent_ping_timeout: '15secs', max_agent_ping_timeouts: '5', agent_reregister_timeout: '10mins', offer_timeout: '30secs', allocation_interval: '1secs', state_turn_budget: '5ms', state_last_turn_offers: '1000', state_last_turn_tasks: '1000', state_cache_timeout: '1mins',
      registry: '/var/lib/mesos/master/registry.json', authenticate_frameworks: 'false', credentials: '/etc/mesos/credentials',
      rate_limits: '{"limits":[{"principal":"a","qps":2}]}',
    });
    expect(JSON.stringify(rendered)).not.to.contain('hunter2');
    expect(Object.values(rendered).every((value) => typeof value === 'string')).to.equal(true);
  });

  it('commandLineFlags: every option as text, every duration flag Mesos-style (mesos-local showed its agents\' as bare ms), never a secret (a zk:// URL without its user:password)', () => {
    const program = createCommand('t', 't')
      .addOption(flag('--zk_session_timeout <duration>', 'a master duration').argParser(parseDurationFlag))
      .addOption(flag('--executor_registration_timeout <duration>', 'an agent duration').argParser(parseDurationFlag))
      .addOption(flag('--max_link_backlog <size>', 'a size').argParser(parseLinkBacklogFlag));
    program.parse(['--zk_session_timeout', '10secs', '--executor_registration_timeout', '1mins', '--max_link_backlog', '1024MB'], { from: 'user' });
    const options = { ip: '0.0.0.0', port: 5050, ...program.opts(), zk: 'zk://ops:s3cret@zk1:2181/mesos', authenticate_agents: true, principal: 'agent', secret: 'hunter2', credential: '/etc/cred', missing: undefined };
    expect(commandLineFlags(options)).to.deep.equal({
      ip: '0.0.0.0', port: '5050', zk_session_timeout: '10secs', executor_registration_timeout: '1mins', max_link_backlog: '1GB', zk: 'zk://zk1:2181/mesos', authenticate_agents: 'true', principal: 'agent', credential: '/etc/cred',
    });
  });
});

describe('actors/master/flags: the allocator\'s Mesos flags (--min_allocatable_resources, --fair_sharing_excluded_resource_names, --allocator_*recovery*)', () => {
  afterEach(cleanUp);

  it('reads --min_allocatable_resources as Mesos does: | between alternatives, ; within one, zeros dropped, "" for anything', () => {
    expect(parseMinAllocatableResources('cpus:0.01|mem:32')).to.deep.equal([{ cpus: 0.01 }, { mem: 32 }]);
    expect(parseMinAllocatableResources('disk:1|cpus:1;mem:32;ports:1')).to.deep.equal([{ disk: 1 }, { cpus: 1, mem: 32, ports: 1 }]);
    expect(parseMinAllocatableResources('cpus:1;cpus:0.5;mem:0')).to.deep.equal([{ cpus: 1.5 }]);
    expect(parseMinAllocatableResources('')).to.deep.equal([]);
    expect(() => parseMinAllocatableResources('cpus')).to.throw(/missing or extra ':'/);
    expect(() => parseMinAllocatableResources('cpus:-1')).to.throw(/non-negative number/);
    expect(() => parseMinAllocatableResources('cpus:[1-2]')).to.throw(/non-negative number/);
    expect(parseResourceNameList('gpus, fpgas,,gpus')).to.deep.equal(['gpus', 'fpgas']);
  });

  it('are taken on the command line and shown in /master/flags (the default minimum as Mesos prints it)', () => {
    const program = addMasterOptions(createCommand('t', 't'));
    program.parse(['--min_allocatable_resources', 'cpus:1;mem:64|gpus:1', '--fair_sharing_excluded_resource_names', 'gpus'], { from: 'user' });
    const flags = masterFlagsFrom(program.opts(), '/var/lib/mesos/master');
    expect(flags.minAllocatableResources).to.deep.equal([{ cpus: 1, mem: 64 }, { gpus: 1 }]);
    expect(flags.fairSharingExcludedResourceNames).to.deep.equal(['gpus']);
    expect(renderMasterFlags(flags)).to.include({ min_allocatable_resources: 'cpus:1;mem:64|gpus:1', fair_sharing_excluded_resource_names: 'gpus' });
    const defaults = renderMasterFlags(defaultMasterFlags('/var/lib/mesos/master'));
    expect(defaults.min_allocatable_resources).to.equal('cpus:0.01|mem:32');
    expect(defaults).not.to.have.property('fair_sharing_excluded_resource_names');
    expect(defaults).to.include({ allocator_agent_recovery_factor: '0.8', allocator_recovery_timeout: '10mins' });
    const recovery = addMasterOptions(createCommand('t', 't'));
    recovery.parse(['--allocator_agent_recovery_factor', '0.5', '--allocator_recovery_timeout', '2mins'], { from: 'user' });
    expect(masterFlagsFrom(recovery.opts(), '/var/lib/mesos/master')).to.include({ allocatorAgentRecoveryFactor: 0.5, allocatorRecoveryTimeoutMs: 120_000 });
    expect(() => addMasterOptions(createCommand('t', 't')).exitOverride().configureOutput({ writeErr: () => undefined }).parse(['--min_allocatable_resources', 'cpus'], { from: 'user' })).to.throw(/missing or extra ':'/);
  });

  it('--min_allocatable_resources reaches the allocator: an agent below every alternative is not offered', async () => {
    const harness = await startHarness({ minAllocatableResources: [{ cpus: 2, mem: 1024 }] });
    const framework = await registerFramework(harness);
    await registerAgent(harness, 'cpus:1;mem:4096', 'small.local');
    await harness.clock.advance(2_000);
    expect(offersOf(framework.probe)).to.deep.equal([]);
    await registerAgent(harness, 'cpus:2;mem:1024', 'big.local');
    await harness.clock.advance(2_000);
    expect(latestOffer(framework.probe).hostname).to.equal('big.local');
    expect(offersOf(framework.probe)).to.have.length(1);
  });
});
