import type { NumericArray } from '@pixsed/core';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type DecodedArray, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

/** A decoded column: a typed array for numeric columns without nulls, otherwise a plain array. */
export type ParquetColumn = NumericArray | Int8Array | Uint16Array | BigInt64Array | BigUint64Array | unknown[];

export interface ParquetColumns {
  numRows: number;
  /** Columns in file order. */
  columns: Record<string, ParquetColumn>;
  /** Parquet key-value metadata (provenance, `pixsed:field_metadata`, ...). */
  metadata: Record<string, string>;
  /** Per-field metadata (units) from `pixsed:field_metadata`, when the writer stored it. */
  fieldMetadata: Record<string, Record<string, string>>;
}

export interface DecodeParquetOptions {
  /** Read only these columns (default: all). */
  columns?: string[];
  /** Read only rows [rowStart, rowEnd) (default: all); `numRows` is then rowEnd − rowStart. */
  rowStart?: number;
  rowEnd?: number;
}

type TypedCtor = new (length: number) => NumericArray | Int8Array | Uint16Array;

/** Typed array that holds a leaf column's values exactly, or undefined to keep a plain array. */
function typedCtorOf(el: SchemaElement): TypedCtor | undefined {
  const logical = el.logical_type?.type === 'INTEGER' ? el.logical_type : undefined;
  const converted = el.converted_type ?? (logical ? `${logical.isSigned ? 'INT' : 'UINT'}_${logical.bitWidth}` : undefined);
  if (el.type === 'FLOAT' && !converted) return Float32Array;
  if (el.type === 'DOUBLE' && !converted) return Float64Array;
  if (el.type !== 'INT32') return undefined;
  const byConverted: Record<string, TypedCtor> = {
    INT_8: Int8Array,
    UINT_8: Uint8Array,
    INT_16: Int16Array,
    UINT_16: Uint16Array,
    INT_32: Int32Array,
    UINT_32: Uint32Array,
  };
  return converted === undefined ? Int32Array : byConverted[converted];
}

function hasNull(values: DecodedArray, start: number, end: number): boolean {
  if (ArrayBuffer.isView(values)) return false;
  for (let i = start; i < end; i++) if (values[i] === null || values[i] === undefined) return true;
  return false;
}

/**
 * Decode a Parquet file held in memory (or behind an AsyncBuffer) into columns with hyparquet.
 * Flat numeric columns come back as typed arrays of their declared width (float32 stays
 * Float32Array, UINT_8 becomes Uint8Array); strings, int64, booleans and columns with nulls come
 * back as plain arrays. Every codec (snappy, gzip, brotli, zstd, lz4) is supported.
 */
export async function decodeParquet(file: ArrayBuffer | AsyncBuffer, options: DecodeParquetOptions = {}): Promise<ParquetColumns> {
  const buffer: AsyncBuffer = file instanceof ArrayBuffer ? { byteLength: file.byteLength, slice: (s, e) => file.slice(s, e) } : file;
  const meta = await parquetMetadataAsync(buffer);
  const rowStart = options.rowStart ?? 0;
  const rowEnd = Math.min(options.rowEnd ?? Number(meta.num_rows), Number(meta.num_rows));
  const numRows = Math.max(0, rowEnd - rowStart);
  const leaves = parquetSchema(meta).children.filter((c) => !options.columns || options.columns.includes(c.element.name));
  const chunks = new Map<string, { start: number; end: number; data: DecodedArray }[]>();
  for (const leaf of leaves) chunks.set(leaf.element.name, []);
  await parquetRead({
    file: buffer,
    metadata: meta,
    columns: leaves.map((l) => l.element.name),
    rowStart,
    rowEnd,
    compressors,
    onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
      chunks.get(columnName)?.push({ start: rowStart, end: rowEnd, data: columnData });
    },
  });
  const columns: Record<string, ParquetColumn> = {};
  for (const leaf of leaves) {
    const name = leaf.element.name;
    const parts = chunks.get(name) ?? [];
    const Ctor = leaf.children.length ? undefined : typedCtorOf(leaf.element);
    const typed = Ctor && !parts.some((p) => hasNull(p.data, 0, p.data.length));
    const out: ParquetColumn = typed ? new Ctor(numRows) : new Array<unknown>(numRows);
    for (const { start, end, data } of parts) {
      const skip = Math.max(0, rowStart - start);
      const n = Math.min(end, rowEnd) - start - skip;
      if (n <= 0) continue;
      const at = start + skip - rowStart;
      if (ArrayBuffer.isView(out) && ArrayBuffer.isView(data) && !(data instanceof DataView)) {
        (out as Float64Array).set((data as Float64Array).subarray(skip, skip + n), at);
      } else {
        for (let i = 0; i < n; i++) (out as unknown[])[at + i] = data[skip + i];
      }
    }
    columns[name] = out;
  }
  const metadata: Record<string, string> = {};
  for (const { key, value } of meta.key_value_metadata ?? []) metadata[key] = value ?? '';
  let fieldMetadata: Record<string, Record<string, string>> = {};
  if (metadata['pixsed:field_metadata']) {
    try {
      fieldMetadata = JSON.parse(metadata['pixsed:field_metadata']) as typeof fieldMetadata;
    } catch {
      fieldMetadata = {};
    }
  }
  return { numRows, columns, metadata, fieldMetadata };
}
