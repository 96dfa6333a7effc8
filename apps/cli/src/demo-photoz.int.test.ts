// Issue #18 item 5 on the demo mosaic with the shipped models: the catalogue without z (pipelines/demo-photoz.yaml:
// photo-z first pass, pixels marginalised over each galaxy's z) against the same galaxies with their spectroscopic z
// (pipelines/demo.yaml), both at 100 samples per pixel. Truth: test-data/mosaic/truth.json (the mock's own z and the
// Σ log M* over each galaxy's footprint).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const models = ['jades-mix-delayed-tau', 'jades-delayed-tau-photz'].map((m) => join(root, 'test-data/models', m, 'model.onnx'));
const missing = models.filter((m) => !existsSync(m));

describe.skipIf(missing.length > 0)(missing.length ? `skipped: ${missing.map((m) => relative(root, m)).join(', ')} missing` : 'the demo without catalogue z (pixsed photo-z) vs with spec z, shipped models', () => {
  const run = (pipeline: string) => {
    const out = mkdtempSync(join(tmpdir(), 'pixsed-demo-photoz-'));
    const r = spawnSync(process.execPath, [bin, 'run', join(root, 'pipelines', pipeline), '--out', out, '--quiet', '--json', '--no-report', '--set', 'stages.inference.samplesPerPixel=100', '--set', "sinks.galaxies.quicklooksDir=''"], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rows = parse(readFileSync(join(out, 'galaxies.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    return { rows: Object.fromEntries(rows.map((g) => [g.galaxy_id, g])), summary: JSON.parse(r.stdout) };
  };
  const truth = JSON.parse(readFileSync(join(root, 'test-data/mosaic/truth.json'), 'utf8')) as { galaxies: { id: number; z: number; log_mstar_footprint: number }[] };

  it('every galaxy gets a pixsed photo-z near its true z, a Σ pixel mass within 0.15 dex of the truth, and an interval wider than with its spec z', () => {
    const photo = run('demo-photoz.yaml');
    const spec = run('demo.yaml');
    expect(photo.summary.redshiftPass).toMatchObject({ galaxies: 5, fitted: 5 });
    for (const t of truth.galaxies) {
      const p = photo.rows[t.id];
      const s = spec.rows[t.id];
      expect(p.z_source).toBe('pixsed-photo');
      expect(s.z_source).toBe('spec');
      const [z, lo, hi] = [Number(p.z), Number(p.z_lo), Number(p.z_hi)];
      expect(lo).toBeLessThan(z);
      expect(hi).toBeGreaterThan(z);
      expect(Math.abs(z - t.z) / (1 + t.z), `galaxy ${t.id} Δz/(1+z)`).toBeLessThan(0.15); // not a photo-z outlier
      const width = (r: Record<string, string>) => Number(r.log_mstar_sum_p84) - Number(r.log_mstar_sum_p16);
      // (b) the z uncertainty enters the Σ mass: wider than at the spec z, never narrower
      expect(width(p), `galaxy ${t.id}`).toBeGreaterThan(1.5 * width(s));
      // the same pixels are kept with or without a catalogue z
      expect(p.n_pixels).toBe(s.n_pixels);
      // (a) Σ pixel mass within 0.15 dex of the truth over the same footprint (the 68 % interval does not cover it:
      // it does not at the spec z either, see the note of issue 18)
      expect(Math.abs(Number(p.log_mstar_sum_p50) - t.log_mstar_footprint), `galaxy ${t.id} Σ log M* − truth`).toBeLessThan(0.15);
    }
  }, 300_000);
});
