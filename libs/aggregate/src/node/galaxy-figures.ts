import { writeFile } from 'node:fs/promises';
import type { StreamInfo } from '@pixsed/core';
import { schemeRgb } from '@pixsed/plots';
import { rasterDataUrl, renderVegaLitePng } from '@pixsed/plots/node';
import type { TopLevelSpec } from 'vega-lite';
import type { GalaxyResult } from '../galaxy-accumulator.js';
import { compassVectors, finiteRange, luptonRgb, parameterLabel, scaleBarArcsec } from '../figure-annotations.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const MAP_SCHEME = 'viridis';
/** Not-kept pixels: light grey on the parameter maps, black on the colour composite. */
const BLANK_MAP: [number, number, number, number] = [217, 217, 217, 255];
const BLANK_RGB: [number, number, number, number] = [0, 0, 0, 255];
/** Fixed-point with `d` decimals, no '-0.00'; '—' for a non-finite value. */
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? (Math.abs(x) < 0.5 * 10 ** -d ? 0 : x).toFixed(d) : '—');

/** What a galaxy figure needs from the run: bands (pivot wavelengths), parameters (units), pixel scale, WCS and the mask settings. */
export interface FigureContext {
  stream: StreamInfo;
  /** WCS cards of the mosaic (not cropped: figures use mosaic pixel coordinates). */
  wcs: Record<string, number | string>;
  /** Composite bands red, green, blue (compositeBands), or [] for none. */
  rgb: string[];
}

/** Panel size in screen px for a box: the longer side `side`, square pixels. */
function panelSize(w: number, h: number, side = 230): { width: number; height: number } {
  const s = side / Math.max(w, h);
  return { width: Math.max(60, Math.round(w * s)), height: Math.max(60, Math.round(h * s)) };
}

/**
 * Margins (pixel units) added below and above the galaxy box for the scale bar and the compass, so that no
 * annotation covers a pixel of the galaxy: the compass (arms L, labels at 1.75 L, any orientation) sits in the top
 * margin, the scale bar in the bottom one.
 */
function annotationMargins(W: number, H: number): { L: number; top: number; bottom: number } {
  const L = 0.1 * Math.max(W, H);
  return { L, top: 4 * L, bottom: 0.15 * Math.max(W, H) };
}

