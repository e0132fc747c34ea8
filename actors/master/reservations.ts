/**
 * Dynamic reservations and persistent volumes on the master: what a RESERVE, UNRESERVE, CREATE or
 * DESTROY operation of an ACCEPT (or an operator's request) turns resources into, and why it may
 * not; and an agent's total with what it keeps applied. Mesos' rules (src/master/validation.cpp),
 * with one difference: a maker without a principal may only make reservations and volumes without
 * one (Mesos lets it name any, which would be a reservation or a volume in another's name).
 */
import { applyCheckpointedResources, checkpointedResourcesError, duplicatePersistenceId, fromUnits, MAX_SCALAR_VALUE, Resources, toUnits, wholeVolumeIn, type Resource, type ResourceJSON } from '../../lib/resources';
import { MAX_RESOURCE_ENTRIES, type Operation } from '../../lib/protocol';

/** The operations that convert resources (every one but LAUNCH and LAUNCH_GROUP). */
export type ConversionKind = 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY' | 'GROW_VOLUME' | 'SHRINK_VOLUME';

/** The ACL actions that decide conversions, each with its object. */
export type ConversionAction = 'reserve_resources' | 'unreserve_resources' | 'create_volumes' | 'destroy_volumes' | 'resize_volumes';

/** A conversion of resources: `consumed` becomes `converted` (the same quantities, reserved or made into volumes otherwise). */
export interface Conversion {
  readonly kind: ConversionKind;
  readonly consumed: Resources;
  readonly converted: Resources;
  /**
   * What the ACLs must let the maker do: `reserve_resources` for each role a RESERVE reserves for,
   * `unreserve_resources` for each principal whose reservations an UNRESERVE undoes (`''` for
   * none), `create_volumes` for each role a CREATE's volumes are of, `destroy_volumes` for each
   * principal whose volumes a DESTROY destroys.
   */
  readonly authorizations: ReadonlyArray<readonly [ConversionAction, string]>;
}

/**
 * What a conversion is checked against: the offers' role (any role for an operator's), the
 * maker's principal, the agent's total (for persistence ids and whole volumes), and what is left
 * of the offers.
 */
export interface ConversionContext {
  readonly role?: string;
  readonly principal: string | undefined;
  readonly agentTotal: Resources;
  readonly available: Resources;
  /**
   * Volumes an operator's CREATE on the agent is making, not yet in `agentTotal` (the allocator's
   * part comes first): their persistence ids are taken as well.
   */
  readonly creating?: Resources;
}

/** The field of each conversion's operation, and what its list is called. */
const FIELDS = {
  RESERVE: ['reserve', 'resources'],
  UNRESERVE: ['unreserve', 'resources'],
  CREATE: ['create', 'volumes'],
  DESTROY: ['destroy', 'volumes'],
} as const;

/**
 * The conversion a RESERVE, UNRESERVE, CREATE or DESTROY makes of `context.available`, or why it
 * is invalid (a sentence naming the resource and the rule). A RESERVE's resources are the
 * reservations it makes: each dynamically reserved to the offers' role by the framework's
 * principal, out of unreserved offered resources. An UNRESERVE's are dynamic reservations among
 * the offered resources. A CREATE's are volumes made of offered reserved disk; a DESTROY's,
 * offered volumes.
 * @example offerConversion({ type: 'RESERVE', reserve: { resources } }, { role: 'eng', principal: 'ops', agentTotal, available })
 */
export function offerConversion(operation: Operation, context: ConversionContext): Conversion | string {
  const kind = operation.type;
  if (kind === 'LAUNCH' || kind === 'LAUNCH_GROUP') return `${kind} is not a conversion`;
  const conversion = kind === 'GROW_VOLUME' || kind === 'SHRINK_VOLUME' ? resizeConversion(operation, context) : listConversion(kind, operation, context);
  if (typeof conversion === 'string') return conversion;
  if (!context.available.contains(conversion.consumed)) {
    return `${kind}: the offers do not hold '${conversion.consumed.format()}' (they hold '${context.available.format()}')`;
  }
  return conversion;
}

