#!/usr/bin/env node
// Image/map training pairs for the tile-model stage, made the way the stage sees its inputs:
// libs/mocks random-galaxy mosaics (JADES noise and PSFs) → the mosaic source and the psf stage of pixsed (the demo's
// PSF matching) → GalaxyCutouts (the stage's own cutout holder) → fillTileInput (the stage's own input transform) on
// one canvas of the model's input size per galaxy (boxes larger than the input: the central crop), with the truth maps
// (libs/mocks truth_<param>.fits, NaN outside the segment) and the mean S/N map (meanSnrAt over the S/N bands) cut the
// same way. One shard of .npy files per mosaic:
//   node tools/train-cnn/make-stamps.mjs --config tools/train-cnn/jades-unet.yaml --split <data key, e.g. train|test> [--keep-mosaics]
// Needs ../shared/data (libs/mocks) and the built libs (npx nx run-many -t build).
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { defineSink, encodeNpy, galaxiesComplete, meanSnrAt, PluginRegistry, runPipeline, validatePipeline } from '@pixsed/core';
import { mosaicSource } from '@pixsed/ingest/node';
import { psfStage } from '@pixsed/psf/node';
import { generateMockMosaic } from '@pixsed/mocks/node';
import { readFitsImage } from '@pixsed/fits/node';
import { fillTileInput, GalaxyCutouts, tileModelManifestSchema } from '@pixsed/tile-model';
import { z } from 'zod';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const { values } = parseArgs({ options: { config: { type: 'string' }, split: { type: 'string' }, 'keep-mosaics': { type: 'boolean' } } });
if (!values.config || !values.split) {
  process.stderr.write('usage: make-stamps.mjs --config CONFIG.yaml --split train|test [--keep-mosaics]\n');
  process.exit(2);
}
const cfg = parseYaml(readFileSync(values.config, 'utf8'));
const split = cfg.data[values.split];
if (!split) throw new Error(`${values.config}: no data.${values.split}`);
const work = join(HERE, '.work', cfg.name);
const outDir = join(work, `stamps-${values.split}`);
mkdirSync(outDir, { recursive: true });
const { heightPx: H, widthPx: W } = cfg.input;
const params = cfg.parameters.map((p) => p.name);
const snrBands = cfg.data.snrBands;

/** the channels of the manifest: scales come from data.scaleNjy (the PSF-matched 1σ per band, measured by --measure-scales) */
const scales = cfg.input.scaleNjy;
const channels = [...cfg.input.bands.map((band) => ({ kind: 'band', band, scaleNjy: scales[band] })), { kind: 'redshift', scale: cfg.input.redshiftScale }, { kind: 'segment' }];
const manifest = tileModelManifestSchema.parse({
  kind: 'tile-model', name: cfg.name, version: '0', model: 'model.onnx', modelSha256: '0'.repeat(64),
  input: { heightPx: H, widthPx: W, pixelScaleArcsec: 0.03, normalisation: 'asinh-flux-over-scale', channels },
  output: { head: 'gaussian-mean-logsigma', parameters: cfg.parameters },
  psf: { targetBand: cfg.psf.targetBand },
});
const C = channels.length;

const registry = () => new PluginRegistry().register(mosaicSource, psfStage, collector);
let shard;
const collector = defineSink({
  name: 'stamp-collector', version: '0', description: 'collects galaxy stamps', configSchema: z.strictObject({}),
  create: (_c, init) => {
    const bands = init.stream.bands.map((b) => b.name);
    const need = [...new Set([...cfg.input.bands, ...snrBands])];
    for (const b of need) if (!bands.includes(b)) throw new Error(`band ${b} not in the mosaic`);
    const cut = new GalaxyCutouts(init.stream.galaxies, need, 'stamps');
    const bi = cfg.input.bands.map((b) => need.indexOf(b));
    const si = snrBands.map((b) => need.indexOf(b));
    return {
      write(batch) {
        cut.add(batch);
        for (const box of galaxiesComplete(batch)) {
          const c = cut.take(box.id);
          if (!c || !Number.isFinite(c.z)) continue;
          const ox = c.width <= W ? -Math.floor((W - c.width) / 2) : Math.floor((c.width - W) / 2);
          const oy = c.height <= H ? -Math.floor((H - c.height) / 2) : Math.floor((c.height - H) / 2);
          const x = new Float32Array(C * H * W);
          // fillTileInput indexes bands through the channel order: map channel k → cutout band index
          fillTileInput(c, manifest, [...bi, -1, -1], ox, oy, x, 0);
          const t = new Float32Array(params.length * H * W).fill(NaN);
          const snr = new Float32Array(H * W).fill(NaN);
          for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
            const by = oy + i, bx = ox + j;
            if (by < 0 || by >= c.height || bx < 0 || bx >= c.width) continue;
            const p = by * c.width + bx;
            if (!c.segment[p]) continue;
            snr[i * W + j] = meanSnrAt(si.map((b) => c.flux[b]), si.map((b) => c.err[b]), p);
            const mx = box.x0 + bx, my = box.y0 + by;
            params.forEach((q, k) => { t[k * H * W + i * W + j] = shard.truth[q][my * shard.width + mx]; });
          }
          shard.x.push(x); shard.t.push(t); shard.snr.push(snr);
          shard.meta.push([shard.mosaic, box.id, c.z, box.x0 + ox, box.y0 + oy, c.width, c.height]);
        }
      },
      close: () => [],
    };
  },
});

