/** Fixed-precision scalar arithmetic: values are exact multiples of 0.001. */
import { SCALAR_UNITS_PER_ONE, type ResourceJSON } from './types';

/** `value` in integer thousandths (rounded to the nearest, as Mesos does). */
export function toUnits(value: number): number {
  return Math.round(value * SCALAR_UNITS_PER_ONE);
}

/** Integer thousandths back to a number (the double nearest to units / 1000). */
export function fromUnits(units: number): number {
  return units / SCALAR_UNITS_PER_ONE;
}

/** `value` rounded to the scalar precision. */
export function roundScalar(value: number): number {
  return fromUnits(toUnits(value));
}

/**
 * The total of scalar `name` in a list of resources in the Mesos JSON form, in thousandths: what
 * `toUnits(Resources.fromJSON(json).scalar(name))` gives for a valid list, without building the
 * resources. For lists checked already (the tasks an agent took); an entry that is not a SCALAR of
 * that name with a numeric value counts nothing.
 * @example scalarUnitsOfJSON([{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }], 'cpus') // 500
 */
export function scalarUnitsOfJSON(json: readonly ResourceJSON[] | undefined, name: string): number {
  let units = 0;
  for (const entry of json ?? []) {
    if (entry.type === 'SCALAR' && entry.name === name && typeof entry.scalar?.value === 'number') units += toUnits(entry.scalar.value);
  }
  return units;
}
