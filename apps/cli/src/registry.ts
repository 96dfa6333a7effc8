import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { identityStage, PluginRegistry, syntheticSource } from '@pixsed/core';
import { arrowIpcSink } from '@pixsed/core/node';
import { mosaicSource } from '@pixsed/ingest/node';
import { psfStage } from '@pixsed/psf/node';
import { snrMaskStage } from '@pixsed/snr-mask';
import { inferenceStage } from '@pixsed/inference/node';
import { galaxiesSink, tileMapsSink } from '@pixsed/aggregate/node';
import { tileModelStage } from '@pixsed/tile-model/node';
import { fitsTableSink, parquetSink } from '@pixsed/parquet/node';

/** Version of the package that provides `specifier` (its nearest package.json): the one source of a plug-in's version. */
export function packageVersion(specifier: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(specifier)));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) return (JSON.parse(readFileSync(pj, 'utf8')) as { version: string }).version;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.resolve(specifier))}`);
    dir = up;
  }
}

/** The pixsed version (this CLI package's version), recorded in run provenance. */
export const PIXSED_VERSION = packageVersion(import.meta.url);

/** `pixsed --version`: the pixsed, Node.js and onnxruntime-node versions (the sampler's runtime), one line each. */
export function versionLine(): string {
  let ort: string;
  try {
    ort = packageVersion('onnxruntime-node');
  } catch {
    ort = 'not found';
  }
  return `pixsed ${PIXSED_VERSION}\nnode ${process.versions.node}\nonnxruntime-node ${ort}`;
}

/**
 * Every plug-in the `pixsed` binary knows, each with the version of the package it lives in
 * (bumped in that package.json when its behaviour changes). New stages, sources and sinks register here.
 */
export function createRegistry(): PluginRegistry {
  const v = <T extends { version: string }>(def: T, pkg: string): T => ({ ...def, version: packageVersion(pkg) });
  return new PluginRegistry().register(
    v(syntheticSource, '@pixsed/core'),
    v(mosaicSource, '@pixsed/ingest/node'),
    v(identityStage, '@pixsed/core'),
    v(psfStage, '@pixsed/psf/node'),
    v(snrMaskStage, '@pixsed/snr-mask'),
    v(inferenceStage, '@pixsed/inference/node'),
    v(tileModelStage, '@pixsed/tile-model/node'),
    v(arrowIpcSink, '@pixsed/core/node'),
    v(parquetSink, '@pixsed/parquet/node'),
    v(fitsTableSink, '@pixsed/parquet/node'),
    v(galaxiesSink, '@pixsed/aggregate/node'),
    v(tileMapsSink, '@pixsed/aggregate/node'),
  );
}
