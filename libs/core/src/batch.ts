import { Field, FixedSizeList, Float32, Float64, Int32, Uint32, Uint8, Int16, makeData, RecordBatch, Schema, Struct, type DataType } from 'apache-arrow';
import { SchemaError } from './errors.js';

/** Numeric column arrays that travel between stages without copies. */
export type NumericArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | Int16Array;

function arrowTypeOf(values: NumericArray): DataType {
  if (values instanceof Float32Array) return new Float32();
  if (values instanceof Float64Array) return new Float64();
  if (values instanceof Int32Array) return new Int32();
  if (values instanceof Uint32Array) return new Uint32();
  if (values instanceof Uint8Array) return new Uint8();
  if (values instanceof Int16Array) return new Int16();
  throw new SchemaError(`unsupported column array type ${(values as object).constructor.name}`);
}

/** A fixed-size-list column: `listSize` values per row (e.g. posterior samples), row-major. */
export interface ListColumn {
  listSize: number;
  values: Float32Array;
}

/**
 * Build an immutable RecordBatch from typed-array columns (zero copy); a `ListColumn` becomes
 * an Arrow FixedSizeList<float32>.
 * `metadata` goes into the schema metadata (geometry, units, provenance).
 * `fieldMetadata` attaches per-column metadata such as `{ unit: 'nJy' }`.
 */
export function batchFromColumns(
  columns: Record<string, NumericArray | ListColumn>,
  metadata: Record<string, string> | Map<string, string> = {},
  fieldMetadata: Record<string, Record<string, string>> = {},
): RecordBatch {
  const names = Object.keys(columns);
  const rowsOf = (c: NumericArray | ListColumn) => ('listSize' in c ? c.values.length / c.listSize : c.length);
  const length = names.length ? rowsOf(columns[names[0]]) : 0;
  const fields: Field[] = [];
  const children = names.map((name) => {
    const col = columns[name];
    if (rowsOf(col) !== length) {
      throw new SchemaError(`column '${name}' has ${rowsOf(col)} rows, expected ${length} like '${names[0]}'`);
    }
    const fm = fieldMetadata[name];
    const meta = fm ? new Map(Object.entries(fm)) : null;
    if ('listSize' in col) {
      const item = new Field('item', new Float32(), false);
      const type = new FixedSizeList(col.listSize, item);
      fields.push(new Field(name, type, false, meta));
      const child = makeData({ type: new Float32(), length: col.values.length, data: col.values });
      return makeData({ type, length, nullCount: 0, child });
    }
    const type = arrowTypeOf(col);
    fields.push(new Field(name, type, false, meta));
    return makeData({ type, length, data: col } as any);
  });
  const meta = metadata instanceof Map ? new Map(metadata) : new Map(Object.entries(metadata));
  const schema = new Schema(fields, meta);
  const data = makeData({ type: new Struct(fields), length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

/** A copy of `batch` (sharing its buffers) with schema metadata entries added or replaced. */
export function withMetadata(batch: RecordBatch, patch: Record<string, string>): RecordBatch {
  const meta = new Map(batch.schema.metadata);
  for (const [k, v] of Object.entries(patch)) meta.set(k, v);
  const schema = new Schema(batch.schema.fields, meta, batch.schema.dictionaries);
  return new RecordBatch(schema, batch.data);
}

/** Typed-array view of a numeric column (zero copy); throws a SchemaError naming the column if absent. */
export function column<T extends NumericArray = NumericArray>(batch: RecordBatch, name: string, stage = 'stage'): T {
  const vec = batch.getChild(name);
  if (!vec) {
    const have = batch.schema.fields.map((f) => f.name).join(', ');
    throw new SchemaError(`${stage}: batch has no column '${name}' (columns: ${have || 'none'})`);
  }
  if (vec.data.length !== 1) return vec.toArray() as T;
  const d = vec.data[0];
  return (d.values as T).subarray(d.offset, d.offset + d.length) as T;
}

/** Values of a FixedSizeList<float32> column (zero copy when the batch has one chunk). */
export function listColumn(batch: RecordBatch, name: string, stage = 'stage'): ListColumn {
  const vec = batch.getChild(name);
  if (!vec || !(vec.type instanceof FixedSizeList)) {
    throw new SchemaError(`${stage}: batch has no fixed-size-list column '${name}'`);
  }
  const listSize = (vec.type as FixedSizeList).listSize;
  const d = vec.data[0];
  const child = d.children[0];
  const values = (child.values as Float32Array).subarray((child.offset + d.offset * listSize), child.offset + (d.offset + d.length) * listSize);
  return { listSize, values };
}

/** Columns of a batch as a plain record of typed arrays (zero copy). */
export function columnsOf(batch: RecordBatch): Record<string, NumericArray | ListColumn> {
  const out: Record<string, NumericArray | ListColumn> = {};
  for (const f of batch.schema.fields) out[f.name] = f.type instanceof FixedSizeList ? listColumn(batch, f.name) : column(batch, f.name);
  return out;
}

/** Bytes held by a batch's buffers (used by the backpressure gate). */
export function batchBytes(batch: RecordBatch): number {
  let total = 0;
  const visit = (d: { values?: ArrayBufferView; nullBitmap?: ArrayBufferView; valueOffsets?: ArrayBufferView; children: unknown[] }) => {
    total += (d.values?.byteLength ?? 0) + (d.nullBitmap?.byteLength ?? 0) + (d.valueOffsets?.byteLength ?? 0);
    for (const c of d.children) visit(c as typeof d);
  };
  visit(batch.data as any);
  return total;
}

/** Per-column metadata (units, statistics) of a batch, for carrying into a derived batch. */
export function fieldMetadataOf(batch: RecordBatch): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const f of batch.schema.fields) if (f.metadata.size) out[f.name] = Object.fromEntries(f.metadata);
  return out;
}

/**
 * The batch restricted to `names` (zero copy; schema and field metadata kept). Written here because
 * apache-arrow 21's `RecordBatch.select` mis-maps children after a list column.
 */
export function selectColumns(batch: RecordBatch, names: string[]): RecordBatch {
  const all = columnsOf(batch);
  const fm = fieldMetadataOf(batch);
  return batchFromColumns(
    Object.fromEntries(names.map((n) => [n, all[n]])),
    batch.schema.metadata,
    Object.fromEntries(names.filter((n) => fm[n]).map((n) => [n, fm[n]])),
  );
}
