import { Resources, roundScalar, type DynamicReservation } from '../../lib/resources';
import type { Offer } from '../../lib/protocol';

/**
 * Picks resources for a task out of an offer. What the task asks unreserved (`cpus:1`) is taken
 * from the most specific reservation the offer holds first: reserved to the offer's role, then to
 * its ancestors (an offer to `eng/web` may hold resources reserved to `eng`), then unreserved;
 * a range or set is taken whole from the first of them that holds it, else split across them in
 * that order (ports 31000-31001 from `ports(web):[31000-31000]` and `ports:[31001-31001]`). What the task asks reserved (`cpus(web):1`)
 * must be in the offer reserved to that very role, and so must a persistent volume (asked as the
 * offer shows it, `disk` and all; never taken for plain disk). Returns undefined when the offer
 * cannot hold the task.
 *
 * @example
 *   const picked = fitResources(offer, Resources.parse('cpus:1;mem:128'));
 *   if (picked) scheduler.launch(offer.id, [{ ..., resources: picked.toJSON() }]);
 */
export function fitResources(offer: Offer, wanted: Resources): Resources | undefined {
  return fitInto(Resources.fromJSON(offer.resources), wanted, offer.allocationRole);
}

/** What `fitInto` reads of what a task wants: the reserved part, the unreserved scalars' totals, and the rest. */
interface Wanted {
  /** Asked reserved to a role: taken as it is, or the task does not fit. */
  readonly reserved: Resources;
  readonly totals: ReadonlyMap<string, number>;
  readonly others: readonly Resources[];
}

/** `Wanted` by the resources it was read from (they never change): a framework asks with the same few over and over. */
const wantedParts = new WeakMap<Resources, Wanted>();

function partsOf(wanted: Resources): Wanted {
  let parts = wantedParts.get(wanted);
  if (parts === undefined) {
    const unreserved = wanted.unreserved();
    parts = { reserved: wanted.reserved(), totals: unreserved.scalarTotals(), others: unreserved.nonScalars().entries().map((entry) => Resources.of([entry])) };
    wantedParts.set(wanted, parts);
  }
  return parts;
}

/** Like `fitResources`, against resources left over (e.g. after earlier tasks in the same offer) offered to `role`. */
export function fitInto(available: Resources, wanted: Resources, role: string): Resources | undefined {
  const { reserved: askedReserved, totals, others } = partsOf(wanted);
  let picked = Resources.EMPTY;
  let left = available;
  if (!askedReserved.isEmpty()) {
    if (!left.contains(askedReserved)) return undefined;
    picked = askedReserved;
    left = left.subtract(askedReserved);
  }
  const sources = reservationsFor(left, role);
  const unreserved = left.unreserved();
  for (const [name, amount] of totals) {
    let missing = amount;
    for (const source of sources) {
      const taken = Math.min(missing, source.resources.scalar(name));
      if (taken <= 0) continue;
      picked = picked.add(placedIn(Resources.scalar(name, taken), source));
      missing = roundScalar(missing - taken);
      if (missing <= 0) break;
    }
    if (missing <= 0) continue;
    if (missing > unreserved.scalar(name)) return undefined;
    picked = picked.add(Resources.scalar(name, missing));
  }
  for (const other of others) {
    // Whole from one place when it can be (most specific first), else split across them in that order.
    const whole = sources.find((candidate) => candidate.resources.contains(placedIn(other, candidate)));
    if (whole !== undefined) picked = picked.add(placedIn(other, whole));
    else if (unreserved.contains(other)) picked = picked.add(other);
    else {
      let rest = other;
      for (const source of [...sources, { role: '*', resources: unreserved }]) {
        const asked = placedIn(rest, source);
        const taken = asked.intersection(source.resources);    // what of it the source holds
        if (taken.isEmpty()) continue;
        picked = picked.add(taken);
        rest = rest.subtractSaturating(taken.flatten());
        if (rest.isEmpty()) break;
      }
      if (!rest.isEmpty()) return undefined;
    }
  }
  return picked;
}

/** One reservation's part of what is available: a role's static one, or a dynamic one (`reservation`). */
interface Reservation {
  readonly role: string;
  readonly reservation?: DynamicReservation;
  readonly resources: Resources;
}

const NO_RESERVATIONS: readonly Reservation[] = [];

/**
 * The reservations of `available` a framework of `role` may use, the most specific (the role
 * itself, then its nearest ancestor) first; within a role its static reservation, then its dynamic
 * ones in the order offered. Each is its own source: a dynamic reservation's resources are taken
 * with it (the offer holds them so, and the master checks the task against the offer).
 */
function reservationsFor(available: Resources, role: string): readonly Reservation[] {
  if (role === '*' || !available.hasReservations()) return NO_RESERVATIONS;
  // A persistent volume is never taken for plain disk: a task asks for it by name (reserved, with its `disk`).
  const usable = available.reserved().allocatableTo(role).filter((entry) => entry.volume === undefined);
  if (usable.isEmpty()) return NO_RESERVATIONS;
  const sources: Reservation[] = [];
  for (const reservationRole of usable.roles().sort((a, b) => b.length - a.length)) {
    const ofRole = usable.reserved(reservationRole);
    const statically = ofRole.filter((entry) => entry.reservation === undefined);
    if (!statically.isEmpty()) sources.push({ role: reservationRole, resources: statically });
    const keys: string[] = [];
    for (const entry of ofRole) {
      const reservation = entry.reservation;
      if (reservation === undefined || keys.includes(reservation.key)) continue;
      keys.push(reservation.key);
      sources.push({ role: reservationRole, reservation, resources: ofRole.filter((other) => other.reservation?.key === reservation.key) });
    }
  }
  return sources;
}