const concat = (list, n) => { const out = new Float32Array(list.length * n); list.forEach((a, i) => out.set(a, i * n)); return out; };
const t0 = Date.now();
let total = 0;
for (let k = 0; k < split.mosaics; k++) {
  const seed = split.seed + k;
  const name = `shard-${String(seed).padStart(5, '0')}`;
  if (existsSync(join(outDir, `${name}.meta.npy`))) { process.stderr.write(`${name}: exists, skipped\n`); continue; }
  const mdir = join(work, `mosaic-${values.split}-${seed}`);
  // the training mosaics hold only the bands the model and the S/N use (faster); a split with allBands: true (the
  // held-out mosaics the per-pixel posterior also runs on) gets every survey band
  const bands = split.allBands ? undefined : [...new Set([...cfg.input.bands, ...snrBands])];
  // a split may override mosaic keys (e.g. a lower segmentation threshold: fainter outskirts, pixels at S/N < 10)
  await generateMockMosaic({ ...cfg.mosaic, ...(split.mosaic ?? {}), seed, ...(bands ? { bands } : {}) }, mdir, { configDir: REPO });
  const truth = {};
  for (const q of params) truth[q] = (await readFitsImage(join(mdir, `truth_${q}.fits`))).data;
  shard = { mosaic: seed, truth, width: cfg.mosaic.widthPx, x: [], t: [], snr: [], meta: [] };
  const pipeline = validatePipeline({
    name: 'stamps',
    source: { type: 'mosaic', survey: join(mdir, 'survey.json'), imageDir: mdir, segmentation: join(mdir, 'segmentation.fits'), catalog: join(mdir, 'catalog.csv'), stripRows: 64, haloRows: 16 },
    stages: [{ type: 'psf', targetBand: cfg.psf.targetBand, passThroughBands: bands ? cfg.psf.passThroughBands.filter((b) => bands.includes(b)) : cfg.psf.passThroughBands }],
    sinks: [{ type: 'stamp-collector' }],
  }, registry());
  await runPipeline(pipeline, { outDir: mdir, pipelineDir: REPO });
  const n = shard.x.length;
  writeFileSync(join(outDir, `${name}.x.npy`), encodeNpy(concat(shard.x, C * H * W), [n, C, H, W]));
  writeFileSync(join(outDir, `${name}.truth.npy`), encodeNpy(concat(shard.t, params.length * H * W), [n, params.length, H, W]));
  writeFileSync(join(outDir, `${name}.snr.npy`), encodeNpy(concat(shard.snr, H * W), [n, H, W]));
  writeFileSync(join(outDir, `${name}.meta.npy`), encodeNpy(Float64Array.from(shard.meta.flat()), [n, 7]));
  if (!values['keep-mosaics']) rmSync(mdir, { recursive: true, force: true });
  total += n;
  process.stderr.write(`${name}: ${n} stamps (total ${total}, ${((Date.now() - t0) / 1e3).toFixed(0)} s)\n`);
}
writeFileSync(join(outDir, 'stamps.json'), JSON.stringify({ channels, parameters: cfg.parameters, heightPx: H, widthPx: W, snrBands, metaColumns: ['mosaic_seed', 'galaxy_id', 'z', 'canvas_x0', 'canvas_y0', 'box_width', 'box_height'] }, null, 1) + '\n');