/** Tick values at a 1, 2, 5 × 10^k step inside [lo, hi], about `n` of them (axis labels only where there are pixels). */
function ticksInside(lo: number, hi: number, n = 4): number[] {
  const raw = (hi - lo) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Scale bar (arcsec) and N/E arrows in mosaic pixel coordinates, as Vega-Lite layers in the margins around the box. */
function annotationLayers(r: Pick<GalaxyResult, 'box'>, ctx: FigureContext, xs: object, ys: object): object[] {
  const { x0, x1, y0, y1 } = r.box;
  const W = x1 - x0 + 1;
  const H = y1 - y0 + 1;
  const m = annotationMargins(W, H);
  const colour = 'black';
  const layers: object[] = [];
  const enc = (extra: object = {}) => ({ x: { field: 'x', type: 'quantitative', scale: xs }, y: { field: 'y', type: 'quantitative', scale: ys }, ...extra });
  const scale = ctx.stream.pixelScaleArcsec;
  if (scale) {
    const L = scaleBarArcsec(W * scale);
    const xa = x0 - 0.5 + 0.05 * W;
    const ya = y0 - 0.5 - 0.7 * m.bottom;
    const len = L / scale;
    layers.push(
      { data: { values: [{ x: xa, y: ya, x2: xa + len }] }, mark: { type: 'rule', color: colour, strokeWidth: 2.5 }, encoding: enc({ x2: { field: 'x2' } }) },
      { data: { values: [{ x: xa + len + 0.02 * W, y: ya, t: `${L}″` }] }, mark: { type: 'text', color: colour, fontSize: 11, baseline: 'middle', align: 'left', fontWeight: 'bold' }, encoding: enc({ text: { field: 't' } }) },
    );
  }
  const cx = x1 + 0.5 - 2 * m.L;
  const cy = y1 + 0.5 + 1.9 * m.L;
  const c = compassVectors(ctx.wcs, cx, cy);
  if (c) {
    const L = m.L;
    const arms = [
      { d: c.north, t: 'N' },
      { d: c.east, t: 'E' },
    ];
    layers.push(
      { data: { values: arms.map((a) => ({ x: cx, y: cy, x2: cx + L * a.d[0], y2: cy + L * a.d[1] })) }, mark: { type: 'rule', color: colour, strokeWidth: 1.8 }, encoding: enc({ x2: { field: 'x2' }, y2: { field: 'y2' } }) },
      {
        // arrow heads: triangles turned clockwise from screen-up by atan2(dx, dy) (square pixels on screen)
        data: { values: arms.map((a) => ({ x: cx + L * a.d[0], y: cy + L * a.d[1], angle: (Math.atan2(a.d[0], a.d[1]) * 180) / Math.PI })) },
        mark: { type: 'point', shape: 'triangle-up', filled: true, color: colour, size: 40, opacity: 1 },
        encoding: enc({ angle: { field: 'angle', type: 'quantitative', scale: null } }),
      },
      { data: { values: arms.map((a) => ({ x: cx + 1.75 * L * a.d[0], y: cy + 1.75 * L * a.d[1], t: a.t })) }, mark: { type: 'text', color: colour, fontSize: 11, fontWeight: 'bold', baseline: 'middle', align: 'center' }, encoding: enc({ text: { field: 't' } }) },
    );
  }
  return layers;
}

/** One map panel: the raster as an image mark over mosaic pixel coordinates, a colour bar (gradient legend) or none, and the annotations in margins. */
function panel(r: Pick<GalaxyResult, 'box'>, ctx: FigureContext, title: { text: string; subtitle?: string }, url: string, colourBar: { domain: [number, number]; title: string } | undefined): object {
  const { x0, x1, y0, y1 } = r.box;
  const W = x1 - x0 + 1;
  const H = y1 - y0 + 1;
  const m = annotationMargins(W, H);
  const size = panelSize(W, H + m.top + m.bottom);
  const xs = { domain: [x0 - 0.5, x1 + 0.5], nice: false, zero: false };
  const ys = { domain: [y0 - 0.5 - m.bottom, y1 + 0.5 + m.top], nice: false, zero: false };
  const layers: object[] = [
    {
      data: { values: [{ x: x0 - 0.5, x2: x1 + 0.5, y: y0 - 0.5, y2: y1 + 0.5, url }] },
      mark: { type: 'image', aspect: false, smooth: false },
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: xs, title: 'x [pixel]', axis: { grid: false, tickCount: 4 } },
        x2: { field: 'x2' },
        y: { field: 'y2', type: 'quantitative', scale: ys, title: 'y [pixel]', axis: { grid: false, values: ticksInside(y0, y1) } },
        y2: { field: 'y' },
        url: { field: 'url', type: 'nominal' },
      },
    },
    ...annotationLayers(r, ctx, xs, ys),
  ];
  if (colourBar) {
    layers.push({
      data: { values: colourBar.domain.map((v) => ({ v })) },
      mark: { type: 'point', opacity: 0 },
      encoding: {
        color: {
          field: 'v',
          type: 'quantitative',
          scale: { scheme: MAP_SCHEME, domain: colourBar.domain, nice: false },
          legend: { title: colourBar.title, orient: 'right', gradientLength: size.height - 20, titleFontSize: 11, labelFontSize: 10, tickCount: 5, titleLimit: 400 },
        },
      },
    });
  }
  return { ...size, title: { ...title, fontSize: 12, subtitleFontSize: 10, anchor: 'start' }, layer: layers };
}

