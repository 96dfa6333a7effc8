import { convolveImage } from './convolve-image.js';
import { encircledEnergy } from './encircled-energy.js';
import { padCropOdd } from './pad-crop-odd.js';
import { psfFwhm } from './psf-fwhm.js';
import type { ImageLike } from './types.js';

export interface KernelQualityOptions {
  /** EE radii (pixels) below this are ignored in maxEeDeviation; default 1 pixel */
  innerRadiusPx?: number;
  /** radius step of the EE curve (pixels); default 0.5 */
  radiusStepPx?: number;
  /** pixel scale (arcsec/pixel) to also report FWHMs in arcsec */
  pixelScaleArcsec?: number;
}

export interface KernelQuality {
  /** max |EE_matched(r) / EE_target(r) - 1| over radii r >= innerRadiusPx */
  maxEeDeviation: number;
  /** radius (pixels) where the max deviation occurs */
  maxEeDeviationRadiusPx: number;
  innerRadiusPx: number;
  /** effective FWHMs (psfFwhm), pixels */
  fwhmSource: number;
  fwhmTarget: number;
  fwhmMatched: number;
  /** sum of |negative kernel values| / sum |kernel values| */
  negativeFraction: number;
  /** FWHMs in arcsec when pixelScaleArcsec is given */
  fwhmArcsec?: { source: number; target: number; matched: number };
  radiiPx: Float64Array;
  eeMatched: Float64Array;
  eeTarget: Float64Array;
}

/**
 * Quality of a matching kernel: the encircled-energy curve of source * K against the target's
 * (EE ratio test of Aniano et al. 2011 §3 / pypher §4), FWHMs and the fraction of negative kernel flux.
 * All stamps are padded to a common odd size and centred on the stamp centre.
 */
export function kernelQuality(
  source: ImageLike,
  target: ImageLike,
  kernel: ImageLike,
  opts: KernelQualityOptions = {},
): KernelQuality {
  let n = Math.max(source.width, source.height, target.width, target.height);
  if (n % 2 === 0) n += 1;
  const s = padCropOdd(source, n);
  const t = padCropOdd(target, n);
  const matchedData = convolveImage(s.data, n, n, kernel, { float64: true });
  const matched = { width: n, height: n, data: matchedData };
  const step = opts.radiusStepPx ?? 0.5;
  const inner = opts.innerRadiusPx ?? 1;
  const rMax = (n - 1) / 2;
  const radii: number[] = [];
  for (let r = step; r <= rMax + 1e-9; r += step) radii.push(r);
  const radiiPx = Float64Array.from(radii);
  const eeMatched = encircledEnergy(matched, radiiPx);
  const eeTarget = encircledEnergy(t, radiiPx);
  let maxDev = 0;
  let maxR = NaN;
  for (let i = 0; i < radii.length; i++) {
    if (radii[i] < inner) continue;
    const d = Math.abs(eeMatched[i] / eeTarget[i] - 1);
    if (d > maxDev || Number.isNaN(maxR)) {
      maxDev = d;
      maxR = radii[i];
    }
  }
  let neg = 0;
  let abs = 0;
  for (let i = 0; i < kernel.data.length; i++) {
    const v = kernel.data[i];
    abs += Math.abs(v);
    if (v < 0) neg -= v;
  }
  const fwhmSource = psfFwhm(s);
  const fwhmTarget = psfFwhm(t);
  const fwhmMatched = psfFwhm(matched);
  const q: KernelQuality = {
    maxEeDeviation: maxDev,
    maxEeDeviationRadiusPx: maxR,
    innerRadiusPx: inner,
    fwhmSource,
    fwhmTarget,
    fwhmMatched,
    negativeFraction: abs > 0 ? neg / abs : 0,
    radiiPx,
    eeMatched,
    eeTarget,
  };
  if (opts.pixelScaleArcsec !== undefined) {
    const ps = opts.pixelScaleArcsec;
    q.fwhmArcsec = { source: fwhmSource * ps, target: fwhmTarget * ps, matched: fwhmMatched * ps };
  }
  return q;
}
