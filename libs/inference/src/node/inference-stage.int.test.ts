import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { batchFromColumns, column, FlagRegistry, listColumn, minimalStreamInfo, RunStats, STANDARD_FLAGS, type StageContext } from '@pixsed/core';
import { createInference, inferenceStageSchema } from './inference-stage.js';

const script = resolve(__dirname, '../../../model/test-scripts/make_toy_model.py');
const hasOnnx = spawnSync('/usr/bin/python3', ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0;
const bands = ['f277w', 'f356w', 'f444w'];

/** A toy model: linear-Gaussian ONNX graph (exact posterior known) plus a valid manifest with realistic training ranges. */
function toyModel() {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-inf-'));
  const r = spawnSync('/usr/bin/python3', [script, dir, '--realistic-ranges', ...bands], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return dir;
}

function pixels(n: number, opts: { dropBand?: string; z?: number; noGalaxyId?: boolean } = {}) {
  const cols: Record<string, Float32Array | Int32Array | Uint32Array> = {
    x: Int32Array.from({ length: n }, (_, i) => i),
    y: new Int32Array(n),
    ...(opts.noGalaxyId ? {} : { galaxy_id: new Int32Array(n).fill(1) }),
    z: new Float32Array(n).fill(opts.z ?? 1.5),
    flags: new Uint32Array(n),
  };
  bands.forEach((b, k) => {
    if (b === opts.dropBand) return;
    cols[`flux_${b}_njy`] = Float32Array.from({ length: n }, (_, i) => (i === 1 ? 0.3 : 50 + 10 * k + i));
    cols[`flux_${b}_err_njy`] = new Float32Array(n).fill(1);
  });
  return batchFromColumns(cols, { 'pixsed.bands': bands.filter((b) => b !== opts.dropBand).join(',') });
}

function ctx(): StageContext {
  const flags = new FlagRegistry();
  STANDARD_FLAGS.forEach((f) => flags.register(f));
  return { stageName: 'inference', pipelineDir: '.', outDir: '.', flags, stats: new RunStats(), signal: new AbortController().signal, log: () => undefined, stream: minimalStreamInfo('test', []) } as StageContext;
}

describe.skipIf(!hasOnnx)(hasOnnx ? 'inference stage (toy linear-Gaussian model)' : 'skipped: needs /usr/bin/python3 with onnx + numpy (Debian python3-onnx) to build the toy model', () => {
  const dir = hasOnnx ? toyModel() : '';
  const cfg = inferenceStageSchema.parse({ model: 'model.onnx', samplesPerPixel: 400, batchRows: 3 });

  it('adds mean/std/p16/p50/p84 per parameter and sample lists; deterministic per seed', async () => {
    const { kernel, model } = await createInference(cfg, dir);
    const out = await kernel(pixels(8), ctx());
    for (const p of ['log_mstar', 'log_sfr100']) for (const s of ['mean', 'std', 'p16', 'p50', 'p84']) expect(column(out, `${p}_${s}`).length).toBe(8);
    const samples = listColumn(out, 'log_mstar_samples');
    expect(samples.listSize).toBe(400);
    expect(samples.values.length).toBe(8 * 400);
    // toy model: std of parameter 0 is 0.1 exactly → sample std within 10 %
    for (const v of column(out, 'log_mstar_std')) expect(Math.abs(v / 0.1 - 1)).toBeLessThan(0.1);
    const again = await (await createInference(cfg, dir)).kernel(pixels(8), ctx());
    expect(Array.from(column(again, 'log_mstar_p50'))).toEqual(Array.from(column(out, 'log_mstar_p50')));
    // a stream without galaxy_id (no photo-z galaxies): the stage does not need it
    const noGid = await (await createInference(cfg, dir)).kernel(pixels(8, { noGalaxyId: true }), ctx());
    expect(Array.from(column(noGid, 'log_mstar_p50'))).toEqual(Array.from(column(out, 'log_mstar_p50')));
    const other = await (await createInference({ ...cfg, seed: 9 }, dir)).kernel(pixels(8), ctx());
    expect(Array.from(column(other, 'log_mstar_p50'))).not.toEqual(Array.from(column(out, 'log_mstar_p50')));
    const withInfo = await createInference(cfg, dir, minimalStreamInfo('test', bands));
    expect(withInfo.info?.inference?.parameters.map((p) => p.name).join(',')).toBe('log_mstar,log_sfr100');
    await withInfo.model.close();
    await model.close();
  });

  it('flags non-detections and out-of-support pixels', async () => {
    const { kernel } = await createInference(cfg, dir);
    const out = await kernel(pixels(4, { z: 9 }), ctx());
    const flags = column(out, 'flags');
    const nonDet = 1 << STANDARD_FLAGS.find((f) => f.name === 'NON_DETECTION')!.bit;
    const oos = 1 << STANDARD_FLAGS.find((f) => f.name === 'OUT_OF_SUPPORT')!.bit;
    expect(flags[1] & nonDet).toBeTruthy();
    expect(flags[0] & nonDet).toBeFalsy();
    expect(Array.from(flags).every((f) => f & oos)).toBe(true); // z = 9 is outside 0–7.5
  });

  it('refuses data whose bands do not match the model, unless allowMissingBands (then flags)', async () => {
    // the StreamInfo names the data bands: the mismatch fails in create(), before any batch
    const without = minimalStreamInfo('test', bands.filter((b) => b !== 'f356w'));
    await expect(createInference(cfg, dir, without)).rejects.toThrow(/expects bands f277w, f356w, f444w; the data lack f356w/);
    // without band facts, the first batch's columns are checked
    const { kernel } = await createInference(cfg, dir);
    await expect(kernel(pixels(2, { dropBand: 'f356w' }), ctx())).rejects.toThrow(/expects bands f277w, f356w, f444w; the data lack f356w/);
    const lenient = await createInference({ ...cfg, allowMissingBands: true }, dir, without);
    expect(lenient.info?.inference?.parameters.map((p) => p.name)).toEqual(lenient.model.parameters);
    expect(lenient.info?.inference?.model.sha256).toBe(lenient.model.sha256);
    const out = await lenient.kernel(pixels(2, { dropBand: 'f356w' }), ctx());
    const miss = 1 << STANDARD_FLAGS.find((f) => f.name === 'MISSING_BAND')!.bit;
    expect(Array.from(column(out, 'flags')).every((f) => f & miss)).toBe(true);
  });

  it('names the manifest file and path of a broken manifest', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'pixsed-badman-'));
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ name: 'x', version: '1', survey: 's', bands: ['f444w'] }));
    await expect(createInference({ ...cfg, model: join(bad, 'model.onnx') }, '.')).rejects.toThrow(/manifest\.json[\s\S]*features/);
  });

  it('bounds samplesPerPixel (≤ 100000) and the bytes per onnxruntime call (≤ 2 GiB), naming the keys', async () => {
    const r = inferenceStageSchema.safeParse({ model: 'model.onnx', samplesPerPixel: 1e9 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['samplesPerPixel']);
    const big = inferenceStageSchema.parse({ model: 'model.onnx', samplesPerPixel: 100000, batchRows: 4096 });
    await expect(createInference(big, dir)).rejects.toThrow(/samplesPerPixel 100000 × batchRows 4096 × 2 parameters × 4 bytes = 3\.1 GiB per onnxruntime call exceeds 2 GiB/);
  });

  it("seeds each pixel from (seed, x, y): the same pixel gets the same posterior in any batch at any position", async () => {
    const { kernel } = await createInference(cfg, dir);
    const a = await kernel(pixels(8), ctx());
    // the same 8 pixels reversed in one batch of 8 (batchRows 3: they fall in different onnxruntime calls)
    const rev = pixels(8);
    const cols = Object.fromEntries(rev.schema.fields.map((f) => [f.name, Array.from(column(rev, f.name)).reverse()]));
    const b = await kernel(
      batchFromColumns(
        Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, k === 'x' || k === 'y' || k === 'galaxy_id' ? Int32Array.from(v) : k === 'flags' ? Uint32Array.from(v) : Float32Array.from(v)])),
        { 'pixsed.bands': bands.join(',') },
      ),
      ctx(),
    );
    expect(Array.from(column(b, 'log_mstar_p50')).reverse()).toEqual(Array.from(column(a, 'log_mstar_p50')));
    expect(Array.from(listColumn(b, 'log_mstar_samples').values.subarray(0, 400))).toEqual(Array.from(listColumn(a, 'log_mstar_samples').values.subarray(7 * 400, 8 * 400)));
  });
});

