import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '@pixsed/core';
import type { KernelQuality } from '../kernel-quality.js';
import type { Image2D } from '../types.js';

/** A matching kernel as the cache holds it. */
export interface CachedKernel {
  band: string;
  kernel: Image2D;
  quality?: KernelQuality;
}

/**
 * Cache key of a matching kernel: SHA-256 (24 hex digits) of everything that determines it (source
 * and target PSF keys — file sha256 + spec + pixel scale, or the Gaussian σ — method, window,
 * regularisation, force) and the entry format version `v`. Recorded in the StreamInfo and the psf stage's
 * provenance. v 2 = checksummed entries: bumped with the format so that an older pixsed sharing the cache folder
 * never reads an entry it cannot parse (v 1 code crashed on v 2 files written under the same names).
 */
export function kernelCacheKey(inputs: { source: string; target: string; method: string; window: unknown; mu: number; force: boolean }): string {
  return sha256Hex(JSON.stringify({ v: 2, source: inputs.source, target: inputs.target, method: inputs.method, window: inputs.window, mu: inputs.mu, force: inputs.force })).slice(0, 24);
}

const checksum = (body: unknown) => sha256Hex(JSON.stringify(body));

export function kernelCacheFile(dir: string, key: string): string {
  return join(dir, `${key}.json`);
}

/**
 * The cached kernel under `key`, or undefined when there is none or the file is not a complete,
 * valid entry (torn by a killed run, edited, an older format without checksum): such a file is
 * reported through `log` and rebuilt by the caller, never trusted.
 */
export function readCachedKernel(dir: string, key: string, log: (m: string) => void = () => undefined): CachedKernel | undefined {
  const file = kernelCacheFile(dir, key);
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as { sha256?: string; body?: { band: string; width: number; height: number; data: number[]; quality?: KernelQuality } };
    const b = c.body;
    if (!b || c.sha256 !== checksum(b)) throw new Error('checksum mismatch');
    if (!(Number.isInteger(b.width) && Number.isInteger(b.height) && b.data.length === b.width * b.height && b.data.every(Number.isFinite))) throw new Error('bad kernel shape or values');
    return { band: b.band, kernel: { width: b.width, height: b.height, data: Float64Array.from(b.data) }, quality: b.quality };
  } catch (err) {
    log(`psf: kernel cache ${file} is not a valid entry (${err instanceof Error ? err.message : String(err)}): rebuilding it`);
    return undefined;
  }
}

/**
 * Store a kernel under `key` atomically: written to a temporary name in the same folder, fsynced,
 * then renamed over the final name, so a killed run leaves either no entry or a complete one. The
 * entry carries the sha256 of its body, checked on read.
 */
export function writeCachedKernel(dir: string, key: string, entry: CachedKernel): void {
  mkdirSync(dir, { recursive: true });
  const q = entry.quality ? { ...entry.quality, radiiPx: undefined, eeMatched: undefined, eeTarget: undefined } : undefined;
  const body = JSON.parse(JSON.stringify({ band: entry.band, width: entry.kernel.width, height: entry.kernel.height, data: Array.from(entry.kernel.data), quality: q }));
  const file = kernelCacheFile(dir, key);
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify({ sha256: checksum(body), body }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
