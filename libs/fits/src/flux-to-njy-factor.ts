import { UnitMismatchError } from '@pixsed/core';
import type { FitsHeader } from './fits-header.js';
import { Wcs } from './wcs.js';

/** Speed of light in Å/s (for f_ν = f_λ λ² / c). */
export const C_ANGSTROM_PER_S = 2.99792458e18;

/** Options of `fluxToNjyFactor`. */
export interface FluxUnitOptions {
  /** Unit to use instead of BUNIT (explicit override, e.g. for a header without BUNIT). */
  unit?: string;
  /** Second header searched for PHOTFNU, PHOTFLAM, PHOTPLAM, EXPTIME, PIXAR_SR when absent from `header` (e.g. the primary HDU). */
  fallbackHeader?: FitsHeader;
  /** Overrides PHOTFNU [Jy·s/e⁻]. */
  photfnuJySPerE?: number;
  /** Overrides EXPTIME [s]. */
  exptimeS?: number;
  /** Overrides the pixel solid angle [sr] (else PIXAR_SR, else the WCS at the reference pixel). */
  pixelSolidAngleSr?: number;
  /**
   * Header of the science image that `header` (an error or weight plane) belongs to: when neither header
   * has PIXAR_SR and `header` has no celestial WCS (error planes of cutouts often carry none), the
   * science image's WCS gives the pixel solid angle (the planes share one pixel grid).
   */
  scienceHeader?: FitsHeader;
  /** Name of the input for error messages (default: the header's file). */
  input?: string;
}

/** Result of resolving a header's flux unit. */
export interface FluxConversion {
  /** Multiply stored values by this to get nJy per pixel. */
  factor: number;
  /** Unit as found (BUNIT or override). */
  unit: string;
  kind: 'surface-brightness' | 'flux-density' | 'count-rate' | 'counts';
  /** One-line formula used. */
  formula: string;
}

const EXPECTED = 'MJy/sr, nJy, uJy, mJy, Jy, electrons/s or electrons (with PHOTFNU or PHOTFLAM+PHOTPLAM)';

type UnitClass = { kind: FluxConversion['kind']; njyPerUnit?: number };

/** Classifies a unit string; undefined when unknown. Mega (M) and milli (m) are case-sensitive. */
export function classifyFluxUnit(raw: string): UnitClass | undefined {
  const s = raw.trim().replace(/\s+/g, '');
  if (/^MJy(\/(sr|str|steradian)|\.?sr(\^|\*\*)?-1)$/.test(s)) return { kind: 'surface-brightness' };
  if (/^nJy$/i.test(s)) return { kind: 'flux-density', njyPerUnit: 1 };
  if (/^(uJy|µJy|μJy|microJy)$/i.test(s)) return { kind: 'flux-density', njyPerUnit: 1e3 };
  if (/^mJy$/.test(s)) return { kind: 'flux-density', njyPerUnit: 1e6 };
  if (/^Jy$/i.test(s)) return { kind: 'flux-density', njyPerUnit: 1e9 };
  const l = s.toLowerCase().replace(/(\.|\*)?s(ec)?(\*\*|\^)?-1$/, '/s');
  const counts = '(electrons?|e-?|counts?|cts)';
  if (new RegExp(`^${counts}/s(ec)?$`).test(l)) return { kind: 'count-rate' };
  if (new RegExp(`^${counts}$`).test(l)) return { kind: 'counts' };
  return undefined;
}

/**
 * Resolves the unit of an image (BUNIT or `opts.unit`) to the factor that converts stored values to
 * nJy per pixel. Formulas:
 * - MJy/sr: 1 MJy/sr × Ω_pix[sr] × 1e15 = nJy (Ω from PIXAR_SR, else the WCS pixel area);
 * - Jy, mJy, µJy, nJy: × 1e9, 1e6, 1e3, 1;
 * - count rate [e⁻/s]: × PHOTFNU[Jy·s/e⁻] × 1e9, or PHOTFNU = PHOTFLAM × PHOTPLAM² / c × 1e23
 *   (f_ν = f_λ λ² / c, λ in Å, c = 2.99792458e18 Å/s, 1 Jy = 1e-23 erg s⁻¹ cm⁻² Hz⁻¹);
 * - counts [e⁻]: as a count rate, divided by EXPTIME[s].
 * An unknown or missing unit, or a missing calibration keyword, throws `UnitMismatchError`.
 */
