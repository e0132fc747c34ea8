/**
 * Mesos' `/registrar(1)/registry`: what the master's registry holds, as Mesos' `Registry`
 * message in JSON, for an operator who wants to see what the master has made durable (which
 * agents it admitted and will take back after a failover, which it marked unreachable or gone,
 * the weights, quotas, maintenance schedule and machines, and the agents deactivated or drained).
 *
 * Behind the read-only HTTP credentials (`--authenticate_http_readonly`), as Mesos' registrar
 * route; like Mesos' it has no ACL of its own. The leading master serves it (a master is started
 * once elected, its registry recovered); a standby's host has none (404), where Mesos' standby
 * answers `{}`.
 */
import { Actor } from '../../lib/actor';
import { authenticateRequest, isResponse, type HttpAuthentication } from '../../lib/process/http-authentication';
import { methodNotAllowed, ok, type HttpRequest, type HttpResponse } from '../../lib/process/http';
import type { MasterInfo } from '../../lib/protocol';
import { renderMachineId, renderSchedule, renderUnavailability } from '../../lib/maintenance';
import { drainInfoJson, v1TimeInfo } from '../../lib/v1/operator';
import { v1AgentInfo, v1MasterInfo, type V1Json } from '../../lib/v1/json';
import { quotaStatus } from './v1-operator-json';
import type { Registry } from './registry';

/** The actor id serving `/registrar(1)/registry` (Mesos' registrar process' id). */
export const REGISTRAR_ACTOR_ID = 'registrar(1)';

/** What the endpoint reads, and who may. */
export interface RegistrarAccess {
  /** The process's HTTP authentication (`--authenticate_http_readonly`). */
  readonly authentication?: HttpAuthentication;
  /** The registry and the master's info. */
  readonly contents: () => { readonly registry: Registry; readonly master: MasterInfo };
}

/** Serves `GET /registrar(1)/registry`; see the file's comment. */
export class RegistrarActor extends Actor {
  constructor(private readonly access: RegistrarAccess) {
    super(REGISTRAR_ACTOR_ID);
    this.route('/registry', (request) => this.registry(request));
  }

  private registry(request: HttpRequest): HttpResponse {
    const caller = this.access.authentication === undefined ? { principal: undefined } : authenticateRequest(request, 'readonly', this.access.authentication);
    if (isResponse(caller)) return caller;
    if (request.method !== 'GET') return methodNotAllowed(['GET'], `Expecting 'GET', received '${request.method}'`);
    const { registry, master } = this.access.contents();
    return ok(renderRegistry(registry, master));
  }
}

/**
 * The registry as Mesos' `Registry` JSON: `master.info`, `slaves.slaves` (each `info`,
 * `deactivated`, and `drain_info` for an agent an operator drained), `unreachable` (`slaves` of
 * `{id, timestamp, deactivated}`, with `drain_info` as for an admitted agent: Mesos' registry
 * keeps both on an unreachable entry), `gone` (`slaves` of `{id, timestamp}`), `machines` (each
 * `info` with its `id`, `mode` and `unavailability`), `schedules`, `quota_configs`, `weights`
 * (each `info`). `deactivated` is always written, as Mesos' `JSON::protobuf` writes a field that
 * has a default. The legacy `quotas` list is left out: Mesos' `UpdateQuota`, which both the
 * legacy and the v1 quota calls write through, erases a role's `quotas` entry and keeps its
 * quota in `quota_configs` alone. Lists left empty are left out, as protobuf's JSON leaves out
 * what is unset.
 */
export function renderRegistry(registry: Registry, master: MasterInfo): V1Json {
  const deactivated = registry.deactivatedAgents();
  // Mesos keeps `deactivated` and `drain_info` on an admitted agent's entry and on an unreachable one's.
  const deactivation = (id: string): V1Json => {
    const drain = deactivated.get(id);
    return { deactivated: deactivated.has(id), ...(drain !== undefined ? { drain_info: drainInfoJson(drain) } : {}) };
  };
  const agents = registry.agents().map((agent) => ({ info: v1AgentInfo({ ...agent.info, id: agent.id }), ...deactivation(agent.id) }));
  const removed = (entry: { readonly id: string; readonly timeMs: number }): V1Json => ({ id: { value: entry.id }, timestamp: v1TimeInfo(entry.timeMs) });
  const unreachable = registry.unreachable().map((entry) => ({ ...removed(entry), ...deactivation(entry.id) }));
  const gone = registry.gone().map(removed);
  const maintenance = registry.maintenance();
  const machines = maintenance.machines.map((machine) => ({
    info: { id: renderMachineId(machine.id), mode: machine.mode, ...(machine.unavailability !== undefined ? { unavailability: renderUnavailability(machine.unavailability) } : {}) },
  }));
  const quotas = [...registry.quotas()];
  const weights = [...registry.weights()];
  const { configs } = quotaStatus(quotas);
  return {
    master: { info: v1MasterInfo(master) },
    ...(agents.length > 0 ? { slaves: { slaves: agents } } : {}),
    ...(unreachable.length > 0 ? { unreachable: { slaves: unreachable } } : {}),
    ...(gone.length > 0 ? { gone: { slaves: gone } } : {}),
    ...(machines.length > 0 ? { machines: { machines } } : {}),
    ...(maintenance.schedule.length > 0 ? { schedules: [renderSchedule(maintenance.schedule)] } : {}),
    ...(quotas.length > 0 ? { quota_configs: configs } : {}),
    ...(weights.length > 0 ? { weights: weights.map(([role, weight]) => ({ info: { weight, role } })) } : {}),
  };
}
