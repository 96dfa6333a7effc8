import { z } from 'zod';
import { bandNameSchema, ConfigError, formatPath, parseConfig } from '@pixsed/core';
import { surveys, type Survey } from '@pixsed/surveys';
import { DEFAULT_PSF_FWHM_ARCSEC } from './default-psf-fwhm.js';


/** A PSF: a Gaussian of the given FWHM, or a FITS file (prepared with @pixsed/psf `loadPsf`). */
export const psfSpecSchema = z.union([
  z.strictObject({ fwhmArcsec: z.number().positive().describe('Gaussian FWHM [arcsec] (pixel-integrated)') }),
  z.strictObject({
    file: z.string().min(1).describe('PSF FITS file, relative to the config file'),
    hdu: z.number().int().min(0).optional().describe('0-based HDU (default: first image HDU)'),
    pixelScaleArcsec: z.number().positive().optional().describe('PSF pixel scale [arcsec/px] (default: from the header)'),
    oversample: z.number().positive().optional().describe('PSF oversampling relative to the mosaic pixels (wins over pixel scales)'),
  }),
]);
export type PsfSpec = z.infer<typeof psfSpecSchema>;

/** Delayed-τ SFH ψ ∝ s e^{−s/τ} (s = time since onset); `ageGyr` = time since the onset, ≤ age of the universe at z. */
export const componentSfhSchema = z.strictObject({
  type: z.literal('delayed-tau').default('delayed-tau'),
  tauGyr: z.number().positive().describe('e-folding time τ [Gyr]'),
  ageGyr: z.number().positive().describe('time since the onset of star formation [Gyr]'),
});
export type ComponentSfh = z.infer<typeof componentSfhSchema>;

export const componentProfileSchema = z.strictObject({
  sersicN: z.number().min(0.3).max(8).default(1).describe('Sérsic index (0.5 Gaussian, 1 exponential, 4 de Vaucouleurs)'),
  reArcsec: z.number().positive().describe('effective radius along the major axis [arcsec]'),
  axisRatio: z.number().gt(0).max(1).default(1).describe('minor/major axis ratio'),
  paDeg: z.number().default(0).describe('position angle of the major axis [deg] east of north'),
  offsetArcsec: z.tuple([z.number(), z.number()]).default([0, 0]).describe('offset from the galaxy centre [arcsec] (east, north)'),
  truncateAtRe: z.number().positive().optional().describe('truncation radius in R_e (default: config profileTruncateAtRe)'),
});
export type ComponentProfile = z.infer<typeof componentProfileSchema>;

export const galaxyComponentSchema = z.strictObject({
  kind: z.enum(['bulge', 'disc', 'clump']).describe('label: old bulge, star-forming disc or dusty clump'),
  profile: componentProfileSchema,
  logMstar: z.number().min(4).max(13).describe('log10 surviving stellar mass of the component [Msun]'),
  sfh: componentSfhSchema,
  metallicity: z.number().min(-2.5).max(0.5).default(0).describe('[Z/H] (clamped to the SSP grid by the engine)'),
  avMag: z.number().min(0).max(6).default(0).describe('Calzetti (2000) V-band attenuation [mag]'),
});
export type GalaxyComponent = z.infer<typeof galaxyComponentSchema>;

export const galaxySchema = z.strictObject({
  id: z.number().int().positive().optional().describe('segmentation / catalogue id (default: 1-based position in the list)'),
  xPx: z.number().optional().describe('centre x [0-based px] (or give raDeg/decDeg)'),
  yPx: z.number().optional().describe('centre y [0-based px]'),
  raDeg: z.number().optional(),
  decDeg: z.number().optional(),
  z: z.number().gt(0).max(8).describe('redshift'),
  components: z.array(galaxyComponentSchema).min(1),
});
export type GalaxySpec = z.infer<typeof galaxySchema>;

const range = (lo: number, hi: number) => z.tuple([z.number(), z.number()]).default([lo, hi]);

/** Random galaxies: bulge + disc (+ dusty clump with probability `clumpProbability`), drawn from `seed`. */
export const randomGalaxiesSchema = z.strictObject({
  count: z.number().int().min(0),
  redshift: range(0.5, 3).describe('[min, max] redshift (uniform)'),
  logMstar: range(9, 10.5).describe('[min, max] total log10 M* [Msun] (uniform)'),
  bulgeFraction: range(0.1, 0.6).describe('[min, max] bulge share of the mass'),
  clumpProbability: z.number().min(0).max(1).default(0.5),
  marginPx: z.number().min(0).default(32).describe('keep centres this far from the edges [px]'),
});
export type RandomGalaxies = z.infer<typeof randomGalaxiesSchema>;

