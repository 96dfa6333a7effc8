import { jadesSurvey, type SurveyInput } from '@pixsed/surveys';

/**
 * An inline survey for @pixsed/ingest reading a mock mosaic: the base survey's bands (default JADES) that were written,
 * with the PSF each was convolved with, `{band}_sci.fits` / `{band}_err.fits`, nJy; the base survey's target PSF band
 * and S/N bands where written (else the last band), and the mock's pixel scale when given.
 */
export function mockSurvey(bands: string[], psfs?: Map<string, { desc: Record<string, unknown> }>, opts: { survey?: SurveyInput; pixelScaleArcsec?: number } = {}): SurveyInput {
  const base = opts.survey ?? jadesSurvey;
  const snr = base.snrBands.filter((b) => bands.includes(b));
  // the PSF each band was convolved with, so the PSF stage can match them (psfFwhmArcsec or psfFile)
  const psfOf = (band: string) => {
    const d = psfs?.get(band)?.desc;
    if (d?.type === 'gaussian') return { psfFwhmArcsec: d.fwhmArcsec as number };
    if (d?.type === 'file') return { psfFile: d.file as string, ...(typeof d.hdu === 'number' ? { psfHdu: d.hdu } : {}) };
    return {};
  };
  return {
    ...base,
    name: `${base.name}-mock`,
    description: `pixsed mock ${base.name.toUpperCase()}-like mosaic (libs/mocks): one FITS per band and plane, nJy per pixel`,
    bands: base.bands.filter((b) => bands.includes(b.name)).map((b) => ({ ...b, ...psfOf(b.name) })),
    targetPsfBand: bands.includes(base.targetPsfBand) ? base.targetPsfBand : bands[bands.length - 1],
    snrBands: snr.length ? snr : [bands[bands.length - 1]],
    files: { sci: { pattern: '{band}_sci.fits' }, err: { pattern: '{band}_err.fits' }, errorKind: 'ERR' },
    fluxUnit: 'nJy',
    ...(opts.pixelScaleArcsec !== undefined ? { pixelScaleArcsec: opts.pixelScaleArcsec } : {}),
  };
}
