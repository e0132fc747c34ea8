/** Fixed-precision scalar arithmetic: values are exact multiples of 0.001. */
import { SCALAR_UNITS_PER_ONE } from './types';

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
