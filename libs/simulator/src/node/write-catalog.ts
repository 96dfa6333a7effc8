import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { writeNpy } from '@pixsed/core/node';
import type { Catalog } from '../generate-catalog.js';

/** Write a catalogue as CSV: header = column names, one row per object, NaN written as `nan`. */
export async function writeCatalogCsv(catalog: Catalog, path: string): Promise<void> {
  const out = createWriteStream(path);
  const cols = catalog.columnNames.map((c) => catalog.columns[c]);
  out.write(catalog.columnNames.join(',') + '\n');
  for (let r = 0; r < catalog.n; r++) {
    let line = '';
    for (let c = 0; c < cols.length; c++) {
      const v = cols[c][r];
      line += (c ? ',' : '') + (Number.isNaN(v) ? 'nan' : String(v));
    }
    if (!out.write(line + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * Write a catalogue for NumPy: `<prefix>.npy` = one float32 matrix (n, nColumns) in C order, and
 * `<prefix>.columns.json` = {columns, units, bands, n, seed}. In Python:
 * `X = np.load(prefix + '.npy'); cols = json.load(open(prefix + '.columns.json'))['columns']`.
 */
export function writeCatalogNpy(catalog: Catalog, prefix: string): { npyPath: string; jsonPath: string } {
  const nC = catalog.columnNames.length;
  const m = new Float32Array(catalog.n * nC);
  catalog.columnNames.forEach((name, c) => {
    const col = catalog.columns[name];
    for (let r = 0; r < catalog.n; r++) m[r * nC + c] = col[r];
  });
  const npyPath = `${prefix}.npy`;
  const jsonPath = `${prefix}.columns.json`;
  writeNpy(npyPath, m, [catalog.n, nC]);
  writeFileSync(
    jsonPath,
    JSON.stringify({ columns: catalog.columnNames, units: catalog.units, bands: catalog.bands, n: catalog.n, seed: catalog.seed }, null, 2),
  );
  return { npyPath, jsonPath };
}
