// openFitsImage / readFitsImage with `bytes` (contents already read, e.g. hashed): the same image as
// reading the file, plain and gzip, without reading the path again; bad gzip bytes name the file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FitsFormatError } from '@pixsed/core';
import { readFitsImage, writeFitsImage } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'pixsed-fits-bytes-'));

describe('readFitsImage from bytes', () => {
  it('plain and gzip bytes give the file read (header and every pixel); a path that is gone is not read', async () => {
    const data = Float32Array.from({ length: 7 * 5 }, (_, i) => Math.sin(i) * 100);
    const file = join(dir, 'img.fits');
    await writeFitsImage(file, { width: 7, height: 5, data, header: { BUNIT: 'nJy', PIXELSCL: 0.03 } });
    writeFileSync(join(dir, 'img.fits.gz'), gzipSync(readFileSync(file)));
    const ref = await readFitsImage(file);
    for (const [name, bytes] of [['plain', readFileSync(file)], ['gzip', readFileSync(join(dir, 'img.fits.gz'))]] as const) {
      const img = await readFitsImage(join(dir, `no-such-${name}.fits`), { bytes });
      expect(img.width).toBe(7);
      expect(img.header.get('PIXELSCL')).toBe(0.03);
      expect(Array.from(img.data)).toEqual(Array.from(ref.data));
    }
  });

  it('truncated gzip bytes: a FitsFormatError naming the file', async () => {
    const gz = readFileSync(join(dir, 'img.fits.gz'));
    const e = await readFitsImage('psf.fits.gz', { bytes: gz.subarray(0, 40) }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(FitsFormatError);
    expect((e as Error).message).toMatch(/^psf\.fits\.gz: gzip decompression failed: .*truncated/);
  });
});
