import { jadesSurvey, type SurveyInput } from '@pixsed/surveys';

/** An inline survey for @pixsed/ingest reading a mock mosaic: JADES bands, `{band}_sci.fits` / `{band}_err.fits`, nJy. */
export function mockSurvey(bands: string[], psfs?: Map<string, { desc: Record<string, unknown> }>): SurveyInput {
  const snr = ['f277w', 'f356w', 'f444w'].filter((b) => bands.includes(b));
  // the PSF each band was convolved with, so the PSF stage can match them (psfFwhmArcsec or psfFile)
  const psfOf = (band: string) => {
    const d = psfs?.get(band)?.desc;
    if (d?.type === 'gaussian') return { psfFwhmArcsec: d.fwhmArcsec as number };
    if (d?.type === 'file') return { psfFile: d.file as string, ...(typeof d.hdu === 'number' ? { psfHdu: d.hdu } : {}) };
    return {};
  };
  return {
    ...jadesSurvey,
    name: 'jades-mock',
    description: 'pixsed mock JADES-like mosaic (libs/mocks): one FITS per band and plane, nJy per pixel',
    bands: jadesSurvey.bands.filter((b) => bands.includes(b.name)).map((b) => ({ ...b, ...psfOf(b.name) })),
    targetPsfBand: bands.includes('f444w') ? 'f444w' : bands[bands.length - 1],
    snrBands: snr.length ? snr : [bands[bands.length - 1]],
    files: { sci: { pattern: '{band}_sci.fits' }, err: { pattern: '{band}_err.fits' }, errorKind: 'ERR' },
    fluxUnit: 'nJy',
  };
}
