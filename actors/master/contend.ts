/**
 * A master that contends for leadership in ZooKeeper (`mesos-master --zk`). While it does not
 * lead, a `StandbyMaster` holds its address. Once elected, it opens the registry in ZooKeeper
 * (which fences any master that wrote before), then replaces the standby with a full `Master`
 * that recovers the registry's agents and gives them `agent_reregister_timeout` to come back.
 * When it loses leadership (session cut or expired, its znode gone, or the registry fenced by a
 * newer leader), the master is stopped at once, the standby takes the address back, and a new
 * candidacy queues behind the other masters: Mesos exits the process instead and relies on a
 * supervisor to restart it; staying up keeps the HTTP endpoints answering with the leader.
 */
import { dispatch, UPID } from '../../lib/actor';
import {
  ZooKeeperMasterContender,
  ZOOKEEPER_RECONNECT_INTERVAL_MS,
  ZOOKEEPER_SESSION_TIMEOUT_MS,
  type DetectedMaster,
} from '../../lib/ha/election';
import { whenConnected, type ZooKeeperClient, type ZooKeeperConnector, type ZooKeeperUrl } from '../../lib/ha/zookeeper';
import type { ActorHost, HttpResponse } from '../../lib/process';
import type { MasterInfo } from '../../lib/protocol';
import { MASTER_ACTOR_ID } from './constants';
import { httpAuthenticationOf, renderMasterFlags, type MasterFlags } from './flags';
import { RegistrarActor, REGISTRAR_ACTOR_ID } from './registrar-endpoint';
import { flagsResponse, type FlagsAccess } from '../../lib/info-actors';
import { attachMetricsSource, metricsAccess, type DetachMetrics, type MetricsSource } from '../../lib/metrics';
import { masterInfoOf } from './master';
import { Registry } from './registry';
import { ZooKeeperRegistryStore } from './registry-zookeeper';
import { notLeadingAnswer, notLeadingMetrics, StandbyMaster, type HeldRegistration } from './standby';
import { apiActorId, StandbyApi } from './v1-scheduler';
import { standbyRefusal } from './route-access';
import { DEFAULT_MASTER_ACTOR_IDS, masterFlagsAccess, spawnMasterInfoActors, startMaster, type MasterActorIds, type MasterHandle } from './start';
import type { Actor } from '../../lib/actor';

/** Where a contending master stands. */
export type ContendingMasterState = 'standby' | 'recovering' | 'leading' | 'stopped';

/** How a contending master reaches ZooKeeper. */
export interface ContendingMasterOptions {
  readonly flags: MasterFlags;
  readonly host: ActorHost;
  readonly zk: {
    readonly url: ZooKeeperUrl;
    readonly connect: ZooKeeperConnector;
    /** Default `ZOOKEEPER_SESSION_TIMEOUT_MS` (Mesos `--zk_session_timeout`). */
    readonly sessionTimeoutMs?: number;
  };
  /** The actors' ids (default `master`, `allocator`, `metrics`): a simulation running several masters on one host gives each its own. */
  readonly actorIds?: MasterActorIds;
}

/**
 * One contending master on `host`.
 * @example
 *   const master = ContendingMaster.start({ flags, host, zk: { url: parseZooKeeperUrl(flags.zk), connect: connectNodeZooKeeper } });
 *   master.onStateChange((state) => console.log(state)); // standby → recovering → leading
 */
export class ContendingMaster {
  state: ContendingMasterState = 'standby';
  /** The running master while this one leads. */
  leading: MasterHandle | undefined;
  /** The leader as this master last saw it. */
  leader: DetectedMaster | undefined;
  /** Times this master was elected (tests, logs). */
  elections = 0;
  private standby: StandbyMaster | undefined;
  private standbyApi: StandbyApi | undefined;
  /**
   * Takes its metrics source off the host's metrics actor. One source for the contender's whole
   * life (a master that does not lead, while no master leads here), so the metrics actor, which
   * ends with its last source, serves `/metrics/snapshot` across every transition (it answered 404
   * while a leader stepped down, between its master's sources and the standby's).
   */
  private detachMetrics: DetachMetrics | undefined;
  private contender: ZooKeeperMasterContender | undefined;
  private registryClient: ZooKeeperClient | undefined;
  /** Transitions run one at a time, in order. */
  private transitions: Promise<void> = Promise.resolve();
  private readonly listeners: Array<(state: ContendingMasterState) => void> = [];
  /** The host's `version` and `flags` actors, if this master spawned them (they serve while it stands by, too). */
  private infoActors: Actor[] = [];
  /** Who may read this master's flags (its ACLs read once, for every standby it becomes). */
  private readonly flagsAccess: FlagsAccess;

