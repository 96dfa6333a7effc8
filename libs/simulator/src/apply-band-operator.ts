import type { BandOperator } from './band-operator.js';

/** out[b] += scale × (Σ_i W_b,i spec[start_b + i] + Σ_lines w × lineLum[line]) for every band b of `op`. */
export function applyBandOperator(op: BandOperator, spec: Float64Array, lineLum: Float64Array, out: Float64Array, scale: number): void {
  for (let b = 0; b < op.weights.length; b++) {
    const w = op.weights[b];
    const s0 = op.start[b];
    let f = 0;
    for (let i = 0; i < w.length; i++) f += w[i] * spec[s0 + i];
    out[b] += scale * f;
  }
  const lw = op.lineWeight;
  for (let q = 0; q < lw.length; q++) out[op.lineBand[q]] += scale * lw[q] * lineLum[op.lineIndex[q]];
}