/**
 * The per-galaxy quicklook: the colour composite (Lupton asinh, bands by pivot wavelength) and the posterior-median
 * log M* and log SFR maps with labelled colour bars; galaxy id, z and the selection in the title; a scale bar in
 * arcsec and N/E arrows from the WCS in every panel; mosaic pixel coordinates on the axes.
 */
export function quicklookSpec(r: Pick<GalaxyResult, 'id' | 'z' | 'box' | 'nPixels' | 'maps'>, ctx: FigureContext, statistic = 'posterior median'): TopLevelSpec {
  const w = r.box.x1 - r.box.x0 + 1;
  const h = r.box.y1 - r.box.y0 + 1;
  const upsample = Math.max(1, Math.ceil(460 / Math.max(w, h)));
  const panels: object[] = [];
  if (ctx.rgb.length === 3) {
    const [cr, cg, cb] = ctx.rgb.map((b) => r.maps[`flux_${b}_njy`]);
    if (cr && cg && cb) {
      // each channel scaled to the same total flux over the kept pixels (a white balance), so colour shows gradients
      const total = (a: Float32Array) => a.reduce((t, v) => (Number.isFinite(v) && v > 0 ? t + v : t), 0) || 1;
      const [br, bg, bb] = [cr, cg, cb].map((a) => {
        const t = total(a);
        return Float32Array.from(a, (v) => v / t);
      });
      const I = Float32Array.from(br, (v, i) => (v + bg[i] + bb[i]) / 3);
      const rgb = luptonRgb(br, bg, bb, Math.max(1e-30, finiteRange(I)[1] / 4));
      const url = rasterDataUrl(w, h, (i) => rgb[i], { upsample, blank: BLANK_RGB });
      const name = (b: string) => b.toUpperCase();
      panels.push(panel(r, ctx, { text: `R ${name(ctx.rgb[0])} · G ${name(ctx.rgb[1])} · B ${name(ctx.rgb[2])}`, subtitle: 'asinh, equal-flux channels' }, url, undefined));
    }
  }
  const units = new Map((ctx.stream.inference?.parameters ?? []).map((p) => [p.name, p.unit]));
  const viridis = schemeRgb(MAP_SCHEME);
  for (const p of ['log_mstar', 'log_sfr100']) {
    const values = r.maps[`${p}_p50`];
    if (!values) continue;
    const label = parameterLabel(p, units.get(p));
    const [lo, hi] = finiteRange(values);
    const url = rasterDataUrl(w, h, (i) => (Number.isFinite(values[i]) ? viridis((values[i] - lo) / (hi - lo)) : undefined), { upsample, blank: BLANK_MAP });
    panels.push(panel(r, ctx, { text: `${label.quantity} per pixel`, subtitle: statistic }, url, { domain: [lo, hi], title: label.unit || label.quantity }));
  }
  const mask = ctx.stream.mask;
  const sel = mask ? `; kept: mean S/N ${mask.comparison.replace('>=', '≥')} ${mask.snrThreshold} in ${mask.snrBands.map((b) => b.toUpperCase()).join(', ')}` : '';
  const scale = ctx.stream.pixelScaleArcsec ? `, ${fmt(ctx.stream.pixelScaleArcsec, 3)}″/pixel` : '';
  return {
    $schema: SCHEMA,
    title: { text: `Galaxy ${r.id} · z = ${fmt(r.z, 3)}`, subtitle: [`${r.nPixels} of ${r.box.nPixels} segment pixels kept${sel}${scale}`, 'grey / black: not kept; scale bar below, N/E above each map; composite: Lupton et al. (2004) asinh stretch'], fontSize: 15, subtitleFontSize: 11, anchor: 'start' },
    hconcat: panels,
    spacing: 30,
    align: 'none',
    resolve: { scale: { color: 'independent', x: 'independent', y: 'independent' }, legend: { color: 'independent' } },
    config: { view: { stroke: '#444' }, aria: false },
  } as TopLevelSpec;
}

