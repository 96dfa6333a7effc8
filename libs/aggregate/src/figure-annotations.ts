import { ConfigError, type StreamBand } from '@pixsed/core';
import { FitsHeader, Wcs } from '@pixsed/fits';

/** Axis/colour-bar labels of the posterior parameters: quantity (typeset) and unit. */
const QUANTITIES: Record<string, string> = {
  log_mstar: 'log M*',
  log_sfr100: 'log SFR₁₀₀',
  log_sfr10: 'log SFR₁₀',
  log_ssfr100: 'log sSFR₁₀₀',
  log_age_mw: 'log age_MW',
  metallicity: '[M/H]',
  av: 'A_V',
  log_tau: 'log τ',
  log_u: 'log U',
};
const UNITS: Record<string, string> = {
  'log10(Msun)': 'log₁₀ M☉',
  'log10(Msun/yr)': 'log₁₀ M☉ yr⁻¹',
  'log10(yr)': 'log₁₀ yr',
  'log10(1/yr)': 'log₁₀ yr⁻¹',
  'log10(Gyr)': 'log₁₀ Gyr',
  dex: 'dex',
  mag: 'mag',
};

/** `{quantity, unit, label}` of a parameter for figures, e.g. log_mstar + 'log10(Msun)' → 'log M* [log₁₀ M☉]'; unknown names and units are shown as given. */
export function parameterLabel(name: string, unit: string | undefined): { quantity: string; unit: string; label: string } {
  const quantity = QUANTITIES[name] ?? name;
  const u = unit === undefined || unit === '' ? '' : (UNITS[unit] ?? unit);
  return { quantity, unit: u, label: u ? `${quantity} [${u}]` : quantity };
}

/**
 * The colour composite's bands, red → green → blue: `configured` if given (each must be a stream band with a pivot
 * wavelength, in decreasing wavelength), else the reddest, the middle and the bluest band by pivot wavelength.
 * Fewer than three bands with pivot wavelengths: no composite ([]).
 */
export function compositeBands(bands: readonly StreamBand[], configured?: readonly string[], key = 'sinks.galaxies.rgbBands'): string[] {
  const pivot = new Map(bands.filter((b) => b.pivotWavelengthAngstrom !== undefined).map((b) => [b.name, b.pivotWavelengthAngstrom!]));
  if (configured) {
    const issues = configured.flatMap((b, i) =>
      !bands.some((s) => s.name === b)
        ? [{ path: `${key}[${i}]`, message: `band '${b}' is not in the stream (have ${bands.map((s) => s.name).join(', ')})` }]
        : [],
    );
    const lam = configured.map((b) => pivot.get(b));
    if (!issues.length && lam.every((l) => l !== undefined) && !(lam[0]! > lam[1]! && lam[1]! > lam[2]!)) {
      issues.push({ path: key, message: `expected red, green, blue in decreasing pivot wavelength, got ${configured.map((b, i) => `${b} (${(lam[i]! / 1e4).toFixed(3)} µm)`).join(', ')}` });
    }
    if (issues.length) throw new ConfigError(undefined, issues, 'sink config');
    return [...configured];
  }
  const sorted = [...pivot].sort((a, b) => a[1] - b[1]).map(([n]) => n);
  if (sorted.length < 3) return [];
  return [sorted[sorted.length - 1], sorted[Math.floor((sorted.length - 1) / 2)], sorted[0]];
}

/** A scale-bar length in arcsec: the largest of 1, 2, 5 × 10^k not longer than `fraction` of the field width. */
export function scaleBarArcsec(fieldWidthArcsec: number, fraction = 0.3): number {
  const max = fieldWidthArcsec * fraction;
  let best = NaN;
  for (let k = -3; k <= 4; k++) for (const m of [1, 2, 5]) if (m * 10 ** k <= max) best = m * 10 ** k;
  return Number.isFinite(best) ? Number(best.toPrecision(1)) : Number(max.toPrecision(1));
}

/**
 * Unit vectors towards celestial north and east on the pixel grid (x right, y up) at pixel (x, y), from the WCS
 * cards: the pixel offsets of (α, δ + ε) and (α + ε / cos δ, δ) from (α, δ). Undefined without a celestial WCS.
 */
export function compassVectors(wcsCards: Record<string, number | string> | undefined, x: number, y: number): { north: [number, number]; east: [number, number] } | undefined {
  if (!wcsCards || !wcsCards.CTYPE1) return undefined;
  let wcs: Wcs;
  try {
    wcs = Wcs.fromHeader(FitsHeader.fromRecord(wcsCards));
  } catch {
    return undefined;
  }
  const [ra, dec] = wcs.pixelToWorld(x, y);
  const eps = 1 / 3600; // 1 arcsec
  const unit = (p: [number, number]): [number, number] => {
    const d = Math.hypot(p[0] - x, p[1] - y);
    return [(p[0] - x) / d, (p[1] - y) / d];
  };
  const north = unit(wcs.worldToPixel(ra, dec + eps));
  const east = unit(wcs.worldToPixel(ra + eps / Math.cos((dec * Math.PI) / 180), dec));
  if (![...north, ...east].every(Number.isFinite)) return undefined;
  return { north, east };
}

/** Lower and upper `q` quantiles (default 1st and 99th percentile) of the finite values; a degenerate range is widened by ±0.5. */
export function finiteRange(values: ArrayLike<number>, q = 0.01): [number, number] {
  const v = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return [0, 1];
  const lo = v[Math.floor(q * (v.length - 1))];
  const hi = v[Math.ceil((1 - q) * (v.length - 1))];
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/**
 * Lupton et al. (2004, PASP 116, 133) asinh colour composite, as astropy's make_lupton_rgb: I = (r + g + b)/3,
 * each channel × asinh(Q·I/stretch)/(Q·I), clipped to [0, 1] keeping the colour (divided by max(r, g, b) where > 1).
 * Returns 0–255 RGB per pixel, undefined where a channel is not finite.
 */
export function luptonRgb(r: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>, stretch: number, Q = 8): ([number, number, number] | undefined)[] {
  const out: ([number, number, number] | undefined)[] = [];
  for (let i = 0; i < r.length; i++) {
    const c = [r[i], g[i], b[i]].map((v) => Math.max(0, v));
    if (!c.every(Number.isFinite)) {
      out.push(undefined);
      continue;
    }
    const I = (c[0] + c[1] + c[2]) / 3;
    const f = I > 0 ? Math.asinh((Q * I) / stretch) / (Q * I) : 0;
    let s = c.map((v) => v * f);
    const m = Math.max(...s);
    if (m > 1) s = s.map((v) => v / m);
    out.push(s.map((v) => Math.round(255 * v)) as [number, number, number]);
  }
  return out;
}
