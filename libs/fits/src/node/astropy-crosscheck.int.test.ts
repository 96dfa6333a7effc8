// Cross-checks against astropy 5.2 (/usr/bin/python3): real HST cutouts (gzip, float32/float64, TAN),
// multi-HDU PSF files, a written FITS round trip, and SIP distortion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath, hasData, missingDataMessage, pythonExecutable } from '@pixsed/core/node';
import { fitsInfo, listHdus, openFitsImage, readFitsImage, writeFitsImage } from './index.js';
import { FitsHeader } from '../fits-header.js';
import { Wcs } from '../wcs.js';
import { fluxConversion } from '../flux-to-njy-factor.js';
import { ASTROPY_SKIP, hasAstropy, runPython } from '../../test-scripts/fits-fixtures.js';

const ASTROPY = hasAstropy();
const CUTOUT_DIR = 'images/hst-hff-abell2744-f105w';
const CUTOUTS = [
  'abell_2744_cd_galaxy_f105w.fits.gz',
  'abell_2744_dwarf_galaxy_f105w.fits.gz',
  'abell_2744_dwarf_galaxy_f105w_rms.fits.gz',
  'abell_2744_group_of_galaxies_f105w.fits.gz',
  'abell_2744_spiral_galaxy_f105w.fits.gz',
].map((f) => `${CUTOUT_DIR}/${f}`);
const ACS = 'psf/hst-acs-f814w/real_galaxy_PSF_images.fits';
const WEBBPSF = 'psf/webbpsf-nircam-f200w/psf_jwst_oct21_ng4m0_f200w.fits';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pixsed-fits-astropy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface AstropyImage {
  nhdu: number;
  shape: number[];
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nan: number;
  world?: [number, number][];
  pixel_back?: [number, number][];
  area_deg2?: number;
}

function astropyImage(path: string, hdu: number, pixels: [number, number][]): { ref: AstropyImage; data: Float64Array } {
  const raw = join(dir, `ref-${Math.random().toString(36).slice(2)}.f64`);
  const ref = runPython<AstropyImage>('astropy_image.py', [path, String(hdu), raw, JSON.stringify(pixels)]);
  const buf = readFileSync(raw);
  return { ref, data: new Float64Array(buf.buffer, buf.byteOffset, buf.length / 8) };
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/** Pixels to compare: corners, centre, a grid, and points outside the image. */
function samplePixels(nx: number, ny: number): [number, number][] {
  const p: [number, number][] = [[0, 0], [nx - 1, 0], [0, ny - 1], [nx - 1, ny - 1], [(nx - 1) / 2, (ny - 1) / 2], [-50.5, 3.25], [nx + 200, ny * 2]];
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) p.push([(i * (nx - 1)) / 4 + 0.3, (j * (ny - 1)) / 4 - 0.7]);
  return p;
}

