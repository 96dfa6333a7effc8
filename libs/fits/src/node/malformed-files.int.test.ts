// Malformed FITS files built byte by byte in a tmp dir: each must give a FitsFormatError that names
// the file and the card / problem, never a crash or a wrong read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FitsFormatError } from '@pixsed/core';
import { listHdus, openFitsImage, readFitsImage } from './index.js';
import { card, encode, header, imageCards, padData } from '../../test-scripts/fits-fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pixsed-fits-bad-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = (): Buffer => Buffer.concat([header(imageCards(-32, 4, 3)), padData(encode(-32, Array.from({ length: 12 }, (_, i) => i)))]);

async function expectFitsError(name: string, bytes: Buffer, card: RegExp | string | undefined, problem: RegExp, opts: { hdu?: number; list?: boolean } = {}): Promise<FitsFormatError> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  let err: unknown;
  try {
    if (opts.list) await listHdus(path);
    else await readFitsImage(path, opts.hdu === undefined ? {} : { hdu: opts.hdu });
  } catch (e) {
    err = e;
  }
  expect(err, `${name} should throw`).toBeInstanceOf(FitsFormatError);
  const fe = err as FitsFormatError;
  expect(fe.file).toBe(path);
  expect(fe.message).toContain(path);
  if (card instanceof RegExp) expect(fe.card).toMatch(card);
  else expect(fe.card).toBe(card);
  expect(fe.problem).toMatch(problem);
  return fe;
}

