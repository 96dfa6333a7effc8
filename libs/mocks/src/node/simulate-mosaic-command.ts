import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '@pixsed/core';
import { parseMosaicConfig } from '../mosaic-config.js';
import { generateMockMosaic, type MockMosaicResult } from './generate-mock-mosaic.js';

/** Read and validate a mosaic YAML (or JSON) file; throws ConfigError naming the file and each bad path. */
export function loadMosaicConfig(file: string) {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `cannot read YAML: ${(e as Error).message}` }], 'mock mosaic config (mosaicConfigSchema)');
  }
  return parseMosaicConfig(raw, file);
}

/**
 * `pixsed simulate mosaic --config mosaic.yaml --out DIR`: generate a mock mosaic, print progress to stderr and a
 * one-line summary to stdout. Relative PSF files are resolved against the config file's folder.
 */
export async function simulateMosaicCommand(opts: { config: string; out: string; quiet?: boolean }): Promise<MockMosaicResult> {
  const file = resolve(opts.config);
  const cfg = loadMosaicConfig(file);
  const res = await generateMockMosaic(cfg, resolve(opts.out), {
    configDir: dirname(file),
    onProgress: opts.quiet ? undefined : (p) => process.stderr.write(`[simulate mosaic] ${p.done}/${p.total} ${p.step}${p.band ? ` ${p.band}` : ''}\n`),
  });
  process.stdout.write(`wrote ${res.files.length} files (${cfg.widthPx}×${cfg.heightPx} px, ${res.bands.length} bands, ${res.galaxies} galaxies) to ${res.outDir} in ${res.seconds.toFixed(1)} s\n`);
  return res;
}