describe.skipIf(!hasData(...CUTOUTS))(hasData(...CUTOUTS) ? 'real HST F105W cutouts vs astropy' : missingDataMessage(...CUTOUTS), () => {
  it.skipIf(!ASTROPY)(`data, shape, statistics, pixel→world and world→pixel agree (${ASTROPY ? 'astropy found' : ASTROPY_SKIP})`, async () => {
    let maxData = 0;
    let maxStat = 0;
    let maxWorld = 0;
    let maxPix = 0;
    for (const rp of CUTOUTS) {
      const path = dataPath(rp);
      const img = await readFitsImage(path);
      const pixels = samplePixels(img.width, img.height);
      const { ref, data } = astropyImage(path, 0, pixels);
      expect(ref.shape).toEqual([img.height, img.width]);
      expect(data.length).toBe(img.data.length);
      for (let i = 0; i < data.length; i++) {
        const d = Math.abs(img.data[i] - data[i]);
        if (!(d <= maxData)) maxData = Number.isNaN(d) ? Infinity : d;
      }
      const info = await fitsInfo(path);
      expect(info.naxis).toEqual([img.width, img.height]);
      expect(info.stats.nan).toBe(ref.nan);
      for (const k of ['min', 'max', 'mean', 'std'] as const) {
        const r = rel(info.stats[k] as number, ref[k] as number);
        maxStat = Math.max(maxStat, r);
        expect(r, `${rp} ${k}`).toBeLessThan(1e-6);
      }
      const hdr = img.header;
      if (ref.world) {
        const w = Wcs.fromHeader(hdr);
        pixels.forEach(([x, y], i) => {
          const [ra, dec] = w.pixelToWorld(x, y);
          const dra = Math.abs(ra - ref.world![i][0]);
          const ddec = Math.abs(dec - ref.world![i][1]);
          maxWorld = Math.max(maxWorld, dra, ddec);
          expect(dra, `${rp} RA at ${x},${y}`).toBeLessThan(1e-8);
          expect(ddec, `${rp} Dec at ${x},${y}`).toBeLessThan(1e-8);
          const [px, py] = w.worldToPixel(ref.world![i][0], ref.world![i][1]);
          maxPix = Math.max(maxPix, Math.abs(px - x), Math.abs(py - y));
          expect(Math.abs(px - x)).toBeLessThan(1e-7);
          expect(Math.abs(py - y)).toBeLessThan(1e-7);
        });
        // fitsInfo corners are the world coordinates of the four corner pixel centres
        info.corners!.forEach((c, i) => {
          expect(Math.abs(c[0] - ref.world![i][0])).toBeLessThan(1e-8);
          expect(Math.abs(c[1] - ref.world![i][1])).toBeLessThan(1e-8);
        });
        expect(rel(info.wcs!.pixelScaleArcsec, Math.sqrt(ref.area_deg2!) * 3600)).toBeLessThan(1e-9);
        expect(rel(w.pixelSolidAngleSr(), ref.area_deg2! * (Math.PI / 180) ** 2)).toBeLessThan(1e-9);
      } else {
        expect(info.wcs).toBeNull();
      }
    }
    console.log(`[fits vs astropy] cutouts: max |Δdata| ${maxData}, max rel Δstats ${maxStat.toExponential(2)}, max |Δworld| ${maxWorld.toExponential(2)} deg, max |Δpixel| after world→pixel ${maxPix.toExponential(2)} px`);
    expect(maxData).toBe(0);
  }, 180_000);

  it('fitsInfo returns exactly the documented keys', async () => {
    const info = await fitsInfo(dataPath(CUTOUTS[0]));
    expect(Object.keys(info)).toEqual(['file', 'hdu', 'bitpix', 'naxis', 'bunit', 'header', 'stats', 'wcs', 'corners']);
    expect(Object.keys(info.stats)).toEqual(['min', 'max', 'mean', 'std', 'nan']);
    expect(Object.keys(info.wcs!)).toEqual(['ctype', 'crval', 'crpix', 'cd', 'pixelScaleArcsec']);
    expect(info.bitpix).toBe(-64);
    expect(info.corners).toHaveLength(4);
    expect(() => JSON.stringify(info)).not.toThrow();
  });

  it('gzip strips equal the whole image for several strip heights', async () => {
    for (const rp of [CUTOUTS[0], CUTOUTS[1]]) {
      const whole = (await readFitsImage(dataPath(rp))).data;
      for (const rows of [1, 13, 64, 1000]) {
        const r = await openFitsImage(dataPath(rp));
        for (let y = 0; y < r.height; y += rows) {
          const y1 = Math.min(r.height, y + rows);
          const s = await r.readRows(y, y1);
          expect(s.every((v, i) => Object.is(v, whole[y * r.width + i]))).toBe(true);
        }
        await r.close();
      }
    }
  });

  it.skipIf(!ASTROPY)(`${ASTROPY ? '' : ASTROPY_SKIP + ': '}count-rate → nJy: PHOTFNU and PHOTFLAM/PHOTPLAM agree with astropy.units spectral density`, async () => {
    const h = (await readFitsImage(dataPath(CUTOUTS[1]))).header;
    const py = `
import json, sys
import astropy.units as u
flam, plam, fnu = map(float, sys.argv[1:4])
print(json.dumps({"fromFlam": (flam * u.erg / u.s / u.cm**2 / u.AA).to(u.nJy, u.spectral_density(plam * u.AA)).value,
                  "fromFnu": (fnu * u.Jy).to(u.nJy).value}))`;
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(pythonExecutable(), ['-c', py, String(h.get('PHOTFLAM')), String(h.get('PHOTPLAM')), String(h.get('PHOTFNU'))], { encoding: 'utf8' });
    const ref = JSON.parse(r.stdout) as { fromFlam: number; fromFnu: number };
    const viaFnu = fluxConversion(h);
    expect(viaFnu.kind).toBe('count-rate');
    expect(rel(viaFnu.factor, ref.fromFnu)).toBeLessThan(1e-12);
    const noFnu = new FitsHeader(h.cards.filter((c) => c.key !== 'PHOTFNU'));
    expect(rel(fluxConversion(noFnu).factor, ref.fromFlam)).toBeLessThan(1e-9);
  });
});

