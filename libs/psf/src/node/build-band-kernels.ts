import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { bandNames, PsfMatchingError, sha256Hex, type StreamInfo } from '@pixsed/core';
import { dataPath } from '@pixsed/core/node';
import { Wcs } from '@pixsed/fits';
import { gaussianPsf } from '../gaussian-psf.js';
import { kernelQuality, type KernelQuality } from '../kernel-quality.js';
import { psfMatchingKernel } from '../psf-matching-kernel.js';
import type { Image2D } from '../types.js';
import { kernelCacheKey, readCachedKernel, writeCachedKernel } from './kernel-cache.js';
import { loadPsf } from './load-psf.js';
import type { PsfSpec, PsfStageConfig } from './psf-stage.js';

/** Per-pixel uint32 column: bit i set = band i of the stream's band order (also in the field metadata `bands`) is missing. */
export const MISSING_BANDS_COLUMN = 'missing_bands';

const FWHM_PER_SIGMA = 2 * Math.sqrt(2 * Math.LN2);

export interface BandKernel {
  band: string;
  kernel: Image2D;
  quality?: KernelQuality;
  /** kernel-cache key (kernel-cache.ts) */
  key: string;
}

export interface BandKernels {
  targetBand: string;
  /** matched bands only: the target, pass-through and already-matched bands have none */
  kernels: Map<string, BandKernel>;
}

/** A band's PSF: the key that identifies it (for the kernel cache) and, only when a kernel must be built, its image at the image pixel scale. */
interface PsfRef {
  key: string;
  gaussianSigmaPx?: number;
  /** The prepared PSF (read from the bytes already hashed for `key`; prepared once, on first call). */
  image(): Promise<Image2D>;
}

/** A band's PSF reference: a PSF file is read once (its sha256 keys the cache; the same bytes are prepared on a cache miss only). */
function psfOf(band: string, spec: PsfSpec, scale: number, pipelineDir: string): PsfRef {
  if ('fwhmArcsec' in spec) {
    const sigma = spec.fwhmArcsec / scale / FWHM_PER_SIGMA;
    const size = 2 * Math.ceil(5 * sigma) + 1;
    const image = gaussianPsf({ size, sigma });
    return { key: `gauss:${sigma}`, gaussianSigmaPx: sigma, image: async () => image };
  }
  const candidates = isAbsolute(spec.file) ? [spec.file] : [resolve(pipelineDir, spec.file), dataPath(spec.file)];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new PsfMatchingError(`psf.psfs.${band}.file: PSF file not found (looked at ${candidates.join(', ')})`);
  const bytes = readFileSync(file);
  let prepared: Promise<Image2D> | undefined;
  return {
    key: `file:${sha256Hex(bytes)}:${JSON.stringify(spec)}:${scale}`,
    image: () =>
      (prepared ??= loadPsf(file, { hdu: spec.hdu, oversample: spec.oversample, pixelScaleArcsec: spec.pixelScaleArcsec, targetPixelScaleArcsec: spec.oversample ? undefined : scale, bytes })),
  };
}

/**
 * Reference resolution and kernel building of the psf stage, from the StreamInfo alone (before any
 * batch): the target band (config, else the survey's targetPsfBand), each band's PSF (config `psfs`,
 * else the stream's psfFile / psfFwhmArcsec), the image pixel scale (config, else the stream's WCS),
 * then per matched band a kernel from the cache (kernel-cache.ts) or built (analytic for two
 * Gaussians, else psfMatchingKernel) and stored.
 */
export async function buildBandKernels(config: PsfStageConfig, stream: StreamInfo, pipelineDir: string, log: (m: string) => void, cacheDir: string): Promise<BandKernels> {
  const bands = bandNames(stream);
  const survey = stream.survey;
  const targetBand = config.targetBand ?? survey?.targetPsfBand;
  if (!targetBand) throw new PsfMatchingError('psf.targetBand: not set and the stream carries no survey definition with targetPsfBand: set psf.targetBand');
  if (bands.length > 32) throw new PsfMatchingError(`psf: ${bands.length} data bands, but the ${MISSING_BANDS_COLUMN} bitmask (uint32) holds at most 32: select fewer with source.bands`);
  const specOf = (band: string): PsfSpec | undefined => {
    if (config.psfs?.[band]) return config.psfs[band];
    const b = stream.bands.find((x) => x.name === band);
    if (b?.psfFile) return { file: b.psfFile, hdu: b.psfHdu };
    if (b?.psfFwhmArcsec) return { fwhmArcsec: b.psfFwhmArcsec };
    return undefined;
  };
  const scale = config.pixelScaleArcsec ?? stream.pixelScaleArcsec ?? (stream.wcs ? Wcs.pixelScaleArcsecOf((k) => stream.wcs![k]) : undefined);
  if (!scale) throw new PsfMatchingError('psf: no image pixel scale: the stream carries no WCS; set pixelScaleArcsec');
  const targetKey = config.targetBand ? 'psf.targetBand' : `psf.targetBand (default: targetPsfBand of survey '${survey?.name ?? '?'}')`;
  if (!bands.includes(targetBand)) throw new PsfMatchingError(`${targetKey}: '${targetBand}' is not among the data bands (${bands.join(', ')})`);
  const unknown = config.passThroughBands.filter((b) => !bands.includes(b));
  if (unknown.length) throw new PsfMatchingError(`psf.passThroughBands: ${unknown.join(', ')} not among the data bands (${bands.join(', ')})`);
  const missing = bands.filter((b) => !specOf(b) && !config.passThroughBands.includes(b));
  if (missing.length) throw new PsfMatchingError(`psf: no PSF for band(s) ${missing.join(', ')}: give psfs.<band> ({fwhmArcsec} or {file}) or psfFile/psfFwhmArcsec in the survey`);
  const target = psfOf(targetBand, specOf(targetBand)!, scale, pipelineDir);
  const kernels = new Map<string, BandKernel>();
  for (const band of bands) {
    if (band === targetBand || config.passThroughBands.includes(band)) continue;
    const source = psfOf(band, specOf(band)!, scale, pipelineDir);
    const key = kernelCacheKey({ source: source.key, target: target.key, method: config.method, window: config.window, mu: config.regularization, force: config.force });
    let kernel: Image2D;
    let quality: KernelQuality | undefined;
    const cached = readCachedKernel(cacheDir, key, log);
    if (cached) ({ kernel, quality } = cached);
    else if (source.gaussianSigmaPx !== undefined && target.gaussianSigmaPx !== undefined) {
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
      const [sourcePsf, targetPsf] = [await source.image(), await target.image()];
      kernel = psfMatchingKernel(sourcePsf, targetPsf, config.method === 'wiener' ? { method: 'wiener', regularization: config.regularization, force: config.force } : { method: 'fourier', window: config.window, force: config.force });
      quality = kernelQuality(sourcePsf, targetPsf, kernel, { pixelScaleArcsec: scale });
    }
    if (!cached) writeCachedKernel(cacheDir, key, { band, kernel, quality });
    if (quality && quality.maxEeDeviation > config.maxEeDeviation) {
      log(`psf: warning: band ${band} kernel misses the ${targetBand} encircled energy by ${(100 * quality.maxEeDeviation).toFixed(1)} %`);
    }
    kernels.set(band, { band, kernel, quality, key });
    log(`psf: ${band} → ${targetBand}: kernel ${kernel.width}×${kernel.height}${quality ? `, max |EE ratio − 1| ${quality.maxEeDeviation.toExponential(2)}` : ' (analytic Gaussian)'}`);
  }
  return { targetBand, kernels };
}
