import { resolve } from 'node:path';
import type { ImageLike } from '@pixsed/psf';
import { loadPsf } from '@pixsed/psf/node';
import { DEFAULT_PSF_FWHM_ARCSEC } from '../default-psf-fwhm.js';
import type { Survey } from '@pixsed/surveys';
import type { MosaicConfig } from '../mosaic-config.js';
import { pixelGaussianKernel } from '../pixel-gaussian-kernel.js';

/** A band's PSF kernel on the mosaic grid and its description for headers, truth.json and survey.json. */
export interface BandPsf {
  kernel: ImageLike;
  desc: Record<string, unknown>;
}

/**
 * The PSF of every configured band: `psf.<band>` as a pixel-integrated Gaussian (`fwhmArcsec`) or a FITS file
 * (`loadPsf`, resampled to the mosaic scale unless `oversample` is given; relative paths against `configDir`);
 * bands not listed get a Gaussian of DEFAULT_PSF_FWHM_ARCSEC, else of the survey band's psfFwhmArcsec
 * (parseMosaicConfig rejects a band with neither).
 */
export async function resolveBandPsfs(cfg: MosaicConfig, survey: Survey, configDir: string): Promise<Map<string, BandPsf>> {
  const scale = cfg.pixelScaleArcsec;
  const kernels = new Map<string, BandPsf>();
  for (const b of cfg.bands) {
    const p = cfg.psf[b] ?? { fwhmArcsec: DEFAULT_PSF_FWHM_ARCSEC[b] ?? survey.bands.find((x) => x.name === b)!.psfFwhmArcsec! };
    if ('fwhmArcsec' in p) {
      kernels.set(b, { kernel: pixelGaussianKernel(p.fwhmArcsec / scale), desc: { type: 'gaussian', fwhmArcsec: p.fwhmArcsec } });
    } else {
      const file = resolve(configDir, p.file);
      const psf = await loadPsf(file, { hdu: p.hdu, oversample: p.oversample, pixelScaleArcsec: p.pixelScaleArcsec, targetPixelScaleArcsec: p.oversample === undefined ? scale : undefined });
      kernels.set(b, { kernel: psf, desc: { type: 'file', file: p.file, hdu: p.hdu ?? null, size: psf.width } });
    }
  }
  return kernels;
}
