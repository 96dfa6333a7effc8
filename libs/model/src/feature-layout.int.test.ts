import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { abMagFeatures } from './ab-mag-features.js';
import { featureLayout } from './feature-layout.js';
import { modelManifestSchema } from './model-manifest.js';
import { pythonExecutable } from '@pixsed/core/node';

const root = resolve(__dirname, '../../..');
const py = pythonExecutable();
const hasPy = existsSync(py) && spawnSync(py, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
// the per-pixel posterior manifests (an image model for the tile-model stage, `kind: tile-model`, has no feature layout)
const manifests = readdirSync(join(root, 'test-data/models'))
  .map((d) => join(root, 'test-data/models', d, 'manifest.json'))
  .filter((f) => existsSync(f) && JSON.parse(readFileSync(f, 'utf8')).kind !== 'tile-model');

describe('featureLayout', () => {
  it('names and offsets the blocks: mag, mag_err, nondet, missing per band, then z', () => {
    const L = featureLayout(['a', 'b']);
    expect(L.names).toEqual(['mag_a', 'mag_b', 'mag_err_a', 'mag_err_b', 'nondet_a', 'nondet_b', 'missing_a', 'missing_b', 'z']);
    expect([L.mag.offset, L.magErr.offset, L.nondet.offset, L.missing.offset, L.z.offset, L.count]).toEqual([0, 2, 4, 6, 8, 9]);
    expect(L.supportChecked).toEqual([0, 1, 2, 3, 8]);
  });

  it('without z (a photo-z model, transform ab-mag-err) the z block is empty and not support-checked', () => {
    const L = featureLayout(['a', 'b'], false);
    expect(L.names).toEqual(['mag_a', 'mag_b', 'mag_err_a', 'mag_err_b', 'nondet_a', 'nondet_b', 'missing_a', 'missing_b']);
    expect([L.z.offset, L.z.length, L.count]).toEqual([8, 0, 8]);
    expect(L.supportChecked).toEqual([0, 1, 2, 3]);
    expect(featureLayout({ bands: ['a', 'b'], features: { transform: 'ab-mag-err' } }).count).toBe(8);
    expect(featureLayout({ bands: ['a', 'b'], features: { transform: 'ab-mag-err-z' } }).count).toBe(9);
  });

  it('is the layout of every shipped manifest', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(3);
    for (const f of manifests) {
      const m = modelManifestSchema.parse(JSON.parse(readFileSync(f, 'utf8')));
      expect(featureLayout(m).names, f).toEqual(m.features.names);
    }
  });

  it('abMagFeatures uses the manifest zero point and error factor', () => {
    const base = { flux: [[100]], err: [[10]], z: [0], n: 1, fillMag: [0], fillMagErr: [0] };
    const ab = abMagFeatures(base).features;
    const other = abMagFeatures({ ...base, rule: { snrMin: 1, magErrNonDet: 5, magClip: [0, 50], magZeroPoint: 23.9, magErrFactor: 1 } }).features;
    expect(ab[0] - other[0]).toBeCloseTo(31.4 - 23.9, 5);
    expect(other[1]).toBeCloseTo(0.1, 6); // 1 × 10 / 100
  });

  it.skipIf(!hasPy)(hasPy ? 'agrees with tools/train/pixsed_train/features.py feature_layout for the shipped manifests' : `skipped: ${py} with numpy not found (Debian python3-numpy)`, () => {
    const code = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(join(root, 'tools/train'))})`,
      'from pixsed_train.features import feature_layout',
      'ms = [json.load(open(f)) for f in sys.argv[1:]]',
      'print(json.dumps([feature_layout(m["bands"], m["features"]["transform"] == "ab-mag-err-z") for m in ms]))',
    ].join('\n');
    const r = spawnSync(py, ['-c', code, ...manifests], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const fromPy = JSON.parse(r.stdout) as Record<string, unknown>[];
    manifests.forEach((f, i) => {
      const ts = featureLayout(JSON.parse(readFileSync(f, 'utf8')) as { bands: string[]; features: { transform: string } });
      const { supportChecked: _, ...comparable } = ts;
      expect(fromPy[i], f).toEqual(comparable);
    });
  });
});
