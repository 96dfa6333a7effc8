import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gaussianPsf } from '../gaussian-psf.js';
import { kernelCacheFile, kernelCacheKey, readCachedKernel, writeCachedKernel } from './kernel-cache.js';

const inputs = { source: 'gauss:1', target: 'gauss:2', method: 'wiener', window: { type: 'Tukey', alpha: 0.3 }, mu: 1e-4, force: false };

describe('kernel cache', () => {
  it('keys on every input: a changed input gives another key, equal inputs the same', () => {
    const k = kernelCacheKey(inputs);
    expect(k).toMatch(/^[0-9a-f]{24}$/);
    expect(kernelCacheKey({ ...inputs })).toBe(k);
    for (const change of [{ source: 'gauss:1.1' }, { target: 'x' }, { method: 'fourier' }, { window: { type: 'Hanning' } }, { mu: 1e-3 }, { force: true }]) {
      expect(kernelCacheKey({ ...inputs, ...change })).not.toBe(k);
    }
  });

  it('round-trips a kernel exactly and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-kc-'));
    const kernel = gaussianPsf({ size: 9, sigma: 1.3 });
    writeCachedKernel(dir, 'abc', { band: 'f150w', kernel });
    expect(readdirSync(dir)).toEqual(['abc.json']);
    const back = readCachedKernel(dir, 'abc')!;
    expect(back.band).toBe('f150w');
    expect(back.kernel.width).toBe(9);
    expect(Array.from(back.kernel.data)).toEqual(Array.from(kernel.data));
    expect(readCachedKernel(dir, 'missing')).toBeUndefined();
  });

  it('a torn, edited or old-format cache file is detected (logged) and not trusted; a rewrite replaces it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-kc-'));
    const kernel = gaussianPsf({ size: 7, sigma: 1 });
    writeCachedKernel(dir, 'k', { band: 'f150w', kernel });
    const full = readFileSync(kernelCacheFile(dir, 'k'), 'utf8');
    const log: string[] = [];
    // torn: a killed writer without the atomic rename would leave a prefix
    writeFileSync(kernelCacheFile(dir, 'k'), full.slice(0, Math.floor(full.length / 2)));
    expect(readCachedKernel(dir, 'k', (m) => log.push(m))).toBeUndefined();
    // valid JSON, one value changed: the checksum no longer matches
    const edited = JSON.parse(full);
    edited.body.data[3] = 0.5;
    writeFileSync(kernelCacheFile(dir, 'k'), JSON.stringify(edited));
    expect(readCachedKernel(dir, 'k', (m) => log.push(m))).toBeUndefined();
    // the format before checksums
    writeFileSync(kernelCacheFile(dir, 'k'), JSON.stringify({ band: 'f150w', width: 7, height: 7, data: Array.from(kernel.data) }));
    expect(readCachedKernel(dir, 'k', (m) => log.push(m))).toBeUndefined();
    expect(log).toHaveLength(3);
    expect(log[0]).toMatch(/kernel cache .*k\.json is not a valid entry .*rebuilding it/);
    expect(log[1]).toMatch(/checksum mismatch/);
    writeCachedKernel(dir, 'k', { band: 'f150w', kernel });
    expect(Array.from(readCachedKernel(dir, 'k')!.kernel.data)).toEqual(Array.from(kernel.data));
  });
});
