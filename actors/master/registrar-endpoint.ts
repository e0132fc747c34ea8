/**
 * Mesos' `/registrar(1)/registry`: what the master's registry holds, as Mesos' `Registry`
 * message in JSON, for an operator who wants to see what the master has made durable (which
 * agents it admitted and will take back after a failover, which it marked unreachable or gone,
 * the weights, quotas, maintenance schedule and machines, and the agents deactivated or drained).
 *
 * Behind the read-only HTTP credentials (`--authenticate_http_readonly`), as Mesos' registrar
 * route; like Mesos' it has no ACL of its own. The leading master serves its registry; a
 * contending master's host answers `{}` while it does not lead (a standby, or a master still
 * recovering its registry), as Mesos' registrar does before it has recovered one.
 *
 * At 10,000 agents the answer is 4.2 MB, 95-121 ms of rendering in all (a quiet machine,
 * 2026-12-07, rendered without a break; ~170 ms in the review that found it): it is rendered a slice of
 * `REGISTRY_RENDER_SLICE_ENTRIES` entries per turn of the event loop (the master shares this
 * thread: Mesos' registrar renders on its own), from the lists the registry held when the
 * rendering began, and requests that come while one is under way share it (unless the registry
 * has been written since: a caller told its change is durable sees it).
 */
import { setImmediate as nextTurnOfLoop } from 'node:timers/promises';
import { Actor } from '../../lib/actor';
import { authenticateRequest, isResponse, type HttpAuthentication } from '../../lib/process/http-authentication';
import { methodNotAllowed, TextParts, type HttpRequest, type HttpResponse } from '../../lib/process/http';
import type { DrainInfo, MasterInfo } from '../../lib/protocol';
import { renderMachineId, renderSchedule, renderUnavailability } from '../../lib/maintenance';
import { drainInfoJson, v1TimeInfo } from '../../lib/v1/operator';
import { v1AgentInfo, v1MasterInfo, type V1Json } from '../../lib/v1/json';
import { quotaStatus } from './v1-operator-json';
import type { Registry, RegistryAgent, UnreachableAgent } from './registry';

/** The actor id serving `/registrar(1)/registry` (Mesos' registrar process' id). */
export const REGISTRAR_ACTOR_ID = 'registrar(1)';

/**
 * Agents (admitted, unreachable or gone) rendered per turn of the event loop. The longest turn of
 * 10,000 admitted and 5,000 unreachable ones (registrar-hostile4.spec.ts, a quiet machine,
 * 2026-12-07): 16.6-23.1 ms.
 */
export const REGISTRY_RENDER_SLICE_ENTRIES = 1_000;

/** What the endpoint reads, and who may. */
export interface RegistrarAccess {
  /** The process's HTTP authentication (`--authenticate_http_readonly`). */
  readonly authentication?: HttpAuthentication;
  /** The registry and the master's info; undefined while there is none (a master that does not lead): the answer is then `{}`. */
  readonly contents: () => { readonly registry: Registry; readonly master: MasterInfo } | undefined;
  /** Waits for the event loop's next turn, between slices of a rendering (default: `setImmediate`). */
  readonly nextTurn?: () => Promise<unknown>;
}

/** Serves `GET /registrar(1)/registry`; see the file's comment. */
export class RegistrarActor extends Actor {
  /** The rendering under way, and the registry's count of writes when it began: requests that come meanwhile, nothing written since, share it. */
  private rendering: { readonly answer: Promise<HttpResponse>; readonly writes: number } | undefined;

  constructor(private readonly access: RegistrarAccess) {
    super(REGISTRAR_ACTOR_ID);
    this.route('/registry', (request) => this.registry(request));
  }

  private registry(request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    const caller = this.access.authentication === undefined ? { principal: undefined } : authenticateRequest(request, 'readonly', this.access.authentication);
    if (isResponse(caller)) return caller;
    if (request.method !== 'GET') return methodNotAllowed(['GET'], `Expecting 'GET', received '${request.method}'`);
    const contents = this.access.contents();
    if (contents === undefined) return { status: 200, body: {} };
    const { registry, master } = contents;
    // A write since the rendering began may be one this caller was told is durable: it must see it.
    if (this.rendering !== undefined && this.rendering.writes === registry.writes) return this.rendering.answer;
    const answer = renderRegistryText(registry, master, this.access.nextTurn ?? (() => nextTurnOfLoop())).then((text): HttpResponse => ({ status: 200, body: text }));
    const rendering = { answer, writes: registry.writes };
    this.rendering = rendering;
    const done = (): void => {
      if (this.rendering === rendering) this.rendering = undefined;
    };
    answer.then(done, done);
    return answer;
  }
}

