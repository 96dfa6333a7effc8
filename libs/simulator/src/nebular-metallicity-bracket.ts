/**
 * Bracket of [Z/H] in the nebular tables' gas metallicities Z (mass fractions, increasing): indices t0, t1 and the
 * weight u of t1, linear in log Z with log Z = log Z☉ + [Z/H]; clamped to the table ends.
 */
export function nebularMetallicityBracket(metallicityZ: Float64Array, zSolar: number, logZsol: number): { t0: number; t1: number; u: number } {
  const n = metallicityZ.length;
  const lz = Math.log10(zSolar) + logZsol;
  const mz = metallicityZ;
  if (lz <= Math.log10(mz[0])) return { t0: 0, t1: 0, u: 0 };
  if (lz >= Math.log10(mz[n - 1])) return { t0: n - 1, t1: n - 1, u: 0 };
  let t = 0;
  while (Math.log10(mz[t + 1]) < lz) t++;
  return { t0: t, t1: t + 1, u: (lz - Math.log10(mz[t])) / (Math.log10(mz[t + 1]) - Math.log10(mz[t])) };
}
