import { scheme } from 'vega';

/** An RGB colour, 0–255 per channel. */
export type Rgb = [number, number, number];

/**
 * A Vega colour scheme (`viridis`, `magma`, ...) as t ∈ [0, 1] → RGB: the same interpolator a
 * Vega-Lite colour scale and its gradient legend use, so a raster coloured with it matches its colour bar.
 */
export function schemeRgb(name: string): (t: number) => Rgb {
  const interp = scheme(name) as ((t: number) => string) | undefined;
  if (typeof interp !== 'function') throw new RangeError(`unknown continuous Vega colour scheme '${name}'`);
  return (t) => {
    const s = interp(Math.max(0, Math.min(1, t)));
    const m = /^rgb\((\d+), ?(\d+), ?(\d+)\)$/.exec(s) ?? /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s);
    if (!m) throw new RangeError(`colour scheme '${name}' gave '${s}' (expected rgb(r, g, b) or #rrggbb)`);
    return (s.startsWith('#') ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [Number(m[1]), Number(m[2]), Number(m[3])]) as Rgb;
  };
}
