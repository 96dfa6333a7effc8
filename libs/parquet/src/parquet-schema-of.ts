import { SchemaError } from '@pixsed/core';
import { Table, tableToIPC, type Field, type Schema } from 'apache-arrow';
import type { KeyValue, SchemaElement } from 'hyparquet';

/** Key holding per-field Arrow metadata (units, descriptions) as JSON `{ field: { key: value } }`. */
export const FIELD_METADATA_KEY = 'pixsed:field_metadata';
/** Key pyarrow and arrow-rs read to restore the Arrow schema, including per-field metadata. */
export const ARROW_SCHEMA_KEY = 'ARROW:schema';

/**
 * Arrow type name (as `String(type)` prints it) → Parquet physical and converted type. No
 * INTEGER logical type: hyparquet-writer 0.17 serialises its i8 `bitWidth` as an i32 and
 * DuckDB then rejects the footer (TProtocolException); every reader maps the converted types.
 */
const PARQUET_TYPES: Record<string, Omit<SchemaElement, 'name'>> = {
  Float32: { type: 'FLOAT' },
  Float64: { type: 'DOUBLE' },
  Int32: { type: 'INT32' },
  Uint32: { type: 'INT32', converted_type: 'UINT_32' },
  Int16: { type: 'INT32', converted_type: 'INT_16' },
  Uint16: { type: 'INT32', converted_type: 'UINT_16' },
  Int8: { type: 'INT32', converted_type: 'INT_8' },
  Uint8: { type: 'INT32', converted_type: 'UINT_8' },
};

/** Arrow type names the Parquet writer supports. */
export const SUPPORTED_ARROW_TYPES = Object.keys(PARQUET_TYPES);

/** The Arrow schema as one IPC schema message, base64 (the `ARROW:schema` convention of pyarrow/arrow-rs). */
function arrowSchemaBase64(schema: Schema): string {
  const ipc = tableToIPC(new Table(schema), 'stream');
  const length = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength).getInt32(4, true);
  const bytes = ipc.subarray(0, 8 + length);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fieldElement(field: Field, where: string): SchemaElement {
  const mapped = PARQUET_TYPES[String(field.type)];
  if (!mapped) {
    throw new SchemaError(`${where}: column '${field.name}' has Arrow type ${String(field.type)}; the Parquet writer supports ${SUPPORTED_ARROW_TYPES.join(', ')}`);
  }
  return { name: field.name, repetition_type: 'REQUIRED', ...mapped };
}

/**
 * Parquet schema and key-value metadata for an Arrow schema of numeric columns.
 * Schema metadata entries (provenance, geometry) become Parquet key-value pairs as they are;
 * per-field metadata (units) goes to `pixsed:field_metadata` (JSON) and, with everything else,
 * to `ARROW:schema` so that pyarrow/pandas restore it.
 */
export function parquetSchemaOf(schema: Schema, where = 'parquet'): { elements: SchemaElement[]; kvMetadata: KeyValue[] } {
  const elements: SchemaElement[] = [{ name: 'schema', num_children: schema.fields.length }];
  const fieldMetadata: Record<string, Record<string, string>> = {};
  for (const field of schema.fields) {
    elements.push(fieldElement(field, where));
    if (field.metadata.size) fieldMetadata[field.name] = Object.fromEntries(field.metadata);
  }
  const kvMetadata: KeyValue[] = [...schema.metadata].map(([key, value]) => ({ key, value }));
  if (Object.keys(fieldMetadata).length) kvMetadata.push({ key: FIELD_METADATA_KEY, value: JSON.stringify(fieldMetadata) });
  kvMetadata.push({ key: ARROW_SCHEMA_KEY, value: arrowSchemaBase64(schema) });
  return { elements, kvMetadata };
}
