/**
 * Fault suite for per-band validity through the PSF stage (issue 14, "Bad pixels in PSF-matched bands become
 * measurements"). Every case copies the committed demo mosaic (six of its bands) to a temp dir, pokes invalid
 * values into one band plane with the FITS writer, runs mosaic → psf → snr-mask → (arrow-ipc, galaxies) in
 * process with the survey's defaults (no targetBand, no snrBands: F444W and F277W/F356W/F444W from survey.json),
 * and compares with the clean run of the same layout. Expected sets are geometric: a matched band is missing
 * within the kernel radius ceil(5 σ_k) (σ_k² = σ_target² − σ_band², Gaussian PSFs of survey.json) of a poked
 * pixel, an unmatched band (target f444w, pass-through f460m) at the poked pixel only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { FLAG, runPipeline, type RunSummary } from '@pixsed/core';
import { loadPipeline } from '@pixsed/core/node';
import { readFitsImage, writeFitsImage } from '@pixsed/fits/node';
import { abMagFeatures } from '@pixsed/model';
import { createRegistry } from './registry.js';

const root = resolve(__dirname, '..', '..', '..');
const mosaic = join(root, 'test-data/mosaic');
const ready = existsSync(join(mosaic, 'survey.json'));
const N = 256;
const BANDS = ['f090w', 'f150w', 'f277w', 'f356w', 'f444w', 'f460m'];
const SNR = ['f277w', 'f356w', 'f444w'];
const UNMATCHED = ['f444w', 'f460m'];
const STRIP_ROWS = 64;
const TILE_COLS = 100;
const HALO = 16;
const key = (x: number, y: number) => y * N + x;
/** temp folders made here, removed after the suites */
const made: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

