import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { FitsFormatError, PixsedError } from '@pixsed/core';

/**
 * Random-access view of a FITS file's bytes (internal).
 * Plain files use positioned reads (`FileHandle.read` at an offset): nothing else is loaded.
 * Gzip files (detected by the 1f 8b magic bytes, not the file name) are decompressed as a stream:
 * reads must move forward to be cheap; a read before the current position restarts decompression
 * from the start of the file. Memory stays O(bytes requested) either way.
 */
export interface ByteSource {
  readonly file: string;
  readonly gzip: boolean;
  /** Total (uncompressed) size when known: always for plain files, after reaching EOF for gzip. */
  readonly size: number | undefined;
  /** Reads `len` bytes at uncompressed offset `pos`; returns fewer only at end of file. */
  read(pos: number, len: number): Promise<Uint8Array>;
  /** Fills `dst` from uncompressed offset `pos`; resolves to the number of bytes read (fewer only at end of file). */
  readInto(pos: number, dst: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

class PlainSource implements ByteSource {
  readonly gzip = false;
  private closed = false;
  constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  async read(pos: number, len: number): Promise<Uint8Array> {
    const buf = Buffer.allocUnsafe(Math.max(0, Math.min(len, this.size - pos)));
    return buf.subarray(0, await this.readInto(pos, buf));
  }

  async readInto(pos: number, dst: Uint8Array): Promise<number> {
    if (this.closed) throw new PixsedError(`${this.file}: read after close()`);
    const n = Math.max(0, Math.min(dst.length, this.size - pos));
    let got = 0;
    while (got < n) {
      const { bytesRead } = await this.fh.read(dst, got, n - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

class GzipSource implements ByteSource {
  readonly gzip = true;
  size: number | undefined;
  private iter: AsyncIterator<Buffer> | undefined;
  private stream: NodeJS.ReadableStream & { destroy(): void } | undefined;
  private pending: Buffer | undefined;
  private cursor = 0;
  private closed = false;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  private restart(): void {
    this.stream?.destroy();
    const gz = pipeline(createReadStream(this.file), createGunzip(), () => undefined);
    this.stream = gz;
    this.iter = gz[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.pending = undefined;
    this.cursor = 0;
  }

  private async next(): Promise<Buffer | undefined> {
    if (this.pending) {
      const p = this.pending;
      this.pending = undefined;
      return p;
    }
    try {
      const r = await (this.iter as AsyncIterator<Buffer>).next();
      if (r.done) {
        this.size = this.cursor;
        return undefined;
      }
      return r.value;
    } catch (e) {
      if (this.closed) throw new PixsedError(`${this.file}: read after close()`);
      const msg = (e as Error).message;
      throw new FitsFormatError(this.file, undefined, `gzip decompression failed at uncompressed byte ${this.cursor}: ${msg}${/unexpected end/i.test(msg) ? ' (truncated .gz file)' : ''}`);
    }
  }

  async read(pos: number, len: number): Promise<Uint8Array> {
    const buf = Buffer.allocUnsafe(len);
    return buf.subarray(0, await this.readInto(pos, buf));
  }

  readInto(pos: number, dst: Uint8Array): Promise<number> {
    const run = this.lock.then(() => this.readNow(pos, dst));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async readNow(pos: number, out: Uint8Array): Promise<number> {
    if (this.closed) throw new PixsedError(`${this.file}: read after close()`);
    if (!this.iter || pos < this.cursor) this.restart();
    const len = out.length;
    while (this.cursor < pos) {
      const chunk = await this.next();
      if (!chunk) return 0;
      const need = pos - this.cursor;
      if (chunk.length <= need) this.cursor += chunk.length;
      else {
        this.pending = chunk.subarray(need);
        this.cursor = pos;
      }
    }
    let filled = 0;
    while (filled < len) {
      const chunk = await this.next();
      if (!chunk) break;
      const take = Math.min(chunk.length, len - filled);
      out.set(take < chunk.length ? chunk.subarray(0, take) : chunk, filled);
      if (take < chunk.length) this.pending = chunk.subarray(take);
      this.cursor += take;
      filled += take;
    }
    return filled;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.destroy();
    this.iter = undefined;
    this.pending = undefined;
  }
}

/** A file's contents already in memory (gzip decompressed at once); `gzip` says whether the file was compressed. */
class MemorySource implements ByteSource {
  readonly size: number;
  private closed = false;
  constructor(
    readonly file: string,
    private readonly bytes: Uint8Array,
    readonly gzip: boolean,
  ) {
    this.size = bytes.length;
  }

  async read(pos: number, len: number): Promise<Uint8Array> {
    if (this.closed) throw new PixsedError(`${this.file}: read after close()`);
    return this.bytes.subarray(Math.min(pos, this.size), Math.min(pos + len, this.size));
  }

  async readInto(pos: number, dst: Uint8Array): Promise<number> {
    const got = await this.read(pos, dst.length);
    dst.set(got);
    return got.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * Opens a FITS file (plain or gzip) as a `ByteSource`. The caller must `close()` it. With `bytes` (the
 * file's contents, already read, e.g. to hash them) nothing is read from disk: `file` names it in errors.
 */
export async function openByteSource(file: string, bytes?: Uint8Array): Promise<ByteSource> {
  if (bytes) {
    const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    if (!gzip) return new MemorySource(file, bytes, false);
    try {
      return new MemorySource(file, gunzipSync(bytes), true);
    } catch (e) {
      const msg = (e as Error).message;
      throw new FitsFormatError(file, undefined, `gzip decompression failed: ${msg}${/unexpected end/i.test(msg) ? ' (truncated .gz file)' : ''}`);
    }
  }
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const magic = Buffer.alloc(2);
    if (size >= 2) await fh.read(magic, 0, 2, 0);
    if (magic[0] === 0x1f && magic[1] === 0x8b) {
      await fh.close();
      return new GzipSource(file);
    }
    return new PlainSource(file, fh, size);
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}