  /** When this contending master (its process, for the bin) started: its master's `start_time`. */
  private readonly startedAtMs: number;

  private constructor(private readonly options: ContendingMasterOptions) {
    this.startedAtMs = options.host.clock.now();
    this.flagsAccess = masterFlagsAccess(options.flags);
  }

  /** Spawns the standby and starts contending. */
  static start(options: ContendingMasterOptions): ContendingMaster {
    const master = new ContendingMaster(options);
    master.infoActors = spawnMasterInfoActors(options.host, options.flags, master.flagsAccess);
    // `/registrar(1)/registry` across every state: `{}` until this master leads, then its registry
    // (`startMaster` finds it spawned and spawns none).
    if (options.host.lookup(REGISTRAR_ACTOR_ID) === undefined) {
      const registrar = new RegistrarActor({
        authentication: httpAuthenticationOf(options.flags),
        contents: () => (master.leading === undefined ? undefined : { registry: master.leading.registry, master: master.leading.master.masterInfo() }),
      });
      options.host.spawn(registrar);
      master.infoActors.push(registrar);
    }
    const { host, flags } = options;
    const source: MetricsSource = {
      read: async () => (master.leading === undefined ? notLeadingMetrics(host.clock.now(), master.startedAtMs) : {}),
      kindOf: () => 'gauge',
    };
    master.detachMetrics = attachMetricsSource(host, source, master.actorIds.metrics, metricsAccess(httpAuthenticationOf(flags), flags.acls));
    // Between the standby and its elected master (and back), the master's and its API's ids are
    // held by nobody for a moment: requests then get 503, as from Mesos' recovering master, not 404 or 500.
    for (const id of master.answeredIds) host.setVacancyAnswer(id, () => master.vacancyAnswer());
    master.spawnStandby();
    master.contend();
    return master;
  }

  /** The actor ids whose HTTP requests this master answers across its transitions (`ActorHost.setVacancyAnswer`). */
  private get answeredIds(): string[] {
    return [this.actorIds.master, apiActorId(this.actorIds.master)];
  }

  /** What a request to the master's or its API's id gets while neither a standby nor a master holds it. */
  private vacancyAnswer(): HttpResponse {
    return notLeadingAnswer(this.state === 'recovering');
  }

  private clearVacancyAnswers(): void {
    for (const id of this.answeredIds) this.options.host.setVacancyAnswer(id, undefined);
  }

  /** Called on each change of `state`. */
  onStateChange(listener: (state: ContendingMasterState) => void): void {
    this.listeners.push(listener);
  }

  /** Withdraws from the election and stops whichever master actor runs. */
  async stop(): Promise<void> {
    this.setState('stopped');
    const contender = this.contender;
    this.contender = undefined;
    // The candidacy's session and the registry's close together: with ZooKeeper unreachable each
    // waits ZOOKEEPER_CLOSE_TIMEOUT_MS, once, not once each.
    const withdrawn = contender?.withdraw();
    await this.transitions;
    await this.stopLeading();
    await withdrawn;
    await this.stopStandby();
    await this.stopInfoActors();
    await this.stopMetrics();
    this.clearVacancyAnswers();
  }

  /**
   * The process dies (`kill -9`; for simulations): every actor ends at once and nothing is told
   * to ZooKeeper, whose sessions end only when they expire (a simulation cuts them off first).
   * Spent afterwards: a restarted master is a new `ContendingMaster`.
   */
  async crash(): Promise<void> {
    this.setState('stopped');
    this.contender = undefined;
    const leading = this.leading;
    this.leading = undefined;
    this.registryClient = undefined;
    leading?.registry.close(); // a dead process writes nothing more
    // Terminating is all a crash does to the actors (a master's `finalize` tells no one).
    await leading?.stop();
    await this.stopStandby();
    await this.stopInfoActors();
    await this.stopMetrics();
    this.clearVacancyAnswers();
  }

