import { z } from 'zod';
import { bandNameSchema } from '../band-name.js';
import { batchFromColumns } from '../batch.js';
import { FLAGS_COLUMN } from '../flags.js';
import { createPrng } from '../prng.js';
import { defineSource, type BatchSource } from '../stage.js';
import { minimalStreamInfo } from '../stream-info.js';

export const syntheticSourceSchema = z.strictObject({
  batches: z.number().int().min(1).default(16).describe('number of batches to produce'),
  rowsPerBatch: z.number().int().min(1).default(65536).describe('pixels per batch'),
  bands: z.array(bandNameSchema).min(1).default(['f277w', 'f356w', 'f444w']).describe('band names (lower case)'),
  width: z.number().int().min(1).default(1024).describe('pseudo-mosaic width in pixels (for x, y)'),
  seed: z.number().int().default(0),
  meanFluxNjy: z.number().positive().default(50).describe('mean pixel flux, nJy'),
  sigmaNjy: z.number().positive().default(5).describe('per-pixel 1σ noise, nJy'),
});
export type SyntheticSourceConfig = z.infer<typeof syntheticSourceSchema>;

/**
 * Synthetic pixel source for demos, tests and benchmarks: exponential fluxes plus Gaussian noise
 * in each band, `x`/`y` positions on a pseudo-mosaic, and the SYNTHETIC flag set.
 */
export function syntheticBatches(config: SyntheticSourceConfig): BatchSource {
  const { batches, rowsPerBatch: n, bands, width, seed, meanFluxNjy, sigmaNjy } = config;
  return {
    info: minimalStreamInfo('source:synthetic', bands, [
      { name: 'x', unit: 'px' },
      { name: 'y', unit: 'px' },
      ...bands.flatMap((b) => [
        { name: `flux_${b}_njy`, unit: 'nJy' },
        { name: `flux_${b}_err_njy`, unit: 'nJy' },
      ]),
      { name: FLAGS_COLUMN, unit: 'bitmask' },
    ]),
    totalRows: batches * n,
    totalBatches: batches,
    async *[Symbol.asyncIterator]() {
      const rng = createPrng(seed);
      for (let b = 0; b < batches; b++) {
        const cols: Record<string, Float32Array | Int32Array | Uint32Array> = {};
        const x = new Int32Array(n);
        const y = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const p = b * n + i;
          x[i] = p % width;
          y[i] = Math.floor(p / width);
        }
        cols.x = x;
        cols.y = y;
        for (const band of bands) {
          const f = new Float32Array(n);
          const e = new Float32Array(n);
          for (let i = 0; i < n; i++) {
            f[i] = -meanFluxNjy * Math.log(1 - rng.uniform()) + sigmaNjy * rng.normal();
            e[i] = sigmaNjy;
          }
          cols[`flux_${band}_njy`] = f;
          cols[`flux_${band}_err_njy`] = e;
        }
        cols[FLAGS_COLUMN] = new Uint32Array(n).fill(1 << 9);
        yield batchFromColumns(cols, { 'pixsed.batch': String(b) });
      }
    },
  };
}

export const syntheticSource = defineSource({
  name: 'synthetic',
  version: '0.2.0',
  description: 'synthetic pixels with exponential fluxes and Gaussian noise (demos, tests, benchmarks)',
  configSchema: syntheticSourceSchema,
  create: (config) => syntheticBatches(config),
});
