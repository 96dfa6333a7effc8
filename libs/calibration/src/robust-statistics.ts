/** Median of the finite values (NumPy `median`: mean of the two middle values for even counts); NaN if none. */
export function median(values: ArrayLike<number>): number {
  const v = Float64Array.from(values).filter(Number.isFinite).sort();
  const m = v.length;
  if (m === 0) return NaN;
  return m % 2 ? v[(m - 1) / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

/** Normalised median absolute deviation, NMAD = 1.4826 · median(|x − median x|) (σ for a Gaussian; Hoaglin et al. 1983). */
export function nmad(values: ArrayLike<number>): number {
  const m = median(values);
  const dev = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) dev[i] = Math.abs(values[i] - m);
  return 1.4826 * median(dev);
}