interface Rect {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
interface Poke {
  band: string;
  plane: 'sci' | 'err';
  rect: Rect; // inclusive
  value: number;
}
type Variant = 'err' | 'wht' | 'edge';

interface Run {
  summary: RunSummary;
  rows: Map<number, number>;
  col: (name: string) => ArrayLike<number>;
  galaxies: Record<string, string>[];
  psfTarget: string | null;
}

/** Kernel radius per band in pixels (0 for unmatched bands), from the survey's Gaussian FWHMs. */
function radii(): Record<string, number> {
  const survey = JSON.parse(readFileSync(join(mosaic, 'survey.json'), 'utf8')) as { bands: { name: string; psfFwhmArcsec: number }[] };
  const sigmaPx = (b: string) => survey.bands.find((x) => x.name === b)!.psfFwhmArcsec / 0.03 / (2 * Math.sqrt(2 * Math.LN2));
  return Object.fromEntries(BANDS.map((b) => [b, UNMATCHED.includes(b) ? 0 : Math.ceil(5 * Math.sqrt(sigmaPx('f444w') ** 2 - sigmaPx(b) ** 2))]));
}

async function setUp(variant: Variant, pokes: Poke[], kernels: string): Promise<string> {
  const dir = tempDir(`pixsed-fault-${variant}-`);
  for (const b of BANDS) for (const p of ['sci', 'err']) copyFileSync(join(mosaic, `${b}_${p}.fits`), join(dir, `${b}_${p}.fits`));
  const survey = JSON.parse(readFileSync(join(mosaic, 'survey.json'), 'utf8'));
  let catalog = readFileSync(join(mosaic, 'catalog.csv'), 'utf8');
  copyFileSync(join(mosaic, 'segmentation.fits'), join(dir, 'segmentation.fits'));
  const rewrite = async (file: string, edit: (d: Float32Array) => void) => {
    const img = await readFitsImage(file);
    const data = Float32Array.from(img.data);
    edit(data);
    await writeFitsImage(file, { width: img.width, height: img.height, data, header: img.header.toRecord() as Record<string, string | number | boolean | null> });
  };
  if (variant === 'wht') {
    // weight maps: w = 1/σ² (survey errorKind WHT, σ = 1/√w; w = 0 outside coverage)
    survey.files.errorKind = 'WHT';
    for (const b of BANDS) await rewrite(join(dir, `${b}_err.fits`), (d) => d.forEach((s, i) => (d[i] = 1 / (s * s))));
  }
  if (variant === 'edge') {
    // a galaxy (id 6) in the mosaic's bottom-left corner, so edge pixels are kept (all of its pixels: no S/N cut)
    await rewrite(join(dir, 'segmentation.fits'), (d) => {
      for (let y = 0; y < 30; y++) for (let x = 0; x < 30; x++) d[key(x, y)] = 6;
    });
    catalog = catalog.trimEnd() + '\n6,53.1605,-27.7815,1.0000\n';
  }
  writeFileSync(join(dir, 'survey.json'), JSON.stringify(survey));
  writeFileSync(join(dir, 'catalog.csv'), catalog);
  for (const p of pokes) {
    await rewrite(join(dir, `${p.band}_${p.plane}.fits`), (d) => {
      for (let y = p.rect.y0; y <= p.rect.y1; y++) for (let x = p.rect.x0; x <= p.rect.x1; x++) d[key(x, y)] = p.value;
    });
  }
  writeFileSync(
    join(dir, 'p.yaml'),
    `name: fault
source:
  type: mosaic
  survey: survey.json
  imageDir: .
  bands: [${BANDS.join(', ')}]
  segmentation: segmentation.fits
  catalog: catalog.csv
  stripRows: ${STRIP_ROWS}
  tileColumns: ${TILE_COLS}
  haloRows: ${HALO}
stages:
  - type: psf
    passThroughBands: [f460m]
    cacheDir: ${kernels}
  - type: snr-mask
${variant === 'edge' ? '    snrThreshold: -1.0e30\n' : ''}sinks:
  - type: arrow-ipc
  - type: galaxies
    quicklooksDir: ""
`,
  );
  return dir;
}

async function run(dir: string): Promise<Run> {
  const config = await loadPipeline(join(dir, 'p.yaml'), createRegistry());
  const out = join(dir, 'out');
  const summary = await runPipeline(config, { outDir: out, pipelineDir: config.dir, log: () => undefined });
  const table = tableFromIPC(readFileSync(join(out, 'pixels.arrows')));
  const cols = new Map<string, ArrayLike<number>>();
  const col = (name: string) => {
    let c = cols.get(name);
    if (!c) {
      const v = table.getChild(name);
      if (!v) throw new Error(`no column ${name}`);
      c = v.toArray() as ArrayLike<number>;
      cols.set(name, c);
    }
    return c;
  };
  const xs = col('x');
  const ys = col('y');
  const rows = new Map<number, number>();
  for (let i = 0; i < table.numRows; i++) rows.set(key(xs[i], ys[i]), i);
  const galaxies = parse(readFileSync(join(out, 'galaxies.csv')), { columns: true }) as Record<string, string>[];
  return { summary, rows, col, galaxies, psfTarget: (JSON.parse(table.schema.metadata.get('pixsed.stream') ?? '{}') as { psf?: { targetBand: string } }).psf?.targetBand ?? null };
}

/** Pixels within `r` (Chebyshev) of any rect, clipped to the mosaic. */
function dilate(rects: Rect[], r: number): Set<number> {
  const s = new Set<number>();
  for (const q of rects) {
    for (let y = Math.max(0, q.y0 - r); y <= Math.min(N - 1, q.y1 + r); y++) for (let x = Math.max(0, q.x0 - r); x <= Math.min(N - 1, q.x1 + r); x++) s.add(key(x, y));
  }
  return s;
}

/** Does the input rect (core ± halo) of the source tile holding pixel k overlap a poked rect? */
function tileTouches(k: number, rects: Rect[]): boolean {
  const x = k % N;
  const y = Math.floor(k / N);
  const ty0 = Math.floor(y / STRIP_ROWS) * STRIP_ROWS - HALO;
  const ty1 = Math.floor(y / STRIP_ROWS) * STRIP_ROWS + STRIP_ROWS - 1 + HALO;
  const tx0 = Math.floor(x / TILE_COLS) * TILE_COLS - HALO;
  const tx1 = Math.floor(x / TILE_COLS) * TILE_COLS + TILE_COLS - 1 + HALO;
  return rects.some((q) => q.x0 <= tx1 && q.x1 >= tx0 && q.y0 <= ty1 && q.y1 >= ty0);
}

interface Outcome {
  affected: Record<string, number>;
  dropped: number;
}

/** Every assertion of a fault against the clean run; returns the affected-pixel counts (kept in the clean run). */
function check(clean: Run, poked: Run, pokes: Poke[], segment: Map<number, number>): Outcome {
  const R = radii();
  const rectsOf = (b: string) => pokes.filter((p) => p.band === b).map((p) => p.rect);
  const A: Record<string, Set<number>> = Object.fromEntries(BANDS.map((b) => [b, dilate(rectsOf(b), R[b])]));
  // pixels that lose an S/N band (= required band) are dropped as NONFINITE_FLUX
  const D = new Set<number>();
  for (const b of SNR) for (const k of A[b]) if (clean.rows.has(k)) D.add(k);
  const keptExpected = [...clean.rows.keys()].filter((k) => !D.has(k)).sort((a, b) => a - b);
  expect([...poked.rows.keys()].sort((a, b) => a - b)).toEqual(keptExpected);
  // the NaN reason: every in-segment pixel that lost an S/N band (it outranks LOW_SNR)
  const inSeg = new Set<number>();
  for (const b of SNR) for (const k of A[b]) if (segment.has(k)) inSeg.add(k);
  const nonfinite = inSeg.size;
  expect(clean.summary.droppedByReason.NONFINITE_FLUX ?? 0).toBe(0);
  expect(poked.summary.droppedByReason.NONFINITE_FLUX ?? 0).toBe(nonfinite);
  expect(poked.summary.droppedByReason.OUTSIDE_SEGMENTATION).toBe(clean.summary.droppedByReason.OUTSIDE_SEGMENTATION);
  expect(poked.summary.rowsOut + Object.values(poked.summary.droppedByReason).reduce((a, b) => a + b, 0)).toBe(N * N);

  const mismatches: string[] = [];
  const bad = (m: string) => mismatches.length < 10 && mismatches.push(m);
  const mbP = poked.col('missing_bands');
  const flP = poked.col('flags');
  const flC = clean.col('flags');
  const mbC = clean.col('missing_bands');
  const affected: Record<string, number> = Object.fromEntries(BANDS.map((b) => [b, 0]));
  const tol = Object.fromEntries(
    BANDS.flatMap((b) => ['njy', 'err_njy'].map((u) => {
      const c = clean.col(`flux_${b}_${u}`);
      let m = 0;
      for (let i = 0; i < c.length; i++) m = Math.max(m, Math.abs(c[i]));
      return [`flux_${b}_${u}`, 1e-5 * m];
    })),
  );
  for (const [k, i] of poked.rows) {
    const j = clean.rows.get(k)!;
    if (mbC[j] !== 0) bad(`clean run has missing_bands ${mbC[j]} at ${k}`);
    let bits = 0;
    let viaKernel = false;
    BANDS.forEach((b, bi) => {
      if (A[b].has(k)) {
        bits |= 1 << bi;
        if (!UNMATCHED.includes(b)) viaKernel = true;
        affected[b]++;
      }
    });
    if (mbP[i] !== bits) bad(`pixel ${k % N},${Math.floor(k / N)}: missing_bands ${mbP[i]}, expected ${bits}`);
    const want = (flC[j] & ~(FLAG.MISSING_BAND | FLAG.PSF_MASKED)) | (bits ? FLAG.MISSING_BAND : 0) | (viaKernel ? FLAG.PSF_MASKED : 0);
    if (flP[i] !== want) bad(`pixel ${k % N},${Math.floor(k / N)}: flags ${flP[i]}, expected ${want}`);
    for (const b of BANDS) {
      const poked_b = rectsOf(b);
      for (const name of [`flux_${b}_njy`, `flux_${b}_err_njy`]) {
        const p = poked.col(name)[i];
        const c = clean.col(name)[j];
        if (A[b].has(k)) {
          if (!Number.isNaN(p)) bad(`${name} at ${k % N},${Math.floor(k / N)}: ${p}, expected NaN (band missing)`);
        } else if (!poked_b.length || !tileTouches(k, poked_b)) {
          if (!Object.is(p, c)) bad(`${name} at ${k % N},${Math.floor(k / N)}: ${p} ≠ clean ${c} (must be bit-identical)`);
        } else if (!(Math.abs(p - c) <= tol[name])) bad(`${name} at ${k % N},${Math.floor(k / N)}: ${p} vs clean ${c} (beyond FFT rounding ${tol[name]})`);
      }
    }
  }
  expect(mismatches).toEqual([]);

  // galaxies.csv: each band sum covers exactly the kept pixels where the band is valid
  const keptOf = (r: Run, g: number) => [...r.rows].filter(([, i]) => r.col('galaxy_id')[i] === g).map(([k]) => k);
  expect(poked.galaxies.map((g) => g.galaxy_id)).toEqual(clean.galaxies.map((g) => g.galaxy_id));
  for (const [gi, gc] of clean.galaxies.entries()) {
    const gp = poked.galaxies[gi];
    const g = Number(gc.galaxy_id);
    const keptC = keptOf(clean, g);
    const keptP = keptOf(poked, g);
    expect(Number(gc.n_pixels)).toBe(keptC.length);
    expect(Number(gp.n_pixels)).toBe(keptC.length - keptC.filter((k) => D.has(k)).length);
    const incomplete: string[] = [];
    for (const b of BANDS) {
      expect(Number(gc[`flux_${b}_sum_n_pixels`])).toBe(keptC.length);
      const lost = keptP.filter((k) => A[b].has(k)).length;
      expect(Number(gp[`flux_${b}_sum_n_pixels`]), `galaxy ${g} ${b}`).toBe(Number(gp.n_pixels) - lost);
      if (lost) incomplete.push(b);
      // the sum is over the valid pixels only: Σ clean flux over kept pixels outside the missing set
      const f = clean.col(`flux_${b}_njy`);
      const expectSum = keptP.filter((k) => !A[b].has(k)).reduce((s, k) => s + f[clean.rows.get(k)!], 0);
      const got = Number(gp[`flux_${b}_sum_njy`]);
      if (keptP.length === lost) expect(gp[`flux_${b}_sum_njy`]).toBe('nan'); // the catalogue writes NaN as astropy and pandas do
      else expect(Math.abs(got - expectSum)).toBeLessThanOrEqual(1e-4 * Math.abs(expectSum) + 1e-3);
    }
    expect(gp.bands_incomplete).toBe(incomplete.join(' '));
    expect(gc.footprint_complete).toBe('1');
    // removed for invalid data: a segment pixel of this galaxy lost an S/N band
    const lostInvalid = [...inSeg].some((k) => segment.get(k) === g);
    expect(gp.footprint_complete, `galaxy ${g}`).toBe(incomplete.length || lostInvalid ? '0' : '1');
    expect(Number(gp.n_bands_incomplete)).toBe(incomplete.length);
  }
  return { affected, dropped: D.size };
}

const rect = (x: number, y: number, half = 2): Rect => ({ x0: x - half, x1: x + half, y0: y - half, y1: y + half });
const G1 = { x: 72, y: 74 };
const G2 = { x: 186, y: 70 };
const G3 = { x: 70, y: 186 };
const G4 = { x: 184, y: 184 };
const G5 = { x: 130, y: 128 };

interface Case {
  name: string;
  variant?: Variant;
  pokes: Poke[];
  /** extra expectations on the outcome */
  expect?: (o: Outcome, poked: Run) => void;
}

const cases: Case[] = [
  { name: 'NaN block in a matched non-S/N band (f150w) at the centre of galaxy 1', pokes: [{ band: 'f150w', plane: 'sci', rect: rect(G1.x, G1.y), value: NaN }] },
  { name: '+Inf science block (f150w, galaxy 2)', pokes: [{ band: 'f150w', plane: 'sci', rect: rect(G2.x, G2.y), value: Infinity }] },
  { name: '−Inf science block (f150w, galaxy 5)', pokes: [{ band: 'f150w', plane: 'sci', rect: rect(G5.x, G5.y), value: -Infinity }] },
  { name: 'σ = 0 block (f150w, galaxy 3)', pokes: [{ band: 'f150w', plane: 'err', rect: rect(G3.x, G3.y), value: 0 }] },
  { name: 'σ < 0 block (f150w, galaxy 4)', pokes: [{ band: 'f150w', plane: 'err', rect: rect(G4.x, G4.y), value: -1 }] },
  { name: 'σ = NaN block (f150w, galaxy 1)', pokes: [{ band: 'f150w', plane: 'err', rect: rect(G1.x + 3, G1.y - 2), value: NaN }] },
  { name: 'σ = +Inf block (f150w, galaxy 2)', pokes: [{ band: 'f150w', plane: 'err', rect: rect(G2.x - 3, G2.y + 1, 1), value: Infinity }] },
  { name: 'weight 0 in a WHT map (f150w, galaxy 1): σ = ∞ is a missing band, not a confident non-detection', variant: 'wht', pokes: [{ band: 'f150w', plane: 'err', rect: rect(G1.x, G1.y, 3), value: 0 }] },
  {
    name: 'whole-NaN science plane (f090w): MISSING_BAND on every pixel, a missing (not non-detected) model feature',
    pokes: [{ band: 'f090w', plane: 'sci', rect: { x0: 0, x1: N - 1, y0: 0, y1: N - 1 }, value: NaN }],
    expect: (o, poked) => {
      expect(o.affected.f090w).toBe(poked.rows.size);
      const n = poked.rows.size;
      const f = abMagFeatures({ flux: [poked.col('flux_f090w_njy')], err: [poked.col('flux_f090w_err_njy')], z: poked.col('z'), n, fillMag: [99], fillMagErr: [9] });
      expect(Array.from(f.missing).every((m) => m === 1)).toBe(true);
      expect(Array.from(f.nonDetected).every((m) => m === 0)).toBe(true);
    },
  },
  { name: 'NaN in the target band (f444w, not convolved): the pixel itself, dropped as NONFINITE_FLUX (S/N band)', pokes: [{ band: 'f444w', plane: 'sci', rect: rect(G1.x, G1.y, 1), value: NaN }], expect: (o) => expect(o.dropped).toBe(9) },
  { name: 'σ = NaN in the target band (f444w, galaxy 2): dropped, counted', pokes: [{ band: 'f444w', plane: 'err', rect: rect(G2.x, G2.y, 0), value: NaN }], expect: (o) => expect(o.dropped).toBe(1) },
  { name: 'NaN in a matched S/N band (f277w) at the centre of galaxy 1: dropped, not kept at 1.7 nJy', pokes: [{ band: 'f277w', plane: 'sci', rect: rect(G1.x, G1.y), value: NaN }], expect: (o) => expect(o.dropped).toBeGreaterThan(25) },
  { name: 'σ = 0 in a matched S/N band (f356w, galaxy 5): dropped', pokes: [{ band: 'f356w', plane: 'err', rect: rect(G5.x, G5.y, 1), value: 0 }], expect: (o) => expect(o.dropped).toBeGreaterThan(9) },
  { name: 'NaN in a pass-through band (f460m, galaxy 1): the pixel itself, kept with the band missing', pokes: [{ band: 'f460m', plane: 'sci', rect: rect(G1.x, G1.y), value: NaN }], expect: (o) => expect(o.affected.f460m).toBe(25) },
  { name: 'NaN block across a strip (y = 64) and a tile (x = 200) boundary, read through both halos (f150w, galaxy 2)', pokes: [{ band: 'f150w', plane: 'sci', rect: { x0: 197, x1: 202, y0: 61, y1: 66 }, value: NaN }] },
  { name: 'single NaN pixels each side of a strip boundary (f277w at y = 127, 128; galaxy 5)', pokes: [{ band: 'f277w', plane: 'sci', rect: { x0: 131, x1: 131, y0: 127, y1: 128 }, value: NaN }] },
  { name: 'NaN block at the mosaic corner (f150w, x 0–3, y 0–3) over a corner galaxy', variant: 'edge', pokes: [{ band: 'f150w', plane: 'sci', rect: { x0: 0, x1: 3, y0: 0, y1: 3 }, value: NaN }], expect: (o) => expect(o.affected.f150w).toBe((4 + 10) ** 2) },
  {
    name: 'two bands at once (f150w NaN, f090w σ = 0, overlapping, galaxy 3): both bits in missing_bands',
    pokes: [
      { band: 'f150w', plane: 'sci', rect: rect(G3.x, G3.y, 1), value: NaN },
      { band: 'f090w', plane: 'err', rect: rect(G3.x + 4, G3.y, 1), value: 0 },
    ],
  },
];

describe.skipIf(!ready)(ready ? 'per-band validity through psf → snr-mask → galaxies (fault suite on the demo mosaic)' : 'skipped: needs test-data/mosaic', () => {
  const kernels = tempDir('pixsed-fault-kernels-');
  const clean: Partial<Record<Variant, Run>> = {};
  let segment: Map<number, number>; // mosaic pixel → galaxy id (> 0)
  let edgeSegment: Map<number, number>;
  beforeAll(async () => {
    for (const v of ['err', 'wht', 'edge'] as Variant[]) clean[v] = await run(await setUp(v, [], kernels));
    const seg = await readFitsImage(join(mosaic, 'segmentation.fits'));
    segment = new Map([...seg.data.keys()].filter((k) => seg.data[k] > 0).map((k) => [k, seg.data[k]]));
    edgeSegment = new Map(segment);
    for (let y = 0; y < 30; y++) for (let x = 0; x < 30; x++) edgeSegment.set(key(x, y), 6);
  }, 120_000);

  it('the clean run takes F444W and F277W/F356W/F444W from the survey and has no missing band', () => {
    const c = clean.err!;
    expect(c.psfTarget).toBe('f444w');
    expect(Array.from(c.col('missing_bands')).every((m) => m === 0)).toBe(true);
    expect(c.summary.rowsPerFlag.MISSING_BAND ?? 0).toBe(0);
    expect(c.galaxies.every((g) => g.n_bands_incomplete === '0' && g.bands_incomplete === '')).toBe(true);
    // snr-mask used the survey's S/N bands: every kept pixel has mean f/σ over F277W, F356W, F444W above 5
    const snr = (i: number) => SNR.reduce((s, b) => s + c.col(`flux_${b}_njy`)[i] / c.col(`flux_${b}_err_njy`)[i], 0) / SNR.length;
    expect([...c.rows.values()].every((i) => snr(i) > 5)).toBe(true);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const variant = c.variant ?? 'err';
      const poked = await run(await setUp(variant, c.pokes, kernels));
      const o = check(clean[variant]!, poked, c.pokes, variant === 'edge' ? edgeSegment : segment);
      // every case must hit kept pixels, or it proves nothing
      expect(Object.values(o.affected).reduce((a, b) => a + b, 0) + o.dropped).toBeGreaterThan(0);
      c.expect?.(o, poked);
    }, 60_000);
  }
});

