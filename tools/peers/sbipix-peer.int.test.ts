import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { ConfigError, DataFileError, PixsedError, sha256Hex } from '@pixsed/core';
import { dataPath, hasData, missingDataMessage, pythonExecutable } from '@pixsed/core/node';
import { simulateCatalog } from '@pixsed/simulator/node';
import { SBIPIX_BANDS, markdownReport, parseOptions, peerFiles, peerMetrics, readPeerOutput, runSbipixPeer, selectPeerRows, writePeerInput } from './sbipix-peer.mjs';
import { VENV_MARKER, ensureSbipixVenv, sbipixVenvDir, venvReady } from './sbipix-venv.mjs';

const PEER_FILES = ['peers/sbipix/peer.py', 'peers/sbipix/post_obs_jades_resolved_tau_z7.5_cpu.pkl', 'peers/sbipix/requirements.txt', 'noise/jades/background_noise_hainline.npy'];
const PARAMS = ['log_mstar', 'log_mformed', 'log_sfr', 'tau_gyr', 'ti_gyr', 'metallicity', 'av'];
const SNR_BANDS = ['f277w', 'f356w', 'f444w'];
const quiet = () => undefined;

const ENV_KEYS = ['PIXSED_DATA_DIR', 'PIXSED_SBIPIX_VENV', 'PIXSED_PYTHON', 'FAKE_PEER'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

/**
 * A catalogue with every SBIPIX band at 1000 nJy and σ = 1000/snr nJy, truths log_mstar = metallicity = av =
 * log_sfr100 = z, z spread over [7, 7.5]. Rows 0–9: S/N 20; 10–15: S/N 7; 16–17: S/N 3; 18: S/N 20 with z = 8
 * (fails z ≤ 7.5); 19: S/N 20 with log M* = 6 (fails log M* ≥ 7); 20: S/N 20 with a NaN A_V truth.
 */
function syntheticCatalog() {
  const n = 21;
  const snr = Float64Array.from({ length: n }, (_, i) => (i < 10 ? 20 : i < 16 ? 7 : i < 18 ? 3 : 20));
  const z = Float64Array.from({ length: n }, (_, i) => 7 + (0.5 * ((i * 8) % n)) / (n - 1));
  z[18] = 8;
  const columns: Record<string, Float64Array> = { z, log_mstar: z.slice(), metallicity: z.slice(), av: z.slice(), log_sfr100: z.slice() };
  columns.log_mstar[19] = 6;
  columns.av[20] = NaN;
  for (const b of SBIPIX_BANDS) {
    columns[`flux_${b}_njy`] = new Float64Array(n).fill(1000);
    columns[`flux_${b}_err_njy`] = Float64Array.from(snr, (s) => 1000 / s);
  }
  columns.flux_f850lp_njy[3] = NaN; // a missing band: written as nan, which peer.py reads as a non-detection
  return { n, columns, source: '<synthetic>' };
}

function writeCatalogCsv(file: string, catalog: ReturnType<typeof syntheticCatalog>) {
  const names = Object.keys(catalog.columns);
  const lines = [names.join(',')];
  for (let i = 0; i < catalog.n; i++) lines.push(names.map((c) => (Number.isFinite(catalog.columns[c][i]) ? String(catalog.columns[c][i]) : 'nan')).join(','));
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/**
 * peer.py stand-in (no torch), every parameter: p50 = z + 0.1, mean = p50 + 0.02, p16 = p50 − lo, p84 = p50 + hi,
 * std = hi with (lo, hi) = (0.5, 0.5) for row_id % 4 = 0, (0.05, 0.5) for % 4 = 2, (0.03, 0.03) for odd row ids: the truth
 * (Δ = 0.1 below p50) is inside [p16, p84] only for % 4 = 0, inside mean ± 1.96·std for even ids, and a > 3σ outlier
 * for odd ids. FAKE_PEER=fail exits 3; drop writes one row less; swap swaps two rows.
 */
const FAKE_PEER = `import argparse, csv, json, os, sys
ap = argparse.ArgumentParser()
for k in ['--model', '--noise', '--input', '--out', '--samples', '--mode', '--chunk', '--threads', '--sigma-rule']:
    ap.add_argument(k)
a = ap.parse_args()
mode = os.environ.get('FAKE_PEER', 'ok')
if mode == 'fail':
    print('boom: the fake peer refuses ' + a.input, file=sys.stderr); sys.exit(3)
rows = list(csv.DictReader(open(a.input)))
if mode == 'drop': rows = rows[:-1]
if mode == 'swap': rows[0], rows[1] = rows[1], rows[0]
P = ${JSON.stringify(PARAMS)}
with open(a.out, 'w', newline='') as fh:
    w = csv.writer(fh)
    cols = list(rows[0].keys())
    w.writerow(cols + [p + '_' + s for p in P for s in ('p16', 'p50', 'p84', 'mean', 'std')])
    for r in rows:
        m = float(r['z']) + 0.1
        lo, hi = {0: (0.5, 0.5), 2: (0.05, 0.5)}.get(int(r['row_id']) % 4, (0.03, 0.03))
        w.writerow([r[c] for c in cols] + [repr(x) for p in P for x in (m - lo, m, m + hi, m + 0.02, hi)])
print(json.dumps({'n': len(rows), 'samples': int(a.samples), 'mode': a.mode, 'seconds': 0.5, 'px_per_s': len(rows) / 0.5, 'stalled_rows': 0, 'fraction_outside_prior': 0.0}), file=sys.stderr)
`;

/** A reference-data folder with the fake peer, and a "ready" venv whose python is the system interpreter. */
function fakeSetup(root: string) {
  const data = join(root, 'data');
  const folder = join(data, 'peers', 'sbipix');
  mkdirSync(folder, { recursive: true });
  mkdirSync(join(data, 'noise', 'jades'), { recursive: true });
  writeFileSync(join(folder, 'peer.py'), FAKE_PEER);
  writeFileSync(join(folder, 'post_obs_jades_resolved_tau_z7.5_cpu.pkl'), 'not a model');
  writeFileSync(join(folder, 'requirements.txt'), 'numpy<2\n');
  writeFileSync(join(data, 'noise', 'jades', 'background_noise_hainline.npy'), 'unused by the fake');
  const venv = join(root, 'venv');
  mkdirSync(join(venv, 'bin'), { recursive: true });
  symlinkSync(pythonExecutable(), join(venv, 'bin', 'python'));
  writeFileSync(join(venv, VENV_MARKER), `${sha256Hex(readFileSync(join(folder, 'requirements.txt')))}\n`);
  process.env.PIXSED_DATA_DIR = data;
  process.env.PIXSED_SBIPIX_VENV = venv;
  const mocks = join(root, 'mocks');
  mkdirSync(mocks);
  writeCatalogCsv(join(mocks, 'catalog.csv'), syntheticCatalog());
  return { data, folder, venv, mocks };
}

describe('sbipix peer: row selection, CSV export, metric wiring (fake peer.py, no sbi)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'pixsed-sbipix-'));
    return () => rmSync(tmp, { recursive: true, force: true });
  });

  it('selects rows per S/N bin with pixsed validate’s rule, then log M* ≥ 7 and z ≤ 7.5, and counts each drop', () => {
    const cat = syntheticCatalog();
    const hi = selectPeerRows(cat, { snrBands: SNR_BANDS, bin: { minMeanSnr: 10, maxMeanSnr: Infinity }, minLogMstar: 7, maxZ: 7.5 });
    expect(hi.rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(hi.counts).toEqual({ nTotal: 21, nFailedSnr: 8, nNonFiniteTruth: 1, nFailedCuts: 2, nLimited: 0, nSelected: 10 });
    const mid = selectPeerRows(cat, { snrBands: SNR_BANDS, bin: { minMeanSnr: 5, maxMeanSnr: 10 }, minLogMstar: 7, maxZ: 7.5, limit: 4 });
    expect(mid.rows).toEqual([10, 11, 12, 13]);
    expect(mid.counts).toMatchObject({ nFailedSnr: 15, nNonFiniteTruth: 0, nFailedCuts: 0, nLimited: 2, nSelected: 4 });
  });

  it('writes peer.py’s input: row_id, z, then flux/err per SBIPIX band in nJy, nan for a missing value', () => {
    const cat = syntheticCatalog();
    const file = join(tmp, 'peer-input.csv');
    const header = writePeerInput(file, cat, [3, 10]);
    const expected = ['row_id', 'z', ...SBIPIX_BANDS.flatMap((b: string) => [`flux_${b}_njy`, `flux_${b}_err_njy`])];
    expect(header).toEqual(expected);
    expect(expected).toHaveLength(2 + 2 * 19);
    const recs = parseCsv(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(recs[0])).toEqual(expected);
    expect(recs.map((r) => Number(r.row_id))).toEqual([3, 10]);
    expect(Number(recs[0].z)).toBe(cat.columns.z[3]);
    expect(Number(recs[1].flux_f444w_njy)).toBe(1000);
    expect(Number(recs[1].flux_f444w_err_njy)).toBe(1000 / 7);
    expect(recs[0].flux_f850lp_njy).toBe('nan');
  });

  it('fake peer output with medians = truth + 0.1: bias 0.1, NMAD 0, R² and coverages as computed by hand', () => {
    const cat = syntheticCatalog();
    const rows = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const file = join(tmp, 'fake-output.csv');
    const lines = [['row_id', ...PARAMS.flatMap((p) => ['p16', 'p50', 'p84', 'mean', 'std'].map((s) => `${p}_${s}`))].join(',')];
    for (const i of rows) {
      const t = cat.columns.z[i];
      const [lo, hi] = i % 4 === 0 ? [0.5, 0.5] : i % 4 === 2 ? [0.05, 0.5] : [0.03, 0.03];
      const m = t + 0.1;
      lines.push([i, ...PARAMS.flatMap(() => [m - lo, m, m + hi, m + 0.02, hi])].join(','));
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out = readPeerOutput(file, rows);
    const truth = Object.fromEntries(['log_mstar', 'metallicity', 'av', 'log_sfr100'].map((c) => [c, Float64Array.from(rows, (i) => cat.columns[c][i])]));
    const metrics = peerMetrics(out, truth);
    expect(metrics.map((m: { name: string; truthColumn: string }) => [m.name, m.truthColumn])).toEqual([
      ['log_mstar', 'log_mstar'],
      ['metallicity', 'metallicity'],
      ['av', 'av'],
      ['log_sfr', 'log_sfr100'],
    ]);
    const t = rows.map((i) => cat.columns.z[i]);
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const r2 = 1 - (t.length * 0.01) / t.reduce((a, b) => a + (b - mean) ** 2, 0);
    for (const m of metrics) {
      expect(m.n).toBe(10);
      expect(m.bias).toBeCloseTo(0.1, 12);
      expect(m.meanBias).toBeCloseTo(0.1, 12);
      expect(m.scatterNmad).toBeLessThan(1e-12);
      expect(m.r2).toBeCloseTo(r2, 10);
      // rows 0, 4, 8 have the truth in [p16, p84]; even rows in mean ± 1.96·std; odd rows are > 3σ outliers (σ = (p84 − p16)/2)
      expect(m.coverage68).toBe(0.3);
      expect(m.coverage95Gauss).toBe(0.5);
      expect(m.outlierFraction).toBe(0.5);
    }
    expect(metrics.find((m: { name: string }) => m.name === 'log_sfr').indicative).toBe(true);
    expect(metrics.filter((m: { indicative: boolean }) => m.indicative)).toHaveLength(1);
  });

  it('runs the whole chain through a fake peer.py in a ready venv: JSON report, rows.csv for pixsed validate, timing', async () => {
    const { mocks } = fakeSetup(join(tmp, 'chain'));
    const out = join(tmp, 'chain', 'out');
    const opts = parseOptions(['--mocks', mocks, '--out', out, '--samples', '50', '--bins', '10:inf,5:10,100:inf'], tmp);
    const report = await runSbipixPeer(opts, quiet);
    expect(report.bins.map((b: { name: string }) => b.name)).toEqual(['snr-gt10', 'snr-5-10', 'snr-gt100']);
    expect(report.bins[2].skipped).toBe('0 rows selected');
    const md = markdownReport(report);
    expect(md).toMatch(/\| log_mstar \(log_mstar\) \| SBIPIX \| 10 \| [-0-9.]+ \| 0\.100 \| 0\.000 \| 0\.300 \| 0\.500 \|/);
    expect(md).toMatch(/100 < S\/N: skipped \(0 rows selected\)/);
    const [hi, mid] = report.bins;
    expect(hi.counts.nSelected).toBe(10);
    expect(mid.counts.nSelected).toBe(6);
    expect(hi.timing.peer.samples).toBe(50);
    expect(hi.timing.rowsPerSecond).toBeGreaterThan(0);
    for (const b of [hi, mid]) for (const m of b.sbipix) expect(m.bias).toBeCloseTo(0.1, 12);
    // coverage68 = share of row ids ≡ 0 mod 4 (0, 4, 8 of 0–9; 12 of 10–15), Gaussian 95 % = share of even ids
    expect(hi.sbipix[0].coverage68).toBe(0.3);
    expect(mid.sbipix[0].coverage68).toBe(1 / 6);
    expect(mid.sbipix[0].coverage95Gauss).toBe(0.5);
    const saved = JSON.parse(readFileSync(join(out, 'sbipix-peer.json'), 'utf8'));
    expect(saved.bins[0].sbipix[0].bias).toBeCloseTo(0.1, 12);
    expect(saved.definitions.logSfr).toMatch(/log_sfr100/);
    // rows.csv: every catalogue column of the selected rows, readable as mocks by `pixsed validate`
    const rowsCsv = parseCsv(readFileSync(hi.files.rows, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rowsCsv.map((r) => Number(r.row_id))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Object.keys(rowsCsv[0])).toEqual(['row_id', ...Object.keys(syntheticCatalog().columns)]);
  });

  it('fault: peer.py exits non-zero → names peer.py, the exit code, its message and the input', async () => {
    const { mocks } = fakeSetup(join(tmp, 'fail'));
    process.env.FAKE_PEER = 'fail';
    const opts = parseOptions(['--mocks', mocks, '--out', join(tmp, 'fail', 'out')], tmp);
    await expect(runSbipixPeer(opts, quiet)).rejects.toThrow(/peer\.py failed \(exit 3\)[\s\S]*peer-input\.csv[\s\S]*boom: the fake peer refuses/);
  });

  it('faults: a peer output with a row missing or out of order is refused, naming the file', async () => {
    const { mocks } = fakeSetup(join(tmp, 'drop'));
    process.env.FAKE_PEER = 'drop';
    const opts = parseOptions(['--mocks', mocks, '--out', join(tmp, 'drop', 'out')], tmp);
    await expect(runSbipixPeer(opts, quiet)).rejects.toThrow(/peer-output\.csv: 9 rows, expected 10/);
    process.env.FAKE_PEER = 'swap';
    await expect(runSbipixPeer(opts, quiet)).rejects.toThrow(/peer-output\.csv \(row 2\): row_id 1, expected 0/);
  });

  it('fault: a peer output without a column names it', () => {
    const file = join(tmp, 'short.csv');
    writeFileSync(file, 'row_id,log_mstar_p50\n0,8\n');
    expect(() => readPeerOutput(file, [0])).toThrow(/short\.csv \(log_mstar_p16, .*av_std.*\): column\(s\) missing/);
  });

  it('faults: missing data folder / missing model file name the path and PIXSED_DATA_DIR', () => {
    const empty = join(tmp, 'nodata');
    mkdirSync(empty, { recursive: true });
    expect(() => peerFiles(empty)).toThrow(DataFileError);
    expect(() => peerFiles(empty)).toThrow(/nodata\/peers\/sbipix: SBIPIX peer folder not found; set PIXSED_DATA_DIR/);
    const { data, folder } = fakeSetup(join(tmp, 'nomodel'));
    rmSync(join(folder, 'post_obs_jades_resolved_tau_z7.5_cpu.pkl'));
    expect(() => peerFiles(data)).toThrow(/post_obs_jades_resolved_tau_z7\.5_cpu\.pkl: missing from the SBIPIX peer data/);
  });

  it('faults: venv creation that cannot start or fails names the step and what to do', () => {
    const req = join(tmp, 'req.txt');
    writeFileSync(req, 'numpy<2\n');
    process.env.PIXSED_PYTHON = join(tmp, 'no-such-python');
    expect(() => ensureSbipixVenv(req, { venv: join(tmp, 'v1'), log: quiet })).toThrow(/`python -m venv` could not start .*no-such-python.*delete .*v1 to start again/);
    process.env.PIXSED_PYTHON = '/bin/false';
    expect(() => ensureSbipixVenv(req, { venv: join(tmp, 'v2'), log: quiet })).toThrow(PixsedError);
    expect(() => ensureSbipixVenv(req, { venv: join(tmp, 'v2'), log: quiet })).toThrow(/`python -m venv` failed \(exit 1: \/bin\/false -m venv/);
    expect(venvReady(join(tmp, 'v2'), req)).toBe(false);
    process.env.PIXSED_SBIPIX_VENV = join(tmp, 'elsewhere');
    expect(sbipixVenvDir()).toBe(join(tmp, 'elsewhere'));
  });

  it('faults: a catalogue without a SBIPIX band, and bad options, are named', () => {
    const cat = syntheticCatalog();
    delete (cat.columns as Record<string, Float64Array>).flux_f850lp_err_njy;
    expect(() => selectPeerRows(cat, { snrBands: SNR_BANDS, bin: { minMeanSnr: 10, maxMeanSnr: Infinity }, minLogMstar: 7, maxZ: 7.5 })).toThrow(/<synthetic> \(flux_f850lp_err_njy\): column\(s\) missing/);
    let err: unknown;
    try {
      parseOptions(['--samples', '1', '--bins', '10:5', '--mode', 'fast'], tmp);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path).sort()).toEqual(['--bins', '--mocks', '--mode', '--samples']);
    expect(() => parseOptions(['--mocks', 'x', '--no-such-option'], tmp)).toThrow(/--no-such-option/);
  });
});

const dataReady = hasData(...PEER_FILES);
const numpyReady = spawnSync(pythonExecutable(), ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!dataReady || !numpyReady)(
  !dataReady ? missingDataMessage(...PEER_FILES) : !numpyReady ? `skipped: ${pythonExecutable()} has no numpy (set PIXSED_PYTHON)` : 'sbipix peer: units of the export as peer.py reads them (its own features(), system numpy)',
  () => {
    it('1000 nJy ± 100 nJy → AB 23.90 mag, σ 0.1086 mag; a nan flux → non-detection at the 1σ depth', () => {
      const tmp = mkdtempSync(join(tmpdir(), 'pixsed-sbipix-units-'));
      try {
        const cat = syntheticCatalog();
        cat.columns.flux_f444w_err_njy[3] = 100;
        const file = join(tmp, 'in.csv');
        writePeerInput(file, cat, [3]);
        const script = `import sys, csv, json, numpy as np
sys.path.insert(0, ${JSON.stringify(join(dataPath('peers', 'sbipix')))})
import peer
rows = list(csv.DictReader(open(${JSON.stringify(file)})))
lim = np.load(${JSON.stringify(dataPath('noise', 'jades', 'background_noise_hainline.npy'))})
x = peer.features(rows, lim, 'correct')
print(json.dumps({'x': x[0].tolist(), 'bands': peer.BANDS, 'lim': lim.tolist()}))`;
        const r = spawnSync(pythonExecutable(), ['-c', script], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        const { x, bands, lim } = JSON.parse(r.stdout);
        expect(bands).toEqual(SBIPIX_BANDS);
        const j = bands.indexOf('f444w');
        expect(lim[j]).toBeLessThan(1); // the 1σ depth (µJy) is below the 1 µJy flux: a detection
        expect(x[2 * j]).toBeCloseTo(23.9, 3); // AB: −2.5 log10(1e-6 Jy / 3631 Jy)
        expect(x[2 * j + 1]).toBeCloseTo((2.5 / Math.LN10) * 0.1, 6);
        const k = bands.indexOf('f850lp');
        expect(x[2 * k]).toBe(0);
        expect(x[2 * k + 1]).toBeCloseTo(-2.5 * Math.log10((lim[k] * 1e-6) / 3631), 4);
        expect(x[38]).toBeCloseTo(cat.columns.z[3], 6);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  },
);

const peerReq = dataPath('peers', 'sbipix', 'requirements.txt');
const venvOk = dataReady && venvReady(sbipixVenvDir(), peerReq);
const filtersReady = hasData('filters/jades-sbipix');

describe.skipIf(!venvOk || !filtersReady)(
  !dataReady
    ? missingDataMessage(...PEER_FILES)
    : !venvOk
      ? `skipped: no ready SBIPIX venv at ${sbipixVenvDir()} (make it with \`npm run peer:sbipix -- --setup\`; CI does not install sbi)`
      : !filtersReady
        ? missingDataMessage('filters/jades-sbipix')
        : "sbipix peer: SBIPIX's real model on 24 pixsed mocks (existing venv)",
  () => {
    it('gives ordered quantiles for every row and a log M* median within 0.6 dex of the truth on S/N > 10', { timeout: 180_000 }, async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'pixsed-sbipix-real-'));
      try {
        const cat = simulateCatalog({ bands: 'jades', n: 400, seed: 3 });
        const names = Object.keys(cat.columns);
        const lines = [names.join(',')];
        for (let i = 0; i < cat.n; i++) lines.push(names.map((c) => String(cat.columns[c][i])).join(','));
        writeFileSync(join(tmp, 'catalog.csv'), `${lines.join('\n')}\n`);
        const opts = parseOptions(['--mocks', join(tmp, 'catalog.csv'), '--out', join(tmp, 'out'), '--samples', '100', '--limit', '24', '--bins', '10:inf'], tmp);
        const report = await runSbipixPeer(opts, quiet);
        const [bin] = report.bins;
        expect(bin.counts.nSelected).toBe(24);
        const out = readPeerOutput(bin.files.peerOutput, selectPeerRows(cat, { snrBands: SNR_BANDS, bin: { minMeanSnr: 10, maxMeanSnr: Infinity }, minLogMstar: 7, maxZ: 7.5, limit: 24 }).rows);
        for (let i = 0; i < 24; i++) {
          expect(out.log_mstar_p16[i]).toBeLessThanOrEqual(out.log_mstar_p50[i]);
          expect(out.log_mstar_p50[i]).toBeLessThanOrEqual(out.log_mstar_p84[i]);
        }
        const lm = bin.sbipix.find((m: { name: string }) => m.name === 'log_mstar');
        expect(lm.n).toBe(24);
        expect(Math.abs(lm.bias)).toBeLessThan(0.6);
        expect(bin.timing.peer.fraction_outside_prior).toBeGreaterThanOrEqual(0);
        expect(bin.timing.peer.fraction_outside_prior).toBeLessThan(1);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  },
);