describe.skipIf(!hasData(ACS, WEBBPSF))(hasData(ACS, WEBBPSF) ? 'multi-HDU PSF files' : missingDataMessage(ACS, WEBBPSF), () => {
  it('lists 100 HDUs in the ACS PSF file and 4 in the WebbPSF file (HDU 3 a table)', async () => {
    const acs = await listHdus(dataPath(ACS));
    expect(acs).toHaveLength(100);
    expect(acs.slice(1).every((h) => h.xtension === 'IMAGE')).toBe(true);
    const wp = await listHdus(dataPath(WEBBPSF));
    expect(wp.map((h) => h.xtension)).toEqual(['PRIMARY', 'IMAGE', 'IMAGE', 'BINTABLE']);
  });

  it.skipIf(!ASTROPY)(`${ASTROPY ? '' : ASTROPY_SKIP + ': '}HDU data equal astropy for several HDUs`, async () => {
    for (const [rp, hdus] of [[ACS, [0, 1, 57, 99]], [WEBBPSF, [1, 2]]] as const) {
      for (const hdu of hdus) {
        const img = await readFitsImage(dataPath(rp), { hdu });
        const { ref, data } = astropyImage(dataPath(rp), hdu, []);
        expect(ref.shape).toEqual([img.height, img.width]);
        expect(Array.from(img.data)).toEqual(Array.from(data));
      }
    }
  }, 180_000);
});

describe.skipIf(!ASTROPY)(`written FITS read by astropy (${ASTROPY ? 'astropy found' : ASTROPY_SKIP})`, () => {
  it.each(['out.fits', 'out.fits.gz'])('%s: data and WCS pixel→world round-trip', async (name) => {
    const nx = 61;
    const ny = 47;
    const data = new Float32Array(nx * ny).map((_, i) => Math.sin(i * 0.37) * 1e3 + (i % 7 === 0 ? NaN : 0));
    const wcs = new Wcs({
      crval: [53.1625, -27.78],
      crpix: [30.5, 20.25],
      cd: [
        [-8.333e-6, 1.2e-7],
        [1.1e-7, 8.333e-6],
      ],
      radesys: 'ICRS',
    });
    const path = join(dir, name);
    await writeFitsImage(path, {
      width: nx,
      height: ny,
      data,
      header: { ...wcs.toHeader(), BUNIT: 'nJy', OBJECT: 'test map', DONE: true, HISTORY: 'written by @pixsed/fits test\nsecond line', LONGTXT: 'x'.repeat(150) },
    });
    const pixels = samplePixels(nx, ny);
    const { ref, data: back } = astropyImage(path, 0, pixels);
    expect(ref.shape).toEqual([ny, nx]);
    for (let i = 0; i < data.length; i++) expect(Object.is(back[i], data[i])).toBe(true);
    pixels.forEach(([x, y], i) => {
      const [ra, dec] = wcs.pixelToWorld(x, y);
      expect(Math.abs(ra - ref.world![i][0])).toBeLessThan(1e-10);
      expect(Math.abs(dec - ref.world![i][1])).toBeLessThan(1e-10);
    });
    // and our reader gets back the same header values and data
    const mine = await readFitsImage(path);
    expect(mine.header.get('LONGTXT')).toBe('x'.repeat(150));
    expect(mine.header.get('BUNIT')).toBe('nJy');
    const w2 = Wcs.fromHeader(mine.header);
    expect(w2.cd).toEqual(wcs.cd);
    expect(w2.crpix).toEqual(wcs.crpix);
    const hdr = runPython<{ world: number[][] }>('astropy_wcs.py', [path, JSON.stringify([[1, 2]]), JSON.stringify([[53.16, -27.78]])]);
    expect(hdr.world[0][0]).toBeCloseTo(wcs.pixelToWorld(1, 2)[0], 10);
  });
});

