import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasData, missingDataMessage } from '@pixsed/core/node';
import { readParquet } from '@pixsed/parquet/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const pixsed = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const NEED = ['ssp/maraston05/sed.krz002.rhb', 'noise/jades/mean_sigma_jades_res_bins.npy', 'filters/jades-sbipix/filters_jades_no_wfc.dat'];
const ready = hasData(...NEED);

describe.skipIf(!ready)(ready ? 'pixsed simulate (catalogue formats)' : missingDataMessage(...NEED), () => {
  it('writes the same catalogue as csv, npy and parquet for one seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-sim-'));
    for (const f of ['csv', 'npy', 'parquet']) {
      const r = pixsed('simulate', '--survey', 'jades', '--n', '50', '--seed', '11', '--out', join(dir, f), '--format', f);
      expect(r.status, r.stderr).toBe(0);
    }
    const csv = readFileSync(join(dir, 'csv', 'catalog.csv'), 'utf8').trim().split('\n');
    const h = csv[0].split(',');
    expect(h.slice(0, 8)).toEqual(['log_mstar', 'log_sfr100', 'log_sfr10', 'log_age_mw', 't50_gyr', 'metallicity', 'av', 'z']);
    expect(h).toContain('flux_f444w_njy');
    expect(h).toContain('flux_f444w_err_njy');
    const cols = JSON.parse(readFileSync(join(dir, 'npy', 'catalog.columns.json'), 'utf8')).columns as string[];
    expect(cols).toEqual(h);
    const npy = readFileSync(join(dir, 'npy', 'catalog.npy'));
    const headerLen = npy.readUInt16LE(8);
    const m = new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + headerLen, npy.byteOffset + npy.byteLength));
    const pq = await readParquet(join(dir, 'parquet', 'catalog.parquet'));
    expect(pq.numRows).toBe(50);
    const k = h.indexOf('flux_f444w_njy');
    for (const row of [0, 17, 49]) {
      const v = Number(csv[row + 1].split(',')[k]);
      expect(m[row * h.length + k]).toBeCloseTo(v, 3);
      expect((pq.columns.flux_f444w_njy as Float32Array | Float64Array)[row]).toBeCloseTo(v, 3);
    }
    const bad = pixsed('simulate', '--n', 'ten', '--out', join(dir, 'x'), '--format', 'xls');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--n: expected a positive integer[\s\S]*--format: expected one of csv, npy, parquet/);
  }, 120_000);
});

const NEED_HST = [...NEED, 'filters/jades-sbipix/HST_ACS_WFC.F435W.dat', 'filters/jades-sbipix/HST_WFC3_IR.F160W.dat'];
const readyHst = hasData(...NEED_HST);

describe.skipIf(!readyHst)(readyHst ? 'pixsed simulate --survey (band set from the survey definition)' : missingDataMessage(...NEED_HST), () => {
  it('--survey hst simulates the 9 HST bands in the survey order; an unknown survey lists the known ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-sim-hst-'));
    const cfg = join(dir, 'sims.yaml');
    writeFileSync(cfg, 'noise: { mode: none }\n'); // the noise tables are JADES's
    const r = pixsed('simulate', '--survey', 'hst', '--n', '20', '--seed', '2', '--config', cfg, '--out', join(dir, 'hst'), '--format', 'csv');
    expect(r.status, r.stderr).toBe(0);
    const hst = ['f435w', 'f606w', 'f775w', 'f814w', 'f850lp', 'f105w', 'f125w', 'f140w', 'f160w'];
    const csv = readFileSync(join(dir, 'hst', 'catalog.csv'), 'utf8').trim().split('\n');
    const h = csv[0].split(',');
    expect(h.filter((c) => /^flux_[a-z0-9]+_njy$/.test(c))).toEqual(hst.map((b) => `flux_${b}_njy`));
    expect(h).not.toContain('flux_f444w_njy');
    const meta = JSON.parse(readFileSync(join(dir, 'hst', 'simulation.json'), 'utf8'));
    expect([meta.survey, meta.bands]).toEqual(['hst', hst]);
    const k = h.indexOf('flux_f160w_njy');
    expect(csv.slice(1).every((row) => Number(row.split(',')[k]) > 0)).toBe(true);
    const bad = pixsed('simulate', '--survey', 'euclid', '--n', '5', '--out', join(dir, 'x'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--survey: unknown survey 'euclid' \(known: jades, hst\)/);
    // the noise tables are JADES's: the WFC3/IR bands are named in a config error (exit 2), not simulated silently
    const noisy = pixsed('simulate', '--survey', 'hst', '--n', '5', '--out', join(dir, 'y'));
    expect(noisy.status).toBe(2);
    expect(noisy.stderr).toMatch(/noise\.mode: bands f105w, f125w, f140w, f160w have no noise statistics/);
  }, 120_000);
});
