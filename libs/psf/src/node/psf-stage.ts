import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import {
  batchFromColumns,
  column,
  columnsOf,
  defineStage,
  fieldMetadataOf,
  FLAGS_COLUMN,
  PsfMatchingError,
  FLAG,
  bandNameSchema,
  stripGeometry,
  stripMetadata,
  SURVEY_DEFINITION_KEY,
  type NumericArray,
  type StageContext,
} from '@pixsed/core';
import { dataPath } from '@pixsed/core/node';
import { createStripConvolver, type StripConvolver } from '../create-strip-convolver.js';
import { invalidPixels } from '../invalid-pixels.js';
import { matchBandStrip } from '../match-band-strip.js';
import { gaussianPsf } from '../gaussian-psf.js';
import { DEFAULT_WINDOW_SPEC, windowSpecSchema } from '../window-spec.js';
import { kernelQuality, type KernelQuality } from '../kernel-quality.js';
import { psfMatchingKernel } from '../psf-matching-kernel.js';
import type { Image2D } from '../types.js';
import { varianceKernel } from '../variance-kernel.js';
import { loadPsf } from './load-psf.js';

const psfSpecSchema = z.union([
  z.strictObject({ fwhmArcsec: z.number().positive().describe('Gaussian PSF FWHM, arcsec') }),
  z.strictObject({
    file: z.string().min(1).describe('PSF FITS file (relative to the pipeline file, or to PIXSED_DATA_DIR)'),
    hdu: z.number().int().min(0).optional(),
    oversample: z.number().positive().optional().describe('PSF oversampling relative to the image pixels'),
    pixelScaleArcsec: z.number().positive().optional().describe('PSF pixel scale when the header lacks it'),
  }),
]);
export type PsfSpec = z.infer<typeof psfSpecSchema>;

export const psfStageSchema = z.strictObject({
  targetBand: bandNameSchema.optional().describe("band whose PSF every other band is matched to (default: the survey's targetPsfBand)"),
  psfs: z.record(z.string(), psfSpecSchema).optional().describe('PSF per band; default: psfFile / psfFwhmArcsec of the survey definition'),
  method: z.enum(['fourier', 'wiener']).default('wiener').describe('matching-kernel family (photutils window ratio, or pypher Wiener)'),
  window: windowSpecSchema.default(DEFAULT_WINDOW_SPEC).describe('window of the Fourier-ratio method'),
  regularization: z.number().positive().default(1e-4).describe('Wiener regularisation factor (pypher default 1e-4)'),
  force: z.boolean().default(false).describe('build kernels even where the target PSF is narrower than the source'),
  passThroughBands: z.array(z.string()).default([]).describe('bands left unmatched (e.g. F460M/F480M, whose PSFs are broader than F444W); recorded in the batch metadata'),
  pixelScaleArcsec: z.number().positive().optional().describe('image pixel scale; default from the WCS of the batches'),
  cacheDir: z.string().optional().describe('kernel cache folder (default ~/.cache/pixsed/kernels)'),
  maxEeDeviation: z.number().positive().default(0.05).describe('warn when a kernel misses the target encircled energy by more than this'),
});
export type PsfStageConfig = z.infer<typeof psfStageSchema>;

/** Per-pixel uint32 column: bit i set = band i of the data band order (`pixsed.bands`, also in the field metadata `bands`) is missing. */
export const MISSING_BANDS_COLUMN = 'missing_bands';

/** What the psf stage reads of the survey definition the source puts in the batch metadata. */
interface SurveyFacts {
  name?: string;
  targetPsfBand?: string;
  bands: { name: string; psfFile?: string; psfHdu?: number; psfFwhmArcsec?: number }[];
}

interface BandKernel {
  band: string;
  kernel: Image2D;
  /** convolvers for K and K² per block width (tiles at the mosaic's right edge are narrower) */
  byWidth: Map<number, { flux: StripConvolver; variance: StripConvolver }>;
  quality?: KernelQuality;
}

function convolversFor(k: BandKernel, width: number): { flux: StripConvolver; variance: StripConvolver } {
  let c = k.byWidth.get(width);
  if (!c) {
    c = { flux: createStripConvolver(k.kernel, width), variance: createStripConvolver(varianceKernel(k.kernel), width) };
    k.byWidth.set(width, c);
  }
  return c;
}

/** Copy rows of `src` (`width` wide) keeping columns [left, width − right). */
function trimColumns<T extends NumericArray>(src: T, width: number, left: number, right: number): T {
  if (!left && !right) return src;
  const w = width - left - right;
  const rows = src.length / width;
  const out = new (src.constructor as new (n: number) => T)(w * rows);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * width + left, r * width + left + w) as never, r * w);
  return out;
}

