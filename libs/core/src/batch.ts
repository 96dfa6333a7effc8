import { Field, Float32, Float64, Int32, Uint32, Uint8, Int16, makeData, RecordBatch, Schema, Struct, type DataType } from 'apache-arrow';
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

/**
 * Build an immutable RecordBatch from typed-array columns (zero copy).
 * `metadata` goes into the schema metadata (geometry, units, provenance).
 * `fieldMetadata` attaches per-column metadata such as `{ unit: 'nJy' }`.
 */
export function batchFromColumns(
  columns: Record<string, NumericArray>,
  metadata: Record<string, string> | Map<string, string> = {},
  fieldMetadata: Record<string, Record<string, string>> = {},
): RecordBatch {
  const names = Object.keys(columns);
  const length = names.length ? columns[names[0]].length : 0;
  const fields: Field[] = [];
  const children = names.map((name) => {
    const values = columns[name];
    if (values.length !== length) {
      throw new SchemaError(`column '${name}' has ${values.length} rows, expected ${length} like '${names[0]}'`);
    }
    const type = arrowTypeOf(values);
    const fm = fieldMetadata[name];
    fields.push(new Field(name, type, false, fm ? new Map(Object.entries(fm)) : null));
    return makeData({ type, length, data: values } as any);
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

/** Columns of a batch as a plain record of typed arrays (zero copy). */
export function columnsOf(batch: RecordBatch): Record<string, NumericArray> {
  const out: Record<string, NumericArray> = {};
  for (const f of batch.schema.fields) out[f.name] = column(batch, f.name);
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
