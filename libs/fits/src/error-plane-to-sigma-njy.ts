import type { PixelArray } from './decode-pixels.js';

/** How an error plane is stored: σ (ERR, RMS), inverse variance (WHT, IVM) or variance (VAR). */
export type ErrorPlaneKind = 'ERR' | 'RMS' | 'WHT' | 'IVM' | 'VAR';

/** Error-plane kind from an EXTNAME or file-name suffix (`ERR`, `RMS`, `WHT`, `IVM`, `VAR`), case-insensitive; undefined if none. */
export function errorPlaneKind(name: string): ErrorPlaneKind | undefined {
  const m = /(?:^|[^a-z])(err|rms|wht|ivm|var)(?:[^a-z]|$)/i.exec(name);
  return m ? (m[1].toUpperCase() as ErrorPlaneKind) : undefined;
}

/**
 * Converts an error plane to 1σ in nJy per pixel, given the flux factor of its science image
 * (`fluxToNjyFactor`, stored unit → nJy):
 * - ERR, RMS (σ): σ_nJy = σ × |f|;
 * - WHT, IVM (inverse variance w = 1/σ²): σ_nJy = |f| / √w (w = 0 → +Infinity, no information);
 * - VAR (σ²): σ_nJy = √var × |f|.
 * Negative or NaN inputs give NaN. Writes into `out` (default: a new array of the input's type).
 */
export function errorPlaneToSigmaNjy<T extends PixelArray>(values: T, kind: ErrorPlaneKind, fluxToNjy: number, out?: T): T {
  const o = out ?? (new (values.constructor as { new (n: number): T })(values.length));
  const f = Math.abs(fluxToNjy);
  const n = values.length;
  switch (kind) {
    case 'ERR':
    case 'RMS':
      for (let i = 0; i < n; i++) {
        const v = values[i];
        o[i] = v >= 0 ? v * f : NaN;
      }
      break;
    case 'WHT':
    case 'IVM':
      for (let i = 0; i < n; i++) {
        const w = values[i];
        o[i] = w > 0 ? f / Math.sqrt(w) : w === 0 ? Infinity : NaN;
      }
      break;
    case 'VAR':
      for (let i = 0; i < n; i++) {
        const v = values[i];
        o[i] = v >= 0 ? Math.sqrt(v) * f : NaN;
      }
      break;
    default:
      throw new RangeError(`errorPlaneToSigmaNjy: unknown kind ${String(kind)}`);
  }
  return o;
}
