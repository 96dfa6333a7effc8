import { jadesSurvey } from '@pixsed/surveys';

/**
 * Default Gaussian PSF FWHM [arcsec] per JADES band, used when a mosaic config gives no PSF for a band.
 *
 * NIRCam: the STPSF/WebbPSF-simulated FWHM per filter from the JWST User Documentation page "NIRCam Point Spread
 * Functions" (jwst-docs.stsci.edu, table of FWHM in arcsec; FWHM ≈ λ/D above 2 µm). These describe the instrument
 * at native sampling; drizzled 0.03″ mosaics are ~10–20 % broader, so they are plausible, not calibrated, values.
 * ACS/WFC: ≈ 0.09–0.11″, the order of the drizzled ACS PSF in 0.03″ GOODS/HLF mosaics (ACS Instrument Handbook
 * encircled-energy curves); approximate. Replace with `{ file: ... }` PSFs for real work.
 */
export const DEFAULT_PSF_FWHM_ARCSEC: Readonly<Record<string, number>> = {
  f090w: 0.033,
  f115w: 0.04,
  f150w: 0.05,
  f182m: 0.062,
  f200w: 0.066,
  f210m: 0.071,
  f277w: 0.092,
  f335m: 0.111,
  f356w: 0.116,
  f410m: 0.137,
  f430m: 0.145,
  f444w: 0.145,
  f460m: 0.155,
  f480m: 0.162,
  f435w: 0.09,
  f606w: 0.09,
  f775w: 0.095,
  f814w: 0.1,
  f850lp: 0.105,
};

/**
 * The 19 JADES bands in the survey definition's order (@pixsed/surveys `jadesSurvey`), which is the order of
 * filters_jades_no_wfc.dat (Iglesias-Navarro et al. 2025) that the shipped models and the noise tables use.
 */
export const JADES_BANDS: readonly string[] = jadesSurvey.bands.map((b) => b.name);
