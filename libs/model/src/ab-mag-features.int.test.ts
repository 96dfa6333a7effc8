import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { abMagFeatures, AB_ZERO_POINT_NJY } from './ab-mag-features.js';
import { pythonExecutable } from '@pixsed/core/node';

const trainDir = resolve(__dirname, '../../../tools/train');
const ready = existsSync(join(trainDir, 'pixsed_train/features.py')) && spawnSync(pythonExecutable(), ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

function cases() {
  // bands: detection, non-detection (f < σ), negative flux, missing (NaN), zero error, very bright (clip)
  const flux = [
    [100, 0.5, -3, NaN, 10, 1e12],
    [50, 50, 50, 50, 50, 50],
  ];
  const err = [
    [2, 1, 1, 1, 0, 1],
    [5, 5, 5, 5, 5, 5],
  ];
  return { flux, err, z: [0.5, 1, 2, 3, 4, 5], n: 6 };
}

describe('ab-mag-err-z features', () => {
  it('follows the documented rule on hand-checked values', () => {
    const c = cases();
    const r = abMagFeatures({ ...c, fillMag: [28, 29], fillMagErr: [0.3, 0.4] });
    const nf = r.nFeatures;
    expect(nf).toBe(9);
    expect(r.features[0]).toBeCloseTo(-2.5 * Math.log10(100) + AB_ZERO_POINT_NJY, 5); // 26.4
    expect(r.features[2]).toBeCloseTo((2.5 / Math.LN10) * 0.02, 6);
    expect(r.features[nf + 0]).toBeCloseTo(31.4, 5); // 1σ limit of σ = 1 nJy
    expect(r.features[nf + 4]).toBe(1); // nondet flag
    expect(r.features[3 * nf + 0]).toBe(28); // missing → fill
    expect(r.features[3 * nf + 6]).toBe(1); // missing flag
    expect(r.features[4 * nf + 6]).toBe(1); // zero error → missing
    expect(r.features[5 * nf + 0]).toBe(10); // clipped bright end
    expect(r.features[5 * nf + 8]).toBe(5); // z
    expect(Array.from(r.nonDetected)).toEqual([0, 1, 1, 0, 0, 0]);
    expect(Array.from(r.missing)).toEqual([0, 0, 0, 1, 1, 0]);
  });

  it('without z (photo-z transform ab-mag-err) the features are the same minus the last column; withZ without z is refused', () => {
    const c = cases();
    const withZ = abMagFeatures({ ...c, fillMag: [28, 29], fillMagErr: [0.3, 0.4] });
    const noZ = abMagFeatures({ ...c, z: undefined, withZ: false, fillMag: [28, 29], fillMagErr: [0.3, 0.4] });
    expect(noZ.nFeatures).toBe(8);
    for (let i = 0; i < c.n; i++) expect(Array.from(noZ.features.subarray(i * 8, i * 8 + 8))).toEqual(Array.from(withZ.features.subarray(i * 9, i * 9 + 8)));
    expect(() => abMagFeatures({ ...c, z: undefined, fillMag: [28, 29], fillMagErr: [0.3, 0.4] })).toThrow(/needs a z per row/);
  });

  it.skipIf(!ready)('matches the trainer reference implementation (tools/train/pixsed_train/features.py) bit for bit in float32', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-feat-'));
    const n = 500;
    const flux: number[][] = [[], [], []];
    const err: number[][] = [[], [], []];
    const z: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < 3; b++) {
        const u = Math.sin(i * 12.9898 + b * 78.233) * 43758.5453;
        const frac = u - Math.floor(u);
        flux[b].push(i % 17 === b ? NaN : (frac - 0.2) * 10 ** (1 + 3 * frac));
        err[b].push(i % 23 === b ? 0 : 0.5 + frac * 5);
      }
      z.push((i % 75) / 10);
    }
    writeFileSync(join(dir, 'in.json'), JSON.stringify({ flux, err, z }).replaceAll('null', 'NaN'));
    const py = `import json, sys, numpy as np
sys.path.insert(0, ${JSON.stringify(trainDir)})
from pixsed_train.features import compute_features
d = json.loads(open(${JSON.stringify(join(dir, 'in.json'))}).read().replace('NaN', 'NaN'), parse_constant=float)
f = np.array(d['flux']).T; s = np.array(d['err']).T
out = compute_features(f, s, np.array(d['z']), np.array([27.0, 28.0, 29.0]), np.array([0.2, 0.3, 0.4]))
out.astype('<f4').tofile(${JSON.stringify(join(dir, 'out.f32'))})`;
    const r = spawnSync(pythonExecutable(), ['-c', py], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ref = new Float32Array(readFileSync(join(dir, 'out.f32')).buffer.slice(0));
    const ours = abMagFeatures({ flux, err, z, n, fillMag: [27, 28, 29], fillMagErr: [0.2, 0.3, 0.4] }).features;
    expect(ours.length).toBe(ref.length);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ref[i]));
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });
});