/** Write `spec` as PNG (vega-lite → vega → SVG → resvg: the validation plots' path). */
export async function writeFigurePng(file: string, spec: TopLevelSpec): Promise<string> {
  const { png } = await renderVegaLitePng(spec);
  await writeFile(file, png);
  return file;
}

/** Counts of `v` in `bins` equal bins over [lo, hi] (values outside are left out). */
function histogram(v: ArrayLike<number>, lo: number, hi: number, bins: number): number[] {
  const c = new Array<number>(bins).fill(0);
  for (let i = 0; i < v.length; i++) {
    const k = Math.floor(((v[i] - lo) / (hi - lo)) * bins);
    if (k >= 0 && k < bins) c[k]++;
    else if (v[i] === hi) c[bins - 1]++;
  }
  return c;
}

/** What the integrated-fit figure shows: posterior samples per parameter (same length), their percentiles and the photometry that was fitted. */
export interface IntegratedFit {
  /** Per parameter (model order): its samples of the integrated fit. */
  samples: Record<string, ArrayLike<number>>;
  units: Record<string, string>;
  /** Per model band: Σ flux and 1σ [nJy], and whether the fit used it (false: incomplete footprint or absent → missing). */
  photometry: { band: string; pivotMicron: number | undefined; flux: number; err: number; fitted: boolean; model?: { p16: number; p50: number; p84: number } }[];
  /** What the model photometry is (e.g. 'posterior predictive, PPC emulator'); required when any band has `model`. */
  modelPhotometry?: string;
  model: string;
}

/**
 * The integrated-photometry fit of a galaxy: a corner plot of the posterior samples (2-D histograms below the
 * diagonal, 1-D marginals with p16/p50/p84 on it; the sample-wise Σ pixel log M* marked on the log M* marginal) and
 * the observed Σ-pixel photometry against pivot wavelength. The model predicts parameters only, so no model
 * photometry is drawn (said in the panel's subtitle).
 */