/** A RESERVE's, UNRESERVE's, CREATE's or DESTROY's conversion of the list its field holds (`conversionOf`). */
function listConversion(kind: keyof typeof FIELDS, operation: Operation, context: Omit<ConversionContext, 'available'>): Conversion | string {
  const [field, list] = FIELDS[kind];
  const body: Record<string, unknown> | undefined = operation[field];
  if (body === undefined) return `${kind} without its '${field}' field`;
  return conversionOf(kind, body[list], context);
}

/**
 * The conversion a RESERVE, UNRESERVE, CREATE or DESTROY of `json` (Mesos JSON resources) makes,
 * checked as Mesos checks it (and `context.role`, when given, as the only role reserved for), but
 * not against what is available; or why not.
 */
export function conversionOf(kind: Exclude<ConversionKind, 'GROW_VOLUME' | 'SHRINK_VOLUME'>, json: unknown, context: Omit<ConversionContext, 'available'>): Conversion | string {
  // Bounded before the algebra, which is quadratic in the entries: an operator's list comes from
  // an HTTP body (up to 16 MB), and no agent has more entries than a message may carry.
  if (Array.isArray(json) && json.length > MAX_RESOURCE_ENTRIES) return `${kind}: ${json.length} resources; at most ${MAX_RESOURCE_ENTRIES} (MAX_RESOURCE_ENTRIES)`;
  let resources: Resources;
  try {
    resources = Resources.fromJSON(json);
  } catch (error) {
    return `${kind}: ${(error as Error).message}`;
  }
  if (resources.isEmpty()) return `${kind} of no ${FIELDS[kind][1]}`;
  switch (kind) {
    case 'RESERVE':
    case 'UNRESERVE':
      return reservationConversion(kind, resources, context);
    case 'CREATE':
    case 'DESTROY':
      return volumeConversion(kind, resources, Array.isArray(json) ? json.length : 0, context);
  }
}

function reservationConversion(kind: 'RESERVE' | 'UNRESERVE', resources: Resources, context: Omit<ConversionContext, 'available'>): Conversion | string {
  for (const entry of resources) {
    // Made only for a refusal's sentence: a valid list is not formatted entry by entry.
    const text = (): string => Resources.of([entry]).format();
    if (entry.volume !== undefined) {
      return kind === 'RESERVE'
        ? `RESERVE: '${text()}' is a persistent volume (reserve plain disk, then CREATE the volume)`
        : `UNRESERVE: '${text()}' is a persistent volume (DESTROY it first)`;
    }
    if (entry.reservation === undefined) {
      return kind === 'RESERVE'
        ? `RESERVE: '${text()}' is not dynamically reserved (a dynamic reservation has 'reservation': {'principal': ...})`
        : `UNRESERVE: '${text()}' is not dynamically reserved (a static reservation cannot be unreserved)`;
    }
    if (kind !== 'RESERVE') continue;
    if (context.role !== undefined && entry.role !== context.role) return `RESERVE: '${text()}' reserves for role '${entry.role}', but the offers are allocated to role '${context.role}'`;
    const error = principalError('RESERVE', text, entry.reservation.principal, context);
    if (error !== undefined) return error;
  }
  const unreserved = resources.flatten();
  if (kind === 'RESERVE') return { kind, consumed: unreserved, converted: resources, authorizations: resources.roles().map((role) => ['reserve_resources', role] as const) };
  const reservers = [...new Set(resources.entries().map((entry) => entry.reservation?.principal ?? ''))];
  return { kind, consumed: resources, converted: unreserved, authorizations: reservers.map((reserver) => ['unreserve_resources', reserver] as const) };
}

/**
 * A CREATE's or DESTROY's conversion (Mesos' `validate(Create)` and `validate(Destroy)`): every
 * entry a read-write persistent volume; a CREATE's persistence ids new in their role on the agent
 * (and in the list: `listed` is the list's length, which merged entries fall short of), each
 * volume naming the maker's principal; a DESTROY's each a whole volume the agent has.
 */
