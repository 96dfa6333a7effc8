import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, minimalStreamInfo, ModelMismatchError, SchemaError, type StreamInfo } from '@pixsed/core';
import { TileModel } from './tile-model.js';
import { createTileModel } from './tile-model-stage.js';

/** The committed 1×1-convolution fixture (test-fixtures/make_pointwise_model.py): maps[o] = Σ_c W[o,c] x[c] + b[o]. */
const fixture = resolve(__dirname, '../../test-fixtures/pointwise');
const Wt = (o: number, c: number) => (((o + 1) * (c + 2)) % 7 - 3) / 10;
const Bt = (o: number) => o / 10 - 0.5;
const tmp = mkdtempSync(join(tmpdir(), 'pixsed-tile-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture with its manifest edited by `edit`. */
let k = 0;
function variant(edit: (m: any) => void): string {
  const dir = join(tmp, `v${k++}`);
  cpSync(fixture, dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  edit(m);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

const stream = (patch: Partial<StreamInfo> = {}): StreamInfo => ({
  ...minimalStreamInfo('test', ['f150w', 'f277w', 'f356w', 'f444w']),
  pixelScaleArcsec: 0.03,
  psf: { targetBand: 'f444w', passThroughBands: [], kernelCacheKeys: {} },
  galaxies: [],
  ...patch,
});

describe('TileModel', () => {
  it('runs the graph in onnxruntime-node: equal to the 1×1 convolution computed here', async () => {
    const m = await TileModel.load(join(fixture, 'model.onnx'));
    const n = 2;
    const input = Float32Array.from({ length: n * 6 * 256 }, (_, i) => Math.sin(i * 0.37) * 3);
    const out = await m.run(input, n);
    for (let t = 0; t < n; t++) {
      for (const p of [0, 17, 255]) {
        for (let o = 0; o < 4; o++) {
          let e = Bt(o);
          for (let c = 0; c < 6; c++) e += Wt(o, c) * input[t * 6 * 256 + c * 256 + p];
          expect(out[t * 4 * 256 + o * 256 + p]).toBeCloseTo(e, 5);
        }
      }
    }
    expect(m.bands).toEqual(['f444w', 'f356w', 'f277w', 'f150w']);
    await m.close();
  });

  const faults: [string, () => string, RegExp, new (...a: any[]) => Error][] = [
    ['a replaced ONNX file (sha256 differs from modelSha256)', () => variant((m) => (m.modelSha256 = 'b'.repeat(64))), /pins modelSha256 b{64}/, ModelMismatchError],
    ['a manifest without input.heightPx', () => variant((m) => delete m.input.heightPx), /Invalid tile-model manifest in .*manifest\.json:\n {2}- input\.heightPx/, ConfigError],
    ['a manifest of another kind', () => variant((m) => (m.kind = 'posterior')), /kind/, ConfigError],
    ['an unknown normalisation', () => variant((m) => (m.input.normalisation = 'log')), /input\.normalisation/, ConfigError],
    ['a band twice in input.channels', () => variant((m) => (m.input.channels[1].band = 'f444w')), /input\.channels\[1\]\.band: band f444w appears twice/, ConfigError],
    ['fewer output parameters than the graph has channels', () => variant((m) => m.output.parameters.pop()), /output 'maps' has shape \[1, 4, 16, 16\], expected \[1, 2, 16, 16\] from .*manifest\.json output\.parameters \(1/, ModelMismatchError],
    ['fewer input channels than the graph takes', () => variant((m) => m.input.channels.pop()), /does not accept \[1, 5, 16, 16\] as .*manifest\.json input\.channels \(5\)/, ModelMismatchError],
    ['an input name the graph lacks', () => variant((m) => (m.input.name = 'img')), /no input 'img' \(inputs: image\), as .*manifest\.json input\.name says/, ModelMismatchError],
    ['no manifest beside the model', () => join(tmp, 'nowhere', 'model.onnx'), /tile-model manifest not found: .*nowhere\/manifest\.json/, ModelMismatchError],
  ];
  for (const [what, path, message, cls] of faults) {
    it(`refuses ${what}`, async () => {
      const err = await TileModel.load(path()).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(cls);
      expect(err!.message).toMatch(message);
    });
  }
});

describe('tile-model stage: checks of the stream against the manifest in create()', () => {
  const cases: [string, Partial<StreamInfo> | (() => string), RegExp, number?][] = [
    ['data at another pixel scale', { pixelScaleArcsec: 0.06 }, /pixel scale is 0\.0600000″, but .*manifest\.json input\.pixelScaleArcsec is 0\.03″/],
    ['a model band absent from the data', { ...minimalStreamInfo('test', ['f277w', 'f356w', 'f444w']) }, /manifest\.json input\.channels\[3\]\.band is f150w, absent from the data/],
    ['a stream without the psf stage', { psf: undefined }, /no psf stage before this one: .*PSF-matched bands/],
    ['a stream already masked', { mask: { snrBands: ['f444w'], snrThreshold: 5, comparison: '>' } }, /already masked .* put tile-model after psf and before snr-mask/],
    ['bands matched to another PSF', { psf: { targetBand: 'f356w', passThroughBands: [], kernelCacheKeys: {} } }, /matched to the f356w PSF, but .*manifest\.json psf\.targetBand is f444w/],
    ['a model band passed through unmatched', { psf: { targetBand: 'f444w', passThroughBands: ['f150w'], kernelCacheKeys: {} } }, /bands f150w of .*input\.channels are passed through unmatched/],
    ['a stream without galaxy boxes', { galaxies: undefined }, /no galaxy boxes/],
    ['an overlap as large as the model input', {}, /stages\.tile-model\.overlapPx: 16 must be less than the model input size 16 px/, 16],
  ];
  for (const [what, patch, message, overlapPx] of cases) {
    it(`refuses ${what}`, async () => {
      const s = { ...stream(), ...(patch as Partial<StreamInfo>) };
      const err = await createTileModel({ model: join(fixture, 'model.onnx'), overlapPx: overlapPx ?? 4, tilesPerRun: 8, threads: 1 }, '/', s).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect([ConfigError, ModelMismatchError, SchemaError].some((c) => err instanceof c)).toBe(true);
      expect(err!.message).toMatch(message);
    });
  }

  it('accepts a matching stream and states the model in StreamInfo.tileModel', async () => {
    const t = await createTileModel({ model: join(fixture, 'model.onnx'), overlapPx: 4, tilesPerRun: 8, threads: 1 }, '/', stream());
    expect(t.info!.tileModel).toEqual({ parameters: [{ name: 'log_mstar', unit: 'dex(Msun)' }, { name: 'av', unit: 'mag' }], model: { name: 'pointwise-test', version: '0.0.1', sha256: '732ba8a3f5727cbce376a59eae1417f28443d0c086beb3c1cc05c385b8803fd9', head: 'gaussian-mean-logsigma' } });
    await t.model.close();
  });
});