export function integratedFitSpec(r: GalaxyResult, fit: IntegratedFit, bins = 24): TopLevelSpec {
  const params = Object.keys(fit.samples).filter((p) => Array.from(fit.samples[p]).some(Number.isFinite));
  const range = new Map(params.map((p) => [p, finiteRange(fit.samples[p], 0.005)]));
  // the Σ pixel log M* is marked on the log M* marginal: widen its range to show it
  const lm = range.get('log_mstar');
  if (lm && r.logMassSum && Number.isFinite(r.logMassSum.p50)) {
    const pad = 0.06 * (Math.max(lm[1], r.logMassSum.p50) - Math.min(lm[0], r.logMassSum.p50));
    range.set('log_mstar', [Math.min(lm[0], r.logMassSum.p50 - pad), Math.max(lm[1], r.logMassSum.p50 + pad)]);
  }
  const pct = new Map(
    params.map((p) => {
      const v = Float64Array.from(Array.from(fit.samples[p]).filter(Number.isFinite)).sort();
      const q = (f: number) => v[Math.min(v.length - 1, Math.max(0, Math.round(f * (v.length - 1))))];
      return [p, { p16: q(0.16), p50: q(0.5), p84: q(0.84) }];
    }),
  );
  const cell = params.length > 3 ? 110 : 150;
  const greys = schemeRgb('greys');
  const label = (p: string) => parameterLabel(p, fit.units[p]).label;
  const blank = { width: cell, height: cell, data: { values: [{}] }, mark: { type: 'point', opacity: 0 }, view: { stroke: null } };
  const cells = params.flatMap((pi, i) =>
    params.map((pj, j) => {
      if (j > i) return blank;
      const [xlo, xhi] = range.get(pj)!;
      const xs = { domain: [xlo, xhi], nice: false, zero: false };
      const xAxis = { title: i === params.length - 1 ? label(pj) : null, labels: i === params.length - 1, tickCount: 4, labelFontSize: 9, titleFontSize: 10, grid: false };
      if (i === j) {
        const counts = histogram(fit.samples[pi], xlo, xhi, bins);
        const w = (xhi - xlo) / bins;
        const q = pct.get(pi)!;
        const layers: object[] = [
          { data: { values: counts.map((c, k) => ({ a: xlo + k * w, b: xlo + (k + 1) * w, c })) }, mark: { type: 'rect', color: '#4c78a8' }, encoding: { x: { field: 'a', type: 'quantitative', scale: xs, axis: xAxis }, x2: { field: 'b' }, y: { field: 'c', type: 'quantitative', axis: null }, y2: { datum: 0 } } },
          { data: { values: [q.p16, q.p50, q.p84].map((v, k) => ({ v, k })) }, mark: { type: 'rule', color: 'black' }, encoding: { x: { field: 'v', type: 'quantitative', scale: xs }, strokeDash: { field: 'k', type: 'nominal', scale: { domain: [0, 1, 2], range: [[4, 3], [1, 0], [4, 3]] }, legend: null } } },
        ];
        if (pi === 'log_mstar' && r.logMassSum) {
          layers.push({ data: { values: [{ v: r.logMassSum.p50 }] }, mark: { type: 'rule', color: '#d62728', strokeWidth: 2 }, encoding: { x: { field: 'v', type: 'quantitative', scale: xs } } });
        }
        const title = `${parameterLabel(pi, fit.units[pi]).quantity} = ${fmt(q.p50)} +${fmt(q.p84 - q.p50)} −${fmt(q.p50 - q.p16)}`;
        return { width: cell, height: cell, title: { text: title, fontSize: 10, offset: 4 }, layer: layers };
      }
      const [ylo, yhi] = range.get(pi)!;
      const ys = { domain: [ylo, yhi], nice: false, zero: false };
      const wx = (xhi - xlo) / bins;
      const wy = (yhi - ylo) / bins;
      // the 2-D histogram as one raster (image mark): counts → greys with a square-root stretch (white = empty)
      const counts = new Float64Array(bins * bins);
      const a = fit.samples[pj];
      const b = fit.samples[pi];
      for (let k = 0; k < a.length; k++) {
        const bx = Math.floor((a[k] - xlo) / wx);
        const by = Math.floor((b[k] - ylo) / wy);
        if (bx >= 0 && bx < bins && by >= 0 && by < bins) counts[by * bins + bx]++;
      }
      const max = Math.max(1, ...counts);
      const url = rasterDataUrl(bins, bins, (k) => (counts[k] > 0 ? greys(Math.sqrt(counts[k] / max)) : undefined), { upsample: 8, blank: [255, 255, 255, 255] });
      return {
        width: cell,
        height: cell,
        data: { values: [{ a: xlo, b: xhi, c: ylo, d: yhi, url }] },
        mark: { type: 'image', aspect: false, smooth: false },
        encoding: {
          x: { field: 'a', type: 'quantitative', scale: xs, axis: xAxis },
          x2: { field: 'b' },
          y: { field: 'd', type: 'quantitative', scale: ys, axis: { title: j === 0 ? label(pi) : null, labels: j === 0, tickCount: 4, labelFontSize: 9, titleFontSize: 10, grid: false } },
          y2: { field: 'c' },
          url: { field: 'url', type: 'nominal' },
        },
      };
    }),
  );
  const phot = fit.photometry.filter((p) => p.pivotMicron !== undefined && p.flux > 0 && Number.isFinite(p.flux));
  const dropped = fit.photometry.length - phot.length;
  const withModel = fit.photometry.filter((p) => p.pivotMicron !== undefined && p.model && p.model.p50 > 0);
  const modelLayers = withModel.length
    ? [
        { data: { values: withModel.map((p) => ({ pivotMicron: p.pivotMicron, ...p.model })) }, mark: { type: 'rule', color: '#ff7f0e', strokeWidth: 3, opacity: 0.6 }, encoding: { x: { field: 'pivotMicron', type: 'quantitative' }, y: { field: 'p16', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'p84' } } },
        { data: { values: withModel.map((p) => ({ pivotMicron: p.pivotMicron, ...p.model })) }, mark: { type: 'tick', color: '#ff7f0e', thickness: 2, size: 10, orient: 'horizontal' }, encoding: { x: { field: 'pivotMicron', type: 'quantitative' }, y: { field: 'p50', type: 'quantitative', scale: { type: 'log' } } } },
      ]
    : [];
  const sed = {
    width: 330,
    height: 240,
    title: {
      text: `Σ-pixel photometry (${r.nPixels} kept pixels)`,
      subtitle: [
        ...(withModel.length ? [`orange: model, ${fit.modelPhotometry ?? 'model photometry'}`, 'median and p16–p84 of the posterior samples'] : ['no model photometry: the posterior model', 'predicts parameters, not fluxes']),
        ...(dropped ? [`${dropped} band(s) ≤ 0 or without pivot not shown`] : []),
      ],
      fontSize: 12,
      subtitleFontSize: 10,
      anchor: 'start',
    },
    data: { values: phot.map((p) => ({ ...p, band: p.band.toUpperCase(), lo: Math.max(p.flux - p.err, p.flux / 100), hi: p.flux + p.err, used: p.fitted ? 'fitted' : 'not fitted (incomplete footprint)' })) },
    layer: [
      ...modelLayers,
      { mark: { type: 'rule', color: '#555' }, encoding: { x: { field: 'pivotMicron', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'hi' } } },
      {
        mark: { type: 'point', size: 40, filled: true },
        encoding: {
          x: { field: 'pivotMicron', type: 'quantitative', title: 'pivot wavelength [µm]', scale: { type: 'log', nice: false, padding: 10 }, axis: { grid: false, values: [0.5, 0.7, 1, 1.5, 2, 3, 4, 5] } },
          y: { field: 'flux', type: 'quantitative', title: 'F_ν [nJy]', scale: { type: 'log', padding: 10 }, axis: { grid: false } },
          shape: { field: 'used', type: 'nominal', scale: { domain: ['fitted', 'not fitted (incomplete footprint)'], range: ['circle', 'cross'] }, legend: { orient: 'top-left', title: null, direction: 'vertical', labelLimit: 400, labelFontSize: 10 } },
          tooltip: [{ field: 'band' }, { field: 'flux' }, { field: 'err' }],
        },
      },
    ],
  };
  return {
    $schema: SCHEMA,
    title: {
      text: `Galaxy ${r.id} · z = ${fmt(r.z, 3)} · integrated-photometry fit`,
      subtitle: [`${fit.model}; ${Object.values(fit.samples)[0]?.length ?? 0} posterior samples; lines: p16, p50, p84${r.logMassSum ? '; red: Σ pixel log M* (p50)' : ''}`],
      fontSize: 15,
      subtitleFontSize: 11,
      anchor: 'start',
    },
    hconcat: [{ concat: cells, columns: params.length, spacing: 10, bounds: 'flush', resolve: { scale: { color: 'independent', x: 'independent', y: 'independent' } } }, sed],
    spacing: 40,
    align: 'none',
    resolve: { scale: { color: 'independent', x: 'independent', y: 'independent', shape: 'independent' }, legend: { shape: 'independent' } },
    config: { aria: false },
  } as TopLevelSpec;
}

