import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { ByteWriter } from 'hyparquet-writer';

/** Bytes handed to the file stream without waiting, inside one row group (then `flush` waits). */
const CHUNK_BYTES = 1 << 20;

/**
 * hyparquet-writer `Writer` that streams to a Node file stream. hyparquet-writer calls `flush`
 * after every row group; it hands the encoded bytes to the stream and returns a promise that
 * resolves once the stream has drained, so at most about one encoded row group is buffered.
 */
export class StreamByteWriter extends ByteWriter {
  private failure: Error | undefined;

  constructor(private readonly out: WriteStream) {
    super(CHUNK_BYTES + 1024);
    out.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /** Hand the buffered bytes to the stream (copied: the buffer is reused). */
  private push(): void {
    if (this.failure) throw this.failure;
    if (this.index > 0) {
      this.out.write(new Uint8Array(this.buffer.slice(0, this.index)));
      this.index = 0;
    }
  }

  override ensure(size: number): void {
    if (this.index > CHUNK_BYTES) this.push();
    super.ensure(size);
  }

  /** Called by hyparquet-writer after each row group: push and wait for the stream to drain. */
  async flush(): Promise<void> {
    this.push();
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
    if (this.failure) throw this.failure;
  }

  /** Called by hyparquet-writer after the footer: push the rest and close the file. */
  override async finish(): Promise<void> {
    this.push();
    this.out.end();
    await once(this.out, 'close');
    if (this.failure) throw this.failure;
  }

  override getBuffer(): ArrayBuffer {
    throw new Error('StreamByteWriter streams to a file: getBuffer is not available');
  }

  override getBytes(): Uint8Array<ArrayBuffer> {
    throw new Error('StreamByteWriter streams to a file: getBytes is not available');
  }
}