function volumeConversion(kind: 'CREATE' | 'DESTROY', volumes: Resources, listed: number, context: Omit<ConversionContext, 'available'>): Conversion | string {
  for (const entry of volumes) {
    const text = (): string => Resources.of([entry]).format();
    if (entry.volume === undefined) return `${kind}: '${text()}' is not a persistent volume ('disk' with 'persistence' and 'volume')`;
    if (entry.volume.mode === 'RO') return `${kind}: '${text()}' is read-only; read-only persistent volumes are not supported`;
    if (kind === 'CREATE') {
      const error = principalError('CREATE', text, entry.volume.principal, context, "in 'disk.persistence'");
      if (error !== undefined) return error;
      continue;
    }
    const held = wholeVolumeIn(context.agentTotal, entry);
    if (held === undefined) return `DESTROY: persistent volume '${text()}' not found on the agent`;
    if (held.type === 'SCALAR' && entry.type === 'SCALAR' && held.value !== entry.value) return `DESTROY: '${text()}' is part of volume '${entry.volume.id}' (${held.value}); a volume is destroyed whole`;
  }
  if (kind === 'DESTROY') {
    const creators = [...new Set(volumes.entries().map((entry) => entry.volume?.principal ?? ''))];
    return { kind, consumed: volumes, converted: volumes.withoutVolumes(), authorizations: creators.map((creator) => ['destroy_volumes', creator] as const) };
  }
  const duplicate = volumes.size < listed ? volumes.entries()[0] : undefined;
  const clash = duplicatePersistenceId([...context.agentTotal.persistentVolumes(), ...context.creating ?? [], ...volumes]);
  if (duplicate !== undefined || clash !== undefined) return `CREATE: persistence id '${clash?.id ?? duplicate?.volume?.id ?? ''}' is not unique${clash === undefined ? ' in the list' : ` in role '${clash.role}' on the agent`}`;
  return { kind, consumed: volumes.withoutVolumes(), converted: volumes, authorizations: volumes.roles().map((role) => ['create_volumes', role] as const) };
}

/**
 * A GROW_VOLUME's or SHRINK_VOLUME's conversion (Mesos' `validate(GrowVolume)` and
 * `validate(ShrinkVolume)`): the volume a whole persistent volume the agent has (not shared);
 * GROW's `addition` more of the very disk the volume is made of (the same role and reservation,
 * no volume), more than nothing; SHRINK's `subtract` more than nothing and less than the volume.
 * The volume keeps its id, its data and its directory on the agent; only its size changes. The
 * ACLs' `resize_volumes` decides who may, by the volume's role. Operator calls come through
 * `resizeConversionOf` (the same checks).
 */
function resizeConversion(operation: Operation, context: Omit<ConversionContext, 'available'>): Conversion | string {
  if (operation.type === 'GROW_VOLUME') {
    const body = operation.growVolume;
    if (body === undefined) return "GROW_VOLUME without its 'growVolume' field";
    return resizeConversionOf({ kind: 'GROW_VOLUME', volume: body.volume, addition: body.addition }, context);
  }
  const body = operation.shrinkVolume;
  if (body === undefined) return "SHRINK_VOLUME without its 'shrinkVolume' field";
  return resizeConversionOf({ kind: 'SHRINK_VOLUME', volume: body.volume, subtract: body.subtract.value }, context);
}

/** What a resize asks: grow `volume` by `addition`, or shrink it by `subtract` (an amount of its disk). */
export type ResizeRequest =
  | { readonly kind: 'GROW_VOLUME'; readonly volume: unknown; readonly addition: unknown }
  | { readonly kind: 'SHRINK_VOLUME'; readonly volume: unknown; readonly subtract: number };

