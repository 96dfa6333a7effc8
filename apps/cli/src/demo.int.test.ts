import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { readFitsImage } from '@pixsed/fits/node';
import { readParquet } from '@pixsed/parquet/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const model = join(root, 'test-data/models/jades-mix-delayed-tau/model.onnx'); // the demo's model (pipelines/demo.yaml)

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe.skipIf(!existsSync(model))(existsSync(model) ? 'pixsed demo on the committed mock mosaic with the shipped JADES model' : `skipped: ${relative(root, model)} missing`, () => {
  it('reconciles every pixel, recovers maps that track the truth maps, and reports Σ pixel mass vs truth', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pixsed-demo-'));
    const r = spawnSync(process.execPath, [bin, 'demo', '--out', out, '--json'], { encoding: 'utf8', env: { ...process.env, PIXSED_DATA_DIR: '/nonexistent' } });
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    const dropped = Object.values(s.droppedByReason as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(s.rowsIn).toBe(256 * 256);
    expect(s.rowsOut + dropped).toBe(s.rowsIn);

    // maps vs truth maps, pixel by pixel (truth is intrinsic; the data are PSF-matched to F444W)
    const pix = await readParquet(join(out, 'pixels.parquet'));
    expect(pix.numRows).toBe(s.rowsOut);
    const truthM = await readFitsImage(join(root, 'test-data/mosaic/truth_log_mstar.fits'));
    const truthS = await readFitsImage(join(root, 'test-data/mosaic/truth_log_sfr100.fits'));
    const { x, y, log_mstar_p50, log_sfr100_p50 } = pix.columns as Record<string, Float32Array | Int32Array>;
    const [pm, tm, ps, ts] = [[], [], [], []] as number[][];
    for (let i = 0; i < pix.numRows; i++) {
      const k = y[i] * truthM.width + x[i];
      if (Number.isFinite(truthM.data[k])) {
        pm.push(log_mstar_p50[i]);
        tm.push(truthM.data[k]);
      }
      if (truthS.data[k] > -9) {
        ps.push(log_sfr100_p50[i]);
        ts.push(truthS.data[k]);
      }
    }
    const rMass = pearson(pm, tm);
    const rSfr = pearson(ps, ts);

    // Σ pixel mass per galaxy vs the mock's truth over the same footprint
    const truth = JSON.parse(readFileSync(join(root, 'test-data/mosaic/truth.json'), 'utf8')) as { galaxies: { id: number; log_mstar_footprint: number }[] };
    const [head, ...rows] = readFileSync(join(out, 'galaxies.csv'), 'utf8').trim().split('\n');
    const h = head.split(',');
    const col = (row: string, c: string) => Number(row.split(',')[h.indexOf(c)]);
    const delta = rows.map((row) => col(row, 'log_mstar_sum_p50') - truth.galaxies.find((g) => g.id === col(row, 'galaxy_id'))!.log_mstar_footprint);
    const outshining = rows.map((row) => col(row, 'delta_log_mstar'));
    console.log(JSON.stringify({ pearsonLogMstar: rMass, pearsonLogSfr100: rSfr, sigmaMassMinusTruthDex: delta, deltaResolvedMinusIntegrated: outshining }));

    expect(rows.length).toBe(5);
    expect(rMass).toBeGreaterThan(0.8); // measured 0.981 with jades-delayed-tau-affine v0.3.0
    expect(rSfr).toBeGreaterThan(0.8); // measured 0.939
    // The goal: |Δ| < 0.1 dex per galaxy. The demo's model jades-mix-delayed-tau v0.4.0 (Maraston-05 + BC03-MILES
    // mixture; this mock is Maraston-05) measured +0.016, −0.037, +0.002, −0.008, −0.096 (mean |Δ| 0.032);
    // jades-delayed-tau-affine v0.4.0 (Maraston only) −0.051, −0.050, −0.003, −0.000, −0.083. Its v0.3.0 (error-scale
    // augmentation: it reads the quoted errors of PSF-matched pixels) measured −0.066, −0.042, −0.004, −0.026,
    // −0.090 on this mosaic and −0.089…−0.091 for galaxy 5 on three other noise realisations of it; v0.2.0
    // (σ tied to magnitude as in the SBIPIX tables) −0.087, −0.067, −0.019, −0.025, −0.127.
    for (const d of delta) expect(Math.abs(d)).toBeLessThan(0.1);
    expect(delta.reduce((a, d) => a + Math.abs(d), 0) / delta.length).toBeLessThan(0.06); // measured 0.032 (mixture v0.4.0)
  }, 600_000);
});
