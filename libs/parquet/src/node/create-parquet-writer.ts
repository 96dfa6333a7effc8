import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { column, OutputError, PixsedError, SchemaError } from '@pixsed/core';
import type { RecordBatch, Schema } from 'apache-arrow';
import type { SchemaElement } from 'hyparquet';
import { ParquetWriter } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { ParquetCompression } from '../parquet-compressions.js';
import { parquetSchemaOf } from '../parquet-schema-of.js';
import { parquetCodec } from './parquet-codec.js';
import { StreamByteWriter } from './stream-byte-writer.js';

export interface ParquetWriterOptions {
  /** Rows per Parquet row group (default 131072). Batches are regrouped to this size. */
  rowGroupRows?: number;
  /** Codec (default 'snappy'); 'zstd' needs Node >= 22.15. */
  compression?: ParquetCompression;
  /** Extra key-value metadata written in the footer, added to the first batch's schema metadata. */
  metadata?: Record<string, string>;
  /** `created_by` in the footer (default 'pixsed @pixsed/parquet via hyparquet-writer'). */
  createdBy?: string;
}

export interface ParquetFileWriter {
  /** Queue a batch; resolves once any full row groups it completes are handed to the file and the stream has drained. */
  write(batch: RecordBatch): Promise<void>;
  /** Write the last (partial) row group and the footer (with `metadata` added to its key-value metadata: facts known only at the end, e.g. row counts), and close the file. */
  close(metadata?: Record<string, string>): Promise<void>;
  /** Close the file without a footer and delete it. */
  abort(): Promise<void>;
  /** Rows written or queued so far. */
  readonly rows: number;
}

type Col = ArrayLike<number> & { subarray(start: number, end?: number): Col; slice(start: number, end?: number): Col; set(a: ArrayLike<number>, offset?: number): void; length: number };

function sameFields(a: Schema, b: Schema): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i].name && String(f.type) === String(b.fields[i].type));
}

/**
 * Stream Arrow RecordBatches to a Parquet file with hyparquet-writer, one row group at a time.
 * The schema and its metadata come from the first batch (later batches must have the same
 * columns and types; their metadata is ignored). Memory held: less than one row group of input
 * plus one encoded row group.
 */
