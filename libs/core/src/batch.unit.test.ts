import { describe, expect, it } from 'vitest';
import { tableFromIPC, tableToIPC, Table } from 'apache-arrow';
import { batchBytes, batchFromColumns, column, columnsOf, listColumn, selectColumns, withMetadata } from './batch.js';

describe('batch helpers', () => {
  it('build zero-copy columns, list columns and metadata that survive an IPC round trip', () => {
    const a = new Float32Array([1, 2, 3]);
    const samples = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = batchFromColumns({ a, id: new Int32Array([7, 8, 9]), s: { listSize: 2, values: samples } }, { k: 'v' }, { a: { unit: 'nJy' } });
    expect(column(b, 'a').buffer).toBe(a.buffer);
    expect(Array.from(listColumn(b, 's').values)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batchBytes(b)).toBe(12 + 12 + 24);
    const t = tableFromIPC(tableToIPC(new Table(withMetadata(b, { k2: 'w' }))));
    expect(t.schema.metadata.get('k')).toBe('v');
    expect(t.schema.metadata.get('k2')).toBe('w');
    expect(t.schema.fields[0].metadata.get('unit')).toBe('nJy');
    expect(Array.from(t.getChild('s')!.get(1)!)).toEqual([3, 4]);
    expect(Object.keys(columnsOf(b))).toEqual(['a', 'id', 's']);
  });

  it('selects columns after a list column without mixing them up (apache-arrow 21 select does)', () => {
    const b = batchFromColumns({ a: new Float32Array([1, NaN, 3]), s: { listSize: 2, values: new Float32Array(6) }, c: new Float32Array([4, 5, 6]) }, { k: 'v' }, { c: { unit: 'nJy' } });
    const sel = selectColumns(b, ['a', 'c']);
    expect(sel.schema.fields.map((f) => f.name)).toEqual(['a', 'c']);
    expect(Array.from(column(sel, 'c'))).toEqual([4, 5, 6]);
    expect(sel.getChild('c')!.nullCount).toBe(0);
    expect(sel.schema.metadata.get('k')).toBe('v');
    expect(sel.schema.fields[1].metadata.get('unit')).toBe('nJy');
  });

  it('rejects ragged columns naming them', () => {
    expect(() => batchFromColumns({ a: new Float32Array(3), b: new Float32Array(2) })).toThrow(/column 'b' has 2 rows, expected 3 like 'a'/);
    expect(() => column(batchFromColumns({ a: new Float32Array(1) }), 'zz', 'my-stage')).toThrow(/my-stage: batch has no column 'zz' \(columns: a\)/);
  });
});