/** The conversion a resize makes, or why it may not (see `resizeConversion`). */
export function resizeConversionOf(request: ResizeRequest, context: Omit<ConversionContext, 'available'>): Conversion | string {
  const { kind } = request;
  const field = kind === 'GROW_VOLUME' ? 'GrowVolume' : 'ShrinkVolume';
  const one = (json: unknown, name: string): Resource | string => {
    try {
      const parsed = Resources.fromJSON([json]).entries();
      const entry = parsed[0];
      if (parsed.length !== 1 || entry === undefined) return `Invalid resource in the '${field}.${name}' field: it holds no resource`;
      return entry;
    } catch (error) {
      return `Invalid resource in the '${field}.${name}' field: ${(error as Error).message}`;
    }
  };
  const volume = one(request.volume, 'volume');
  if (typeof volume === 'string') return `${kind}: ${volume}`;
  const volumeText = Resources.of([volume]).format();
  if (volume.volume === undefined || volume.type !== 'SCALAR') return `${kind}: '${volumeText}' in the '${field}.volume' field is not a persistent volume`;
  const held = wholeVolumeIn(context.agentTotal, volume);
  if (held === undefined) return `${kind}: persistent volume '${volumeText}' not found on the agent`;
  if (!sameAmount(held, volume)) return `${kind}: '${volumeText}' is part of volume '${volume.volume.id}' (${amountOf(held)}); a volume is resized whole`;
  const disk = Resources.of([volume]).withoutVolumes();
  const sized = (amount: number): Resources => Resources.fromJSON(Resources.of([volume]).toJSON().map((entry) => ({ ...entry, scalar: { value: amount } })));
  const authorizations = [['resize_volumes', volume.role] as const];
  if (request.kind === 'GROW_VOLUME') {
    const addition = one(request.addition, 'addition');
    if (typeof addition === 'string') return `${kind}: ${addition}`;
    if (addition.type !== 'SCALAR' || !(addition.value > 0)) return `${kind}: the size of 'GrowVolume.addition' field must be greater than zero`;
    const added = Resources.of([addition]);
    if (disk.add(added).size !== 1) return `${kind}: incompatible resources in the 'GrowVolume.volume' and 'GrowVolume.addition' fields: '${added.format()}' is not more of the volume's disk '${disk.format()}'`;
    // A size no resource may have (an addition the agent cannot hold anyway) is refused here, not thrown by the algebra.
    const grownUnits = toUnits(volume.value) + toUnits(addition.value);
    if (grownUnits > toUnits(MAX_SCALAR_VALUE)) return `${kind}: the grown volume's size (${fromUnits(grownUnits)}) exceeds the maximum ${MAX_SCALAR_VALUE}`;
    return { kind, consumed: Resources.of([volume]).add(added), converted: sized(fromUnits(grownUnits)), authorizations };
  }
  // In thousandths, as Mesos compares and subtracts them: a `subtract` that rounds to the whole
  // volume would leave it empty (plain disk: the agent removes its directory), one that rounds to
  // nothing would resize by nothing, and a difference of rounded doubles can round up past the whole.
  const subtract = request.subtract;
  const subtractUnits = Number.isFinite(subtract) ? toUnits(subtract) : Number.NaN;
  const volumeUnits = toUnits(volume.value);
  if (!(subtractUnits > 0)) return `${kind}: value of 'ShrinkVolume.subtract' must be greater than zero`;
  if (!(subtractUnits < volumeUnits)) return `${kind}: value of 'ShrinkVolume.subtract' (${subtract}) must be smaller than the size of 'ShrinkVolume.volume' (${volume.value})`;
  const freed = Resources.fromJSON(disk.toJSON().map((entry) => ({ ...entry, scalar: { value: fromUnits(subtractUnits) } })));
  return { kind, consumed: Resources.of([volume]), converted: sized(fromUnits(volumeUnits - subtractUnits)).add(freed), authorizations };
}

