import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { pythonExecutable } from '@pixsed/core/node';

/**
 * Interop of a demo run's outputs with the tools astronomers use, checked by those tools (astropy, DuckDB)
 * against numbers computed here independently: the README's "Using the outputs" snippets are extracted from
 * README.md and executed; ECSV, FITS and CSV catalogues agree; ra/dec are astropy's WCS at the centroid that
 * DuckDB recomputes from the pixel table; n_pixels agree with the pixel table; the maps' headers carry BUNIT,
 * OBJECT and provenance (MODELSHA = the sha256 of the model file) on every HDU; MASK holds the pixels' flags.
 */
const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const py = pythonExecutable();
const hasAstropy = spawnSync(py, ['-c', 'import astropy, numpy, pandas'], { encoding: 'utf8' }).status === 0;

type DuckConnection = { runAndReadAll(sql: string): Promise<{ getRowObjects(): Record<string, unknown>[] }> };
async function connectDuckDb(): Promise<{ conn?: DuckConnection; why?: string }> {
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    return { conn: (await (await DuckDBInstance.create(':memory:')).connect()) as unknown as DuckConnection };
  } catch (err) {
    return { why: (err as Error).message.split('\n')[0] };
  }
}
const duck = await connectDuckDb();
if (duck.why) console.warn(`skipping the DuckDB checks: @duckdb/node-api unavailable (${duck.why})`);
if (!hasAstropy) console.warn(`skipping the astropy checks: ${py} cannot import astropy, numpy, pandas (Debian: apt-get install python3-astropy python3-pandas)`);

