import { once } from 'node:events';
import { Writable } from 'node:stream';
import type { WriteStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StreamByteWriter } from './stream-byte-writer.js';

describe('StreamByteWriter', () => {
  it('flush waits until a slow file stream has drained (backpressure)', async () => {
    let written = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        setTimeout(() => {
          written += chunk.length;
          done();
        }, 30);
      },
    });
    const w = new StreamByteWriter(slow as unknown as WriteStream);
    for (let i = 0; i < 4096; i++) w.appendUint8(i & 255);
    const flushed = w.flush();
    expect(written).toBe(0);
    await flushed;
    expect(written).toBe(4096);
    expect(slow.writableNeedDrain).toBe(false);
    const closed = once(slow, 'close');
    await w.finish();
    await closed;
  });
});
