/**
 * The master's outstanding offers by id, kept by the number in the id.
 *
 * Offer ids are `<masterId>-O<n>`, `n` counting up from 0 (the master's offer counter). At 100k
 * agents every allocation cycle adds ~100k offers and retires them again. In a `Map` keyed by the
 * id string that was three costs per cycle: hashing each new id (a 40-character string), the
 * table doubling its way up to 100k entries, and halving its way back down as the offers went
 * (each table that big is a fresh large-object allocation, zeroed page by page by the kernel).
 *
 * Here the table is open-addressed by the id's number (linear probing), its home slot the number
 * Fibonacci-hashed: multiplied by 2^32/φ, the top bits of the product. Numbers outstanding
 * together are mostly consecutive; in consecutive slots (the number itself as the slot) they
 * formed one run as long as the table was full, and deleting the oldest, or looking up an id not
 * held, walked the whole run (a review measured 7.3 s to retire 100k offers oldest first, as an
 * offer timeout retires a batch). Hashed, consecutive numbers land far apart and runs stay short
 * (the spec bounds the longest run). The table doubles when half full and never shrinks: it stays
 * sized for the most offers ever outstanding at once (two slots each).
 *
 * A looked-up id must equal the record's own id (`record.offer.id`), so an id of another master
 * (an earlier leader's offer, with the same number) or one that is not an offer id at all is
 * simply not found.
 *
 * @example
 *   const offers = new OfferTable<OfferRecord>();
 *   offers.add(record);                     // record.offer.id === 'a1b2…-O17', record.offerNumber === 17
 *   offers.get('a1b2…-O17');                // record
 *   offers.delete(record);
 */

/** Slots of a new table (a power of two). */
const INITIAL_SLOTS = 16;
/** 2^32 divided by the golden ratio, rounded to odd: Fibonacci hashing's multiplier. */
const FIBONACCI = 0x9e3779b9;

/** What `OfferList` keeps: anything with an offer id. */
export interface HasOfferId {
  readonly offer: { readonly id: string };
}

/**
 * What `OfferTable` keeps: anything with an offer id, and the number in it as its maker knew it.
 * Adding and deleting go by that number: reading it out of the id reads the id's characters, and
 * a freshly made id is two strings joined (V8's cons string), so the first read copied it into a
 * flat one: an allocation per offer, on the allocation cycle's path.
 */
export interface NumberedOffer extends HasOfferId {
  /** `offerNumberOf(offer.id)`. */
  readonly offerNumber: number;
}

