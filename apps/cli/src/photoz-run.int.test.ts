// Galaxy-first redshift, then pixels (issue #18 item 3, ADR 0010), with toy linear-Gaussian models whose samples are
// features·W + b + σ·noise, so every number can be checked independently:
// - the galaxy's z posterior is the toy photo-z on its Σ photometry (galaxies.csv flux sums → features → mean, σ);
// - a pixel sample k of a photo-z galaxy minus the same pixel's sample k in a run at a fixed spec z0 (same keyed
//   noise) is W_z·(z_k − z0): the implied z_k must be the same for every pixel of the galaxy (one z per sample index,
//   shared) and have the galaxy's z percentiles (z_lo, z, z_hi);
// - galaxies with a spec or catalogue-photo z are bit-identical to a run without the photo-z model.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { toy, toyMosaicPipeline } from './test-helpers/toy-mosaic-pipeline.js';
import { tableFromIPC } from 'apache-arrow';

const { root, bin, mosaic, py, ready, bands } = toy;
const S = 32;
const Z_BIAS = 3; // toy photo-z: z = features·W[:, 0] + 3 + 0.1·noise (positive for the demo galaxies)
const toyW = (f: number, d: number, D: number) => ((((f * D + d) % 5) - 2) * 0.5); // make_linear_gaussian.py

/** numpy's default percentile (linear between order statistics) */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (p / 100) * (s.length - 1);
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
}