/**
 * The offer operation (without an `id`) an operator's `conversion` is, as Mesos' master makes one
 * of an operator API call to apply it (`Master::_apply` with no framework): a RESERVE's or a
 * CREATE's resources as they become, an UNRESERVE's or a DESTROY's as they were, a GROW_VOLUME's
 * volume and addition, a SHRINK_VOLUME's volume and what it gives back. GET_OPERATIONS shows it.
 *
 * @example
 *   operatorOperation(conversionOf('RESERVE', json, context)); // { type: 'RESERVE', reserve: { resources: [...] } }
 */
export function operatorOperation(conversion: Conversion): Operation {
  const { kind, consumed, converted } = conversion;
  switch (kind) {
    case 'RESERVE':
      return { type: kind, reserve: { resources: converted.toJSON() } };
    case 'UNRESERVE':
      return { type: kind, unreserve: { resources: consumed.toJSON() } };
    case 'CREATE':
      return { type: kind, create: { volumes: converted.toJSON() } };
    case 'DESTROY':
      return { type: kind, destroy: { volumes: consumed.toJSON() } };
    case 'GROW_VOLUME': {
      const volume = consumed.persistentVolumes();
      return { type: kind, growVolume: { volume: onlyEntry(volume), addition: onlyEntry(consumed.subtract(volume)) } };
    }
    case 'SHRINK_VOLUME': {
      const freed = converted.subtract(converted.persistentVolumes());
      return { type: kind, shrinkVolume: { volume: onlyEntry(consumed), subtract: { value: onlyEntry(freed).scalar?.value ?? 0 } } };
    }
  }
}

/** The JSON of the one resource `resources` holds (a resize's volume, or its addition); a bug otherwise. */
function onlyEntry(resources: Resources): ResourceJSON {
  const [entry, ...more] = resources.toJSON();
  if (entry === undefined || more.length > 0) throw new Error(`expected one resource, got '${resources.format()}'`);
  return entry;
}

/** Why `principal` (a reservation's or a volume's) is not the maker's, or undefined. */
function principalError(kind: 'RESERVE' | 'CREATE', text: () => string, principal: string | undefined, context: Omit<ConversionContext, 'available'>, where = ''): string | undefined {
  const maker = context.role === undefined ? 'request' : 'framework';
  const place = where === '' ? '' : ` ${where}`;
  if (context.principal === undefined && principal !== undefined) return `${kind}: '${text()}' names principal '${principal}'${place}, but the ${maker} has none`;
  if (context.principal !== undefined && principal !== context.principal) {
    return `${kind}: '${text()}' names ${principal === undefined ? 'no principal' : `principal '${principal}'`}${place}, but the ${maker}'s principal is '${context.principal}'`;
  }
  return undefined;
}

/**
 * Why a task's (or an executor's) `resources` take part of a persistent volume, or undefined: a
 * volume is used whole (Mesos makes volumes atomic in its resource algebra; here the slot adds and
 * subtracts as a scalar, and this check keeps a task from taking half of one).
 */
export function partialVolumeError(resources: Resources, agentTotal: Resources): string | undefined {
  for (const entry of resources.persistentVolumes()) {
    const whole = wholeVolumeIn(agentTotal, entry);
    if (whole !== undefined && !sameAmount(whole, entry)) return `it uses part of persistent volume '${entry.volume?.id ?? ''}' (${amountOf(entry)} of ${amountOf(whole)}); a volume is used whole`;
  }
  return undefined;
}

function sameAmount(left: Resource, right: Resource): boolean {
  return left.type === 'SCALAR' && right.type === 'SCALAR' && left.value === right.value;
}

function amountOf(entry: Resource): number {
  return entry.type === 'SCALAR' ? entry.value : 0;
}

/**
 * An agent's total: its declared resources with the dynamic reservations and persistent volumes it
 * keeps (`checkpointed`, Mesos' `checkpointed_resources`) applied, as the agent applies them
 * (`applyCheckpointedResources`); why not, as a sentence, when they do not fit.
 */
export function agentTotalOf(resources: Resources, checkpointed: Resources): Resources | string {
  return checkpointedResourcesError(resources, checkpointed) ?? applyCheckpointedResources(resources, checkpointed);
}