/** The fenced code blocks of one language in the README's "Using the outputs" section. */
function readmeSnippets(lang: string): string[] {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const start = text.indexOf('## Using the outputs');
  const section = text.slice(start, text.indexOf('\n## ', start + 5));
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

const tmp = mkdtempSync(join(tmpdir(), 'pixsed-interop-'));
const out = join(tmp, 'out/demo');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function python(code: string, cwd = tmp): string {
  const r = spawnSync(py, ['-W', 'error', '-c', code], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe('outputs that astropy, pandas, DuckDB and DS9 read natively (demo run, 64 samples per pixel)', () => {
  beforeAll(() => {
    // the demo pipeline plus the FITS pixel table sink
    const yaml = readFileSync(join(root, 'pipelines/demo.yaml'), 'utf8').replaceAll('../test-data/', `${join(root, 'test-data')}/`) + '  - type: fits-table\n    raDecColumns: true\n';
    writeFileSync(join(tmp, 'demo-fits.yaml'), yaml);
    const r = spawnSync(
      process.execPath,
      [bin, 'run', join(tmp, 'demo-fits.yaml'), '--out', out, '--quiet', '--set', 'stages.inference.samplesPerPixel=64', '--set', 'sinks.galaxies.samplesPerGalaxy=200', '--set', 'sinks.parquet.raDecColumns=true'],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`demo failed: ${r.stderr}`);
  }, 300_000);

  it.skipIf(!hasAstropy)("the README's Python snippet runs without a warning; ECSV, FITS and CSV catalogues hold the same values with units", () => {
    const [snippet] = readmeSnippets('python');
    expect(snippet).toContain("QTable.read('out/demo/galaxies.ecsv')");
    const printed = python(snippet);
    expect(printed).toMatch(/jades-mix-delayed-tau/);
    expect(printed).toMatch(/galaxy 1 dex\(solMass\) f444w 5/);
    const got = JSON.parse(
      python(`
import json, numpy as np, astropy.units as u
from astropy.table import QTable
e = QTable.read('out/demo/galaxies.ecsv'); f = QTable.read('out/demo/galaxies.fits')
units = {c: str(e[c].unit) if getattr(e[c], 'unit', None) is not None else None for c in e.colnames}
same = all(np.allclose(np.asarray(getattr(e[c], 'value', e[c]), dtype=float), np.asarray(getattr(f[c], 'value', f[c]), dtype=float), rtol=1e-6, equal_nan=True) for c in e.colnames if e[c].dtype.kind in 'fi')
print(json.dumps({"names": e.colnames, "fitsNames": f.colnames, "units": units, "fitsUnit": str(f['flux_f444w_sum_njy'].unit), "same": bool(same),
  "zText": [str(v) for v in e['z']], "ujy": float(e['flux_f444w_sum_njy'][0].to(u.uJy).value), "njy": float(e['flux_f444w_sum_njy'][0].value),
  "isQuantity": isinstance(e['ra_deg'], u.Quantity), "dtypes": {c: str(e[c].dtype) for c in ['galaxy_id', 'z', 'ra_deg', 'n_pixels']}}))`),
    );
    expect(got.fitsNames).toEqual(got.names);
    expect(got.same).toBe(true);
    expect(got.isQuantity).toBe(true);
    expect(got.units).toMatchObject({ ra_deg: 'deg', dec_deg: 'deg', x_centroid_pix: 'pix', flux_f444w_sum_njy: 'nJy', log_mstar_sum_p50: 'dex(solMass)', log_sfr100_sum_p50: 'dex(solMass / yr)', av_integrated_p50: 'mag', z: null, n_pixels: null });
    expect(got.fitsUnit).toBe('nJy');
    expect(got.ujy).toBeCloseTo(got.njy / 1000, 6);
    expect(got.zText).toEqual(['0.65', '1.2', '1.9', '2.6', '0.9']); // the mock catalogue's redshifts, at float32 precision
    expect(got.dtypes).toEqual({ galaxy_id: 'int64', z: 'float32', ra_deg: 'float64', n_pixels: 'int64' });
    // the CSV: the same columns, and the same text as the ECSV body
    const ecsvBody = readFileSync(join(out, 'galaxies.ecsv'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(readFileSync(join(out, 'galaxies.csv'), 'utf8')).toBe(ecsvBody);
    const csv = parse(readFileSync(join(out, 'galaxies.csv')), { columns: true }) as Record<string, string>[];
    expect(Object.keys(csv[0])).toEqual(got.names);
    for (const r of ['NO_REDSHIFT', 'NONFINITE_FLUX', 'BAD_ERROR', 'LOW_SNR']) expect(got.names).toContain(`n_pixels_masked_${r}`);
  });

  it.skipIf(!hasAstropy || !duck.conn)("ra/dec are the input catalogue's; the flux-weighted centroid agrees with DuckDB on the pixel table and lies at the catalogue position (astropy WCS); n_pixels match the pixel table", async () => {
    const conn = duck.conn!;
    const pq = join(out, 'pixels.parquet');
    const sums = (await conn.runAndReadAll(`SELECT galaxy_id, count(*) AS n, sum(CASE WHEN flux_f444w_njy > 0 THEN flux_f444w_njy * x END) / sum(CASE WHEN flux_f444w_njy > 0 THEN flux_f444w_njy END) AS cx, sum(CASE WHEN flux_f444w_njy > 0 THEN flux_f444w_njy * y END) / sum(CASE WHEN flux_f444w_njy > 0 THEN flux_f444w_njy END) AS cy FROM '${pq}' GROUP BY galaxy_id ORDER BY galaxy_id`)).getRowObjects();
    const cat = parse(readFileSync(join(out, 'galaxies.csv')), { columns: true }) as Record<string, string>[];
    expect(cat.map((g) => Number(g.galaxy_id))).toEqual(sums.map((s) => Number(s.galaxy_id)));
    const world = JSON.parse(
      python(`
import json; from astropy.io import fits; from astropy.wcs import WCS
w = WCS(fits.getheader('${join(root, 'test-data/mosaic/f444w_sci.fits')}'))
print(json.dumps([list(map(float, w.pixel_to_world_values(x, y))) for x, y in ${JSON.stringify(sums.map((s) => [Number(s.cx), Number(s.cy)]))}]))`),
    ) as [number, number][];
    const input = parse(readFileSync(join(root, 'test-data/mosaic/catalog.csv')), { columns: true }) as Record<string, string>[];
    cat.forEach((g, i) => {
      expect(Number(g.n_pixels)).toBe(Number(sums[i].n));
      expect(Number(g.x_centroid_pix)).toBeCloseTo(Number(sums[i].cx), 3); // float32 text of a float64 centroid
      expect(Number(g.y_centroid_pix)).toBeCloseTo(Number(sums[i].cy), 3);
      const src = input.find((r) => Number(r.id) === Number(g.galaxy_id))!;
      expect(g.radec_source).toBe('catalog');
      expect([Number(g.ra_deg), Number(g.dec_deg)]).toEqual([Number(src.ra), Number(src.dec)]);
      // the mock galaxies are centred on their catalogue position; the F444W centroid (astropy WCS) is near it: galaxy 1 (bulge + disc + an off-centre clump) measured 0.137", the others less
      const sep = Math.hypot((Number(src.ra) - world[i][0]) * Math.cos((world[i][1] * Math.PI) / 180), Number(src.dec) - world[i][1]) * 3600;
      console.log(`galaxy ${g.galaxy_id}: centroid − catalogue position ${sep.toFixed(4)}"`);
      expect(sep, `galaxy ${g.galaxy_id}`).toBeLessThan(0.2); // measured ≤ 0.137"
    });
    // the optional per-pixel ra/dec columns agree with astropy too
    const px = (await conn.runAndReadAll(`SELECT x, y, ra_deg, dec_deg FROM '${pq}' ORDER BY galaxy_id, y, x LIMIT 3`)).getRowObjects();
    const pw = JSON.parse(
      python(`
import json; from astropy.io import fits; from astropy.wcs import WCS
w = WCS(fits.getheader('${join(root, 'test-data/mosaic/f444w_sci.fits')}'))
print(json.dumps([list(map(float, w.pixel_to_world_values(x, y))) for x, y in ${JSON.stringify(px.map((p) => [Number(p.x), Number(p.y)]))}]))`),
    ) as [number, number][];
    px.forEach((p, i) => {
      expect(Math.abs(Number(p.ra_deg) - pw[i][0]) * 3600).toBeLessThan(1e-4);
      expect(Math.abs(Number(p.dec_deg) - pw[i][1]) * 3600).toBeLessThan(1e-4);
    });
  });

  it.skipIf(!duck.conn)("the README's DuckDB snippets run; the pixel table describes the whole file, its columns and their statistics", async () => {
    const conn = duck.conn!;
    const sql = readmeSnippets('sql')[0].replaceAll('out/demo/', `${out}/`);
    const statements = sql.split(';').map((s) => s.trim()).filter(Boolean);
    expect(statements.length).toBe(3);
    const [counts, summaryRows, stats] = await Promise.all(statements.map(async (s) => (await conn.runAndReadAll(s)).getRowObjects()));
    const cat = parse(readFileSync(join(out, 'galaxies.csv')), { columns: true }) as Record<string, string>[];
    expect(counts.map((r) => Number(r.n_pixels))).toEqual(cat.map((g) => Number(g.n_pixels)));
    const summary = JSON.parse(String(summaryRows[0].summary));
    const total = (await conn.runAndReadAll(`SELECT count(*) AS n, min(x) AS x0, max(x) AS x1 FROM '${out}/pixels.parquet'`)).getRowObjects()[0];
    const runSummary = JSON.parse(readFileSync(join(out, 'run-summary.json'), 'utf8'));
    expect(summary.rows).toBe(Number(total.n));
    expect(summary.rows).toBe(runSummary.rowsOut);
    expect(summary.bands).toHaveLength(19);
    expect(summary.model.sha256).toBe(createHash('sha256').update(readFileSync(join(root, 'test-data/models/jades-mix-delayed-tau/model.onnx'))).digest('hex'));
    expect(summary.samplesPerPixel).toBe(64);
    expect(summary.configHash).toBe(runSummary.configHash);
    expect(summary.columns).toContain('ra_deg');
    // min/max statistics of the column chunks (row group 0 holds every row of the demo)
    const x = stats.find((s) => s.path_in_schema === 'x')!;
    expect([Number(x.stats_min_value), Number(x.stats_max_value)]).toEqual([Number(total.x0), Number(total.x1)]);
    // units and meanings of x, y, z, flags
    const fm = JSON.parse(String((await conn.runAndReadAll(`SELECT decode(value) AS v FROM parquet_kv_metadata('${out}/pixels.parquet') WHERE decode(key) = 'pixsed:field_metadata'`)).getRowObjects()[0].v));
    expect(fm.x.unit).toBe('pix');
    expect(fm.y.unit).toBe('pix');
    expect(fm.z.quantity).toMatch(/redshift/);
    expect(fm.flags.quantity).toMatch(/7 NON_DETECTION/);
    expect(fm.ra_deg.unit).toBe('deg');
  });

  it.skipIf(!hasAstropy || !duck.conn)('the FITS pixel table (fits-table sink): astropy reads the same rows as DuckDB reads from the Parquet, with units, uint32 flags and the provenance', async () => {
    const t = JSON.parse(
      python(`
import json, numpy as np, astropy.units as u
from astropy.table import QTable
from astropy.io import fits
t = QTable.read('out/demo/pixels.fits', hdu='PIXELS'); h = fits.getheader('out/demo/pixels.fits', 'PIXELS')
print(json.dumps({"n": len(t), "names": t.colnames, "xUnit": str(t['x'].unit), "raUnit": str(t['ra_deg'].unit), "fluxUnit": str(t['flux_f444w_njy'].unit),
  "flagsDtype": t['flags'].dtype.newbyteorder('=').name, "sumFlux": float(np.sum(t['flux_f444w_njy'].value, dtype=np.float64)), "sumFlags": int(np.sum(t['flags'], dtype=np.int64)),
  "sumX": int(np.sum(t['x'].value, dtype=np.int64)), "ra0": float(t['ra_deg'][0].value), "model": h['MODEL'], "flagb7": h['FLAGB7'], "bands": h['BANDS'].split()}))`),
    );
    const [p] = (await duck.conn!.runAndReadAll(`SELECT count(*) AS n, sum(flux_f444w_njy::DOUBLE) AS f, sum(flags::BIGINT) AS fl, sum(x::BIGINT) AS sx, first(ra_deg) AS ra0 FROM '${out}/pixels.parquet'`)).getRowObjects();
    const cols = (await duck.conn!.runAndReadAll(`DESCRIBE SELECT * FROM '${out}/pixels.parquet'`)).getRowObjects().map((r) => r.column_name);
    expect(t.n).toBe(Number(p.n));
    expect(t.names).toEqual(cols);
    expect([t.xUnit, t.raUnit, t.fluxUnit, t.flagsDtype]).toEqual(['pix', 'deg', 'nJy', 'uint32']);
    expect(t.sumFlux).toBeCloseTo(Number(p.f), 6);
    expect([t.sumFlags, t.sumX]).toEqual([Number(p.fl), Number(p.sx)]);
    expect(t.ra0).toBe(Number(p.ra0));
    expect([t.model, t.flagb7, t.bands.length]).toEqual(['jades-mix-delayed-tau', 'NON_DETECTION', 19]);
  });

  it.skipIf(!hasAstropy || !duck.conn)('maps: BUNIT, OBJECT and provenance on every HDU; REDSHIFT 0.65; MASK = the flags of the kept pixels; equal shapes for ds9 -mecube', async () => {
    const ds9 = readmeSnippets('bash').find((s) => s.includes('ds9'));
    expect(ds9?.trim()).toBe('ds9 -mecube out/demo/maps/galaxy_1.fits');
    const h = JSON.parse(
      python(`
import json, numpy as np; from astropy.io import fits
m = fits.open('out/demo/maps/galaxy_1.fits')
print(json.dumps({"hdus": [{k: (h.header.get(k) if k in h.header else None) for k in ['EXTNAME', 'BUNIT', 'OBJECT', 'GALAXYID', 'PIXSEDV', 'MODEL', 'MODELVER', 'MODELSHA', 'PSFBAND', 'SNRTHR', 'NSAMPPIX', 'DATE', 'CFGHASH', 'NAXIS1', 'NAXIS2']} for h in m],
  "redshiftCard": str(m[0].header.cards['REDSHIFT']), "kept": int((np.isfinite(m['MASK'].data) & (np.nan_to_num(m['MASK'].data).astype(np.int64) & 30 == 0)).sum()), "nondet": int((m['MASK'].data == 128).sum()),
  "clean": int((m['MASK'].data == 0).sum()), "bitpix": m['MASK'].header['BITPIX'], "blank": m['MASK'].header['BLANK'], "flagb7": m['MASK'].header['FLAGB7']}))`),
    );
    const runSummary = JSON.parse(readFileSync(join(out, 'run-summary.json'), 'utf8'));
    const sha = createHash('sha256').update(readFileSync(join(root, 'test-data/models/jades-mix-delayed-tau/model.onnx'))).digest('hex');
    const modelVersion = (JSON.parse(readFileSync(join(root, 'test-data/models/jades-mix-delayed-tau/manifest.json'), 'utf8')) as { version: string }).version;
    for (const hdu of h.hdus) {
      expect(hdu).toMatchObject({ OBJECT: 'galaxy 1', GALAXYID: 1, PIXSEDV: runSummary.pixsedVersion, MODEL: 'jades-mix-delayed-tau', MODELVER: modelVersion, MODELSHA: sha, PSFBAND: 'f444w', SNRTHR: 5, NSAMPPIX: 64, CFGHASH: runSummary.configHash });
      expect(hdu.DATE).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    }
    const images = h.hdus.slice(1);
    for (const hdu of images) expect(hdu.BUNIT, hdu.EXTNAME).not.toBeNull();
    expect(images.find((x: { EXTNAME: string }) => x.EXTNAME === 'LOG_MSTAR_P50').BUNIT).toBe('dex(solMass)');
    expect(images.find((x: { EXTNAME: string }) => x.EXTNAME === 'LOG_MSTAR_STD').BUNIT).toBe('dex');
    expect(images.find((x: { EXTNAME: string }) => x.EXTNAME === 'AV_P50').BUNIT).toBe('mag');
    expect(new Set(images.map((x: { NAXIS1: number; NAXIS2: number }) => `${x.NAXIS1}x${x.NAXIS2}`)).size).toBe(1); // what -mecube needs
    expect(h.redshiftCard).toMatch(/^REDSHIFT=\s+0\.65\s/);
    expect([h.bitpix, h.blank, h.flagb7]).toEqual([32, -1, 'NON_DETECTION']);
    const [g] = (await duck.conn!.runAndReadAll(`SELECT count(*) AS n, count(*) FILTER (WHERE flags = 128) AS nondet, count(*) FILTER (WHERE flags = 0) AS clean FROM '${out}/pixels.parquet' WHERE galaxy_id = 1`)).getRowObjects();
    expect([h.kept, h.nondet, h.clean]).toEqual([Number(g.n), Number(g.nondet), Number(g.clean)]);
  });
});
