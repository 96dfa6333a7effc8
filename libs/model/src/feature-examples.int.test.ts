// The TypeScript feature transform against the trainer's own output: every shipped model's feature-examples.json
// (raw flux/err/z rows and the features tools/train/pixsed_train/features.py computed) through abMagFeatures with that
// model's manifest constants — z-conditioned models (ab-mag-err-z) and photo-z models (ab-mag-err, no z feature).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { abMagFeatures } from './ab-mag-features.js';
import { modelManifestSchema } from './model-manifest.js';

const models = resolve(__dirname, '../../../test-data/models');
const shipped = readdirSync(models).filter((d) => existsSync(join(models, d, 'feature-examples.json')) && existsSync(join(models, d, 'manifest.json')));

describe('feature-examples.json of the shipped models', () => {
  it.each(shipped)('%s: abMagFeatures reproduces the trainer features to 1e-5 · max(1, |x|)', (name) => {
    const m = modelManifestSchema.parse(JSON.parse(readFileSync(join(models, name, 'manifest.json'), 'utf8')));
    const ex = JSON.parse(readFileSync(join(models, name, 'feature-examples.json'), 'utf8')) as { bands: string[]; rows: { fluxNjy: (number | null)[]; errNjy: (number | null)[]; z: number; features: number[] }[] };
    expect(ex.bands).toEqual(m.bands);
    const n = ex.rows.length;
    const col = (k: 'fluxNjy' | 'errNjy') => m.bands.map((_, b) => Float64Array.from(ex.rows, (r) => r[k][b] ?? NaN));
    const withZ = m.features.transform === 'ab-mag-err-z';
    const f = m.features;
    const got = abMagFeatures({
      flux: col('fluxNjy'),
      err: col('errNjy'),
      ...(withZ ? { z: ex.rows.map((r) => r.z) } : {}),
      withZ,
      n,
      fillMag: f.missingBand.fillMag,
      fillMagErr: f.missingBand.fillMagErr,
      rule: { snrMin: f.nonDetection.snrMin, magErrNonDet: f.nonDetection.magErr, magClip: f.clip.mag, magZeroPoint: f.magZeroPoint, magErrFactor: f.magErrFactor },
    });
    expect(got.nFeatures).toBe(f.count);
    ex.rows.forEach((r, i) => {
      expect(r.features.length).toBe(f.count);
      r.features.forEach((x, j) => expect(Math.abs(got.features[i * f.count + j] - x), `${name} row ${i} ${f.names[j]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(x))));
    });
  });
});
