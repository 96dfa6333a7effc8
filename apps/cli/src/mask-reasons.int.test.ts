import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { FLAG } from '@pixsed/core';
import { hasPythonModules, pythonExecutable } from '@pixsed/core/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const ready = hasPythonModules('astropy', 'numpy');
const REMOVAL = FLAG.NO_REDSHIFT | FLAG.NONFINITE_FLUX | FLAG.BAD_ERROR | FLAG.LOW_SNR;

describe.skipIf(!ready)(ready ? 'maps MASK: every segment pixel, kept or removed with its reason' : 'skipped: needs /usr/bin/python3 with astropy + numpy (Debian python3-astropy)', () => {
  it('with S/N > 40 some pixels of every demo galaxy are removed: MASK holds them with LOW_SNR, as many as the catalogue counts; BLANK only outside the segment', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pixsed-mask-')), 'o');
    const r = spawnSync(process.execPath, [bin, 'demo', '--out', out, '--quiet', '--set', 'stages.snr-mask.snrThreshold=40', '--set', 'stages.inference.samplesPerPixel=20'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rows = parse(readFileSync(join(out, 'galaxies.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const py = spawnSync(
      pythonExecutable(),
      [
        '-c',
        `from astropy.io import fits; import numpy as np, json, sys
out = {}
for g in range(1, 6):
    h = fits.open(sys.argv[1] + f'/maps/galaxy_{g}.fits', do_not_scale_image_data=True)['MASK']
    d = h.data.astype(np.int64)
    seg = d != h.header['BLANK']
    out[g] = {"segment": int(seg.sum()), "low": int((seg & ((d & ${FLAG.LOW_SNR}) != 0)).sum()), "removed": int((seg & ((d & ${REMOVAL}) != 0)).sum()), "kept": int((seg & ((d & ${REMOVAL}) == 0)).sum())}
print(json.dumps(out))`,
        out,
      ],
      { encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    const masks = JSON.parse(py.stdout) as Record<string, { segment: number; low: number; removed: number; kept: number }>;
    for (const row of rows) {
      const m = masks[row.galaxy_id];
      expect(m.segment, `galaxy ${row.galaxy_id}`).toBe(Number(row.n_pixels_segment));
      expect(m.kept).toBe(Number(row.n_pixels));
      expect(m.low).toBe(Number(row.n_pixels_masked_LOW_SNR));
      expect(m.low).toBeGreaterThan(0);
      expect(m.removed).toBe(Number(row.n_pixels_segment) - Number(row.n_pixels));
    }
  }, 180_000);
});
