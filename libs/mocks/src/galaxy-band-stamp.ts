import { convolveImage, type ImageLike } from '@pixsed/psf';
import type { MockGalaxy } from './build-mock-galaxies.js';
import type { Stamp } from './sersic-profile.js';
import { stampStripWindow } from './stamp-strip-window.js';

/**
 * Noiseless image of one galaxy in one band [nJy/px]: Σ_components flux_c,b × weights_c on the union of the
 * component stamps padded by the kernel radius, then convolved with the band PSF (`convolveImage`, FFT, zeros
 * outside the stamp, so no flux is lost at the padding). Photometry is linear in mass, so this equals the SED of
 * the pixel's stellar mixture. `bandIndex` indexes `component.pop.fluxNjy`. Without a kernel: unconvolved.
 */
export function galaxyBandStamp(g: MockGalaxy, bandIndex: number, kernel?: ImageLike): Stamp {
  const ry = kernel ? Math.floor(kernel.height / 2) : 0;
  const rx = kernel ? Math.floor(kernel.width / 2) : 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const c of g.components) {
    x0 = Math.min(x0, c.stamp.x0);
    y0 = Math.min(y0, c.stamp.y0);
    x1 = Math.max(x1, c.stamp.x0 + c.stamp.width - 1);
    y1 = Math.max(y1, c.stamp.y0 + c.stamp.height - 1);
  }
  x0 -= rx;
  x1 += rx;
  y0 -= ry;
  y1 += ry;
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const data = new Float64Array(width * height);
  for (const c of g.components) {
    const f = c.pop.fluxNjy[bandIndex];
    const s = c.stamp;
    for (let j = 0; j < s.height; j++) {
      const row = (s.y0 + j - y0) * width + (s.x0 - x0);
      for (let i = 0; i < s.width; i++) data[row + i] += f * s.data[j * s.width + i];
    }
  }
  if (!kernel) return { x0, y0, width, height, data };
  return { x0, y0, width, height, data: convolveImage(data, width, height, kernel, { float64: true }) };
}

/** Add `scale` × stamp into rows [y0, y1) of a row-major strip of `width` columns (clipped to the strip). */
export function addStampToStrip(stamp: Stamp, scale: number, y0: number, y1: number, width: number, out: Float64Array): void {
  const { ja, jb, ia, ib, rowStart } = stampStripWindow(stamp, y0, y1, width);
  for (let j = ja, row = rowStart; j < jb; j++, row += width) {
    const src = j * stamp.width;
    for (let i = ia; i < ib; i++) out[row + i] += scale * stamp.data[src + i];
  }
}

/** True when the stamp has rows in [y0, y1). */
export function stampOverlapsRows(s: Stamp, y0: number, y1: number): boolean {
  return s.y0 < y1 && s.y0 + s.height > y0;
}
