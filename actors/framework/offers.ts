import { Resources, roundScalar } from '../../lib/resources';
import type { Offer } from '../../lib/protocol';

/**
 * Picks resources for a task out of an offer: each scalar the task wants is taken first from
 * resources reserved to the offer's role, then from unreserved ones; ranges and sets must be
 * in the offer as asked. Returns undefined when the offer cannot hold the task.
 *
 * @example
 *   const picked = fitResources(offer, Resources.parse('cpus:1;mem:128'));
 *   if (picked) scheduler.launch(offer.id, [{ ..., resources: picked.toJSON() }]);
 */
export function fitResources(offer: Offer, wanted: Resources): Resources | undefined {
  return fitInto(Resources.fromJSON(offer.resources), wanted, offer.allocationRole);
}

/** What `fitInto` reads of what a task wants: its scalars' totals over roles, and the rest. */
interface Wanted {
  readonly totals: ReadonlyMap<string, number>;
  readonly others: Resources;
}

/** `Wanted` by the resources it was read from (they never change): a framework asks with the same few over and over. */
const wantedParts = new WeakMap<Resources, Wanted>();

function partsOf(wanted: Resources): Wanted {
  let parts = wantedParts.get(wanted);
  if (parts === undefined) {
    const flat = wanted.flatten();
    parts = { totals: flat.scalarTotals(), others: flat.nonScalars() };
    wantedParts.set(wanted, parts);
  }
  return parts;
}

/** Like `fitResources`, against resources left over (e.g. after earlier tasks in the same offer). */
export function fitInto(available: Resources, wanted: Resources, role: string): Resources | undefined {
  let picked = Resources.EMPTY;
  const reserved = role === '*' ? Resources.EMPTY : available.reserved(role);
  const unreserved = available.unreserved();
  const { totals, others } = partsOf(wanted);
  for (const [name, amount] of totals) {
    const fromReserved = Math.min(amount, reserved.scalar(name));
    const fromUnreserved = roundScalar(amount - fromReserved);
    if (fromUnreserved > unreserved.scalar(name)) return undefined;
    if (fromReserved > 0) picked = picked.add(Resources.scalar(name, fromReserved, role));
    if (fromUnreserved > 0) picked = picked.add(Resources.scalar(name, fromUnreserved));
  }
  if (!others.isEmpty()) {
    if (!unreserved.contains(others)) return undefined;
    picked = picked.add(others);
  }
  return picked;
}

/**
 * What `offer` lacks to hold `wanted`, scalars only, ignoring roles (empty when the scalars fit).
 * Lets a scheduler that keeps declining say why, e.g. `cpus:96` for a `cpus:100` task offered `cpus:4`.
 *
 *   shortfall(offer, Resources.parse('cpus:100;mem:32')).format()   // 'cpus:96'
 */
export function shortfall(offer: Offer, wanted: Resources): Resources {
  return wanted.flatten().scalars().subtractSaturating(Resources.fromJSON(offer.resources).flatten().scalars());
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

  constructor(readonly wanted: Resources) {}

  /** Whether an offer was noted since the last `clear`. */
  get any(): boolean {
    return this.closest !== undefined;
  }

  /** Notes `offer`, declined for not holding `wanted`; it replaces the closest if it lacks less. */
  note(offer: Offer): void {
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
    return `no offer can hold ${task} (${this.wanted.format()}); the closest, ${offered} on agent '${this.closest.offer.agentId}': ${lacking}`;
  }
}

/** How much of `wanted` is missing, as a sum of fractions per scalar (0 when it fits). */
function missingFraction(missing: Resources, wanted: Resources): number {
  let total = 0;
  for (const [name, amount] of missing.scalarTotals()) total += amount / Math.max(wanted.scalar(name), Number.MIN_VALUE);
  return total;
}
