import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
// a venv with pyarrow + pandas from PyPI (tools/python/parquet-requirements.txt), made by .ci/run
const py = process.env.PIXSED_PARQUET_PYTHON ?? '';
const ready = py !== '' && existsSync(py) && spawnSync(py, ['-c', 'import pyarrow, pandas'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!ready)(ready ? 'pixels.parquet read by pandas and pyarrow (PyPI)' : 'skipped: set PIXSED_PARQUET_PYTHON to a python with pyarrow + pandas (.ci/run makes one from tools/python/parquet-requirements.txt)', () => {
  it('pandas.read_parquet gives every kept pixel with the run\'s columns; pyarrow sees units, the pixsed.file summary and uint32 flags', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pixsed-pq-')), 'o');
    const r = spawnSync(process.execPath, [bin, 'demo', '--out', out, '--quiet', '--set', 'stages.inference.samplesPerPixel=20'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const p = spawnSync(
      py,
      [
        '-c',
        `import pandas as pd, pyarrow.parquet as pq, json, sys
f = sys.argv[1] + '/pixels.parquet'
df = pd.read_parquet(f)
kv = {k.decode(): v.decode() for k, v in pq.read_metadata(f).metadata.items()}
sch = pq.read_schema(f)
unit = lambda n: (sch.field(n).metadata or {}).get(b'unit', b'?').decode()
print(json.dumps({"rows": len(df), "columns": list(df.columns), "file": json.loads(kv['pixsed.file']),
  "perGalaxy": {str(k): int(v) for k, v in df['galaxy_id'].value_counts().items()},
  "units": {n: unit(n) for n in ['x', 'flux_f444w_njy', 'flux_f444w_err_njy', 'log_mstar_p50']},
  "flagsType": str(sch.field('flags').type), "nondet": int(((df['flags'] & 128) != 0).sum()),
  "finiteMass": int(df['log_mstar_p50'].notna().sum())}))`,
        out,
      ],
      { encoding: 'utf8' },
    );
    expect(p.status, p.stderr).toBe(0);
    const got = JSON.parse(p.stdout);
    const summary = JSON.parse(readFileSync(join(out, 'run-summary.json'), 'utf8'));
    const galaxies = parse(readFileSync(join(out, 'galaxies.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(got.rows).toBe(summary.rowsOut);
    expect(got.file.rows).toBe(summary.rowsOut);
    for (const g of galaxies) expect(got.perGalaxy[g.galaxy_id], `galaxy ${g.galaxy_id}`).toBe(Number(g.n_pixels));
    expect(got.columns).toEqual(expect.arrayContaining(['x', 'y', 'galaxy_id', 'z', 'flags', 'flux_f444w_njy', 'log_mstar_p50', 'ppc_pvalue']));
    expect(got.units).toEqual({ x: 'pix', flux_f444w_njy: 'nJy', flux_f444w_err_njy: 'nJy', log_mstar_p50: 'log10(Msun)' });
    expect(got.flagsType).toBe('uint32');
    expect(got.nondet).toBe(summary.rowsPerFlag.NON_DETECTION);
    expect(got.finiteMass).toBe(summary.rowsOut);
  }, 180_000);
});