export async function createParquetWriter(path: string, options: ParquetWriterOptions = {}): Promise<ParquetFileWriter> {
  const rowGroupRows = options.rowGroupRows ?? 131_072;
  if (!Number.isInteger(rowGroupRows) || rowGroupRows < 1) throw new SchemaError(`${path}: rowGroupRows must be a positive integer, got ${rowGroupRows}`);
  const { codec, compressors } = parquetCodec(options.compression ?? 'snappy');
  await mkdir(dirname(path), { recursive: true }).catch((err) => {
    throw new OutputError(path, undefined, `cannot create its folder: ${(err as Error).message}`, { cause: err });
  });
  const out = createWriteStream(path);
  /** An fs error (ENOSPC, EACCES ...; their messages name no file) as an OutputError naming this file. */
  const io = (err: unknown) => (err instanceof PixsedError ? err : new OutputError(path, undefined, err instanceof Error ? err.message : String(err), { cause: err }));
  const bytes = new StreamByteWriter(out);

  let schema: Schema | undefined;
  let kv: ReturnType<typeof parquetSchemaOf>['kvMetadata'] | undefined;
  let writer: ParquetWriter | undefined;
  let footerSchema: SchemaElement[] = [];
  let unsigned32: boolean[] = [];
  let pending: Col[][] = []; // per batch: columns in schema order
  let pendingRows = 0;
  let rows = 0;
  let closed = false;

  /** Take the first `n` pending rows as one contiguous array per column. */
  const take = (n: number): Col[] => {
    const cols: Col[] = [];
    const first = pending[0];
    for (let c = 0; c < schema!.fields.length; c++) {
      if (first[0].length === n) {
        cols.push(first[c]);
        continue;
      }
      const Ctor = (first[c] as unknown as { constructor: new (n: number) => Col }).constructor;
      const joined = new Ctor(n);
      let at = 0;
      for (const part of pending) {
        if (at >= n) break;
        const k = Math.min(part[c].length, n - at);
        joined.set(part[c].subarray(0, k), at);
        at += k;
      }
      cols.push(joined);
    }
    // drop the rows taken
    let left = n;
    const rest: Col[][] = [];
    for (const part of pending) {
      const len = part[0].length;
      if (left >= len) {
        left -= len;
        continue;
      }
      rest.push(left ? part.map((p) => p.subarray(left)) : part);
      left = 0;
    }
    pending = rest;
    pendingRows -= n;
    return cols;
  };

  const writeGroup = async (n: number): Promise<void> => {
    const cols = take(n);
    const columnData: ColumnSource[] = schema!.fields.map((f, i) => {
      const data = cols[i] as unknown as ColumnSource['data'];
      if (!unsigned32[i]) return { name: f.name, data, encoding: 'PLAIN' };
      // uint32 goes in as its int32 bit pattern, without statistics (see UINT_32 note below)
      const bits = new Int32Array((data as Uint32Array).buffer, (data as Uint32Array).byteOffset, data.length);
      return { name: f.name, data: bits, encoding: 'PLAIN', statistics: false };
    });
    await writer!.write({ columnData, rowGroupSize: n });
  };

  return {
    get rows() {
      return rows;
    },
    async write(batch: RecordBatch) {
      if (closed) throw new SchemaError(`${path}: write after close`);
      if (!schema) {
        schema = batch.schema;
        const { elements, kvMetadata } = parquetSchemaOf(schema, path);
        for (const [key, value] of Object.entries(options.metadata ?? {})) kvMetadata.unshift({ key, value });
        // hyparquet-writer 0.17 rejects UINT_32 values >= 2^31 (it range-checks them as int32):
        // row groups are encoded against a plain INT32 element, the footer gets the UINT_32 one.
        footerSchema = elements;
        unsigned32 = schema.fields.map((f) => String(f.type) === 'Uint32');
        const encodeSchema = elements.map((el, i) => (i > 0 && unsigned32[i - 1] ? { name: el.name, type: el.type, repetition_type: el.repetition_type } : el));
        kv = kvMetadata;
        writer = new ParquetWriter({ writer: bytes, schema: encodeSchema, codec, compressors, kvMetadata, createdBy: options.createdBy ?? 'pixsed @pixsed/parquet via hyparquet-writer' });
      } else if (!sameFields(schema, batch.schema)) {
        throw new SchemaError(`${path}: batch columns (${batch.schema.fields.map((f) => `${f.name}:${String(f.type)}`).join(', ')}) differ from the first batch's (${schema.fields.map((f) => `${f.name}:${String(f.type)}`).join(', ')})`);
      }
      if (batch.numRows === 0) return;
      for (const f of schema.fields) {
        if (batch.getChild(f.name)!.nullCount > 0) throw new SchemaError(`${path}: column '${f.name}' has nulls; the Parquet writer writes required columns (use NaN and flags)`);
      }
      pending.push(schema.fields.map((f) => column(batch, f.name, 'parquet') as unknown as Col));
      pendingRows += batch.numRows;
      rows += batch.numRows;
      try {
        while (pendingRows >= rowGroupRows) await writeGroup(rowGroupRows);
      } catch (err) {
        throw io(err);
      }
    },
    async close(metadata?: Record<string, string>) {
      if (closed) return;
      for (const [key, value] of Object.entries(metadata ?? {})) kv?.push({ key, value });
      closed = true;
      if (!writer) {
        out.destroy();
        await rm(path, { force: true });
        throw new SchemaError(`${path}: no batch was written, so the Parquet schema is unknown`);
      }
      try {
        if (pendingRows > 0) await writeGroup(pendingRows);
        writer.schema = footerSchema;
        await writer.finish();
      } catch (err) {
        throw io(err);
      }
    },
    async abort() {
      closed = true;
      pending = [];
      out.destroy();
      await rm(path, { force: true });
    },
  };
}
