import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFitsImage } from './read-fits-image.js';
import { writeFitsImage } from './write-fits-image.js';
import { createFitsStripWriter } from './fits-strip-writer.js';

describe('createFitsStripWriter', () => {
  it('writes the same bytes as writeFitsImage, strip by strip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-mocks-'));
    const W = 37;
    const H = 23;
    const data = Float32Array.from({ length: W * H }, (_, i) => Math.sin(i) * 1e3);
    const header = { BUNIT: 'nJy', CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', COMMENT: 'test' };
    await writeFitsImage(join(dir, 'a.fits'), { width: W, height: H, data, header });
    const w = await createFitsStripWriter(join(dir, 'b.fits'), W, H, header);
    for (let y = 0; y < H; y += 5) await w.writeRows(data.subarray(y * W, Math.min(H, y + 5) * W));
    await w.close();
    expect(readFileSync(join(dir, 'b.fits')).equals(readFileSync(join(dir, 'a.fits')))).toBe(true);
    const back = await readFitsImage(join(dir, 'b.fits'));
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('refuses partial rows and incomplete files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-mocks-'));
    const w = await createFitsStripWriter(join(dir, 'c.fits'), 4, 3);
    await expect(w.writeRows(new Float32Array(5))).rejects.toThrow(/whole rows/);
    await w.writeRows(new Float32Array(8));
    await expect(w.close()).rejects.toThrow(/only 2 of 3 rows/);
  });
});