  private async stopMetrics(): Promise<void> {
    const detach = this.detachMetrics;
    this.detachMetrics = undefined;
    await detach?.();
  }

  /** Where its master (or standby) answers. */
  private get ownPid(): UPID {
    return UPID.at(this.actorIds.master, this.options.host.address);
  }

  private get actorIds(): MasterActorIds {
    return this.options.actorIds ?? DEFAULT_MASTER_ACTOR_IDS;
  }

  private get sessionTimeoutMs(): number {
    return this.options.zk.sessionTimeoutMs ?? ZOOKEEPER_SESSION_TIMEOUT_MS;
  }

  private contend(): void {
    if (this.state === 'stopped') return;
    const { host, flags, zk } = this.options;
    const info = masterInfoOf(this.ownPid, flags, host.newId());
    const log = (level: 'info' | 'warn', message: string, details?: Record<string, unknown>): void => host.logger[level]({ ...details, masterId: info.id }, message);
    const contender = new ZooKeeperMasterContender({ url: zk.url, connect: zk.connect, clock: host.clock, sessionTimeoutMs: this.sessionTimeoutMs, log }, info);
    this.contender = contender;
    contender.onLeader((leader) => {
      this.leader = leader;
      const standby = this.standby;
      if (standby !== undefined) void dispatch(standby, (actor) => actor.leaderChanged(leader)).catch(() => undefined);
    });
    contender.onElected(() => {
      // At once, not in turn: agents and schedulers see the same election and register right
      // away; what reaches the standby from now on is held for the master it is about to start.
      this.standby?.hold();
      this.enqueue(() => this.elected(contender, info));
    });
    contender.onLost((reason) => this.enqueue(() => this.lost(contender, reason)));
  }

  private enqueue(transition: () => Promise<void>): void {
    this.transitions = this.transitions.then(transition).catch((error: Error) => {
      this.options.host.logger.error({ error: error.message }, 'master leadership transition failed');
    });
  }

  /** Elected: open the registry (fencing the previous leader's writes), then run a full master. */
  private async elected(contender: ZooKeeperMasterContender, info: MasterInfo): Promise<void> {
    if (contender !== this.contender || contender.state !== 'leading') return;
    const { host, flags, zk } = this.options;
    this.elections++;
    this.setState('recovering');
    const client = zk.connect(zk.url, { sessionTimeoutMs: this.sessionTimeoutMs });
    this.registryClient = client;
    let registry: Registry;
    try {
      await whenConnected(client, zk.url, this.sessionTimeoutMs, host.clock);
      registry = await Registry.open(new ZooKeeperRegistryStore(client, zk.url.path, info.id), { clock: host.clock });
    } catch (error) {
      host.logger.error({ error: (error as Error).message }, 'elected, but the registry in ZooKeeper cannot be opened; stepping down');
      await contender.withdraw();
      return;
    }
    if (contender !== this.contender || contender.state !== 'leading') {
      registry.close();
      return;
    }
    client.onStateChange((state) => {
      if (state === 'expired' || state === 'disconnected') void contender.withdraw();
    });
    registry.onFenced = (error) => {
      host.logger.error({ error: error.message }, 'another master took the registry over; stepping down');
      void contender.withdraw();
    };
    const held = this.standby === undefined ? [] : await dispatch(this.standby, (actor) => actor.release()).catch((): HeldRegistration[] => []);
    await this.stopStandby();
    const leading = await startMaster({ flags, host, registry, masterId: info.id, actorIds: this.actorIds, processStartTimeMs: this.startedAtMs,
      leading: () => contender.surelyLeading(host.clock.now()),
    });
    if (contender !== this.contender || contender.state !== 'leading') {
      // Lost (or stopped, or crashed) while the master was starting.
      await leading.stop();
      return;
    }
    this.leading = leading;
    // What came while it recovered, as if it had just arrived (each body was checked when held).
    for (const message of held) {
      const from = UPID.tryParse(message.from);
      if (from !== undefined) host.inject(from, leading.pid, message.name, message.body);
    }
    this.setState('leading');
    host.logger.info({ masterId: info.id, recoveredAgents: registry.agents().length }, 'leading: the master is running');
  }

