import type { PixelArray } from './decode-pixels.js';

/** How an error plane is stored: σ (ERR, RMS), inverse variance (WHT, IVM) or variance (VAR). */
export type ErrorPlaneKind = 'ERR' | 'RMS' | 'WHT' | 'IVM' | 'VAR';

/** Error-plane kind from an EXTNAME or file-name suffix (`ERR`, `RMS`, `WHT`, `IVM`, `VAR`), case-insensitive; undefined if none. */
export function errorPlaneKind(name: string): ErrorPlaneKind | undefined {
  const m = /(?:^|[^a-z])(err|rms|wht|ivm|var)(?:[^a-z]|$)/i.exec(name);
  return m ? (m[1].toUpperCase() as ErrorPlaneKind) : undefined;
}

/**
 * The flux unit of σ named by an error plane's BUNIT, given how the plane is stored: σ planes (ERR, RMS)
 * carry it as is; a variance plane's `(MJy/sr)^2` / `(MJy/sr)**2` gives `MJy/sr`; an inverse-variance
 * plane's `(MJy/sr)^-2` gives `MJy/sr`. A variance or weight BUNIT without the power is taken to name the
 * flux unit itself (`MJy/sr` on a VAR plane means (MJy/sr)²). Undefined for a missing or blank BUNIT, and
 * for weight planes whose BUNIT is not a unit (e.g. `UNITLESS`, as drizzle writes): the caller falls back.
 */
export function errorPlaneSigmaUnit(bunit: string | undefined, kind: ErrorPlaneKind): string | undefined {
  const u = bunit?.trim();
  if (!u) return undefined;
  if (kind === 'ERR' || kind === 'RMS') return u;
  const power = kind === 'VAR' ? '2' : '-2';
  const m = new RegExp(`^\\(?\\s*(.+?)\\s*\\)?\\s*(?:\\^|\\*\\*)\\s*\\(?${power}\\)?$`).exec(u);
  if (m) return m[1];
  if (kind === 'VAR') return u;
  return /^(unitless|none|dimensionless|-|1)$/i.test(u) ? undefined : u;
}

/**
 * Converts an error plane to 1σ in nJy per pixel, given the flux factor of its science image
 * (`fluxToNjyFactor`, stored unit → nJy):
 * - ERR, RMS (σ): σ_nJy = σ × |f|;
 * - WHT, IVM (inverse variance w = 1/σ²): σ_nJy = |f| / √w (w = 0 → +Infinity, no information);
 * - VAR (σ²): σ_nJy = √var × |f|.
 * Negative or NaN inputs give NaN. Writes into `out` (default: a new array of the input's type; `values` itself
 * converts in place; another type, e.g. float32 for a float64 plane, rounds each result once).
 */
export function errorPlaneToSigmaNjy<T extends PixelArray, O extends PixelArray = T>(values: T, kind: ErrorPlaneKind, fluxToNjy: number, out?: O): O {
  const o = out ?? (new (values.constructor as { new (n: number): O })(values.length));
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
