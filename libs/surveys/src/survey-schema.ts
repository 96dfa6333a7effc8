import { z } from 'zod';
import { bandNameSchema } from '@pixsed/core';


/** Where one plane of a band lives: a file-name pattern with `{band}` / `{BAND}` and an HDU. */
export const planeSchema = z.strictObject({
  pattern: z.string().min(1).describe('file name pattern; {band} → f444w, {BAND} → F444W; relative to the image folder'),
  hdu: z.union([z.number().int().min(0), z.string().min(1)]).optional().describe("HDU index, EXTNAME or 'EXTNAME,EXTVER' (default: first image HDU with data)"),
});
export type PlaneSpec = z.infer<typeof planeSchema>;

/** How an error plane is stored: σ (ERR, RMS), inverse variance (WHT, IVM) or variance (VAR); see `errorPlaneToSigmaNjy` in @pixsed/fits. */
export const errorKindSchema = z.enum(['ERR', 'RMS', 'WHT', 'IVM', 'VAR']);
export type ErrorKind = z.infer<typeof errorKindSchema>;

export const bandSchema = z.strictObject({
  name: bandNameSchema,
  instrument: z.string().min(1).describe('e.g. NIRCam, ACS/WFC, WFC3/IR'),
  filterFile: z.string().min(1).describe('filter curve (wavelength Å, throughput), relative to PIXSED_DATA_DIR or absolute'),
  pivotWavelengthAngstrom: z.number().positive().describe('pivot wavelength λp = sqrt(∫T λ dλ / ∫T/λ dλ), Å'),
  psfFile: z.string().optional().describe('PSF FITS file for this band (relative to PIXSED_DATA_DIR or absolute)'),
  psfHdu: z.number().int().min(0).optional(),
  psfFwhmArcsec: z.number().positive().optional().describe('Gaussian PSF FWHM when no PSF file is given, arcsec'),
});
export type BandDefinition = z.infer<typeof bandSchema>;

/**
 * A survey plug-in: its bands, how to find the science and error planes of each band, the
 * default PSF target band and the default S/N selection bands. Surveys are data, validated by
 * zod; a pipeline YAML may define a new one inline.
 */
export const surveySchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    description: z.string().default(''),
    bands: z.array(bandSchema).min(1),
    targetPsfBand: bandNameSchema.describe('band whose PSF every other band is matched to'),
    snrBands: z.array(bandNameSchema).min(1).describe('bands whose mean S/N selects pixels'),
    files: z.strictObject({
      sci: planeSchema,
      err: planeSchema.optional(),
      errorKind: errorKindSchema.default('ERR').describe('how the error plane is stored: ERR/RMS σ, WHT/IVM inverse variance 1/σ², VAR variance σ²'),
    }),
    fluxUnit: z.string().optional().describe('unit to assume when BUNIT is missing or unusable (e.g. "MJy/sr")'),
    pixelScaleArcsec: z.number().positive().optional().describe('nominal pixel scale, arcsec'),
  })
  .superRefine((s, ctx) => {
    const names = s.bands.map((b) => b.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['bands', i, 'name'], message: `duplicate band '${n}'` });
    });
    const known = (b: string) => names.includes(b);
    if (!known(s.targetPsfBand)) {
      ctx.addIssue({ code: 'custom', path: ['targetPsfBand'], message: `'${s.targetPsfBand}' is not one of the survey bands (${names.join(', ')})` });
    }
    s.snrBands.forEach((b, i) => {
      if (!known(b)) ctx.addIssue({ code: 'custom', path: ['snrBands', i], message: `'${b}' is not one of the survey bands (${names.join(', ')})` });
    });
  });
export type Survey = z.infer<typeof surveySchema>;
export type SurveyInput = z.input<typeof surveySchema>;

/** Fill `{band}` / `{BAND}` in a file pattern. */
export function planeFileName(pattern: string, band: string): string {
  return pattern.replaceAll('{band}', band.toLowerCase()).replaceAll('{BAND}', band.toUpperCase());
}
