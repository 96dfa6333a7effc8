// Strip reads vs whole-image reads, every BITPIX with scaling, plain and gzip files, multi-HDU
// files with a table in between, and a sparse file far larger than the memory we allow ourselves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { listHdus, openFitsImage, readFitsImage } from './index.js';
import { card, encode, header, imageCards, padData } from '../../test-scripts/fits-fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pixsed-fits-strip-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic pseudo-random stored values valid for the BITPIX. */
function storedValues(bitpix: number, n: number): number[] {
  let s = 12345 + bitpix;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Array.from({ length: n }, () => {
    const r = rnd();
    switch (bitpix) {
      case 8: return Math.floor(r * 256);
      case 16: return Math.floor(r * 65536) - 32768;
      case 32: return Math.floor(r * 4294967296) - 2147483648;
      case 64: return Math.floor(r * 2 ** 40) - 2 ** 39;
      default: return (r - 0.5) * 1e3;
    }
  });
}

const W = 37;
const H = 23;

describe.each([
  [8, true],
  [16, true],
  [32, true],
  [64, true],
  [-32, true],
  [-64, true],
  [-32, false],
  [-64, false],
])('BITPIX %i, scaled %s', (bitpix, scaled) => {
  const stored = storedValues(bitpix, W * H);
  const blank = bitpix > 0 ? stored[5] : undefined;
  const [bscale, bzero] = scaled ? [0.25, -3.5] : [1, 0];
  const scaling = scaled ? [card('BSCALE', '0.25'), card('BZERO', '-3.5'), ...(blank !== undefined ? [card('BLANK', String(blank))] : [])] : [];
  const bytes = Buffer.concat([header(imageCards(bitpix, W, H, scaling)), padData(encode(bitpix, bitpix === 64 ? stored.map(BigInt) : stored))]);
  const round = (v: number): number => (bitpix === 8 || bitpix === 16 || bitpix === -32 ? Math.fround(v) : v);
  const expected = stored.map((v) => (v === blank ? NaN : round(bzero + bscale * (bitpix === -32 ? Math.fround(v) : v))));

  for (const gz of [false, true]) {
    it(`${gz ? 'gzip' : 'plain'}: whole image = BZERO + BSCALE × stored, BLANK → NaN; strips of 1, 4, 7, H rows equal it`, async () => {
      const path = join(dir, `b${bitpix}-${scaled}.fits${gz ? '.gz' : ''}`);
      writeFileSync(path, gz ? gzipSync(bytes) : bytes);
      const img = await readFitsImage(path);
      expect([img.width, img.height, img.bitpix]).toEqual([W, H, bitpix]);
      expect(img.data).toBeInstanceOf(bitpix === 8 || bitpix === 16 || bitpix === -32 ? Float32Array : Float64Array);
      expect(Array.from(img.data)).toEqual(expected);
      if (blank !== undefined) expect(Number.isNaN(img.data[5])).toBe(true);
      for (const rows of [1, 4, 7, H]) {
        const r = await openFitsImage(path);
        expect(r.gzip).toBe(gz);
        const parts: number[] = [];
        for (let y = 0; y < H; y += rows) parts.push(...(await r.readRows(y, Math.min(H, y + rows))));
        await r.close();
        expect(parts).toEqual(Array.from(img.data));
      }
      // rectangles (tiles): every one equals the same cut of the whole image
      const r = await openFitsImage(path);
      for (const [y0, y1, x0, x1] of [[0, H, 0, W], [3, 9, 5, 17], [0, 1, 36, 37], [20, 23, 0, 1], [4, 4, 2, 8], [0, H, 10, 11]]) {
        const rect = await r.readRect(y0, y1, x0, x1);
        const want: number[] = [];
        for (let y = y0; y < y1; y++) want.push(...img.data.subarray(y * W + x0, y * W + x1));
        expect(rect.length).toBe((x1 - x0) * (y1 - y0));
        expect(Array.from(rect)).toEqual(want);
      }
      await expect(r.readRect(0, 2, 5, W + 1)).rejects.toThrow(/readRect columns \[5, 38\) outside \[0, 37\]/);
      await r.close();
    });
  }
});