/** What the registry holds, taken at once: its lists as they were, rendered later. */
interface RegistryContents {
  readonly agents: readonly RegistryAgent[];
  readonly unreachable: readonly UnreachableAgent[];
  readonly gone: readonly UnreachableAgent[];
  readonly deactivated: ReadonlyMap<string, DrainInfo | undefined>;
  /** The rest (`master`, `machines`, `schedules`, `quota_configs`, `weights`): small. */
  readonly rest: V1Json;
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
 * what is unset. Written as text, its agent lists
 * `REGISTRY_RENDER_SLICE_ENTRIES` at a time, `nextTurn` awaited between slices, from the lists
 * the registry held when it was called.
 */
export async function renderRegistryText(registry: Registry, master: MasterInfo, nextTurn: () => Promise<unknown>): Promise<TextParts> {
  const contents = contentsOf(registry, master);
  const parts: string[] = [`{"master":${JSON.stringify(contents.rest.master)}`];
  let entriesThisTurn = 0;
  const list = async <T>(key: string, entries: readonly T[], render: (entry: T) => V1Json): Promise<void> => {
    if (entries.length === 0) return;
    parts.push(`,${JSON.stringify(key)}:{"slaves":[`);
    for (const [index, entry] of entries.entries()) {
      if (entriesThisTurn === REGISTRY_RENDER_SLICE_ENTRIES) {
        await nextTurn();
        entriesThisTurn = 0;
      }
      entriesThisTurn++;
      parts.push(`${index > 0 ? ',' : ''}${JSON.stringify(render(entry))}`);
    }
    parts.push(']}');
  };
  await list('slaves', contents.agents, (agent) => agentJson(contents, agent));
  await list('unreachable', contents.unreachable, (entry) => unreachableJson(contents, entry));
  await list('gone', contents.gone, removedJson);
  const { master: _master, ...rest } = contents.rest;
  const restText = JSON.stringify(rest);
  parts.push(restText === '{}' ? '}' : `,${restText.slice(1)}`);
  return new TextParts(parts);
}

/** The registry's lists as they are now, and the rest rendered. */
function contentsOf(registry: Registry, master: MasterInfo): RegistryContents {
  const maintenance = registry.maintenance();
  const machines = maintenance.machines.map((machine) => ({
    info: { id: renderMachineId(machine.id), mode: machine.mode, ...(machine.unavailability !== undefined ? { unavailability: renderUnavailability(machine.unavailability) } : {}) },
  }));
  const quotas = [...registry.quotas()];
  const weights = [...registry.weights()];
  return {
    agents: registry.agents(),
    unreachable: registry.unreachable(),
    gone: registry.gone(),
    deactivated: registry.deactivatedAgents(),
    rest: {
      master: { info: v1MasterInfo(master) },
      ...(machines.length > 0 ? { machines: { machines } } : {}),
      ...(maintenance.schedule.length > 0 ? { schedules: [renderSchedule(maintenance.schedule)] } : {}),
      ...(quotas.length > 0 ? { quota_configs: quotaStatus(quotas).configs } : {}),
      ...(weights.length > 0 ? { weights: weights.map(([role, weight]) => ({ info: { weight, role } })) } : {}),
    },
  };
}

/** `deactivated` and `drain_info` of an agent's entry: Mesos keeps both on an admitted agent's and an unreachable one's. */
function deactivationJson(contents: RegistryContents, id: string): V1Json {
  const drain = contents.deactivated.get(id);
  return { deactivated: contents.deactivated.has(id), ...(drain !== undefined ? { drain_info: drainInfoJson(drain) } : {}) };
}

/** An admitted agent as Mesos' `Registry.Slave`. */
function agentJson(contents: RegistryContents, agent: RegistryAgent): V1Json {
  return { info: v1AgentInfo({ ...agent.info, id: agent.id }), ...deactivationJson(contents, agent.id) };
}

/** An unreachable agent as Mesos' `Registry.UnreachableSlave`. */
function unreachableJson(contents: RegistryContents, entry: UnreachableAgent): V1Json {
  return { ...removedJson(entry), ...deactivationJson(contents, entry.id) };
}

/** A gone agent as Mesos' `Registry.GoneSlave`. */
function removedJson(entry: UnreachableAgent): V1Json {
  return { id: { value: entry.id }, timestamp: v1TimeInfo(entry.timeMs) };
}