/** A catalogue row's pixel-sum and integrated log M* percentiles (galaxies without both are left out of the figure). */
export interface MassComparisonRow {
  id: number;
  sum: { p16: number; p50: number; p84: number };
  integrated: { p16: number; p50: number; p84: number };
}

/**
 * The run-level outshining figure: sample-wise Σ pixel log M* against the integrated-photometry log M* (p16–p84 bars,
 * 1:1 line, galaxy ids), and Δ = log ΣM_pix − log M_int against log M_int.
 */
export function massComparisonSpec(rows: MassComparisonRow[], title: string): TopLevelSpec {
  const values = rows.map((r) => ({ id: String(r.id), xi: r.integrated.p50, xl: r.integrated.p16, xh: r.integrated.p84, ys: r.sum.p50, yl: r.sum.p16, yh: r.sum.p84, d: r.sum.p50 - r.integrated.p50 }));
  const all = values.flatMap((v) => [v.xl, v.xh, v.yl, v.yh]).filter(Number.isFinite);
  const lo = Math.floor((Math.min(...all) - 0.1) * 10) / 10;
  const hi = Math.ceil((Math.max(...all) + 0.1) * 10) / 10;
  const sc = { domain: [lo, hi], nice: false, zero: false };
  const d = values.map((v) => v.d).sort((a, b) => a - b);
  const median = d.length ? d[Math.floor((d.length - 1) / 2)] / 2 + d[Math.ceil((d.length - 1) / 2)] / 2 : NaN;
  const unit = 'log₁₀ M☉';
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: `${rows.length} galaxies; median Δ = ${fmt(median, 3)} dex; bars: p16–p84`, fontSize: 15, subtitleFontSize: 11, anchor: 'start' },
    data: { values },
    hconcat: [
      {
        width: 300,
        height: 300,
        layer: [
          { data: { values: [{ a: lo, b: lo }, { a: hi, b: hi }] }, mark: { type: 'line', color: '#888', strokeDash: [4, 3] }, encoding: { x: { field: 'a', type: 'quantitative', scale: sc }, y: { field: 'b', type: 'quantitative', scale: sc } } },
          { mark: { type: 'rule', color: '#4c78a8' }, encoding: { x: { field: 'xl', type: 'quantitative', scale: sc }, x2: { field: 'xh' }, y: { field: 'ys', type: 'quantitative', scale: sc } } },
          { mark: { type: 'rule', color: '#4c78a8' }, encoding: { x: { field: 'xi', type: 'quantitative', scale: sc }, y: { field: 'yl', type: 'quantitative', scale: sc }, y2: { field: 'yh' } } },
          {
            mark: { type: 'point', filled: true, size: 50, color: '#4c78a8' },
            encoding: { x: { field: 'xi', type: 'quantitative', scale: sc, title: `integrated-photometry log M* [${unit}]` }, y: { field: 'ys', type: 'quantitative', scale: sc, title: `Σ pixel log M* [${unit}]` } },
          },
          { mark: { type: 'text', dx: 8, dy: -8, fontSize: 10 }, encoding: { x: { field: 'xi', type: 'quantitative', scale: sc }, y: { field: 'ys', type: 'quantitative', scale: sc }, text: { field: 'id' } } },
        ],
      },
      {
        width: 300,
        height: 300,
        layer: [
          { data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
          {
            mark: { type: 'point', filled: true, size: 50, color: '#d62728' },
            encoding: { x: { field: 'xi', type: 'quantitative', scale: sc, title: `integrated-photometry log M* [${unit}]` }, y: { field: 'd', type: 'quantitative', title: 'Δ = log ΣM_pix − log M_int [dex]', scale: { zero: true, nice: true, padding: 16 } } },
          },
          { mark: { type: 'text', dx: 8, dy: -8, fontSize: 10 }, encoding: { x: { field: 'xi', type: 'quantitative', scale: sc }, y: { field: 'd', type: 'quantitative' }, text: { field: 'id' } } },
        ],
      },
    ],
    spacing: 40,
    resolve: { scale: { x: 'independent', y: 'independent' } },
    config: { aria: false },
  } as TopLevelSpec;
}
