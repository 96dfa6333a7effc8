import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFromColumns, SchemaError } from '@pixsed/core';
import { readFile } from 'node:fs/promises';
import { parquetMetadata } from 'hyparquet';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createParquetWriter } from './create-parquet-writer.js';
import { snappyImplementation } from './parquet-codec.js';
import { readParquet } from './read-parquet.js';

const dir = mkdtempSync(join(tmpdir(), 'pixsed-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Batch `b` of `n` rows with every supported column type (values that need the full width). */
function batch(b: number, n: number) {
  const f32 = new Float32Array(n).map((_, i) => (b * n + i) * 0.25 - 7.5);
  f32[0] = Number.NaN;
  return batchFromColumns(
    {
      flux_f444w_njy: f32,
      flux_f444w_err_njy: new Float64Array(n).map((_, i) => 1e-3 * (b * n + i) + 1e-12),
      segment_id: new Int32Array(n).map((_, i) => -(b * n + i)),
      pixel_index: new Uint32Array(n).map((_, i) => 4_000_000_000 + b * n + i),
      x_pix: new Int16Array(n).map((_, i) => -32768 + i),
      flags: new Uint8Array(n).map((_, i) => (i * 7) & 255),
    },
    { provenance: '{"pipeline":"test"}', strip: String(b) },
    { flux_f444w_njy: { unit: 'nJy' }, flux_f444w_err_njy: { unit: 'nJy' } },
  );
}

describe('createParquetWriter', () => {
  it('snappy: the snappy package where its binary loads (linux x64 here), else hyparquet-writer\'s pure JS; both files read back to the same values', async () => {
    if (process.platform === 'linux' && process.arch === 'x64') expect(snappyImplementation).toBe('native');
    const write = async (create: typeof createParquetWriter, file: string) => {
      const w = await create(file, { rowGroupRows: 1000, compression: 'snappy' });
      for (const b of [batch(0, 700), batch(1, 700)]) await w.write(b);
      await w.close();
      const bytes = await readFile(file);
      const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      expect(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec))).toEqual(Array(2 * 6).fill('SNAPPY'));
      return readParquet(file);
    };
    const native = await write(createParquetWriter, join(dir, 'snappy-native.parquet'));
    vi.stubEnv('PIXSED_PARQUET_JS_SNAPPY', '1');
    vi.resetModules();
    try {
      const js = await import('./create-parquet-writer.js');
      expect((await import('./parquet-codec.js')).snappyImplementation).toBe('js');
      const back = await write(js.createParquetWriter, join(dir, 'snappy-js.parquet'));
      expect(back.numRows).toBe(1400);
      for (const name of Object.keys(native.columns)) expect(Array.from(back.columns[name] as ArrayLike<number>), name).toEqual(Array.from(native.columns[name] as ArrayLike<number>));
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it('round-trips every column type, regrouping batches into row groups of rowGroupRows', async () => {
    const file = join(dir, 'roundtrip.parquet');
    const w = await createParquetWriter(file, { rowGroupRows: 1000, compression: 'snappy', metadata: { survey: 'jades' } });
    const batches = [batch(0, 700), batch(1, 700), batch(2, 700), batch(3, 50)];
    for (const b of batches) await w.write(b);
    await w.close();
    expect(w.rows).toBe(2150);

    const bytes = await readFile(file);
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([1000, 1000, 150]);

    const back = await readParquet(file);
    expect(back.numRows).toBe(2150);
    expect(Object.keys(back.columns)).toEqual(batches[0].schema.fields.map((f) => f.name));
    for (const name of Object.keys(back.columns)) {
      const expected = batches.flatMap((b) => Array.from(b.getChild(name)!.toArray() as ArrayLike<number>));
      const got = back.columns[name];
      expect(got.constructor).toBe((batches[0].getChild(name)!.toArray() as object).constructor);
      expect(Array.from(got as ArrayLike<number>)).toEqual(expected);
    }
    expect(back.metadata.provenance).toBe('{"pipeline":"test"}');
    expect(back.metadata.strip).toBe('0'); // schema metadata of the first batch
    expect(back.metadata.survey).toBe('jades');
    expect(back.fieldMetadata).toEqual({ flux_f444w_njy: { unit: 'nJy' }, flux_f444w_err_njy: { unit: 'nJy' } });
    expect(back.metadata['ARROW:schema']).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it.each(['uncompressed', 'gzip', 'brotli'] as const)('writes %s files that hyparquet reads back', async (compression) => {
    const file = join(dir, `codec-${compression}.parquet`);
    const w = await createParquetWriter(file, { rowGroupRows: 500, compression });
    await w.write(batch(0, 1200));
    await w.close();
    const back = await readParquet(file, { columns: ['pixel_index', 'flux_f444w_err_njy'] });
    expect(Object.keys(back.columns)).toEqual(['flux_f444w_err_njy', 'pixel_index']);
    expect(back.columns.pixel_index[1199]).toBe(4_000_001_199);
  });

  it('rejects zstd on runtimes without zlib.zstdCompressSync with a message naming the option', async () => {
    const hasZstd = typeof (await import('node:zlib') as Record<string, unknown>).zstdCompressSync === 'function';
    const p = createParquetWriter(join(dir, 'zstd.parquet'), { compression: 'zstd' });
    if (hasZstd) await expect(p).resolves.toBeDefined();
    else await expect(p).rejects.toThrow(/compression: 'zstd' needs Node >= 22.15/);
  });

  it('rejects a batch whose columns differ from the first batch, naming the file', async () => {
    const file = join(dir, 'mismatch.parquet');
    const w = await createParquetWriter(file);
    await w.write(batch(0, 10));
    await expect(w.write(batchFromColumns({ other: new Float32Array(10) }))).rejects.toThrow(SchemaError);
    await expect(w.write(batchFromColumns({ other: new Float32Array(10) }))).rejects.toThrow(/mismatch\.parquet: batch columns \(other:Float32\) differ/);
    await w.abort();
    expect(existsSync(file)).toBe(false);
  });

  it('names the file when reading something that is not Parquet', async () => {
    await expect(readParquet(join(dir, 'missing.parquet'))).rejects.toThrow(/missing\.parquet: cannot read Parquet file/);
  });
});
