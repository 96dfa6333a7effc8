// The z per galaxy in the mosaic pipeline: a spectroscopic z, a catalogue photo-z (source.catalog.zPhotColumn,
// used where the spec z is blank) or none; galaxies.csv says which (z_source) and gives the z used and the photo-z
// bounds. Independent check: a galaxy inferred at its catalogue photo-z equals the same galaxy given that value as
// its spectroscopic z.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { toy, toyMosaicPipeline } from './test-helpers/toy-mosaic-pipeline.js';

const { root, bin, mosaic, py, ready, bands } = toy;

describe.skipIf(!ready)(ready ? 'pixsed run: z_source per galaxy (spec, catalogue-photo, none; toy model)' : 'skipped: needs test-data/mosaic and /usr/bin/python3 with onnx, numpy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-zsource-'));
  const made = spawnSync(py, [join(root, 'libs/model/test-scripts/make_toy_model.py'), dir, ...bands], { encoding: 'utf8' });
  const pipeline = (name: string, catalog: string) => {
    const sinks = `  - type: galaxies\n    catalog: galaxies.csv\n    quicklooksDir: ''\n`;
    writeFileSync(join(dir, `${name}.yaml`), toyMosaicPipeline({ name, mosaic, bands, catalog, model: 'model.onnx', samplesPerPixel: 32, sinks }));
    const r = spawnSync(process.execPath, [bin, 'run', join(dir, `${name}.yaml`), '--out', join(dir, name)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return parse(readFileSync(join(dir, name, 'galaxies.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  };

  it('spec, catalogue-photo and none per galaxy; a photo-z galaxy equals the same galaxy with that z as spec z', () => {
    expect(made.status, made.stderr).toBe(0);
    // galaxies 2 and 5: no spec z, a catalogue photo-z; galaxy 3: neither; 1 and 4: spec z (and a photo-z that must be ignored)
    writeFileSync(
      join(dir, 'cat.csv'),
      ['id,ra,dec,z_spec,zp,zp_lo,zp_hi', '1,53.16052275,-27.78044583,0.65,0.8,0.7,0.9', '2,53.15944899,-27.78047917,,1.2,1.1,1.35', '3,53.16054159,-27.77951250,,,,', '4,53.15946783,-27.77952917,2.6,,,', '5,53.15997645,-27.77999583,nan,0.9,,'].join('\n') + '\n',
    );
    const rows = pipeline('photo', `{ file: cat.csv, zColumn: z_spec, zPhotColumn: zp, zPhotLoColumn: zp_lo, zPhotHiColumn: zp_hi }`);
    const by = Object.fromEntries(rows.map((r) => [r.galaxy_id, r]));
    expect([1, 2, 3, 4, 5].map((i) => by[i].z_source)).toEqual(['spec', 'catalogue-photo', 'none', 'spec', 'catalogue-photo']);
    expect([1, 2, 3, 4, 5].map((i) => by[i].z)).toEqual(['0.65', '1.2', 'nan', '2.6', '0.9']);
    expect([by[2].z_lo, by[2].z_hi, by[1].z_lo, by[5].z_hi]).toEqual(['1.1', '1.35', 'nan', 'nan']);
    // galaxy 3 has no z: every segment pixel removed as NO_REDSHIFT; the photo-z galaxies are inferred
    expect(Number(by[3].n_pixels)).toBe(0);
    expect(Number(by[3].n_pixels_masked_NO_REDSHIFT)).toBe(Number(by[3].n_pixels_segment));
    expect(Number(by[2].n_pixels)).toBeGreaterThan(0);
    expect(Number(by[2].n_pixels_masked_NO_REDSHIFT)).toBe(0);
    // the reference: the demo catalogue, whose spec z of galaxies 1, 2, 4, 5 are the z used above
    const ref = Object.fromEntries(pipeline('spec', join(mosaic, 'catalog.csv')).map((r) => [r.galaxy_id, r]));
    expect([1, 2, 3, 4, 5].map((i) => ref[i].z_source)).toEqual(['spec', 'spec', 'spec', 'spec', 'spec']);
    for (const i of [1, 2, 4, 5]) {
      for (const c of ['z', 'n_pixels', 'log_mstar_sum_p16', 'log_mstar_sum_p50', 'log_mstar_sum_p84', 'log_sfr100_sum_p50', 'flux_f444w_sum_njy']) {
        expect(by[i][c], `galaxy ${i} ${c}`).toBe(ref[i][c]);
      }
    }
  });
});
