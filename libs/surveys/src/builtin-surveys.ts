import type { SurveyInput } from './survey-schema.js';

const F = 'filters/jades-sbipix/';
const nircam = (name: string, file: string, pivot: number) => ({ name, instrument: 'NIRCam', filterFile: F + file, pivotWavelengthAngstrom: pivot });
const acs = (name: string, pivot: number) => ({ name, instrument: 'ACS/WFC', filterFile: `${F}HST_ACS_WFC.${name.toUpperCase()}.dat`, pivotWavelengthAngstrom: pivot });
const wfc3 = (name: string, pivot: number) => ({ name, instrument: 'WFC3/IR', filterFile: `${F}HST_WFC3_IR.${name.toUpperCase()}.dat`, pivotWavelengthAngstrom: pivot });

// Pivot wavelengths (Å) computed from the curves in ../shared/data/filters/jades-sbipix with
// λp = sqrt(∫T λ dλ / ∫T/λ dλ) (trapezoid); checked against the files in surveys.int.test.ts.

/**
 * JADES (Eisenstein et al. 2023; Rieke et al. 2023): the 19 bands of Iglesias-Navarro et al. 2025
 * in the order of filters_jades_no_wfc.dat, with the JADES DR file naming (SCI/ERR extensions).
 */
export const jadesSurvey: SurveyInput = {
  name: 'jades',
  description: 'JADES GOODS-S/N: 14 NIRCam + 5 ACS/WFC bands at 0.03"/px (Iglesias-Navarro et al. 2025 band set)',
  bands: [
    nircam('f090w', 'JWST_F090W.dat.txt', 9021.5),
    nircam('f115w', 'JWST_F115W.dat.txt', 11542.6),
    nircam('f150w', 'JWST_F150W.dat.txt', 15007.4),
    nircam('f182m', 'JWST_NIRCam.F182M.dat', 18451.7),
    nircam('f200w', 'JWST_F200W.dat.txt', 19886.5),
    nircam('f210m', 'JWST_NIRCam.F210M.dat', 20954.5),
    nircam('f277w', 'JWST_F277W.dat.txt', 27617.4),
    nircam('f335m', 'JWST_NIRCam.F335M.dat', 33620.7),
    nircam('f356w', 'JWST_F356W.dat.txt', 35683.7),
    nircam('f410m', 'JWST_NIRCam.F410M.dat', 40822.4),
    nircam('f430m', 'JWST_NIRCam.F430M.dat', 42812.6),
    nircam('f444w', 'JWST_F444W.dat.txt', 44041.6),
    nircam('f460m', 'JWST_NIRCam.F460M.dat', 46299.3),
    nircam('f480m', 'JWST_NIRCam.F480M.dat', 48181.9),
    acs('f435w', 4329.8),
    acs('f606w', 5921.9),
    acs('f775w', 7693.5),
    acs('f814w', 8045.5),
    acs('f850lp', 9031.5),
  ],
  targetPsfBand: 'f444w',
  snrBands: ['f277w', 'f356w', 'f444w'],
  files: {
    sci: { pattern: 'hlsp_jades_jwst_nircam_goods-s-deep_{band}_v2.0_drz.fits', hdu: 'SCI' },
    err: { pattern: 'hlsp_jades_jwst_nircam_goods-s-deep_{band}_v2.0_drz.fits', hdu: 'ERR' },
    errorKind: 'ERR',
  },
  fluxUnit: 'MJy/sr',
  pixelScaleArcsec: 0.03,
};

/**
 * HST ACS/WFC + WFC3/IR with the Frontier Fields / CANDELS naming (`*_drz.fits` science,
 * `*_rms.fits` error maps, count rates with PHOTFNU).
 */
export const hstSurvey: SurveyInput = {
  name: 'hst',
  description: 'HST ACS/WFC + WFC3/IR (Frontier Fields / CANDELS style mosaics, 0.06"/px)',
  bands: [
    acs('f435w', 4329.8),
    acs('f606w', 5921.9),
    acs('f775w', 7693.5),
    acs('f814w', 8045.5),
    acs('f850lp', 9031.5),
    wfc3('f105w', 10550.2),
    wfc3('f125w', 12486.1),
    wfc3('f140w', 13923.2),
    wfc3('f160w', 15370.3),
  ],
  targetPsfBand: 'f160w',
  snrBands: ['f125w', 'f140w', 'f160w'],
  files: {
    sci: { pattern: 'hlsp_frontier_hst_{band}_drz.fits' },
    err: { pattern: 'hlsp_frontier_hst_{band}_rms.fits' },
    errorKind: 'RMS',
  },
  pixelScaleArcsec: 0.06,
};
