import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { batchFromColumns } from '@pixsed/core';
import { createParquetWriter } from '@pixsed/parquet/node';
import { pipelineSchemaText } from './commands/schema.js';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const pixsed = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });
const tmp = () => mkdtempSync(join(tmpdir(), 'pixsed-cli-'));

const pipeline = (extra = '') => `name: small
source:
  type: synthetic
  batches: 3
  rowsPerBatch: 1000
  bands: [f444w]
stages:
  - type: identity
    name: first
  - type: identity
    name: second${extra}
sinks:
  - type: arrow-ipc
    path: rows.arrows
`;

describe('pixsed CLI', () => {
  it('--help lists every subcommand', () => {
    const r = pixsed('--help');
    expect(r.status).toBe(0);
    for (const c of ['run', 'validate-config', 'demo', 'fits', 'psf', 'simulate', 'infer', 'validate', 'schema', 'plugins']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('runs a small pipeline end to end and writes readable Arrow IPC with provenance', () => {
    const dir = tmp();
    const file = join(dir, 'p.yaml');
    writeFileSync(file, pipeline());
    const r = pixsed('run', file, '--out', join(dir, 'out'), '--set', 'source.batches=4', '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.rowsIn).toBe(4000);
    expect(summary.rowsOut).toBe(4000);
    expect(summary.rowsPerFlag).toEqual({ SYNTHETIC: 4000 });
    const table = tableFromIPC(readFileSync(join(dir, 'out', 'rows.arrows')));
    expect(table.numRows).toBe(4000);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['x', 'y', 'flux_f444w_njy', 'flux_f444w_err_njy', 'flags']);
    const prov = JSON.parse(table.schema.metadata.get('pixsed.provenance')!);
    expect(prov.map((p: { stage: string }) => p.stage)).toEqual(['first', 'second']);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'run-summary.json'), 'utf8')).rowsOut).toBe(4000);
  });

  it('a wrong type exits non-zero naming the file, the YAML path and the expectation', () => {
    const dir = tmp();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, pipeline('\n    delayMs: "slow"'));
    const r = pixsed('run', file, '--out', join(dir, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/stages\[1\]\.delayMs: .*expected number, received string/);
  });

  it('an unknown key exits non-zero with its path', () => {
    const dir = tmp();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, pipeline('\n    snrTreshold: 5'));
    const r = pixsed('validate-config', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/stages\[1\]: unknown key 'snrTreshold'/);
  });

  it('validate-config accepts a good file', () => {
    const dir = tmp();
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, pipeline());
    const r = pixsed('validate-config', file);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/valid pipeline 'small'/);
  });

  it('the committed pipelines/pipeline.schema.json is up to date (run `npm run gen:schema`)', () => {
    expect(readFileSync(join(root, 'pipelines/pipeline.schema.json'), 'utf8')).toBe(pipelineSchemaText());
  });

  it('runs a mosaic pipeline with a survey defined inline in the YAML (no code), reading a Parquet catalogue', async () => {
    const dir = tmp();
    const mosaic = join(root, 'test-data/mosaic');
    const cat = await createParquetWriter(join(dir, 'cat.parquet'));
    await cat.write(batchFromColumns({ id: new Int32Array([1, 2, 3, 4, 5]), z: new Float32Array([0.65, 1.2, 1.9, 2.6, 0.9]) }));
    await cat.close();
    const file = join(dir, 'inline.yaml');
    writeFileSync(
      file,
      `name: inline-survey
source:
  type: mosaic
  survey:
    name: my-nircam
    bands:
      - { name: f277w, instrument: NIRCam, filterFile: filters/jades-sbipix/JWST_F277W.dat.txt, pivotWavelengthAngstrom: 27617.4 }
      - { name: f444w, instrument: NIRCam, filterFile: filters/jades-sbipix/JWST_F444W.dat.txt, pivotWavelengthAngstrom: 44041.6 }
    targetPsfBand: f444w
    snrBands: [f277w, f444w]
    files: { sci: { pattern: "{band}_sci.fits" }, err: { pattern: "{band}_err.fits" }, errorKind: ERR }
  imageDir: ${mosaic}
  segmentation: ${join(mosaic, 'segmentation.fits')}
  catalog: cat.parquet
  stripRows: 100
stages:
  - type: snr-mask
    snrBands: [f277w, f444w]
sinks:
  - type: arrow-ipc
`,
    );
    const r = pixsed('run', file, '--out', join(dir, 'out'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.rowsIn).toBe(256 * 256);
    expect(summary.rowsOut).toBeGreaterThan(1000);
    expect(summary.droppedByReason.NO_REDSHIFT ?? 0).toBe(0); // every segment id found its z in the Parquet catalogue
    const bad = pixsed('validate-config', file, '--set', 'source.survey.targetPsfBand=f150w');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/targetPsfBand/);
  });

  it('fits info --json prints the documented keys for the demo mosaic', () => {
    const r = pixsed('fits', 'info', join(root, 'test-data/mosaic/f444w_sci.fits'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(Object.keys(info)).toEqual(['file', 'hdu', 'bitpix', 'naxis', 'bunit', 'header', 'stats', 'wcs', 'corners']);
    expect(info.naxis).toEqual([256, 256]);
    expect(info.bunit).toBe('nJy');
    expect(info.wcs.pixelScaleArcsec).toBeCloseTo(0.03, 6);
    expect(info.corners).toHaveLength(4);
    const missing = pixsed('fits', 'info', join(root, 'nope.fits'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope\.fits/);
  });

  it('the demo pipeline in pipelines/ validates', () => {
    const r = pixsed('validate-config', join(root, 'pipelines/demo.yaml'));
    expect(r.status, r.stderr).toBe(0);
  });
});
