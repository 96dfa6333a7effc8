import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline, type BatchSource } from '@pixsed/core';
import { loadPipeline } from '@pixsed/core/node';
import { createRegistry } from './registry.js';

const root = resolve(import.meta.dirname, '../../..');
const demo = join(root, 'pipelines/demo.yaml');
const ready = existsSync(join(root, 'test-data/mosaic/segmentation.fits')) && existsSync(join(root, 'test-data/models/jades-delayed-tau-affine/model.onnx'));
const out = mkdtempSync(join(tmpdir(), 'pixsed-vc-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** validate-config's check (`check: 'create'`) on the demo with `set`, counting the batches pulled from the source. */
async function check(set: string[]): Promise<{ error: unknown; pulled: number; iterators: number; stream?: unknown }> {
  const config = await loadPipeline(demo, createRegistry(), set);
  let pulled = 0;
  let iterators = 0;
  const def = config.source.def;
  config.source = {
    ...config.source,
    def: {
      ...def,
      create: async (c: never, init: never) => {
        const s = (await def.create(c, init)) as BatchSource;
        return {
          info: s.info,
          totalRows: s.totalRows,
          close: () => s.close?.() ?? Promise.resolve(),
          [Symbol.asyncIterator]() {
            iterators++;
            const it = s[Symbol.asyncIterator]();
            return { next: () => (pulled++, it.next()), return: (v?: unknown) => it.return?.(v) ?? Promise.resolve({ done: true, value: v }) } as AsyncIterator<never>;
          },
        } as BatchSource;
      },
    },
  };
  try {
    const s = await runPipeline(config, { outDir: out, pipelineDir: config.dir, check: 'create' });
    return { error: undefined, pulled, iterators, stream: s.stream };
  } catch (error) {
    return { error, pulled, iterators };
  }
}

describe.skipIf(!ready)(ready ? 'validate-config checks in create(), from the StreamInfo: no batch is pulled' : 'skipped: needs test-data/mosaic and the affine model', () => {
  it.each([
    ['haloRows 0 with a PSF stage', ['source.haloRows=0'], /needs 10 halo rows.*source\.haloRows/],
    ['no stages before galaxies', ['stages=[]'], /galaxies: .*put snr-mask before it/],
    ['an unknown target band', ['stages.psf.targetBand=f150m'], /psf\.targetBand: 'f150m' is not among the data bands/],
    ['a model/band mismatch', ['source.bands=[f277w,f356w,f444w]', 'stages.psf.passThroughBands=[]'], /the data lack f090w/],
  ])('%s fails in create() without reading a batch', async (_what, set, message) => {
    const r = await check(set.flatMap((s) => [s]));
    expect(String(r.error)).toMatch(message);
    expect(r.iterators).toBe(0);
    expect(r.pulled).toBe(0);
  }, 120_000);

  it('the good demo passes the check with no batch pulled, and the sinks receive the StreamInfo extended by every stage', async () => {
    const r = await check([]);
    expect(r.error).toBeUndefined();
    expect(r.pulled).toBe(0);
    const s = r.stream as { bands: unknown[]; psf?: { targetBand: string }; mask?: { snrBands: string[] }; inference?: { model: { sha256: string } } };
    expect(s.bands).toHaveLength(19);
    expect(s.psf?.targetBand).toBe('f444w');
    expect(s.mask?.snrBands).toEqual(['f277w', 'f356w', 'f444w']);
    expect(s.inference?.model.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
});
