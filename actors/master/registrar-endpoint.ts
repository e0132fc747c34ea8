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
 * The registry as Mesos' `Registry` JSON: `master.info`, `slaves.slaves` (each `info`, and
 * `deactivated` and `drain_info` for an agent an operator deactivated or drained), `unreachable`
 * and `gone` (`slaves` of `{id, timestamp}`), `machines` (each `info` with its `id`, `mode` and
 * `unavailability`), `schedules`, `quotas` (each `info`, as the legacy requests set them) and
 * `quota_configs`, `weights` (each `info`). Lists left empty are left out, as protobuf's JSON
 * leaves out what is unset.
 */
export function renderRegistry(registry: Registry, master: MasterInfo): V1Json {
  const deactivated = registry.deactivatedAgents();
  const agents = registry.agents().map((agent) => {
    const drain = deactivated.get(agent.id);
    return {
      info: v1AgentInfo({ ...agent.info, id: agent.id }),
      ...(deactivated.has(agent.id) ? { deactivated: true } : {}),
      ...(drain !== undefined ? { drain_info: drainInfoJson(drain) } : {}),
    };
  });
  const removed = (entries: ReadonlyArray<{ readonly id: string; readonly timeMs: number }>): V1Json[] => entries.map((entry) => ({ id: { value: entry.id }, timestamp: v1TimeInfo(entry.timeMs) }));
  const unreachable = removed(registry.unreachable());
  const gone = removed(registry.gone());
  const maintenance = registry.maintenance();
  const machines = maintenance.machines.map((machine) => ({
    info: { id: renderMachineId(machine.id), mode: machine.mode, ...(machine.unavailability !== undefined ? { unavailability: renderUnavailability(machine.unavailability) } : {}) },
  }));
  const quotas = [...registry.quotas()];
  const weights = [...registry.weights()];
  const { infos, configs } = quotaStatus(quotas);
  return {
    master: { info: v1MasterInfo(master) },
    ...(agents.length > 0 ? { slaves: { slaves: agents } } : {}),
    ...(unreachable.length > 0 ? { unreachable: { slaves: unreachable } } : {}),
    ...(gone.length > 0 ? { gone: { slaves: gone } } : {}),
    ...(machines.length > 0 ? { machines: { machines } } : {}),
    ...(maintenance.schedule.length > 0 ? { schedules: [renderSchedule(maintenance.schedule)] } : {}),
    ...(quotas.length > 0 ? { quotas: infos.map((info) => ({ info })), quota_configs: configs } : {}),
    ...(weights.length > 0 ? { weights: weights.map(([role, weight]) => ({ info: { weight, role } })) } : {}),
  };
}
