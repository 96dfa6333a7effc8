import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasData, missingDataMessage } from '@pixsed/core/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const model = join(root, 'test-data/models/jades-delayed-tau/model.onnx');
const NEED = ['ssp/maraston05/sed.krz002.rhb', 'noise/jades/mean_sigma_jades_res_bins.npy'];
const ready = hasData(...NEED) && existsSync(model);

describe.skipIf(!ready)(ready ? 'pixsed validate on the shipped model' : `${missingDataMessage(...NEED)} (or the shipped model is missing)`, () => {
  it('prints per-parameter calibration metrics as JSON and writes the three PNG plots', () => {
    const out = mkdtempSync(join(tmpdir(), 'pixsed-val-'));
    const r = spawnSync(process.execPath, [bin, 'validate', '--model', model, '--n', '400', '--samples', '100', '--out', out, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const text = JSON.stringify(report);
    for (const p of ['log_mstar', 'log_sfr100', 'log_age_mw', 'metallicity', 'av']) expect(text).toContain(p);
    for (const k of ['r2', 'bias', 'coverage68', 'coverage95', 'atc', 'pValue']) expect(text).toContain(`"${k}"`);
    for (const f of ['pred_vs_true.png', 'coverage.png', 'sbc.png']) expect(readFileSync(join(out, f)).subarray(1, 4).toString()).toBe('PNG');
  }, 300_000);
});