describe.skipIf(!ready)(ready ? 'pixsed run with inference.photoz: galaxy-first z, then pixels marginalised over it (toy models)' : 'skipped: needs test-data/mosaic and /usr/bin/python3 with onnx, numpy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-photoz-run-'));
  const toy = join(root, 'libs/model/test-scripts/make_toy_model.py');
  const madePix = spawnSync(py, [toy, join(dir, 'pix'), ...bands], { encoding: 'utf8' });
  const madePz = spawnSync(py, [toy, join(dir, 'pz'), '--photoz', '--params', 'z,log_mstar', '--bias', `${Z_BIAS},0`, ...bands], { encoding: 'utf8' });
  const run = (name: string, catalog: string, photoz: boolean, extra: string[] = []) => {
    const inference = `    keepSamples: [log_mstar]\n${photoz ? `    photoz: { model: pz/model.onnx, samplesPerGalaxy: ${S} }\n` : ''}`;
    const sinks = `  - type: arrow-ipc\n    path: pixels.arrows\n  - type: galaxies\n    catalog: galaxies.csv\n    quicklooksDir: ''\n`;
    writeFileSync(join(dir, `${name}.yaml`), toyMosaicPipeline({ name, mosaic, bands, catalog, model: 'pix/model.onnx', samplesPerPixel: S, inference, sinks }));
    const r = spawnSync(process.execPath, [bin, 'run', join(dir, `${name}.yaml`), '--out', join(dir, name), '--json', '--no-report', ...extra], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const galaxies = parse(readFileSync(join(dir, name, 'galaxies.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    return { galaxies: Object.fromEntries(galaxies.map((g) => [g.galaxy_id, g])), summary: JSON.parse(r.stdout), stderr: r.stderr };
  };
  const pixels = (name: string) => {
    const t = tableFromIPC(readFileSync(join(dir, name, 'pixels.arrows')));
    const col = (n: string) => t.getChild(n)!;
    const rows = new Map<string, { galaxy: number; z: number; samples: number[]; p50: number }>();
    for (let i = 0; i < t.numRows; i++) {
      rows.set(`${col('x').get(i)},${col('y').get(i)}`, { galaxy: Number(col('galaxy_id').get(i)), z: Number(col('z').get(i)), samples: Array.from(col('log_mstar_samples').get(i) as ArrayLike<number>, Number), p50: Number(col('log_mstar_p50').get(i)) });
    }
    return rows;
  };
  const header = 'id,ra,dec,z_spec,zp,zp_lo,zp_hi';
  const pos = ['53.16052275,-27.78044583', '53.15944899,-27.78047917', '53.16054159,-27.77951250', '53.15946783,-27.77952917', '53.15997645,-27.77999583'];
  const Z0 = 1.0;
  let first: Record<string, Record<string, string>> = {};
  const firstImplied = new Map<number, number[]>();

  it('z_source spec / catalogue-photo / pixsed-photo per galaxy; the photo-z galaxies carry the galaxy z posterior into every pixel sample', async () => {
    expect(madePix.status, madePix.stderr).toBe(0);
    expect(madePz.status, madePz.stderr).toBe(0);
    // galaxy 1: spec z; 2: a catalogue photo-z; 3, 4, 5: neither (pixsed's photo-z)
    writeFileSync(join(dir, 'cat.csv'), [header, `1,${pos[0]},0.65,,,`, `2,${pos[1]},,1.2,1.1,1.35`, `3,${pos[2]},,,,`, `4,${pos[3]},,,,`, `5,${pos[4]},,,,`].join('\n') + '\n');
    // the reference: the same, with galaxies 3-5 at a spec z0 and no photo-z model
    writeFileSync(join(dir, 'ref.csv'), [header, `1,${pos[0]},0.65,,,`, `2,${pos[1]},,1.2,1.1,1.35`, ...[3, 4, 5].map((i) => `${i},${pos[i - 1]},${Z0},,,`)].join('\n') + '\n');
    const a = run('photo', `{ file: cat.csv, zColumn: z_spec, zPhotColumn: zp, zPhotLoColumn: zp_lo, zPhotHiColumn: zp_hi }`, true);
    const b = run('ref', `{ file: ref.csv, zColumn: z_spec, zPhotColumn: zp, zPhotLoColumn: zp_lo, zPhotHiColumn: zp_hi }`, false);
    first = a.galaxies;
    expect([1, 2, 3, 4, 5].map((i) => a.galaxies[i].z_source)).toEqual(['spec', 'catalogue-photo', 'pixsed-photo', 'pixsed-photo', 'pixsed-photo']);
    expect(a.summary.redshiftPass).toMatchObject({ galaxies: 3, fitted: 3, model: { name: 'toy' } });
    expect(a.stderr).toMatch(/photo-z first pass: 3 of 3 galaxies without a catalogue z fitted with toy/);
    const pa = pixels('photo');
    const pb = pixels('ref');
    expect(pa.size).toBe(pb.size); // the first pass keeps the same pixels as the main pass (the mask does not depend on z)

    // the galaxy's z from its Σ photometry, independently: features of the sums (AB mag, mag error), toy mean + bias
    const F = 4 * bands.length;
    for (const i of [3, 4, 5]) {
      const g = a.galaxies[i];
      const feat = new Array<number>(F).fill(0);
      bands.forEach((band, k) => {
        const f = Number(g[`flux_${band}_sum_njy`]);
        const e = Number(g[`flux_${band}_sum_err_njy`]);
        expect(f / e).toBeGreaterThan(1); // detected: nondet = missing = 0
        feat[k] = 31.4 - 2.5 * Math.log10(f);
        feat[bands.length + k] = ((2.5 / Math.LN10) * e) / f;
      });
      const mu = feat.reduce((s, v, f) => s + v * toyW(f, 0, 2), Z_BIAS);
      expect(Number(g.z), `galaxy ${i} z`).toBeCloseTo(mu, 1); // median of 32 draws of N(mu, 0.1): sd 0.022
      const width = Number(g.z_hi) - Number(g.z_lo);
      expect(width).toBeGreaterThan(0.1); // 2σ = 0.2 for σ = 0.1
      expect(width).toBeLessThan(0.3);
    }

    // pixels: implied z_k = z0 + (sample_k − reference sample_k) / W_z (W_z = toy W[z feature, log_mstar] = 1)
    const Wz = toyW(F, 0, 2); // the pixel model's z is feature F = 4B (after the 4B photometric ones)
    expect(Wz).toBe(1);
    const implied = new Map<number, number[][]>();
    for (const [key, r] of pa) {
      const ref = pb.get(key)!;
      expect(ref, key).toBeDefined();
      expect(ref.galaxy).toBe(r.galaxy);
      if (r.galaxy <= 2) {
        // spec and catalogue-photo galaxies: as without the photo-z model (their rows are sampled in a call of their
        // own; onnxruntime's float32 rounding may differ at another batch size: ≤ 2e-5 measured)
        r.samples.forEach((v, k) => expect(Math.abs(v - ref.samples[k]), key).toBeLessThan(1e-4));
        continue;
      }
      expect(r.z).toBeCloseTo(Number(a.galaxies[r.galaxy].z), 5); // the pixel's z column: the galaxy's median z
      const zk = r.samples.map((s, k) => Z0 + (s - ref.samples[k]) / Wz);
      if (!implied.has(r.galaxy)) implied.set(r.galaxy, []);
      implied.get(r.galaxy)!.push(zk);
    }
    for (const i of [3, 4, 5]) {
      const lists = implied.get(i)!;
      firstImplied.set(i, lists[0]);
      expect(lists.length).toBeGreaterThan(50);
      // one z per sample index, shared by all the galaxy's pixels (float32 rounding of the samples: ~1e-5)
      for (const zk of lists) for (let k = 0; k < S; k++) expect(Math.abs(zk[k] - lists[0][k])).toBeLessThan(2e-4);
      // and they are the galaxy's z samples: the same percentiles as its z_lo / z / z_hi
      const g = a.galaxies[i];
      expect(percentile(lists[0], 50)).toBeCloseTo(Number(g.z), 3);
      expect(percentile(lists[0], 16)).toBeCloseTo(Number(g.z_lo), 3);
      expect(percentile(lists[0], 84)).toBeCloseTo(Number(g.z_hi), 3);
      // Σ pixel mass: wider than at the fixed z (the z spread enters every pixel's samples coherently)
      const wA = Number(g.log_mstar_sum_p84) - Number(g.log_mstar_sum_p16);
      const wB = Number(b.galaxies[i].log_mstar_sum_p84) - Number(b.galaxies[i].log_mstar_sum_p16);
      expect(wA, `galaxy ${i}`).toBeGreaterThan(wB);
    }
  });

  it('the photo-z run does not depend on the tiling: another stripRows/tileColumns gives the same pixels', () => {
    const c = run('photo-tiles', `{ file: cat.csv, zColumn: z_spec, zPhotColumn: zp, zPhotLoColumn: zp_lo, zPhotHiColumn: zp_hi }`, true, ['--set', 'source.stripRows=40', '--set', 'source.tileColumns=96']);
    const pa = pixels('photo');
    const pc = pixels('photo-tiles');
    expect(pc.size).toBe(pa.size);
    // the same samples up to onnxruntime's float32 rounding at other batch compositions (spec-z pixels too: ≤ 2e-5 here)
    let worst = 0;
    for (const [key, r] of pa) {
      const q = pc.get(key)!.samples;
      r.samples.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - q[k]))));
    }
    expect(worst).toBeLessThan(1e-4);
    // the galaxy z: its sums in another order (float64), the same keyed noise
    for (const i of [3, 4, 5]) for (const k of ['z', 'z_lo', 'z_hi', 'log_mstar_sum_p50']) expect(Number(c.galaxies[i][k]), `galaxy ${i} ${k}`).toBeCloseTo(Number(first[i][k]), 4);
  });

  it('zDrawsPerPixel 8 of 32 samples: samples 4j … 4j+3 share the galaxy z sample j, for every pixel of the galaxy', () => {
    run('photo-k8', `{ file: cat.csv, zColumn: z_spec, zPhotColumn: zp, zPhotLoColumn: zp_lo, zPhotHiColumn: zp_hi }`, true, ['--set', 'stages.inference.photoz.zDrawsPerPixel=8']);
    const pk = pixels('photo-k8');
    const pb = pixels('ref');
    let checked = 0;
    for (const [key, r] of pk) {
      if (r.galaxy <= 2) continue;
      const ref = pb.get(key)!.samples;
      const zk = r.samples.map((s, k) => Z0 + (s - ref[k]));
      const zs = firstImplied.get(r.galaxy)!; // the galaxy's z samples 0 … 31 (same key, same sums)
      for (let k = 0; k < S; k++) expect(Math.abs(zk[k] - zs[Math.floor(k / 4)]), `${key} sample ${k}`).toBeLessThan(2e-4);
      checked++;
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('sharded (2 shards + merge): each shard fits the galaxies it owns; the merged catalogue equals the single run', () => {
    // a parquet variant of the photo-z pipeline (arrow-ipc cannot be merged)
    const yaml = readFileSync(join(dir, 'photo.yaml'), 'utf8').replace('  - type: arrow-ipc\n    path: pixels.arrows\n', '  - type: parquet\n    path: pixels.parquet\n');
    writeFileSync(join(dir, 'photo-pq.yaml'), yaml);
    const one = spawnSync(process.execPath, [bin, 'run', join(dir, 'photo-pq.yaml'), '--out', join(dir, 'pq-one'), '--quiet', '--no-report'], { encoding: 'utf8' });
    expect(one.status, one.stderr).toBe(0);
    const fitted: number[] = [];
    for (const i of [1, 2]) {
      const r = spawnSync(process.execPath, [bin, 'run', join(dir, 'photo-pq.yaml'), '--out', join(dir, 'pq-shards'), '--shard', `${i}/2`, '--json', '--quiet'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      fitted.push(JSON.parse(r.stdout).redshiftPass.fitted);
    }
    expect(fitted[0] + fitted[1]).toBe(3);
    const m = spawnSync(process.execPath, [bin, 'merge', join(dir, 'pq-shards'), '--quiet'], { encoding: 'utf8' });
    expect(m.status, m.stderr).toBe(0);
    expect(readFileSync(join(dir, 'pq-shards', 'galaxies.csv'), 'utf8')).toBe(readFileSync(join(dir, 'pq-one', 'galaxies.csv'), 'utf8'));
    const merged = JSON.parse(readFileSync(join(dir, 'pq-shards', 'run-summary.json'), 'utf8'));
    expect(merged.redshiftPass).toMatchObject({ galaxies: 3, fitted: 3 });
    expect(merged.stream.galaxies.filter((g: { zSource: string }) => g.zSource === 'pixsed-photo').length).toBe(3);
  });

  it('refuses a z-conditioned model as photoz.model and a zDrawsPerPixel not dividing the samples, naming the key (run and validate-config)', () => {
    writeFileSync(join(dir, 'bad.yaml'), readFileSync(join(dir, 'photo.yaml'), 'utf8').replace('photoz: { model: pz/model.onnx', 'photoz: { model: pix/model.onnx'));
    for (const cmd of ['run', 'validate-config']) {
      const r = spawnSync(process.execPath, [bin, cmd, join(dir, 'bad.yaml'), '--out', join(dir, `bad-${cmd}`)], { encoding: 'utf8' });
      expect(r.status, cmd).toBe(2);
      expect(r.stderr).toMatch(/photoz\.model: model toy v0\.0\.1 \(.*pix\/manifest\.json\) is conditioned on z \(redshift\.role 'conditioning'\): expected a photo-z model/);
      const k = spawnSync(process.execPath, [bin, cmd, join(dir, 'photo.yaml'), '--out', join(dir, `badk-${cmd}`), '--set', 'stages.inference.photoz.zDrawsPerPixel=5'], { encoding: 'utf8' });
      expect(k.status, cmd).toBe(2);
      expect(k.stderr).toMatch(/inference\.photoz\.zDrawsPerPixel: expected a divisor of samplesPerPixel 32, got 5/);
    }
  });
});