export function fluxConversion(header: FitsHeader, opts: FluxUnitOptions = {}): FluxConversion {
  const input = opts.input ?? header.file ?? '<header>';
  const unit = opts.unit ?? header.getString('BUNIT');
  if (unit === undefined || unit.trim() === '') {
    throw new UnitMismatchError([{ input, unit: '<no BUNIT>', expected: `${EXPECTED}; pass an explicit unit override` }]);
  }
  const cls = classifyFluxUnit(unit);
  if (!cls) throw new UnitMismatchError([{ input, unit, expected: `${EXPECTED}; pass an explicit unit override` }]);
  const num = (k: string): number | undefined => header.getNumber(k) ?? opts.fallbackHeader?.getNumber(k);
  switch (cls.kind) {
    case 'flux-density':
      return { factor: cls.njyPerUnit as number, unit, kind: cls.kind, formula: `1 ${unit} = ${cls.njyPerUnit} nJy` };
    case 'surface-brightness': {
      const { omega, src } = pixelSolidAngle(header, opts, input, unit);
      return { factor: omega * 1e15, unit, kind: cls.kind, formula: `1 MJy/sr × Ω_pix ${omega} sr (${src}) × 1e15 = nJy` };
    }
    case 'count-rate':
    case 'counts': {
      let photfnu = opts.photfnuJySPerE ?? num('PHOTFNU');
      let formula = `1 e-/s × PHOTFNU ${photfnu} Jy·s/e- × 1e9 = nJy`;
      if (photfnu === undefined) {
        const flam = num('PHOTFLAM');
        const plam = num('PHOTPLAM');
        if (flam === undefined || plam === undefined) {
          throw new UnitMismatchError([{ input, unit, expected: 'count units need PHOTFNU, or PHOTFLAM and PHOTPLAM, in the header (or an override)' }]);
        }
        photfnu = ((flam * plam * plam) / C_ANGSTROM_PER_S) * 1e23;
        formula = `1 e-/s × PHOTFLAM ${flam} × PHOTPLAM² (${plam} Å)² / c × 1e23 × 1e9 = nJy`;
      }
      if (cls.kind === 'count-rate') return { factor: photfnu * 1e9, unit, kind: cls.kind, formula };
      const exptime = opts.exptimeS ?? num('EXPTIME');
      if (exptime === undefined || !(exptime > 0)) {
        throw new UnitMismatchError([{ input, unit, expected: 'counts need a positive EXPTIME in the header (or an override)' }]);
      }
      return { factor: (photfnu * 1e9) / exptime, unit, kind: cls.kind, formula: `${formula.replace('1 e-/s', '1 e-')} / EXPTIME ${exptime} s` };
    }
  }
}

/**
 * Ω_pix [sr] for a surface-brightness unit: the override, else PIXAR_SR (`header`, `fallbackHeader`,
 * `scienceHeader`), else |det CD| (π/180)² of `header`'s WCS, else — when `header` has no celestial WCS —
 * of `scienceHeader`'s. Neither: `UnitMismatchError` naming the input(s) and the missing keywords.
 */
function pixelSolidAngle(header: FitsHeader, opts: FluxUnitOptions, input: string, unit: string): { omega: number; src: string } {
  if (opts.pixelSolidAngleSr !== undefined) return { omega: opts.pixelSolidAngleSr, src: 'override' };
  const sci = opts.scienceHeader;
  const pixar = header.getNumber('PIXAR_SR') ?? opts.fallbackHeader?.getNumber('PIXAR_SR') ?? sci?.getNumber('PIXAR_SR');
  if (pixar !== undefined) return { omega: pixar, src: 'PIXAR_SR' };
  const useScience = sci !== undefined && !Wcs.hasCelestial(header);
  const wcsHeader = useScience ? sci : header;
  try {
    const omega = Wcs.fromHeader(wcsHeader).pixelSolidAngleSr();
    return { omega, src: useScience ? `WCS |det CD| of the science header ${sci.file ?? '<header>'}` : 'WCS |det CD|' };
  } catch (e) {
    const where = useScience ? `${input} has no PIXAR_SR and no celestial WCS, and its science header ${sci.file ?? '<header>'}` : input;
    throw new UnitMismatchError([
      {
        input,
        unit,
        expected: `MJy/sr needs the pixel solid angle: PIXAR_SR, or a TAN WCS (CTYPE1/CTYPE2 RA---TAN/DEC--TAN with CDi_j, or PCi_j and CDELTi); ${where} has neither PIXAR_SR nor a usable WCS (${(e as Error).message})`,
      },
    ]);
  }
}

/** Factor converting stored values to nJy per pixel (see `fluxConversion` for the formulas and options). */
export function fluxToNjyFactor(header: FitsHeader, opts: FluxUnitOptions = {}): number {
  return fluxConversion(header, opts).factor;
}
