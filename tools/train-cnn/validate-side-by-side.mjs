#!/usr/bin/env node
// Side-by-side validation of the image model (tile-model stage) and the per-pixel posterior on held-out mock mosaics
// (make-stamps --split test --keep-mosaics: seeds never used in training; their stage logs are kept in stderr.log), against the mocks' truth maps.
//   node tools/train-cnn/validate-side-by-side.mjs --config tools/train-cnn/jades-unet.yaml [--samples 200] [--pp-model M.onnx] [--pp-only]
// Per mosaic two `pixsed run`s (cached under .work/<name>/side-by-side/): `pp` = psf → snr-mask (threshold −1e9: every
// segment pixel, so the posterior is also judged below S/N 5) → inference → parquet + galaxies; `cnn` = psf → tile-model →
// tile-maps. Both write maps in one format (p50, p16, p84 per parameter), so one code path scores both: per pixel with
// a finite truth and both predictions, bias = median(p50 − truth), NMAD = 1.4826 median|Δ − median Δ|, coverage68 =
// fraction with p16 ≤ truth ≤ p84, binned by the pixel's mean S/N over the S/N bands (from the pp run's PSF-matched
// fluxes, meanSnrAt); per galaxy log Σ_pixels 10^{log_mstar_p50} against truth.json log_mstar_footprint.
// Writes <model outDir>/validation-side-by-side.json and .md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { meanSnrAt } from '@pixsed/core';
import { readFitsImage } from '@pixsed/fits/node';
import { readParquet } from '@pixsed/parquet/node';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const { values } = parseArgs({ options: { config: { type: 'string' }, samples: { type: 'string', default: '200' }, 'pp-model': { type: 'string', default: 'test-data/models/jades-delayed-tau-affine/model.onnx' }, 'pp-only': { type: 'boolean' } } });
const cfg = parseYaml(readFileSync(values.config, 'utf8'));
const work = join(HERE, '.work', cfg.name);
const outDir = join(REPO, cfg.outDir);
const params = cfg.parameters.map((p) => p.name);
const snrBands = cfg.data.snrBands;
const bin = join(REPO, 'apps/cli/dist/main.js');
const seeds = Array.from({ length: cfg.data.test.mosaics }, (_, k) => cfg.data.test.seed + k);
const BINS = [['<5', -Infinity, 5], ['5-10', 5, 10], ['10-30', 10, 30], ['>30', 30, Infinity], ['all', -Infinity, Infinity]];

function run(kind, mdir, out) {
  if (existsSync(join(out, 'run-summary.json'))) return JSON.parse(readFileSync(join(out, 'run-summary.json'), 'utf8'));
  const src = `source: { type: mosaic, survey: ${mdir}/survey.json, imageDir: ${mdir}, segmentation: ${mdir}/segmentation.fits, catalog: ${mdir}/catalog.csv, stripRows: 64, haloRows: 16 }`;
  const psf = `  - { type: psf, targetBand: ${cfg.psf.targetBand}, passThroughBands: [${cfg.psf.passThroughBands.join(', ')}] }`;
  const yaml =
    kind === 'pp'
      ? `name: side-by-side-pp\n${src}\nstages:\n${psf}\n  - { type: snr-mask, snrBands: [${snrBands.join(', ')}], snrThreshold: -1.0e9 }\n  - { type: inference, model: ${resolve(REPO, values['pp-model'])}, samplesPerPixel: ${values.samples}, threads: 1 }\nsinks:\n  - { type: parquet, path: pixels.parquet }\n  - { type: galaxies, quicklooksDir: '' }\n`
      : `name: side-by-side-cnn\n${src}\nstages:\n${psf}\n  - { type: tile-model, model: ${join(outDir, 'model.onnx')}, threads: 1 }\nsinks:\n  - { type: tile-maps }\n`;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, '..', `${kind}.yaml`), yaml);
  const r = spawnSync(process.execPath, [bin, 'run', join(out, '..', `${kind}.yaml`), '--out', out, '--overwrite', '--no-report'], { encoding: 'utf8', cwd: REPO });
  if (r.status !== 0) throw new Error(`pixsed run ${kind} on ${mdir} failed:\n${r.stderr}`);
  writeFileSync(join(out, 'stderr.log'), r.stderr);
  return JSON.parse(readFileSync(join(out, 'run-summary.json'), 'utf8'));
}

