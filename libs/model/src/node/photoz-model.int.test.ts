// The shipped photo-z model (test-data/models/jades-delayed-tau-photz, tools/train/jades-delayed-tau-photz.yaml):
// its manifest declares z a parameter, PosteriorModel.infer takes no z, and z samples stay inside the logit prior.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FLAG } from '@pixsed/core';
import { PosteriorModel } from './posterior-model.js';

const dir = resolve(__dirname, '../../../../test-data/models/jades-delayed-tau-photz');
const shipped = existsSync(join(dir, 'manifest.json'));

describe.skipIf(!shipped)('shipped photo-z model jades-delayed-tau-photz', () => {
  it('infers z (no z input) for the trainer examples: samples inside the prior (0.01, 7.5), no NO_REDSHIFT', async () => {
    const model = await PosteriorModel.load(dir);
    expect(model.infersRedshift).toBe(true);
    expect(model.parameters).toEqual(['z', 'log_mstar', 'log_sfr100', 'log_age_mw', 'metallicity', 'av']);
    expect(model.layout.count).toBe(4 * 19);
    const ex = JSON.parse(readFileSync(join(dir, 'feature-examples.json'), 'utf8')) as { rows: { fluxNjy: (number | null)[]; errNjy: (number | null)[] }[] };
    const n = ex.rows.length;
    const col = (k: 'fluxNjy' | 'errNjy') => model.bands.map((_, b) => Float64Array.from(ex.rows, (r) => r[k][b] ?? NaN));
    const S = 200;
    const r = await model.infer({ n, flux: col('fluxNjy'), err: col('errNjy'), key: [Int32Array.from({ length: n }, (_, i) => i)] }, { samples: S, seed: 1, keep: ['z'] });
    expect(r.counts.NO_REDSHIFT).toBe(0);
    for (let i = 0; i < n * S; i++) {
      expect(r.kept.z[i]).toBeGreaterThan(0.01);
      expect(r.kept.z[i]).toBeLessThan(7.5);
    }
    for (let i = 0; i < n; i++) expect(r.flags[i] & FLAG.NO_REDSHIFT).toBe(0);
    await expect(model.infer({ n, flux: col('fluxNjy'), err: col('errNjy'), z: new Float64Array(n), key: [Int32Array.from({ length: n }, (_, i) => i)] }, { samples: 4, seed: 1 })).rejects.toThrow(/takes no z/);
    await model.close();
  });
});
