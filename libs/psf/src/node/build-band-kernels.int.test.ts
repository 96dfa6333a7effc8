// PSF start-up: each PSF file is read once (its bytes are hashed for the kernel-cache key and, on a
// miss, parsed from memory), and on a kernel-cache hit no PSF is prepared. The counts come from spies
// on node:fs, node:fs/promises and loadPsf, so they do not depend on timing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { minimalStreamInfo, type StreamInfo } from '@pixsed/core';
import { writeFitsImage } from '@pixsed/fits/node';
import { gaussianPsf } from '../gaussian-psf.js';

const { reads, counted } = vi.hoisted(() => {
  const reads = { sync: [] as string[], open: [] as string[], loadPsf: 0 };
  /** `fn` that first records its path argument in `list`. */
  const counted = <F extends (...a: never[]) => unknown>(list: string[], fn: F) => ((p: unknown, ...rest: unknown[]) => (list.push(String(p)), (fn as (...a: unknown[]) => unknown)(p, ...rest))) as unknown as F;
  return { reads, counted };
});
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return { ...fs, readFileSync: counted(reads.sync, fs.readFileSync) };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  return { ...fsp, open: counted(reads.open, fsp.open) };
});
vi.mock('./load-psf.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('./load-psf.js')>();
  return { ...m, loadPsf: (...a: Parameters<typeof m.loadPsf>) => (reads.loadPsf++, m.loadPsf(...a)) };
});

const { buildBandKernels } = await import('./build-band-kernels.js');
const { psfStageSchema } = await import('./psf-stage.js');

const dir = mkdtempSync(join(tmpdir(), 'pixsed-psf-reads-'));
const SCALE = 0.03; // arcsec per pixel, images and PSFs
const psfFile = async (name: string, sigmaPx: number) => {
  const g = gaussianPsf({ size: 41, sigma: sigmaPx });
  const file = join(dir, name);
  await writeFitsImage(file, { width: g.width, height: g.height, data: Float32Array.from(g.data), header: { PIXELSCL: SCALE } });
  return file;
};
const files = { f150w: await psfFile('f150w_psf.fits', 1.2), f277w: await psfFile('f277w_psf.fits', 1.8), f444w: await psfFile('f444w_psf.fits', 2.6) };
const stream: StreamInfo = { ...minimalStreamInfo('source:test', ['f150w', 'f277w', 'f444w']), pixelScaleArcsec: SCALE };
const config = psfStageSchema.parse({ targetBand: 'f444w', psfs: Object.fromEntries(Object.entries(files).map(([b, file]) => [b, { file }])) });
const psfReads = () => ({
  sync: reads.sync.filter((p) => Object.values(files).includes(p)),
  open: reads.open.filter((p) => Object.values(files).includes(p)),
  loadPsf: reads.loadPsf,
});

beforeEach(() => {
  reads.sync.length = 0;
  reads.open.length = 0;
  reads.loadPsf = 0;
});

describe('buildBandKernels: PSF files read once, prepared on a cache miss only', () => {
  const cacheDir = join(dir, 'kernels');

  it('cache miss: each PSF file read once (3 files, 3 reads, no second open), 3 PSFs prepared (target once for two kernels)', async () => {
    const r = await buildBandKernels(config, stream, dir, () => undefined, cacheDir);
    expect([...r.kernels.keys()]).toEqual(['f150w', 'f277w']);
    const n = psfReads();
    expect(n.sync.sort()).toEqual(Object.values(files).sort());
    expect(n.open).toEqual([]);
    expect(n.loadPsf).toBe(3);
  });

  it('cache hit: each PSF file read once (for its hash), nothing prepared, the same kernels', async () => {
    const miss = await buildBandKernels(config, stream, dir, () => undefined, join(dir, 'kernels-2'));
    reads.sync.length = reads.open.length = reads.loadPsf = 0;
    const log: string[] = [];
    const hit = await buildBandKernels(config, stream, dir, (m) => log.push(m), join(dir, 'kernels-2'));
    const n = psfReads();
    expect(n.sync.sort()).toEqual(Object.values(files).sort());
    expect(n.open).toEqual([]);
    expect(n.loadPsf).toBe(0);
    for (const b of ['f150w', 'f277w']) {
      expect(hit.kernels.get(b)!.key).toBe(miss.kernels.get(b)!.key);
      expect(Array.from(hit.kernels.get(b)!.kernel.data)).toEqual(Array.from(miss.kernels.get(b)!.kernel.data));
    }
  });
});
