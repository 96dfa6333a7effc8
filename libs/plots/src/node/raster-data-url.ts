import { PNG } from 'pngjs';
import type { Rgb } from '../colour-scheme.js';

/**
 * A raster as a PNG data URL for a Vega-Lite `image` mark. `colour(i)` gives pixel i (row-major,
 * row 0 = the BOTTOM row, the FITS convention) or undefined for a blank pixel (`blank`, default
 * transparent). Each pixel becomes `upsample` × `upsample` PNG pixels (nearest neighbour), so that
 * the renderer's smoothing cannot blur pixel edges.
 */
export function rasterDataUrl(width: number, height: number, colour: (i: number) => Rgb | undefined, opts: { upsample?: number; blank?: [number, number, number, number] } = {}): string {
  const k = Math.max(1, Math.floor(opts.upsample ?? 1));
  const blank = opts.blank ?? [0, 0, 0, 0];
  const png = new PNG({ width: width * k, height: height * k });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colour((height - 1 - y) * width + x);
      const rgba = c ? [c[0], c[1], c[2], 255] : blank;
      for (let dy = 0; dy < k; dy++) {
        let o = ((y * k + dy) * png.width + x * k) * 4;
        for (let dx = 0; dx < k; dx++, o += 4) {
          png.data[o] = rgba[0];
          png.data[o + 1] = rgba[1];
          png.data[o + 2] = rgba[2];
          png.data[o + 3] = rgba[3];
        }
      }
    }
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