describe('strip access patterns', () => {
  const stored = storedValues(-32, W * H);
  const bytes = Buffer.concat([header(imageCards(-32, W, H)), padData(encode(-32, stored))]);

  it.each([false, true])('gzip=%s: out-of-order and repeated strips return the right rows', async (gz) => {
    const path = join(dir, `order.fits${gz ? '.gz' : ''}`);
    writeFileSync(path, gz ? gzipSync(bytes) : bytes);
    const whole = (await readFitsImage(path)).data;
    const r = await openFitsImage(path);
    for (const [y0, y1] of [[10, 15], [2, 3], [20, 23], [0, 23], [10, 15], [5, 5]]) {
      const s = await r.readRows(y0, y1);
      expect(Array.from(s)).toEqual(Array.from(whole.subarray(y0 * W, y1 * W)));
    }
    // concurrent reads on one reader
    const [a, b] = await Promise.all([r.readRows(15, 20), r.readRows(1, 4)]);
    expect(Array.from(a)).toEqual(Array.from(whole.subarray(15 * W, 20 * W)));
    expect(Array.from(b)).toEqual(Array.from(whole.subarray(1 * W, 4 * W)));
    await r.close();
  });

  it('multi-HDU file: skips a BINTABLE with a heap (PCOUNT) and reads the IMAGE after it', async () => {
    const tableRows = encode(32, [1, 2, 3]);
    const heap = Buffer.alloc(4001, 7); // odd heap size: padding must be computed from NAXIS1×NAXIS2+PCOUNT
    const img2 = storedValues(16, 6 * 5);
    const b = Buffer.concat([
      header(imageCards(-32, W, H)),
      padData(encode(-32, stored)),
      header([card('XTENSION', "'BINTABLE'"), card('BITPIX', '8'), card('NAXIS', '2'), card('NAXIS1', '4'), card('NAXIS2', '3'), card('PCOUNT', '4001'), card('GCOUNT', '1'), card('TFIELDS', '1'), card('TFORM1', "'J'"), card('EXTNAME', "'TAB'")]),
      padData(Buffer.concat([tableRows, heap])),
      header([card('XTENSION', "'IMAGE'"), card('BITPIX', '16'), card('NAXIS', '2'), card('NAXIS1', '6'), card('NAXIS2', '5'), card('PCOUNT', '0'), card('GCOUNT', '1'), card('BZERO', '32768'), card('EXTNAME', "'SCI'")]),
      padData(encode(16, img2)),
    ]);
    for (const gz of [false, true]) {
      const path = join(dir, `multi.fits${gz ? '.gz' : ''}`);
      writeFileSync(path, gz ? gzipSync(b) : b);
      expect(await listHdus(path)).toEqual([
        { index: 0, xtension: 'PRIMARY', bitpix: -32, naxis: [W, H] },
        { index: 1, xtension: 'BINTABLE', bitpix: 8, naxis: [4, 3], extname: 'TAB' },
        { index: 2, xtension: 'IMAGE', bitpix: 16, naxis: [6, 5], extname: 'SCI' },
      ]);
      const im = await readFitsImage(path, { hdu: 2 });
      expect(im.header.get('EXTNAME')).toBe('SCI');
      expect(Array.from(im.data)).toEqual(img2.map((v) => v + 32768));
      const r = await openFitsImage(path, { hdu: 2 });
      expect(Array.from(await r.readRows(3, 5))).toEqual(img2.slice(18).map((v) => v + 32768));
      await r.close();
    }
  });

  it('default HDU: primary without data → first IMAGE extension', async () => {
    const b = Buffer.concat([
      header([card('SIMPLE', 'T'), card('BITPIX', '8'), card('NAXIS', '0'), card('EXTEND', 'T')]),
      header([card('XTENSION', "'IMAGE'"), card('BITPIX', '-32'), card('NAXIS', '2'), card('NAXIS1', '2'), card('NAXIS2', '1'), card('PCOUNT', '0'), card('GCOUNT', '1')]),
      padData(encode(-32, [1.5, -2])),
    ]);
    const path = join(dir, 'ext.fits');
    writeFileSync(path, b);
    const r = await openFitsImage(path);
    expect(r.hdu).toBe(1);
    expect(Array.from(await r.readRows(0, 1))).toEqual([1.5, -2]);
    await r.close();
  });

  it('a 4 GiB (sparse) image: last rows read with a positioned read, memory stays small', async () => {
    const nx = 32768;
    const ny = 32768; // float32: 4 GiB data unit
    const path = join(dir, 'huge.fits');
    const fd = openSync(path, 'w');
    writeSync(fd, header(imageCards(-32, nx, ny)));
    const last = Buffer.alloc(nx * 4);
    for (let x = 0; x < nx; x++) last.writeFloatBE(x * 0.5, x * 4);
    writeSync(fd, last, 0, last.length, 2880 + (ny - 1) * nx * 4);
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const r = await openFitsImage(path);
    expect([r.width, r.height]).toEqual([nx, ny]);
    const strip = await r.readRows(ny - 2, ny);
    await r.close();
    expect(strip.length).toBe(2 * nx);
    expect(strip[0]).toBe(0); // sparse hole reads as zeros
    expect(strip[nx + 1000]).toBe(500);
    expect(strip[2 * nx - 1]).toBe((nx - 1) * 0.5);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });
});

describe('cancellation', () => {
  it.each([false, true])('gzip=%s: close() while a read is pending settles the read (no hang) and later reads throw', async (gz) => {
    const nx = 512;
    const ny = 512;
    const vals = Array.from({ length: nx * ny }, (_, i) => (i * 7919) % 1000);
    const b = Buffer.concat([header(imageCards(-32, nx, ny)), padData(encode(-32, vals))]);
    const path = join(dir, `cancel.fits${gz ? '.gz' : ''}`);
    writeFileSync(path, gz ? gzipSync(b) : b);
    const r = await openFitsImage(path);
    const pending = r.readRows(0, ny).then(
      (v) => ({ ok: true as const, n: v.length }),
      (e: Error) => ({ ok: false as const, msg: e.message }),
    );
    await r.close();
    const outcome = await pending;
    if (outcome.ok) expect(outcome.n).toBe(nx * ny);
    else expect(outcome.msg).toMatch(/close\(\)/);
    await expect(r.readRows(0, 1)).rejects.toThrow(/after close/);
  });
});
