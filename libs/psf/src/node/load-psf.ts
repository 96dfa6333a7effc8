import { PsfMatchingError } from '@pixsed/core';
import { Wcs } from '@pixsed/fits';
import { readFitsImage } from '@pixsed/fits/node';
import { preparePsf, type PreparedPsf } from '../prepare-psf.js';

export interface LoadPsfOptions {
  /** 0-based HDU index (default: @pixsed/fits' default, the first HDU with image data) */
  hdu?: number;
  /** oversampling factor relative to the image pixels (e.g. 4 for WebbPSF HDU1); wins over pixel scales */
  oversample?: number;
  /** pixel scale of the PSF array as stored (arcsec/pixel); default from the header (`Wcs.pixelScaleArcsecOf`: PIXELSCL, CD matrix, PC × CDELT, CDELT) */
  pixelScaleArcsec?: number;
  /** pixel scale of the image the PSF must describe (arcsec/pixel); needs a PSF pixel scale */
  targetPixelScaleArcsec?: number;
  /** odd output size (default: largest odd size the input covers) */
  size?: number;
  /** sigma of the Gaussian centroid window in output pixels (default 2) */
  centroidSigmaPx?: number;
  /** the file's contents, already read (e.g. to hash them): parsed from memory instead of reading `path` again */
  bytes?: Uint8Array;
}

export interface LoadedPsf extends PreparedPsf {
  file: string;
  hdu: number | undefined;
  /** PSF pixel scale found in the header (arcsec/pixel), if any */
  headerPixelScaleArcsec: number | undefined;
}

/**
 * Read a PSF image from FITS (plain or gzip) and prepare it with `preparePsf` (centroid, Fourier
 * recentring, flux-conserving rebin to the image pixel scale, odd size, unit sum).
 */
export async function loadPsf(path: string, opts: LoadPsfOptions = {}): Promise<LoadedPsf> {
  const img = await readFitsImage(path, { ...(opts.hdu === undefined ? {} : { hdu: opts.hdu }), ...(opts.bytes ? { bytes: opts.bytes } : {}) });
  const headerScale = Wcs.pixelScaleArcsecOf((k) => img.header.get(k));
  let prepared: PreparedPsf;
  const common = { size: opts.size, centroidSigmaPx: opts.centroidSigmaPx };
  if (opts.oversample !== undefined) {
    prepared = preparePsf(img, { ...common, oversample: opts.oversample });
  } else if (opts.targetPixelScaleArcsec !== undefined) {
    const scale = opts.pixelScaleArcsec ?? headerScale;
    if (scale === undefined) {
      throw new PsfMatchingError(
        `${path}${opts.hdu !== undefined ? ` [HDU ${opts.hdu}]` : ''}: no PSF pixel scale (PIXELSCL, CD1_1 or CDELT1); pass pixelScaleArcsec or oversample`,
      );
    }
    prepared = preparePsf(img, { ...common, pixelScaleArcsec: scale, targetPixelScaleArcsec: opts.targetPixelScaleArcsec });
  } else {
    prepared = preparePsf(img, common);
  }
  return { ...prepared, file: path, hdu: opts.hdu, headerPixelScaleArcsec: headerScale };
}