describe.skipIf(!ready)(ready ? 'an HST pipeline (built-in survey hst) with no targetBand / snrBands' : 'skipped: needs test-data/mosaic', () => {
  // HST-named planes (hlsp_frontier_hst_{band}_drz/_rms.fits, RMS errors) made from demo-mosaic bands
  const HST: Record<string, string> = { f606w: 'f606w', f814w: 'f814w', f125w: 'f277w', f140w: 'f356w', f160w: 'f444w' };
  const fwhm: Record<string, number> = { f606w: 0.09, f814w: 0.1, f125w: 0.12, f140w: 0.13, f160w: 0.15 };
  const pipeline = (dir: string, extra: string, snr: string) =>
    writeFileSync(
      join(dir, 'p.yaml'),
      `name: hst
source:
  type: mosaic
  survey: hst
  imageDir: .
  bands: [${Object.keys(HST).join(', ')}]
  segmentation: segmentation.fits
  catalog: catalog.csv
  stripRows: 64
  haloRows: 16
stages:
  - type: psf
    cacheDir: kernels
    psfs: { ${Object.entries(fwhm).map(([b, f]) => `${b}: { fwhmArcsec: ${f} }`).join(', ')} }${extra}
  - type: snr-mask${snr}
sinks:
  - type: arrow-ipc
  - type: galaxies
    quicklooksDir: ""
`,
    );
  const make = () => {
    const dir = tempDir('pixsed-hst-');
    for (const [h, j] of Object.entries(HST)) {
      copyFileSync(join(mosaic, `${j}_sci.fits`), join(dir, `hlsp_frontier_hst_${h}_drz.fits`));
      copyFileSync(join(mosaic, `${j}_err.fits`), join(dir, `hlsp_frontier_hst_${h}_rms.fits`));
    }
    for (const f of ['segmentation.fits', 'catalog.csv']) copyFileSync(join(mosaic, f), join(dir, f));
    return dir;
  };

  it('matches to F160W and selects on F125W/F140W/F160W, exactly as when they are set explicitly', async () => {
    const dir = make();
    pipeline(dir, '', '');
    const byDefault = await run(dir);
    expect(byDefault.psfTarget).toBe('f160w');
    // F160W (the target) is not convolved: its values are the input file's; F606W is convolved
    const sci160 = (await readFitsImage(join(dir, 'hlsp_frontier_hst_f160w_drz.fits'))).data;
    const sci606 = (await readFitsImage(join(dir, 'hlsp_frontier_hst_f606w_drz.fits'))).data;
    let same606 = 0;
    for (const [k, i] of byDefault.rows) {
      expect(byDefault.col('flux_f160w_njy')[i]).toBe(sci160[k]);
      if (byDefault.col('flux_f606w_njy')[i] === sci606[k]) same606++;
    }
    expect(same606).toBeLessThan(byDefault.rows.size / 100);
    const snr = (r: Run, i: number) => ['f125w', 'f140w', 'f160w'].reduce((s, b) => s + r.col(`flux_${b}_njy`)[i] / r.col(`flux_${b}_err_njy`)[i], 0) / 3;
    expect(byDefault.rows.size).toBeGreaterThan(100);
    expect([...byDefault.rows.values()].every((i) => snr(byDefault, i) > 5)).toBe(true);

    const dir2 = make();
    pipeline(dir2, '\n    targetBand: f160w', '\n    snrBands: [f125w, f140w, f160w]');
    const explicit = await run(dir2);
    expect([...explicit.rows.keys()]).toEqual([...byDefault.rows.keys()]);
    expect(Array.from(explicit.col('flux_f606w_njy'))).toEqual(Array.from(byDefault.col('flux_f606w_njy')));
    expect(explicit.summary.droppedByReason).toEqual(byDefault.summary.droppedByReason);

    // an explicit setting wins over the survey's: S/N on F160W alone keeps a different pixel set
    const dir3 = make();
    pipeline(dir3, '', '\n    snrBands: [f160w]');
    const f160only = await run(dir3);
    expect(f160only.rows.size).not.toBe(byDefault.rows.size);
  }, 60_000);
});