/** The number `n` of an offer id `<anything>-O<n>` (decimal, no sign, no leading zero), or -1. */
export function offerNumberOf(id: string): number {
  const marker = id.lastIndexOf('-O');
  const start = marker + 2;
  const length = id.length - start;
  // Up to 15 digits: any counter value a master reaches, exactly representable.
  if (marker < 0 || length < 1 || length > 15) return -1;
  if (length > 1 && id.charCodeAt(start) === 48) return -1;
  let number = 0;
  for (let index = start; index < id.length; index++) {
    const digit = id.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
}

/** Outstanding offers by id (see the file's comment). */
export class OfferTable<T extends NumberedOffer> {
  private records: (T | undefined)[] = new Array<T | undefined>(INITIAL_SLOTS).fill(undefined);
  private numbers: number[] = new Array<number>(INITIAL_SLOTS).fill(-1);
  private mask = INITIAL_SLOTS - 1;
  /** 32 minus log2 of the slots: the product's top bits are the home slot. */
  private shift = 32 - Math.log2(INITIAL_SLOTS);
  private count = 0;

  /**
   * @internal The longest run of occupied slots, wrapping around: the most any lookup, add or
   * delete walks. For specs (it reads every slot).
   */
  longestRun(): number {
    const slots = this.numbers.length;
    // Start just past an empty slot (one exists: the table is at most half full), so that no run is cut.
    const start = this.numbers.indexOf(-1) + 1;
    let longest = 0;
    let run = 0;
    for (let step = 0; step < slots; step++) {
      run = (this.numbers[(start + step) & this.mask] as number) >= 0 ? run + 1 : 0;
      if (run > longest) longest = run;
    }
    return longest;
  }

  /** Offers held. */
  get size(): number {
    return this.count;
  }

  /** The record of the offer with this id, if outstanding. */
  get(id: string): T | undefined {
    const number = offerNumberOf(id);
    if (number < 0) return undefined;
    const slot = this.find(number);
    if (slot < 0) return undefined;
    const record = this.records[slot] as T;
    return record.offer.id === id ? record : undefined;
  }

  /** Adds `record`; throws if an offer with its number is already held (ids are never reused). */
  add(record: T): void {
    const number = record.offerNumber;
    if (!Number.isSafeInteger(number) || number < 0) throw new Error(`offer table: ${number} is not an offer number`);
    if (this.find(number) >= 0) throw new Error(`offer table: an offer numbered ${number} is already held`);
    if ((this.count + 1) * 2 > this.records.length) this.grow();
    this.place(number, record);
    this.count++;
  }

  /** The records held, in no particular order (by slot). The table must not change during the walk. */
  *values(): IterableIterator<T> {
    for (const record of this.records) if (record !== undefined) yield record;
  }

  /** Removes `record` (by its number); false if it was not held. */
  delete(record: T): boolean {
    const number = record.offerNumber;
    let slot = this.find(number);
    if (slot < 0 || this.records[slot] !== record) return false;
    this.count--;
    // Backward-shift deletion: later members of the probe run move up into the hole, so that
    // every held number stays reachable from its home slot without tombstones.
    const mask = this.mask;
    for (let next = (slot + 1) & mask; ; next = (next + 1) & mask) {
      const number = this.numbers[next] as number;
      if (number < 0) break;
      const home = this.homeOf(number);
      // `next` may move to `slot` unless its home lies cyclically in (slot, next].
      const stays = slot <= next ? home > slot && home <= next : home > slot || home <= next;
      if (stays) continue;
      this.numbers[slot] = number;
      this.records[slot] = this.records[next];
      slot = next;
    }
    this.numbers[slot] = -1;
    this.records[slot] = undefined;
    return true;
  }

  /** Where `number`'s probe run starts: its Fibonacci hash (any number above 2^32 by its low 32 bits). */
  private homeOf(number: number): number {
    return Math.imul(number | 0, FIBONACCI) >>> this.shift;
  }

  /** The slot holding `number`, or -1. */
  private find(number: number): number {
    const mask = this.mask;
    for (let slot = this.homeOf(number); ; slot = (slot + 1) & mask) {
      const held = this.numbers[slot] as number;
      if (held === number) return slot;
      if (held < 0) return -1;
    }
  }

  private place(number: number, record: T): void {
    const mask = this.mask;
    let slot = this.homeOf(number);
    while ((this.numbers[slot] as number) >= 0) slot = (slot + 1) & mask;
    this.numbers[slot] = number;
    this.records[slot] = record;
  }

  private grow(): void {
    const { records, numbers } = this;
    const slots = records.length * 2;
    this.records = new Array<T | undefined>(slots).fill(undefined);
    this.numbers = new Array<number>(slots).fill(-1);
    this.mask = slots - 1;
    this.shift--;
    for (let slot = 0; slot < numbers.length; slot++) {
      const number = numbers[slot] as number;
      if (number >= 0) this.place(number, records[slot] as T);
    }
  }
}

/** The links `OfferList` keeps on each record it holds; only `OfferList` sets them. */
export interface OfferListLinks<T> {
  /** The list the record is in, if any (compared by identity). */
  offerList: object | undefined;
  previousInList: T | undefined;
  nextInList: T | undefined;
}

/**
 * A framework's outstanding offers, oldest first, linked through fields of the records
 * themselves. A `Set` of offer ids per framework took every new id's hash and grew its table
 * from empty to a thousand entries and back every allocation cycle (the bench's 100 frameworks
 * at 100k agents): ~5% of the cycle. Adding and deleting here are a few pointer writes.
 *
 * A record is in at most one list. Iteration walks a copy, so the list may change meanwhile.
 */
export class OfferList<T extends OfferListLinks<T> & HasOfferId> implements Iterable<string> {
  private head: T | undefined = undefined;
  private tail: T | undefined = undefined;
  private count = 0;
  private changes = 0;
  /** Views taken (`view`) that still read the list itself: each copies it before it changes. */
  private views: OfferListView<T>[] | undefined = undefined;

  /** Offers held. */
  get size(): number {
    return this.count;
  }

  /** Moves at every add and delete: what was made of the list (a sum) is current while it stays. */
  get version(): number {
    return this.changes;
  }

  /** Appends `record`; false if it is in this list already. Throws if it is in another. */
  add(record: T): boolean {
    if (record.offerList === this) return false;
    if (record.offerList !== undefined) throw new Error(`offer list: '${record.offer.id}' is in another framework's list`);
    if (this.views !== undefined) this.detachViews();
    record.offerList = this;
    record.previousInList = this.tail;
    record.nextInList = undefined;
    if (this.tail === undefined) this.head = record;
    else this.tail.nextInList = record;
    this.tail = record;
    this.count++;
    this.changes++;
    return true;
  }

  /** Unlinks `record`; false if it is not in this list. */
  delete(record: T): boolean {
    if (record.offerList !== this) return false;
    if (this.views !== undefined) this.detachViews();
    const { previousInList: previous, nextInList: next } = record;
    if (previous === undefined) this.head = next;
    else previous.nextInList = next;
    if (next === undefined) this.tail = previous;
    else next.previousInList = previous;
    record.offerList = undefined;
    record.previousInList = undefined;
    record.nextInList = undefined;
    this.count--;
    this.changes++;
    return true;
  }

  /** The records, oldest first (a copy). */
  records(): T[] {
    const records: T[] = [];
    for (let record = this.head; record !== undefined; record = record.nextInList) records.push(record);
    return records;
  }

  /** The offer ids, oldest first (over a copy). */
  [Symbol.iterator](): Iterator<string> {
    return this.records().map((record) => record.offer.id)[Symbol.iterator]();
  }

  /**
   * The records as they are now, to be read later: the view reads this list until it is about
   * to change, and a copy from then on (copy on write: taking a view costs nothing, and the
   * first change after it pays for one copy). `release` it when done.
   */
  view(): OfferListView<T> {
    const view = new OfferListView(this);
    (this.views ??= []).push(view);
    return view;
  }

  /** @internal (`OfferListView.release`) */
  dropView(view: OfferListView<T>): void {
    const views = this.views;
    if (views === undefined) return;
    const at = views.indexOf(view);
    if (at >= 0) views.splice(at, 1);
    if (views.length === 0) this.views = undefined;
  }

  private detachViews(): void {
    const views = this.views as OfferListView<T>[];
    this.views = undefined;
    const copy = this.records();
    for (const view of views) view.detach(copy);
  }
}

/** `OfferList.view`: a list's records as they were when it was taken. */
export class OfferListView<T extends OfferListLinks<T> & HasOfferId> {
  private copy: readonly T[] | undefined = undefined;
  private list: OfferList<T> | undefined;

  constructor(list: OfferList<T>) {
    this.list = list;
  }

  /** The records when the view was taken, oldest first. */
  records(): readonly T[] {
    return this.copy ?? this.list?.records() ?? [];
  }

  /** Stops following the list (it may change without copying for this view); `records` is empty from then on unless it was copied. */
  release(): void {
    this.list?.dropView(this);
    this.list = undefined;
  }

  /** @internal (`OfferList`): the list is about to change; `records` is what it held. */
  detach(records: readonly T[]): void {
    this.copy = records;
    this.list = undefined;
  }
}

/** Takes `record` out of whichever `OfferList` holds it (a registered or a completed framework's); false if none does. */
export function unlinkOffer<T extends OfferListLinks<T> & HasOfferId>(record: T): boolean {
  const list = record.offerList;
  return list instanceof OfferList ? (list as OfferList<T>).delete(record) : false;
}