  /** Lost leadership (or candidacy): stop the master at once, stand by, and contend again. */
  private async lost(contender: ZooKeeperMasterContender, reason: string): Promise<void> {
    if (contender !== this.contender) return;
    this.contender = undefined;
    if (this.state === 'stopped') return;
    if (this.leading !== undefined || this.state === 'recovering') {
      this.options.host.logger.warn({ reason }, 'stepping down: this master no longer leads');
    }
    // The standby takes the address back as soon as the master has stopped; the registry's
    // ZooKeeper session closes after (with ZooKeeper unreachable, which is often why leadership
    // was lost, a close waits ZOOKEEPER_CLOSE_TIMEOUT_MS: the master's paths answered 404 for it).
    const { closed } = await this.stopLeading({ closeLater: true });
    // It knows it does not lead; who does, its next candidacy reads. Meanwhile its standby must
    // not name it leader (clients following `leader` would come back here; /redirect would say 503).
    if (this.leader?.pid === this.ownPid.toString()) this.leader = undefined;
    // A standby still there (the election failed before its master started) holds nothing more:
    // what it held was for a master that will not run, and must not reach a later one.
    this.standby?.release();
    this.standby?.leaderChanged(this.leader);
    this.spawnStandby();
    this.setState('standby');
    await closed;
    this.options.host.clock.setTimer(ZOOKEEPER_RECONNECT_INTERVAL_MS, () => this.contend());
  }

  /**
   * Stops the running master, then closes the registry's ZooKeeper session; with `closeLater`,
   * resolves once the master has stopped, with the close (to await after what should not wait for it).
   */
  private async stopLeading(how: { closeLater?: boolean } = {}): Promise<{ closed: Promise<void> }> {
    const leading = this.leading;
    this.leading = undefined;
    leading?.registry.close(); // no retried write after this master is gone
    await leading?.stop();
    const client = this.registryClient;
    this.registryClient = undefined;
    const closed = client === undefined ? Promise.resolve() : client.close();
    if (how.closeLater !== true) await closed;
    return { closed };
  }

  private spawnStandby(): void {
    if (this.standby !== undefined || this.state === 'stopped') return;
    const { host, flags } = this.options;
    const own = this.ownPid;
    const flagsAccess = this.flagsAccess;
    // The credentials the leader would ask for, asked before the redirect (Mesos' libprocess authenticates first).
    const refusal = standbyRefusal(flags);
    const standby = new StandbyMaster({
      pid: own.toString(), hostname: flags.hostname ?? own.host,
      // Its own flags, as Mesos' standby answers `/master/flags` (the leader's are another master's).
      flags: (request) => flagsResponse(request, flagsAccess, () => renderMasterFlags(flags)),
      refusal,
    }, own.id);
    host.spawn(standby);
    // The host's one master sends the web UI's `/` to the leader's while it stands by (a leading
    // master's start makes its web UI actor the delegate instead).
    if (own.id === MASTER_ACTOR_ID) host.setDelegate(own.id);
    standby.leaderChanged(this.leader);
    this.standby = standby;
    // `/api/v1/scheduler` here redirects to the leader too (the leading master's API replaces it).
    const api = new StandbyApi(apiActorId(own.id), (path) => standby.redirectTo(path), refusal);
    host.spawn(api);
    this.standbyApi = api;
  }

  private async stopStandby(): Promise<void> {
    const standby = this.standby;
    const api = this.standbyApi;
    this.standby = undefined;
    this.standbyApi = undefined;
    if (api !== undefined) {
      this.options.host.terminate(api);
      await this.options.host.wait(api);
    }
    if (standby === undefined) return;
    this.options.host.terminate(standby);
    await this.options.host.wait(standby);
  }

  private async stopInfoActors(): Promise<void> {
    const actors = this.infoActors;
    this.infoActors = [];
    for (const actor of actors) this.options.host.terminate(actor);
    await Promise.all(actors.map((actor) => this.options.host.wait(actor)));
  }

  private setState(state: ContendingMasterState): void {
    if (this.state === state || this.state === 'stopped') return;
    this.state = state;
    for (const listener of [...this.listeners]) listener(state);
  }
}
