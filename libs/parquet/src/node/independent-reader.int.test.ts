import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFromColumns } from '@pixsed/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createParquetWriter } from './create-parquet-writer.js';

/**
 * Readability by an independent Parquet implementation: DuckDB (C++), through the npm package
 * `@duckdb/node-api` (prebuilt binary in `@duckdb/node-bindings-<platform>`; a devDependency of
 * this lib). Debian bookworm has no pyarrow, fastparquet or duckdb package, so DuckDB is the
 * reader the tests can run. Skips, saying why, when the package or its binary cannot load.
 */
type DuckConnection = { runAndReadAll(sql: string): Promise<{ getRowObjects(): Record<string, unknown>[] }> };
async function connectDuckDb(): Promise<{ conn?: DuckConnection; why?: string }> {
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    return { conn: (await db.connect()) as unknown as DuckConnection };
  } catch (err) {
    return { why: (err as Error).message.split('\n')[0] };
  }
}
const duck = await connectDuckDb();
if (duck.why) console.warn(`skipping DuckDB readability tests: @duckdb/node-api unavailable (${duck.why}); install it with npm install -w libs/parquet -D @duckdb/node-api`);

const dir = mkdtempSync(join(tmpdir(), 'pixsed-parquet-duckdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!duck.conn)('Parquet files are readable by DuckDB (independent reader)', () => {
  it.each(['snappy', 'uncompressed', 'gzip', 'brotli'] as const)('%s: types, values and key-value metadata', async (compression) => {
    const file = join(dir, `duck-${compression}.parquet`);
    const w = await createParquetWriter(file, { rowGroupRows: 1024, compression });
    const n = 1500;
    for (let b = 0; b < 2; b++) {
      const off = b * n;
      await w.write(
        batchFromColumns(
          {
            flux_f444w_njy: new Float32Array(n).map((_, i) => (off + i) * 0.5),
            flux_f444w_err_njy: new Float64Array(n).map((_, i) => (off + i) / 3),
            segment_id: new Int32Array(n).map((_, i) => -(off + i)),
            pixel_index: new Uint32Array(n).map((_, i) => 4_000_000_000 + off + i),
            x_pix: new Int16Array(n).map((_, i) => -(off + i)),
            flags: new Uint8Array(n).map((_, i) => (off + i) % 256),
          },
          { provenance: '{"pipeline":"duckdb-test"}' },
          { flux_f444w_njy: { unit: 'nJy' } },
        ),
      );
    }
    await w.close();
    const rows = 2 * n;
    const conn = duck.conn!;
    const [agg] = (
      await conn.runAndReadAll(
        `select count(*)::INTEGER n, sum(flux_f444w_njy)::DOUBLE sf, sum(flux_f444w_err_njy)::DOUBLE sd, min(segment_id) ms,
                max(pixel_index)::BIGINT mp, min(x_pix) mx, max(flags) mf,
                typeof(any_value(flux_f444w_njy)) t_f, typeof(any_value(flux_f444w_err_njy)) t_d, typeof(any_value(segment_id)) t_i,
                typeof(any_value(pixel_index)) t_u, typeof(any_value(x_pix)) t_s, typeof(any_value(flags)) t_c
         from read_parquet('${file}')`,
      )
    ).getRowObjects();
    expect(agg).toMatchObject({
      n: rows,
      sf: (0.5 * rows * (rows - 1)) / 2,
      ms: -(rows - 1),
      mp: BigInt(4_000_000_000 + rows - 1),
      mx: -(rows - 1),
      mf: 255,
      t_f: 'FLOAT',
      t_d: 'DOUBLE',
      t_i: 'INTEGER',
      t_u: 'UINTEGER',
      t_s: 'SMALLINT',
      t_c: 'UTINYINT',
    });
    expect(agg.sd as number).toBeCloseTo((rows * (rows - 1)) / 2 / 3, 6);
    // a predicate on the uint32 column above 2^31 (no wrong int32 statistics may prune it)
    const [hit] = (await conn.runAndReadAll(`select count(*)::INTEGER n from read_parquet('${file}') where pixel_index >= 4000002000`)).getRowObjects();
    expect(hit.n).toBe(rows - 2000);
    const kv = (await conn.runAndReadAll(`select decode(key) k, decode(value) v from parquet_kv_metadata('${file}')`)).getRowObjects();
    const meta = Object.fromEntries(kv.map((r) => [r.k, r.v]));
    expect(meta.provenance).toBe('{"pipeline":"duckdb-test"}');
    expect(JSON.parse(meta['pixsed:field_metadata'] as string)).toEqual({ flux_f444w_njy: { unit: 'nJy' } });
    const groups = (await conn.runAndReadAll(`select count(distinct row_group_id)::INTEGER g from parquet_metadata('${file}')`)).getRowObjects();
    expect(groups[0].g).toBe(3);
  });
});