const FWHM_PER_SIGMA = 2 * Math.sqrt(2 * Math.LN2);

function pixelScaleFromWcs(wcsJson: string | undefined): number | undefined {
  if (!wcsJson) return undefined;
  const w = JSON.parse(wcsJson) as Record<string, number>;
  if (typeof w.CD1_1 === 'number') return Math.sqrt(Math.abs(w.CD1_1 * (w.CD2_2 ?? 0) - (w.CD1_2 ?? 0) * (w.CD2_1 ?? 0))) * 3600;
  if (typeof w.CDELT1 === 'number') return Math.abs(w.CDELT1) * 3600;
  return undefined;
}

/**
 * The PSF-homogenisation stage: per band, a matching kernel to the target band's PSF (cached on
 * disk by its inputs); flux strips are convolved with K and variance strips with K² (errors
 * σ' = sqrt(var ⊛ K²); neighbouring pixels become correlated), halos trimmed so strip-wise equals
 * whole-image output. The target band passes through untouched.
 */
export function createPsfStage(config: PsfStageConfig, pipelineDir: string, log: (m: string) => void) {
  let kernels: Map<string, BandKernel> | undefined;
  const cacheDir = config.cacheDir ? resolve(pipelineDir, config.cacheDir) : join(homedir(), '.cache', 'pixsed', 'kernels');

  const psfOf = async (band: string, spec: PsfSpec, scale: number): Promise<{ image: Image2D; gaussianSigmaPx?: number; key: string }> => {
    if ('fwhmArcsec' in spec) {
      const sigma = spec.fwhmArcsec / scale / FWHM_PER_SIGMA;
      const size = 2 * Math.ceil(5 * sigma) + 1;
      return { image: gaussianPsf({ size, sigma }), gaussianSigmaPx: sigma, key: `gauss:${sigma}` };
    }
    const candidates = isAbsolute(spec.file) ? [spec.file] : [resolve(pipelineDir, spec.file), dataPath(spec.file)];
    const file = candidates.find((f) => existsSync(f));
    if (!file) throw new PsfMatchingError(`psf.psfs.${band}.file: PSF file not found (looked at ${candidates.join(', ')})`);
    const psf = await loadPsf(file, { hdu: spec.hdu, oversample: spec.oversample, pixelScaleArcsec: spec.pixelScaleArcsec, targetPixelScaleArcsec: spec.oversample ? undefined : scale });
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    return { image: psf, key: `file:${sha}:${JSON.stringify(spec)}:${scale}` };
  };

  let targetBand = config.targetBand ?? '';
  const build = async (bands: string[], batch: RecordBatch) => {
    const survey = JSON.parse(batch.schema.metadata.get(SURVEY_DEFINITION_KEY) ?? 'null') as SurveyFacts | null;
    const resolved = config.targetBand ?? survey?.targetPsfBand;
    if (!resolved) throw new PsfMatchingError('psf.targetBand: not set and the batches carry no survey definition with targetPsfBand: set psf.targetBand');
    targetBand = resolved;
    if (bands.length > 32) throw new PsfMatchingError(`psf: ${bands.length} data bands, but the ${MISSING_BANDS_COLUMN} bitmask (uint32) holds at most 32: select fewer with source.bands`);
    const specOf = (band: string): PsfSpec | undefined => {
      if (config.psfs?.[band]) return config.psfs[band];
      const b = survey?.bands.find((x) => x.name === band);
      if (b?.psfFile) return { file: b.psfFile, hdu: b.psfHdu };
      if (b?.psfFwhmArcsec) return { fwhmArcsec: b.psfFwhmArcsec };
      return undefined;
    };
    const scale = config.pixelScaleArcsec ?? pixelScaleFromWcs(batch.schema.metadata.get('pixsed.wcs'));
    if (!scale) throw new PsfMatchingError('psf: no image pixel scale: the batches carry no WCS; set pixelScaleArcsec');
    const targetKey = config.targetBand ? 'psf.targetBand' : `psf.targetBand (default: targetPsfBand of survey '${survey?.name ?? '?'}')`;
    if (!bands.includes(targetBand)) throw new PsfMatchingError(`${targetKey}: '${targetBand}' is not among the data bands (${bands.join(', ')})`);
    const unknown = config.passThroughBands.filter((b) => !bands.includes(b));
    if (unknown.length) throw new PsfMatchingError(`psf.passThroughBands: ${unknown.join(', ')} not among the data bands (${bands.join(', ')})`);
    const missing = bands.filter((b) => !specOf(b) && !config.passThroughBands.includes(b));
    if (missing.length) throw new PsfMatchingError(`psf: no PSF for band(s) ${missing.join(', ')}: give psfs.<band> ({fwhmArcsec} or {file}) or psfFile/psfFwhmArcsec in the survey`);
    const target = await psfOf(targetBand, specOf(targetBand)!, scale);
    const out = new Map<string, BandKernel>();
    mkdirSync(cacheDir, { recursive: true });
    for (const band of bands) {
      if (band === targetBand || config.passThroughBands.includes(band)) continue;
      const source = await psfOf(band, specOf(band)!, scale);
      const key = createHash('sha256')
        .update(JSON.stringify({ v: 1, source: source.key, target: target.key, method: config.method, window: config.window, mu: config.regularization, force: config.force }))
        .digest('hex')
        .slice(0, 24);
      const cached = join(cacheDir, `${key}.json`);
      let kernel: Image2D;
      let quality: KernelQuality | undefined;
      if (existsSync(cached)) {
        const c = JSON.parse(readFileSync(cached, 'utf8'));
        kernel = { width: c.width, height: c.height, data: Float64Array.from(c.data) };
        quality = c.quality;
      } else if (source.gaussianSigmaPx !== undefined && target.gaussianSigmaPx !== undefined) {
        // Gaussian ⊛ Gaussian: σ_k² = σ_t² − σ_s² (exact; no Fourier division needed)
        const s2 = target.gaussianSigmaPx ** 2 - source.gaussianSigmaPx ** 2;
        if (Math.abs(s2) <= 1e-9 * target.gaussianSigmaPx ** 2) {
          log(`psf: ${band} already has the ${targetBand} PSF: passed through`);
          continue;
        }
        if (s2 < 0 && !config.force) {
          throw new PsfMatchingError(`psf: band ${band} (FWHM ${(source.gaussianSigmaPx * FWHM_PER_SIGMA * scale).toFixed(3)}″) is broader than the target ${targetBand}; matching would deconvolve (list it in passThroughBands to leave it unmatched, or force: true)`);
        }
        const sigma = Math.sqrt(Math.max(s2, 1e-6));
        kernel = gaussianPsf({ size: 2 * Math.ceil(5 * sigma) + 1, sigma });
      } else {
        const m = psfMatchingKernel(source.image, target.image, config.method === 'wiener' ? { method: 'wiener', regularization: config.regularization, force: config.force } : { method: 'fourier', window: config.window, force: config.force });
        kernel = m;
        const q = kernelQuality(source.image, target.image, m, { pixelScaleArcsec: scale });
        quality = q;
      }
      if (!existsSync(cached)) {
        const q = quality ? { ...quality, radiiPx: undefined, eeMatched: undefined, eeTarget: undefined } : undefined;
        writeFileSync(cached, JSON.stringify({ band, width: kernel.width, height: kernel.height, data: Array.from(kernel.data), quality: q }));
      }
      if (quality && quality.maxEeDeviation > config.maxEeDeviation) {
        log(`psf: warning: band ${band} kernel misses the ${targetBand} encircled energy by ${(100 * quality.maxEeDeviation).toFixed(1)} %`);
      }
      out.set(band, { band, kernel, byWidth: new Map(), quality });
      log(`psf: ${band} → ${targetBand}: kernel ${kernel.width}×${kernel.height}${quality ? `, max |EE ratio − 1| ${quality.maxEeDeviation.toExponential(2)}` : ' (analytic Gaussian)'}`);
    }
    return out;
  };

  return async (batch: RecordBatch, ctx: StageContext): Promise<RecordBatch> => {
    const g = stripGeometry(batch, ctx.stageName);
    const bands = (batch.schema.metadata.get('pixsed.bands') ?? '').split(',').filter(Boolean);
    kernels ??= await build(bands, batch);
    const { haloTop, haloBottom, haloLeft, haloRight, width } = g;
    for (const k of kernels.values()) {
      const { flux: c } = convolversFor(k, width);
      const needTop = Math.min(c.haloRowsTop, g.y0 + haloTop);
      const needBottom = Math.min(c.haloRowsBottom, g.mosaicHeight - (g.y0 + g.height - haloBottom));
      const needLeft = Math.min(c.haloColsLeft, g.x0 + haloLeft);
      const needRight = Math.min(c.haloColsRight, g.mosaicWidth - (g.x0 + width - haloRight));
      if (haloTop < needTop || haloBottom < needBottom || haloLeft < needLeft || haloRight < needRight) {
        const need = Math.max(c.haloRowsTop, c.haloRowsBottom, c.haloColsLeft, c.haloColsRight);
        throw new PsfMatchingError(
          `psf: band ${k.band} kernel (${k.kernel.width}×${k.kernel.height}) needs ${need} halo rows/columns but the batch at x0=${g.x0}, y0=${g.y0} carries top ${haloTop}, bottom ${haloBottom}, left ${haloLeft}, right ${haloRight}: set source.haloRows ≥ ${need}`,
        );
      }
    }
    const coreRows = g.height - haloTop - haloBottom;
    const coreCols = width - haloLeft - haloRight;
    const lo = haloTop * width;
    const hi = lo + coreRows * width;
    const cols: Record<string, NumericArray> = {};
    const fieldMeta = fieldMetadataOf(batch);
    const all = columnsOf(batch);
    for (const [name, values] of Object.entries(all)) if (!('listSize' in values)) cols[name] = trimColumns(values.subarray(lo, hi) as NumericArray, width, haloLeft, haloRight);
    const flags = Uint32Array.from(trimColumns(column(batch, FLAGS_COLUMN, ctx.stageName).subarray(lo, hi), width, haloLeft, haloRight));
    const nOut = coreRows * coreCols;
    const has = (name: string) => batch.schema.fields.some((f) => f.name === name);
    const missingBands = has(MISSING_BANDS_COLUMN) ? Uint32Array.from(cols[MISSING_BANDS_COLUMN]) : new Uint32Array(nOut);
    /** band `b` missing where `m` (core pixels, output layout) is set; PSF_MASKED when it came through a kernel footprint */
    const markMissing = (m: Uint8Array, b: number, viaKernel: boolean) => {
      const bit = (1 << b) >>> 0;
      const f = FLAG.MISSING_BAND | (viaKernel ? FLAG.PSF_MASKED : 0);
      for (let i = 0; i < m.length; i++) {
        if (m[i]) {
          flags[i] |= f;
          missingBands[i] |= bit;
        }
      }
    };
    bands.forEach((band, b) => {
      const fName = `flux_${band}_njy`;
      const eName = `flux_${band}_err_njy`;
      const f = column(batch, fName, ctx.stageName);
      const e = column(batch, eName, ctx.stageName);
      const k = kernels!.get(band);
      if (k) {
        const r = matchBandStrip(f, e, convolversFor(k, width), haloTop, haloBottom);
        cols[fName] = trimColumns(r.flux, width, haloLeft, haloRight);
        cols[eName] = trimColumns(r.err, width, haloLeft, haloRight);
        if (r.missing) markMissing(trimColumns(r.missing, width, haloLeft, haloRight), b, true);
        return;
      }
      // target, pass-through and already-matched bands: the pixel's own value decides (no footprint)
      const bad = invalidPixels(cols[fName], cols[eName]);
      if (!bad) return;
      const fo = new Float32Array(cols[fName]);
      const eo = new Float32Array(cols[eName]);
      for (let i = 0; i < bad.length; i++) if (bad[i]) fo[i] = eo[i] = NaN;
      cols[fName] = fo;
      cols[eName] = eo;
      markMissing(bad, b, false);
    });
    cols[MISSING_BANDS_COLUMN] = missingBands;
    fieldMeta[MISSING_BANDS_COLUMN] = {
      unit: 'bitmask',
      bands: bands.join(','),
      description: 'bit i set: band i of `bands` is missing for this pixel (NaN flux and error: an invalid input in its PSF footprint)',
    };
    cols[FLAGS_COLUMN] = flags;
    const meta = new Map(batch.schema.metadata);
    for (const [k, v] of Object.entries(stripMetadata({ ...g, x0: g.x0 + haloLeft, y0: g.y0 + haloTop, width: coreCols, height: coreRows, haloTop: 0, haloBottom: 0, haloLeft: 0, haloRight: 0 }))) meta.set(k, v);
    meta.set('pixsed.psf.target', targetBand);
    meta.set('pixsed.psf.unmatched', config.passThroughBands.join(','));
    return batchFromColumns(cols, meta, fieldMeta);
  };
}

export const psfStage = defineStage({
  name: 'psf',
  version: '0.1.0',
  description: 'match every band to the target band PSF (flux ⊛ K, variance ⊛ K²) on halo strips',
  configSchema: psfStageSchema,
  create: (config, init) => ({ kernel: createPsfStage(config, init.pipelineDir, init.log) }),
});
