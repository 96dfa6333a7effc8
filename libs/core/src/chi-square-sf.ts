import { regularizedGammaQ } from './regularized-gamma.js';

/** Survival function of the χ² distribution: P(X > x) = Q(k/2, x/2) (regularized upper incomplete gamma). */
export function chiSquareSf(x: number, dof: number): number {
  if (!(dof > 0)) throw new RangeError(`chi-square needs dof > 0, got ${dof}`);
  return regularizedGammaQ(dof / 2, x / 2);
}