describe('malformed FITS files', () => {
  it('sanity: the unbroken file reads', async () => {
    const path = join(dir, 'good.fits');
    writeFileSync(path, good());
    const img = await readFitsImage(path);
    expect(Array.from(img.data)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('empty file', () => expectFitsError('empty.fits', Buffer.alloc(0), 'SIMPLE', /empty file/));

  it('not a FITS file (PNG signature)', () =>
    expectFitsError('png.fits', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(3000)]), 'SIMPLE', /not a FITS file/));

  it('missing END card (file ends in the header)', () =>
    expectFitsError('noend.fits', header(imageCards(-32, 4, 3), { end: false }), 'END', /missing END card.*HDU 0/));

  it('negative NAXIS2', () => expectFitsError('naxis-neg.fits', Buffer.concat([header(imageCards(-32, 4, -3)), Buffer.alloc(2880)]), 'NAXIS2', /out of range/));

  it('non-integer NAXIS1', () =>
    expectFitsError('naxis-float.fits', Buffer.concat([header([card('SIMPLE', 'T'), card('BITPIX', '-32'), card('NAXIS', '2'), card('NAXIS1', '4.5'), card('NAXIS2', '3')]), Buffer.alloc(2880)]), 'NAXIS1', /must be an integer/));

  it('missing NAXIS2', () =>
    expectFitsError('naxis-missing.fits', Buffer.concat([header([card('SIMPLE', 'T'), card('BITPIX', '-32'), card('NAXIS', '2'), card('NAXIS1', '4')]), Buffer.alloc(2880)]), 'NAXIS2', /missing mandatory keyword NAXIS2/));

  it('unsupported BITPIX', () => expectFitsError('bitpix.fits', Buffer.concat([header(imageCards(12, 4, 3)), Buffer.alloc(2880)]), 'BITPIX', /unsupported BITPIX 12/));

  it('missing BITPIX', () =>
    expectFitsError('nobitpix.fits', Buffer.concat([header([card('SIMPLE', 'T'), card('NAXIS', '0')])]), 'BITPIX', /missing mandatory keyword BITPIX/));

  it('truncated data unit', () => {
    const b = good();
    return expectFitsError('trunc.fits', b.subarray(0, 2880 + 20), 'HDU 0 data', /truncated data unit: header declares 48 bytes.*file holds 20/);
  });

  it('truncated data unit inside a .gz file', () => {
    const b = good();
    return expectFitsError('trunc-data.fits.gz', gzipSync(b.subarray(0, 2880 + 20)), 'HDU 0 data', /truncated data unit/);
  });

  it('truncated gzip stream', () => {
    const z = gzipSync(Buffer.concat([header(imageCards(-32, 100, 100)), padData(encode(-32, Array.from({ length: 10000 }, (_, i) => Math.sin(i))))]));
    return expectFitsError('trunc.fits.gz', z.subarray(0, Math.floor(z.length / 2)), undefined, /gzip decompression failed.*truncated/);
  });

  it('non-ASCII byte in a header card', () => {
    const b = good();
    const h = header([...imageCards(-32, 4, 3), card('OBJECT', "'M31'")]);
    h[5 * 80 + 12] = 0xe9;
    return expectFitsError('nonascii.fits', Buffer.concat([h, b.subarray(2880)]), /OBJECT \(card 6\)/, /non-ASCII or control byte 0xe9 at column 13/);
  });

  it('unparseable value', () =>
    expectFitsError('badvalue.fits', Buffer.concat([header([...imageCards(-32, 4, 3), card('GAIN', '2,5')]), good().subarray(2880)]), /GAIN/, /cannot parse value '2,5'/));

  it('unterminated string', () =>
    expectFitsError('badstring.fits', Buffer.concat([header([...imageCards(-32, 4, 3), card('OBJECT', "'M31")]), good().subarray(2880)]), /OBJECT/, /unterminated string/));

  it('garbage after the primary HDU', () => expectFitsError('garbage.fits', Buffer.concat([good(), Buffer.from('hello world'.padEnd(2880, '!'))]), 'HDU 1', /not a FITS extension header/, { list: true }));

  it('extension header without END', () =>
    expectFitsError('ext-noend.fits', Buffer.concat([good(), header([card('XTENSION', "'IMAGE'"), card('BITPIX', '8'), card('NAXIS', '0')], { end: false })]), 'END', /file ends inside the header of HDU 1/, { list: true }));

  it('BINTABLE without PCOUNT', () =>
    expectFitsError(
      'bintable-nopcount.fits',
      Buffer.concat([header([card('SIMPLE', 'T'), card('BITPIX', '8'), card('NAXIS', '0'), card('EXTEND', 'T')]), header([card('XTENSION', "'BINTABLE'"), card('BITPIX', '8'), card('NAXIS', '2'), card('NAXIS1', '4'), card('NAXIS2', '2'), card('GCOUNT', '1'), card('TFIELDS', '1')]), Buffer.alloc(2880)]),
      'PCOUNT',
      /missing mandatory keyword PCOUNT/,
      { list: true },
    ));

  it('IMAGE extension with GCOUNT != 1', () =>
    expectFitsError(
      'image-gcount.fits',
      Buffer.concat([header([card('SIMPLE', 'T'), card('BITPIX', '8'), card('NAXIS', '0')]), header([card('XTENSION', "'IMAGE'"), card('BITPIX', '8'), card('NAXIS', '1'), card('NAXIS1', '4'), card('PCOUNT', '0'), card('GCOUNT', '2')]), Buffer.alloc(2880)]),
      'GCOUNT',
      /PCOUNT = 0 and GCOUNT = 1/,
      { list: true },
    ));

  it('asking for a table HDU or an HDU past the end', async () => {
    const path = join(dir, 'table.fits');
    const b = Buffer.concat([
      header([card('SIMPLE', 'T'), card('BITPIX', '8'), card('NAXIS', '0'), card('EXTEND', 'T')]),
      header([card('XTENSION', "'BINTABLE'"), card('BITPIX', '8'), card('NAXIS', '2'), card('NAXIS1', '4'), card('NAXIS2', '2'), card('PCOUNT', '0'), card('GCOUNT', '1'), card('TFIELDS', '1'), card('TFORM1', "'J'")]),
      padData(encode(32, [1, 2])),
    ]);
    await expectFitsError('table.fits', b, 'XTENSION', /HDU 1 is a BINTABLE extension, not an image/, { hdu: 1 });
    await expectFitsError('table.fits', b, undefined, /HDU 7 requested but the file has 2 HDUs \(0-1\)/, { hdu: 7 });
    await expectFitsError('table.fits', b, 'NAXIS', /HDU 0 has no image data \(NAXIS = 0\)/, { hdu: 0 });
    await expectFitsError('table.fits', b, undefined, /no image HDU with data among 2 HDUs/);
    expect(await listHdus(path)).toHaveLength(2);
  });

  it('tile-compressed image (BINTABLE with ZIMAGE = T): says so and names funpack, by default and by index', async () => {
    const b = Buffer.concat([
      header([card('SIMPLE', 'T'), card('BITPIX', '8'), card('NAXIS', '0'), card('EXTEND', 'T')]),
      header([
        card('XTENSION', "'BINTABLE'"), card('BITPIX', '8'), card('NAXIS', '2'), card('NAXIS1', '8'), card('NAXIS2', '1'), card('PCOUNT', '0'), card('GCOUNT', '1'),
        card('TFIELDS', '1'), card('TTYPE1', "'COMPRESSED_DATA'"), card('TFORM1', "'1PB(0)'"), card('ZIMAGE', 'T'), card('ZBITPIX', '-32'), card('ZNAXIS', '2'), card('ZNAXIS1', '64'), card('ZNAXIS2', '64'),
      ]),
      padData(Buffer.alloc(8)),
    ]);
    const path = join(dir, 'fpacked.fits');
    const msg = `tile-compressed (ZIMAGE) images are not supported; decompress with funpack: ${path}`;
    expect((await expectFitsError('fpacked.fits', b, 'ZIMAGE', /HDU 1: tile-compressed/)).problem).toBe(`HDU 1: ${msg}`);
    expect((await expectFitsError('fpacked.fits', b, 'ZIMAGE', /HDU 1: tile-compressed/, { hdu: 1 })).problem).toBe(`HDU 1: ${msg}`);
  });

  it('BITPIX that does not match the data size (BITPIX 16 header over float32 data)', async () => {
    // 64×64 float32 = 16384 bytes; BITPIX 16 declares 8192: the bytes after the declared unit are data, not an XTENSION
    const data = padData(encode(-32, Array.from({ length: 64 * 64 }, (_, i) => i + 0.5)));
    const fe = await expectFitsError('bitpix16.fits', Buffer.concat([header(imageCards(16, 64, 64)), data]), 'BITPIX', /HDU 0: BITPIX 16 × NAXIS 64x64 declares a data unit of 8192 bytes.*fit \|BITPIX\| = 32/);
    expect(fe.problem).toMatch(/BITPIX or NAXISn do not match the data/);
    // the same bytes under BITPIX -32 read (MEF files, whose data units are followed by XTENSION, are read in the ingest fault suite)
    const ok = join(dir, 'bitpix-ok.fits');
    writeFileSync(ok, Buffer.concat([header(imageCards(-32, 64, 64)), data]));
    expect((await readFitsImage(ok)).data[4095]).toBe(4095.5);
  });

  it('3-D cube with NAXIS3 > 1', () =>
    expectFitsError('cube.fits', Buffer.concat([header([card('SIMPLE', 'T'), card('BITPIX', '8'), card('NAXIS', '3'), card('NAXIS1', '2'), card('NAXIS2', '2'), card('NAXIS3', '3')]), Buffer.alloc(2880)]), 'NAXIS3', /only 2-D images/));

  it('END card with text after it', () => {
    const h = header(imageCards(-32, 4, 3), { end: false });
    const cards = Buffer.from(h.toString('latin1').trimEnd().padEnd(5 * 80) + 'END     junk'.padEnd(80), 'latin1');
    return expectFitsError('endjunk.fits', Buffer.concat([cards, Buffer.alloc(2880 - cards.length, 0x20), good().subarray(2880)]), /END/, /non-blank/);
  });

  it('readRows validates its range and refuses reads after close()', async () => {
    const path = join(dir, 'good2.fits');
    writeFileSync(path, good());
    const r = await openFitsImage(path);
    await expect(r.readRows(2, 5)).rejects.toThrow(RangeError);
    await expect(r.readRows(-1, 1)).rejects.toThrow(RangeError);
    await r.close();
    await expect(r.readRows(0, 1)).rejects.toThrow(/after close/);
    await r.close(); // idempotent
  });
});
