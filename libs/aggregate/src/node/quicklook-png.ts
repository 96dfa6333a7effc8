import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import colormap from 'colormap';

export interface QuicklookPanel {
  title: string;
  /** Row-major values over the galaxy box, NaN = not kept. */
  values: Float32Array;
  /** Colour range; default: 1st–99th percentile of finite values. */
  range?: [number, number];
}

export interface QuicklookInput {
  width: number;
  height: number;
  /** asinh-stretched colour composite from three flux maps (red, green, blue), nJy. */
  rgb?: [Float32Array, Float32Array, Float32Array];
  panels: QuicklookPanel[];
}

const VIRIDIS = colormap({ colormap: 'viridis', nshades: 256, format: 'rgba' }) as number[][];

// 3×5 bitmap glyphs for colour-bar labels (no font library needed for digits).
const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001010010010', '8': '111101111101111', '9': '111101111001111',
  '.': '000000000000010', '-': '000000111000000', ' ': '000000000000000',
};

function finiteRange(values: Float32Array): [number, number] {
  const v = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return [0, 1];
  const lo = v[Math.floor(0.01 * (v.length - 1))];
  const hi = v[Math.ceil(0.99 * (v.length - 1))];
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/**
 * Quicklook PNG of a galaxy: an asinh colour composite (Lupton et al. 2004 stretch) and one
 * viridis panel per map with a colour bar labelled by its range. Written with pngjs.
 */
export function renderQuicklook(input: QuicklookInput): PNG {
  const { width: w, height: h } = input;
  const scale = Math.max(1, Math.ceil(160 / Math.max(w, h)));
  const pw = w * scale;
  const ph = h * scale;
  const bar = 12;
  const gap = 8;
  const labelH = 9;
  const nPanels = input.panels.length + (input.rgb ? 1 : 0);
  const cellW = pw + bar + 3 * gap + 4 * 5 * 2;
  const png = new PNG({ width: nPanels * cellW + gap, height: ph + 2 * gap + 2 * labelH });
  png.data.fill(255);
  const put = (x: number, y: number, r: number, g: number, b: number) => {
    if (x < 0 || y < 0 || x >= png.width || y >= png.height) return;
    const o = (y * png.width + x) * 4;
    png.data[o] = r;
    png.data[o + 1] = g;
    png.data[o + 2] = b;
    png.data[o + 3] = 255;
  };
  const text = (s: string, x0: number, y0: number) => {
    [...s].forEach((ch, k) => {
      const g = GLYPHS[ch] ?? GLYPHS[' '];
      for (let j = 0; j < 5; j++) for (let i = 0; i < 3; i++) if (g[j * 3 + i] === '1') put(x0 + k * 4 + i, y0 + j, 0, 0, 0);
    });
  };
  const blit = (x0: number, colour: (idx: number) => [number, number, number] | undefined) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // FITS convention: row 0 at the bottom
        const c = colour((h - 1 - y) * w + x) ?? [200, 200, 200];
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) put(x0 + x * scale + dx, gap + labelH + y * scale + dy, ...c);
      }
    }
  };
  let x0 = gap;
  if (input.rgb) {
    const [r, g, b] = input.rgb;
    const all = new Float32Array([...r, ...g, ...b].filter(Number.isFinite));
    const soft = Math.max(1e-3, finiteRange(all)[1] / 10);
    const top = Math.asinh(finiteRange(all)[1] / soft);
    const chan = (v: number) => Math.max(0, Math.min(255, Math.round((255 * Math.asinh(Math.max(0, v) / soft)) / top)));
    blit(x0, (i) => (Number.isFinite(r[i]) ? [chan(r[i]), chan(g[i]), chan(b[i])] : undefined));
    x0 += cellW;
  }
  for (const p of input.panels) {
    const [lo, hi] = p.range ?? finiteRange(p.values);
    const idx = (v: number) => Math.max(0, Math.min(255, Math.round((255 * (v - lo)) / (hi - lo))));
    blit(x0, (i) => {
      const v = p.values[i];
      if (!Number.isFinite(v)) return undefined;
      const c = VIRIDIS[idx(v)];
      return [c[0], c[1], c[2]];
    });
    const bx = x0 + pw + gap;
    for (let y = 0; y < ph; y++) {
      const c = VIRIDIS[Math.round((255 * (ph - 1 - y)) / Math.max(1, ph - 1))];
      for (let dx = 0; dx < bar; dx++) put(bx + dx, gap + labelH + y, c[0], c[1], c[2]);
    }
    text(hi.toFixed(1), bx + bar + 2, gap + labelH);
    text(lo.toFixed(1), bx + bar + 2, gap + labelH + ph - 5);
    x0 += cellW;
  }
  return png;
}

export function writeQuicklook(path: string, input: QuicklookInput): void {
  writeFileSync(path, PNG.sync.write(renderQuicklook(input)));
}
