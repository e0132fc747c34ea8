/**
 * Dynamic reservations on the master: what a RESERVE or UNRESERVE operation of an ACCEPT turns
 * offered resources into (and why it may not), and an agent's total with the reservations it
 * keeps applied. Mesos' rules (src/master/validation.cpp), with one difference: a framework
 * without a principal may only make reservations without one (Mesos lets it name any, which
 * would be a reservation in another's name).
 */
import { applyCheckpointedResources, checkpointedResourcesError, Resources } from '../../lib/resources';
import { MAX_RESOURCE_ENTRIES, type Operation } from '../../lib/protocol';

/** A conversion of offered resources: `consumed` becomes `converted` (the same quantities, reserved otherwise). */
export interface Conversion {
  readonly consumed: Resources;
  readonly converted: Resources;
  /** The principals whose reservations an UNRESERVE undoes (each authorized as `unreserve_resources`'s object); undefined for a RESERVE. */
  readonly reservers?: readonly string[];
}

/** What a conversion is checked against: the offers' role (any role for an operator's), the maker's principal, what is left of the offers. */
export interface ConversionContext {
  readonly role?: string;
  readonly principal: string | undefined;
  readonly available: Resources;
}

/**
 * The conversion a RESERVE or UNRESERVE makes of `context.available`, or why it is invalid (a
 * sentence naming the resource and the rule). A RESERVE's resources are the reservations it makes:
 * each dynamically reserved to the offers' role by the framework's principal, out of unreserved
 * offered resources. An UNRESERVE's are dynamic reservations among the offered resources.
 * @example offerConversion({ type: 'RESERVE', reserve: { resources } }, { role: 'eng', principal: 'ops', available })
 */
export function offerConversion(operation: Operation, context: ConversionContext): Conversion | string {
  const kind = operation.type;
  const body = kind === 'RESERVE' ? operation.reserve : kind === 'UNRESERVE' ? operation.unreserve : undefined;
  if (body === undefined || kind === 'LAUNCH') return `${kind} without its '${kind.toLowerCase()}' field`;
  const conversion = conversionOf(kind, body.resources, context);
  if (typeof conversion === 'string') return conversion;
  if (!context.available.contains(conversion.consumed)) {
    return `${kind}: the offers do not hold '${conversion.consumed.format()}' (they hold '${context.available.format()}')`;
  }
  return conversion;
}

/**
 * The conversion a RESERVE or UNRESERVE of `json` (Mesos JSON resources) makes, checked as Mesos
 * checks it (and `context.role`, when given, as the only role reserved for), but not against
 * what is available; or why not.
 */
export function conversionOf(kind: 'RESERVE' | 'UNRESERVE', json: unknown, context: Omit<ConversionContext, 'available'>): Conversion | string {
  // Bounded before the algebra, which is quadratic in the entries: an operator's list comes from
  // an HTTP body (up to 16 MB), and no agent has more entries than a message may carry.
  if (Array.isArray(json) && json.length > MAX_RESOURCE_ENTRIES) return `${kind}: ${json.length} resources; at most ${MAX_RESOURCE_ENTRIES} (MAX_RESOURCE_ENTRIES)`;
  let resources: Resources;
  try {
    resources = Resources.fromJSON(json);
  } catch (error) {
    return `${kind}: ${(error as Error).message}`;
  }
  if (resources.isEmpty()) return `${kind} of no resources`;
  for (const entry of resources) {
    // Made only for a refusal's sentence: a valid list is not formatted entry by entry.
    const text = (): string => Resources.of([entry]).format();
    if (entry.reservation === undefined) {
      return kind === 'RESERVE'
        ? `RESERVE: '${text()}' is not dynamically reserved (a dynamic reservation has 'reservation': {'principal': ...})`
        : `UNRESERVE: '${text()}' is not dynamically reserved (a static reservation cannot be unreserved)`;
    }
    if (kind !== 'RESERVE') continue;
    if (context.role !== undefined && entry.role !== context.role) return `RESERVE: '${text()}' reserves for role '${entry.role}', but the offers are allocated to role '${context.role}'`;
    const principal = entry.reservation.principal;
    if (context.principal === undefined && principal !== undefined) {
      return `RESERVE: '${text()}' names principal '${principal}', but the ${context.role === undefined ? 'request has' : 'framework has'} none`;
    }
    if (context.principal !== undefined && principal !== context.principal) {
      return `RESERVE: '${text()}' names ${principal === undefined ? 'no principal' : `principal '${principal}'`}, but the ${context.role === undefined ? "request's" : "framework's"} principal is '${context.principal}'`;
    }
  }
  const unreserved = resources.flatten();
  if (kind === 'RESERVE') return { consumed: unreserved, converted: resources };
  const reservers = [...new Set(resources.entries().map((entry) => entry.reservation?.principal ?? ''))];
  return { consumed: resources, converted: unreserved, reservers };
}

/**
 * An agent's total: its declared resources with the dynamic reservations it keeps
 * (`checkpointed`, Mesos' `checkpointed_resources`) applied, as the agent applies them
 * (`applyCheckpointedResources`); why not, as a sentence, when they do not fit.
 */
export function agentTotalOf(resources: Resources, checkpointed: Resources): Resources | string {
  return checkpointedResourcesError(resources, checkpointed) ?? applyCheckpointedResources(resources, checkpointed);
}