export const mosaicConfigSchema = z.strictObject({
  widthPx: z.number().int().min(8).max(65536),
  heightPx: z.number().int().min(8).max(65536),
  pixelScaleArcsec: z.number().positive().default(0.03),
  center: z.strictObject({ raDeg: z.number().min(0).lt(360), decDeg: z.number().min(-90).max(90) }).default({ raDeg: 53.16, decDeg: -27.78 }).describe('sky position of the image centre (CRVAL); north up, east left'),
  survey: z.string().min(1).default('jades').describe('built-in survey (@pixsed/surveys) whose band set (names, order, filter curves) the mock uses'),
  bands: z.array(bandNameSchema).min(1).optional().describe('survey bands to write (default: all of them, in the survey order; jades: 19)'),
  psf: z.record(bandNameSchema, psfSpecSchema).default({}).describe('per-band PSF; bands not listed use DEFAULT_PSF_FWHM_ARCSEC, else the survey band\'s psfFwhmArcsec'),
  depthNjyPerBand: z.record(bandNameSchema, z.number().positive()).default({}).describe('1σ per-pixel depth [nJy] per band, for bands without JADES noise statistics (wins over them)'),
  depthScale: z.number().positive().default(1).describe('multiplies every band\'s 1σ per-pixel depth (JADES or depthNjyPerBand)'),
  depthScalePerBand: z.record(bandNameSchema, z.number().positive()).default({}).describe('extra per-band factor on the depth'),
  noise: z.boolean().default(true).describe('add Gaussian noise (false: sci = noiseless model)'),
  seed: z.number().int().default(1),
  nebular: z.boolean().default(true).describe('nebular lines + continuum in the component SEDs'),
  profileOversample: z.number().int().min(1).max(32).default(5),
  profileTruncateAtRe: z.number().positive().default(6),
  segmentation: z
    .strictObject({
      band: bandNameSchema.optional().describe('detection band (default: the survey\'s targetPsfBand, f444w for jades)'),
      thresholdSigma: z.number().positive().default(2),
    })
    .default({ thresholdSigma: 2 })
    .describe('footprint = pixels where the galaxy\'s own noiseless PSF-convolved flux in `band` > thresholdSigma × σ_pixel'),
  writeNoiseless: z.boolean().default(false).describe('also write <band>_model.fits (noiseless, PSF-convolved)'),
  stripRows: z.number().int().min(1).default(256).describe('rows per strip when writing (memory O(width × stripRows))'),
  galaxies: z.array(galaxySchema).default([]),
  randomGalaxies: randomGalaxiesSchema.optional(),
});
type ParsedMosaicConfig = z.infer<typeof mosaicConfigSchema>;
/** A validated mosaic config with the survey defaults filled in (bands, segmentation band). */
export type MosaicConfig = Omit<ParsedMosaicConfig, 'bands' | 'segmentation'> & {
  bands: string[];
  segmentation: { band: string; thresholdSigma: number };
};
export type MosaicConfigInput = z.input<typeof mosaicConfigSchema>;

/** The survey definition a mosaic config names (ConfigError at `survey` when unknown). */
export function mosaicSurvey(cfg: { survey: string }, file?: string): Survey {
  if (!surveys.names().includes(cfg.survey)) {
    throw new ConfigError(file, [{ path: 'survey', message: `unknown survey '${cfg.survey}' (known: ${surveys.names().join(', ')})` }], 'mock mosaic config (mosaicConfigSchema)');
  }
  return surveys.resolve(cfg.survey);
}

/**
 * Validate a mosaic config and fill the survey defaults (bands: all the survey's; segmentation band: its
 * targetPsfBand); throws one ConfigError naming each offending path: bands outside the survey, a segmentation band
 * not written, a band without a default PSF, duplicate galaxy ids, centres given twice or not at all.
 */
export function parseMosaicConfig(raw: unknown, file?: string): MosaicConfig {
  const parsed = parseConfig(mosaicConfigSchema, raw ?? {}, file, 'mock mosaic config (mosaicConfigSchema)');
  const survey = mosaicSurvey(parsed, file);
  const surveyBands = survey.bands.map((b) => b.name);
  const bands = parsed.bands ?? surveyBands;
  const cfg: MosaicConfig = { ...parsed, bands, segmentation: { band: parsed.segmentation.band ?? survey.targetPsfBand, thresholdSigma: parsed.segmentation.thresholdSigma } };
  const issues: { path: string; message: string }[] = [];
  for (const b of bands) if (!surveyBands.includes(b)) issues.push({ path: 'bands', message: `unknown band '${b}' (survey ${survey.name}: ${surveyBands.join(', ')})` });
  if (!bands.includes(cfg.segmentation.band)) issues.push({ path: 'segmentation.band', message: `'${cfg.segmentation.band}' is not among the bands` });
  for (const b of bands) {
    const fwhm = DEFAULT_PSF_FWHM_ARCSEC[b] ?? survey.bands.find((x) => x.name === b)?.psfFwhmArcsec;
    if (!cfg.psf[b] && fwhm === undefined && surveyBands.includes(b)) issues.push({ path: formatPath(['psf', b]), message: `band ${b} has no default PSF: give { fwhmArcsec } or { file }` });
  }
  const ids = new Set<number>();
  cfg.galaxies.forEach((g, i) => {
    const id = g.id ?? i + 1;
    if (ids.has(id)) issues.push({ path: formatPath(['galaxies', i, 'id']), message: `duplicate id ${id}` });
    ids.add(id);
    const pix = g.xPx !== undefined && g.yPx !== undefined;
    const sky = g.raDeg !== undefined && g.decDeg !== undefined;
    if (pix === sky) issues.push({ path: formatPath(['galaxies', i]), message: 'give the centre as xPx/yPx or as raDeg/decDeg (exactly one pair)' });
  });
  if (issues.length) throw new ConfigError(file, issues, 'mock mosaic config (mosaicConfigSchema)');
  return cfg;
}