describe.skipIf(!ASTROPY)(`SIP distortion vs astropy (${ASTROPY ? 'astropy found' : ASTROPY_SKIP})`, () => {
  const base: Record<string, string | number> = {
    CTYPE1: 'RA---TAN-SIP',
    CTYPE2: 'DEC--TAN-SIP',
    CRVAL1: 150.1163213,
    CRVAL2: 2.2009731,
    CRPIX1: 2048.5,
    CRPIX2: 1024.25,
    CD1_1: -1.3888e-5,
    CD1_2: 2.1e-7,
    CD2_1: 1.9e-7,
    CD2_2: 1.3889e-5,
    A_ORDER: 3,
    A_0_2: 2.1e-6,
    A_1_1: -1.4e-5,
    A_2_0: 8.5e-6,
    A_0_3: 1.2e-10,
    A_1_2: -3.3e-10,
    A_2_1: 2.5e-10,
    A_3_0: -1.1e-10,
    B_ORDER: 3,
    B_0_2: -9.9e-6,
    B_1_1: 6.3e-6,
    B_2_0: -3.1e-6,
    B_0_3: 4.2e-10,
    B_1_2: 1.5e-10,
    B_2_1: -2.7e-10,
    B_3_0: 6.6e-11,
  };
  const cardsText = (rec: Record<string, string | number>): string =>
    Object.entries(rec)
      .map(([k, v]) => `${k.padEnd(8)}= ${typeof v === 'string' ? `'${v}'` : String(v).toUpperCase()}`.padEnd(80))
      .join('\n');
  const pixels: [number, number][] = [[0, 0], [4095, 2047], [2047.5, 1023.25], [100.25, 1900.75], [3900, 50], [-300, 2500]];

  it.each([
    ['iterative inverse (no AP/BP)', {}],
    ['AP/BP first guess + refinement', { AP_ORDER: 2, AP_0_2: -2.1e-6, AP_1_1: 1.4e-5, AP_2_0: -8.5e-6, BP_ORDER: 2, BP_0_2: 9.9e-6, BP_1_1: -6.3e-6, BP_2_0: 3.1e-6 }],
  ])('%s', (_name, extra) => {
    const rec = { ...base, ...extra };
    const file = join(dir, `sip-${Object.keys(extra).length}.txt`);
    writeFileSync(file, cardsText(rec) + '\n');
    const w = Wcs.fromHeader(FitsHeader.fromRecord(rec));
    expect(w.sip).toBeDefined();
    const world = pixels.map(([x, y]) => w.pixelToWorld(x, y));
    const ref = runPython<{ world: number[][]; pixel: number[][]; has_sip: boolean }>('astropy_wcs.py', [file, JSON.stringify(pixels), JSON.stringify(world)]);
    expect(ref.has_sip).toBe(true);
    let maxW = 0;
    let maxP = 0;
    pixels.forEach(([x, y], i) => {
      maxW = Math.max(maxW, Math.abs(world[i][0] - ref.world[i][0]), Math.abs(world[i][1] - ref.world[i][1]));
      const [px, py] = w.worldToPixel(world[i][0], world[i][1]);
      maxP = Math.max(maxP, Math.abs(px - ref.pixel[i][0]), Math.abs(py - ref.pixel[i][1]), Math.abs(px - x), Math.abs(py - y));
    });
    console.log(`[fits vs astropy] SIP ${_name}: max |Δworld| ${maxW.toExponential(2)} deg, max |Δpixel| ${maxP.toExponential(2)} px`);
    expect(maxW).toBeLessThan(1e-8);
    expect(maxP).toBeLessThan(1e-7);
    // a FITS written with w.toHeader() carries the same SIP solution into astropy
    const fitsPath = join(dir, `sip-${Object.keys(extra).length}.fits`);
    return writeFitsImage(fitsPath, { width: 4, height: 3, data: new Float32Array(12), header: w.toHeader() }).then(() => {
      const ref2 = runPython<{ world: number[][]; has_sip: boolean }>('astropy_wcs.py', [fitsPath, JSON.stringify(pixels), JSON.stringify(world)]);
      expect(ref2.has_sip).toBe(true);
      pixels.forEach((_, i) => {
        expect(Math.abs(world[i][0] - ref2.world[i][0])).toBeLessThan(1e-10);
        expect(Math.abs(world[i][1] - ref2.world[i][1])).toBeLessThan(1e-10);
      });
      checkUndistortedDiffers(world);
    });
  });

  function checkUndistortedDiffers(world: [number, number][]): void {
    // the distortion is not negligible: ignoring it moves the corner by many pixels
    const plain = Wcs.fromHeader(FitsHeader.fromRecord({ ...base, CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', A_ORDER: 0, B_ORDER: 0 }));
    const [cx] = plain.worldToPixel(world[1][0], world[1][1]);
    expect(Math.abs(cx - 4095)).toBeGreaterThan(5);
  }
});

describe.skipIf(!ASTROPY)(`integer BITPIX with BSCALE/BZERO/BLANK vs astropy (${ASTROPY ? 'astropy found' : ASTROPY_SKIP})`, () => {
  it.each([8, 16, 32, 64])('BITPIX %i', async (bitpix) => {
    const { card, encode, header, imageCards, padData } = await import('../../test-scripts/fits-fixtures.js');
    const nx = 9;
    const ny = 4;
    const max = bitpix === 8 ? 255 : bitpix === 16 ? 32767 : 2 ** 30;
    const stored = Array.from({ length: nx * ny }, (_, i) => (bitpix === 8 ? (i * 37) % 256 : ((i * 7919) % max) * (i % 2 ? -1 : 1)));
    const blank = stored[7];
    const cards = imageCards(bitpix, nx, ny, [card('BSCALE', '0.1'), card('BZERO', '12.3'), card('BLANK', String(blank))]);
    const path = join(dir, `int${bitpix}.fits`);
    writeFileSync(path, Buffer.concat([header(cards), padData(encode(bitpix, bitpix === 64 ? stored.map(BigInt) : stored))]));
    const mine = await readFitsImage(path);
    const { data } = astropyImage(path, 0, []);
    for (let i = 0; i < data.length; i++) {
      if (Number.isNaN(data[i])) expect(mine.data[i]).toBeNaN();
      else expect(rel(mine.data[i], data[i]) < 1e-6 || Math.abs(mine.data[i] - data[i]) < 1e-6).toBe(true);
    }
    expect(Number.isNaN(mine.data[7])).toBe(true);
  });
});

describe.skipIf(!ASTROPY)(`MJy/sr error plane without WCS: the science header's pixel area (${ASTROPY ? 'astropy found' : ASTROPY_SKIP})`, () => {
  // a rotated, slightly non-square PC × CDELT grid, so |det| differs from CDELT1² and from hypot(CD1_1, CD2_1)²
  const sci: Record<string, string | number> = {
    BUNIT: 'MJy/sr',
    CTYPE1: 'RA---TAN',
    CTYPE2: 'DEC--TAN',
    CRVAL1: 53.16,
    CRVAL2: -27.78,
    CRPIX1: 128.5,
    CRPIX2: 128.5,
    CDELT1: -8.3e-6,
    CDELT2: 8.4e-6,
    PC1_1: 0.9659258263,
    PC1_2: -0.2588190451,
    PC2_1: 0.2588190451,
    PC2_2: 0.9659258263,
  };
  const errNoWcs = FitsHeader.fromRecord({ BUNIT: 'MJy/sr', EXTNAME: 'ERR' }, 'cutout_err.fits');

  it('converts with astropy proj_plane_pixel_area of the science header (× 1e15 nJy per MJy/sr)', () => {
    const file = join(dir, 'sci-wcs.txt');
    writeFileSync(file, Object.entries(sci).map(([k, v]) => `${k.padEnd(8)}= ${typeof v === 'string' ? `'${v}'` : String(v).toUpperCase()}`.padEnd(80)).join('\n') + '\n');
    const ref = runPython<{ area_deg2: number }>('astropy_wcs.py', [file, '[[0, 0]]', '[[53.16, -27.78]]']);
    const conv = fluxConversion(errNoWcs, { scienceHeader: FitsHeader.fromRecord(sci, 'cutout_sci.fits') });
    expect(rel(conv.factor, ref.area_deg2 * (Math.PI / 180) ** 2 * 1e15)).toBeLessThan(1e-9);
    expect(conv.formula).toContain('science header cutout_sci.fits');
  });

  it('without the science header, or with one without WCS either: an error naming the file and the missing keywords', () => {
    const noSci = () => fluxConversion(errNoWcs);
    expect(noSci).toThrow(/cutout_err\.fits: unit 'MJy\/sr'.*PIXAR_SR.*CTYPE1/);
    const bothBare = () => fluxConversion(errNoWcs, { scienceHeader: FitsHeader.fromRecord({ BUNIT: 'MJy/sr' }, 'bare_sci.fits') });
    expect(bothBare).toThrow(/cutout_err\.fits: unit 'MJy\/sr'.*cutout_err\.fits has no PIXAR_SR and no celestial WCS, and its science header bare_sci\.fits has neither PIXAR_SR nor a usable WCS.*CTYPE1 missing/);
  });
});
