import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFromColumns, directOutput, minimalStreamInfo, stripMetadata, STREAM_INFO_KEY, type InitContext } from '@pixsed/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parquetSink } from './parquet-sink.js';
import { readParquet } from './read-parquet.js';

const dir = mkdtempSync(join(tmpdir(), 'pixsed-parquet-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function init(log: string[] = []): InitContext {
  return { outDir: dir, output: directOutput(dir), pipelineDir: dir, signal: new AbortController().signal, log: (m: string) => log.push(m), stream: minimalStreamInfo('source:test', ['f444w']) } as unknown as InitContext;
}

describe('parquetSink', () => {
  it('has a strict config schema with defaults', () => {
    expect(parquetSink.configSchema.parse({})).toEqual({ path: 'pixels.parquet', rowGroupRows: 131_072, compression: 'snappy', excludeColumns: ['*_samples'], raDecColumns: false });
    expect(() => parquetSink.configSchema.parse({ path: 'a.parquet', rowGroups: 5 })).toThrow();
    expect(() => parquetSink.configSchema.parse({ compression: 'lzo' })).toThrow();
  });

  it('writes every batch to one file under --out and returns its path', async () => {
    const sink = await parquetSink.create(parquetSink.configSchema.parse({ path: 'sub/pixels.parquet', rowGroupRows: 1024 }), init());
    for (let b = 0; b < 5; b++) {
      await sink.write(batchFromColumns({ x: new Float32Array(1000).fill(b), id: new Int32Array(1000).map((_, i) => b * 1000 + i) }, { provenance: 'p' }));
    }
    const paths = await sink.close();
    expect(paths).toEqual([join(dir, 'sub/pixels.parquet')]);
    const back = await readParquet(paths[0]);
    expect(back.numRows).toBe(5000);
    expect(back.columns.id[4999]).toBe(4999);
    expect(back.columns.x[4999]).toBe(4);
    expect(back.metadata.provenance).toBe('p');
  });

  it('leaves out excluded columns (per-pixel sample lists by default) and keeps the rest intact', async () => {
    const sink = await parquetSink.create(parquetSink.configSchema.parse({ path: 'lists.parquet' }), init());
    const values = Float32Array.from({ length: 30 }, (_, i) => i);
    await sink.write(batchFromColumns({ a: new Float32Array([1, 2, 3]), log_mstar_samples: { listSize: 10, values }, b: new Int32Array([7, 8, 9]) }, {}, { b: { unit: 'px' } }));
    const [file] = await sink.close();
    const back = await readParquet(file);
    expect(Object.keys(back.columns)).toEqual(['a', 'b']);
    expect(Array.from(back.columns.b as Int32Array)).toEqual([7, 8, 9]);
    expect(back.fieldMetadata.b).toEqual({ unit: 'px' });
  });

  it('file-level key-value metadata is the StreamInfo and the run-level entries, not the first strip\'s geometry', async () => {
    const i = init();
    const sink = await parquetSink.create(parquetSink.configSchema.parse({ path: 'meta.parquet' }), i);
    for (let y0 = 0; y0 < 4; y0 += 2) {
      const geo = stripMetadata({ x0: 0, y0, width: 3, height: 2, haloTop: 0, haloBottom: 0, mosaicWidth: 3, mosaicHeight: 4 });
      await sink.write(batchFromColumns({ x: new Float32Array(6) }, { ...geo, 'pixsed.pixels': '6', 'pixsed.galaxies.complete': '[]', 'pixsed.provenance': 'prov' }));
    }
    const [file] = await sink.close();
    const back = await readParquet(file);
    expect(JSON.parse(back.metadata[STREAM_INFO_KEY])).toEqual(i.stream);
    expect(back.metadata['pixsed.provenance']).toBe('prov');
    expect(Object.keys(back.metadata).filter((k) => k.startsWith('pixsed.strip.') || k === 'pixsed.pixels' || k === 'pixsed.galaxies.complete')).toEqual([]);
  });

  it('writes no file and says so when no batch arrives', async () => {
    const log: string[] = [];
    const sink = await parquetSink.create(parquetSink.configSchema.parse({ path: 'empty.parquet' }), init(log));
    expect(await sink.close()).toEqual([]);
    expect(log.join('\n')).toMatch(/no batches reached the sink/);
  });
});