const acc = { pp: {}, cnn: {} };
for (const m of ['pp', 'cnn']) for (const p of params) acc[m][p] = BINS.map(() => ({ d: [], cov: 0 }));
const galaxies = [];
const timing = { pp: { wall: 0, pixels: 0, galaxies: 0 }, cnn: { wall: 0, pixels: 0, galaxies: 0, modelSeconds: 0 } };
for (const seed of seeds) {
  const mdir = join(work, `mosaic-test-${seed}`);
  if (!existsSync(mdir)) throw new Error(`${mdir}: run make-stamps.mjs --split test --keep-mosaics first`);
  const base = join(work, 'side-by-side', String(seed));
  const spp = run('pp', mdir, join(base, 'pp'));
  if (values['pp-only']) continue;
  const scnn = run('cnn', mdir, join(base, 'cnn'));
  timing.pp.wall += spp.wallSeconds;
  timing.pp.samplesPerPixel = spp.stream.inference?.samplesPerPixel;
  timing.pp.pixels += spp.rowsOut;
  timing.cnn.wall += scnn.wallSeconds;
  const log = readFileSync(join(base, 'cnn', 'stderr.log'), 'utf8');
  const lm = /tile-model: .* on (\d+) galaxies \((\d+) segment pixels, \d+ tiles, ([\d.]+) s/.exec(log);
  if (lm) Object.assign(timing.cnn, { galaxies: timing.cnn.galaxies + Number(lm[1]), pixels: timing.cnn.pixels + Number(lm[2]), modelSeconds: timing.cnn.modelSeconds + Number(lm[3]) });
  timing.pp.galaxies += spp.stream.galaxies.length;
  const truth = {};
  for (const p of params) truth[p] = (await readFitsImage(join(mdir, `truth_${p}.fits`))).data;
  const tj = JSON.parse(readFileSync(join(mdir, 'truth.json'), 'utf8'));
  const W = tj.widthPx;
  // S/N of every segment pixel from the pp run's PSF-matched fluxes (all segment pixels are in it: threshold −1e9)
  const px = await readParquet(join(base, 'pp', 'pixels.parquet'));
  const snr = new Map();
  const f = snrBands.map((b) => px.columns[`flux_${b}_njy`]);
  const e = snrBands.map((b) => px.columns[`flux_${b}_err_njy`]);
  for (let i = 0; i < px.numRows; i++) snr.set(px.columns.y[i] * W + px.columns.x[i], meanSnrAt(f, e, i));
  for (const box of spp.stream.galaxies) {
    const bw = box.x1 - box.x0 + 1;
    const read = async (dir) => {
      const file = join(base, dir, `galaxy_${box.id}.fits`);
      if (!existsSync(file)) return undefined;
      const h = {};
      for (const [k, p] of params.entries()) for (const [s, stat] of ['p50', 'p16', 'p84'].entries()) h[`${p}_${stat}`] = (await readFitsImage(file, { hdu: 1 + 4 * k + s })).data;
      return h;
    };
    const maps = { pp: await read('pp/maps'), cnn: await read('cnn/maps-cnn') };
    const mass = { pp: 0, cnn: 0, ppAll: 0 };
    let n = 0;
    const tg = tj.galaxies.find((g) => g.id === box.id);
    for (let y = box.y0; y <= box.y1; y++) {
      for (let x = box.x0; x <= box.x1; x++) {
        const j = (y - box.y0) * bw + (x - box.x0);
        const s = snr.get(y * W + x);
        if (s === undefined || !maps.pp || !maps.cnn) continue; // not a segment pixel of this galaxy
        const mp = maps.pp.log_mstar_p50[j];
        const mc = maps.cnn.log_mstar_p50[j];
        if (!Number.isFinite(mp) || !Number.isFinite(mc)) continue;
        mass.pp += 10 ** mp;
        mass.cnn += 10 ** mc;
        n++;
        for (const p of params) {
          const t = truth[p][y * W + x];
          if (!Number.isFinite(t)) continue;
          for (const m of ['pp', 'cnn']) {
            const v = maps[m][`${p}_p50`][j];
            const hit = maps[m][`${p}_p16`][j] <= t && t <= maps[m][`${p}_p84`][j] ? 1 : 0;
            BINS.forEach(([, lo, hi], b) => {
              if (s >= lo && s < hi) {
                acc[m][p][b].d.push(v - t);
                acc[m][p][b].cov += hit;
              }
            });
          }
        }
      }
    }
    if (n && tg) galaxies.push({ mosaic: seed, id: box.id, z: tg.z, nPixels: n, truth: tg.log_mstar_footprint, cnn: Math.log10(mass.cnn), pp: Math.log10(mass.pp) });
  }
}

if (values['pp-only']) process.exit(0);
const median = (a) => {
  const s = Float64Array.from(a).sort();
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const stats = (b) => {
  const med = median(b.d);
  return { n: b.d.length, bias: med, nmad: 1.4826 * median(b.d.map((v) => Math.abs(v - med))), coverage68: b.d.length ? b.cov / b.d.length : NaN };
};
const table = Object.fromEntries(['pp', 'cnn'].map((m) => [m, Object.fromEntries(params.map((p) => [p, Object.fromEntries(BINS.map(([label], b) => [label, stats(acc[m][p][b])]))]))]));
const dm = (k) => galaxies.map((g) => g[k] - g.truth);
const massStats = (k) => {
  const d = dm(k);
  const med = median(d);
  return { n: d.length, medianDex: med, nmadDex: 1.4826 * median(d.map((v) => Math.abs(v - med))), within0p1: d.filter((v) => Math.abs(v) < 0.1).length / d.length };
};
const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'));
const result = {
  what: 'held-out mock mosaics (seeds ' + seeds.join(', ') + '), every segment pixel with a finite truth and both predictions; S/N = mean f/σ over ' + snrBands.join(', ') + ' after PSF matching',
  cnn: { model: manifest.name, version: manifest.version, sha256: manifest.modelSha256 },
  perPixel: { model: values['pp-model'], samplesPerPixel: timing.pp.samplesPerPixel, snrThreshold: -1e9 },
  pixels: table,
  sigmaMass: { cnn: massStats('cnn'), perPixel: massStats('pp'), galaxies },
  throughput: {
    cnn: { galaxies: timing.cnn.galaxies, segmentPixels: timing.cnn.pixels, modelSeconds: timing.cnn.modelSeconds, galaxiesPerSecond: timing.cnn.galaxies / timing.cnn.modelSeconds, pixelsPerSecond: timing.cnn.pixels / timing.cnn.modelSeconds, runWallSeconds: timing.cnn.wall },
    perPixel: { galaxies: timing.pp.galaxies, pixels: timing.pp.pixels, runWallSeconds: timing.pp.wall, galaxiesPerSecond: timing.pp.galaxies / timing.pp.wall, pixelsPerSecond: timing.pp.pixels / timing.pp.wall },
    note: 'cnn: time inside the image model (tile-model stage log); perPixel: whole-run wall clock (PSF matching included; its inference dominates). Shared 2-core machine: compare ratios only.',
  },
};
writeFileSync(join(outDir, 'validation-side-by-side.json'), JSON.stringify(result, null, 1) + '\n');
const f3 = (v, s = false) => (Number.isFinite(v) ? (s && v >= 0 ? '+' : '') + v.toFixed(3) : '–');
let md = `# Side-by-side validation: ${manifest.name} v${manifest.version} (CNN) vs the per-pixel posterior\n\n${result.what}. Per-pixel posterior: ${values['pp-model']}, ${timing.pp.samplesPerPixel} samples per pixel, no S/N cut. Cells: bias / NMAD (dex or mag) / 68 % coverage (n pixels).\n\n`;
for (const p of params) {
  md += `## ${p}\n\n| S/N | CNN | per-pixel posterior |\n|---|---|---|\n`;
  for (const [label] of BINS) {
    const c = table.cnn[p][label];
    const q = table.pp[p][label];
    md += `| ${label} | ${f3(c.bias, true)} / ${f3(c.nmad)} / ${f3(c.coverage68)} (${c.n}) | ${f3(q.bias, true)} / ${f3(q.nmad)} / ${f3(q.coverage68)} (${q.n}) |\n`;
  }
  md += '\n';
}
const sc = result.sigmaMass.cnn;
const sp = result.sigmaMass.perPixel;
md += `## Σ mass per galaxy (log Σ 10^{log_mstar_p50} − truth log_mstar_footprint)\n\n| | median Δ (dex) | NMAD (dex) | within 0.1 dex | galaxies |\n|---|---|---|---|---|\n| CNN | ${f3(sc.medianDex, true)} | ${f3(sc.nmadDex)} | ${f3(sc.within0p1)} | ${sc.n} |\n| per-pixel | ${f3(sp.medianDex, true)} | ${f3(sp.nmadDex)} | ${f3(sp.within0p1)} | ${sp.n} |\n\n`;
const t = result.throughput;
md += `## Throughput (shared 2-core machine)\n\nCNN: ${t.cnn.galaxies} galaxies, ${t.cnn.segmentPixels} segment pixels in ${t.cnn.modelSeconds.toFixed(1)} s of model time: ${t.cnn.galaxiesPerSecond.toFixed(2)} galaxies/s, ${t.cnn.pixelsPerSecond.toFixed(0)} px/s (run wall ${t.cnn.runWallSeconds.toFixed(1)} s).\nPer-pixel posterior: ${t.perPixel.pixels} pixels, run wall ${t.perPixel.runWallSeconds.toFixed(1)} s: ${t.perPixel.galaxiesPerSecond.toFixed(3)} galaxies/s, ${t.perPixel.pixelsPerSecond.toFixed(0)} px/s.\n`;
writeFileSync(join(outDir, 'validation-side-by-side.md'), md);
process.stdout.write(md);