/** `resources` (unreserved, as a task asks them) as `source` holds them: reserved to its role, dynamically with its reservation if it has one. */
function placedIn(resources: Resources, source: Reservation): Resources {
  return source.reservation === undefined ? resources.flatten(source.role) : resources.flatten().reservedDynamically(source.role, source.reservation);
}

/**
 * What `offer` lacks to hold `wanted`, scalars only (empty when the scalars fit): what it asks
 * reserved to a role (`cpus(web):2`) against what the offer holds reserved to that role, the
 * rest against what the offer holds besides. Lets a scheduler that keeps declining say why,
 * e.g. `cpus:96` for a `cpus:100` task offered `cpus:4`.
 *
 *   shortfall(offer, Resources.parse('cpus:100;mem:32')).format()   // 'cpus:96'
 */
export function shortfall(offer: Offer, wanted: Resources): Resources {
  const offered = Resources.fromJSON(offer.resources).scalars();
  const askedReserved = wanted.reserved().scalars();
  const missingReserved = askedReserved.subtractSaturating(offered);
  const left = offered.subtractSaturating(askedReserved);
  return missingReserved.add(wanted.unreserved().scalars().flatten().subtractSaturating(left.flatten()));
}

/**
 * Of the offers a scheduler declined because they could not hold a task, the closest one (the
 * least missing, as a sum of fractions of what the task wants): so that a framework waiting for
 * an offer that never comes can say what is missing instead of waiting silently.
 *
 * @example
 *   const unfit = new UnfitOffers(Resources.parse('cpus:100;mem:32'));
 *   unfit.note(offer);                  // an offer of cpus:2;mem:1024, declined
 *   unfit.explain("task 'huge'");       // "no offer can hold task 'huge' (cpus:100;mem:32); the closest, cpus:2;mem:1024 on agent 'a1': it lacks cpus:98"
 */
export class UnfitOffers {
  /** The declined offer that came closest, and what it lacked. */
  private closest: { offer: Offer; missing: Resources } | undefined;
  /** The resource names offers noted have held (at most `MAX_OFFERED_NAMES_NOTED`): a name wanted and never offered is likely misspelt. */
  private readonly offeredNames = new Set<string>();

  constructor(readonly wanted: Resources) {}

  /** Whether an offer was noted since the last `clear`. */
  get any(): boolean {
    return this.closest !== undefined;
  }

  /** Notes `offer`, declined for not holding `wanted`; it replaces the closest if it lacks less. */
  note(offer: Offer): void {
    for (const resource of offer.resources) if (this.offeredNames.size < MAX_OFFERED_NAMES_NOTED) this.offeredNames.add(resource.name);
    const missing = shortfall(offer, this.wanted);
    if (this.closest === undefined || missingFraction(missing, this.wanted) < missingFraction(this.closest.missing, this.wanted)) this.closest = { offer, missing };
  }

  /** Forgets the offers noted (a task was launched: what was missing then no longer is). */
  clear(): void {
    this.closest = undefined;
  }

  /** One sentence: what `task` (e.g. `task 'hello'`) wants and what the closest offer lacks. */
  explain(task: string): string {
    if (this.closest === undefined) return `no offers yet for ${task} (${this.wanted.format()}): is an agent registered with the master, with resources free for the framework's role?`;
    const offered = Resources.fromJSON(this.closest.offer.resources).format();
    const lacking = this.closest.missing.isEmpty() ? 'its ranges or sets do not match' : `it lacks ${this.closest.missing.format()}`;
    const neverOffered = this.wanted.names().filter((name) => !this.offeredNames.has(name));
    const misspelt = neverOffered.length === 0 || this.offeredNames.size >= MAX_OFFERED_NAMES_NOTED
      ? ''
      : `; no offer has had ${neverOffered.map((name) => `'${name}'`).join(' or ')} at all (offers have ${[...this.offeredNames].sort().join(', ')}): is the name misspelt?`;
    return `no offer can hold ${task} (${this.wanted.format()}); the closest, ${offered} on agent '${this.closest.offer.agentId}': ${lacking}${misspelt}`;
  }
}

/** How many distinct resource names `UnfitOffers` keeps from the offers it notes (agents declare a handful; past this it stops guessing at misspellings). */
export const MAX_OFFERED_NAMES_NOTED = 64;

/** How much of `wanted` is missing, as a sum of fractions per scalar (0 when it fits). */
function missingFraction(missing: Resources, wanted: Resources): number {
  let total = 0;
  for (const [name, amount] of missing.scalarTotals()) total += amount / Math.max(wanted.scalar(name), Number.MIN_VALUE);
  return total;
}
