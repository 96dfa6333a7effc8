import { identityStage, PluginRegistry, syntheticSource } from '@pixsed/core';
import { packageVersion } from './version.js';
import { arrowIpcSink } from '@pixsed/core/node';
import { mosaicSource } from '@pixsed/ingest/node';
import { psfStage } from '@pixsed/psf/node';
import { snrMaskStage } from '@pixsed/snr-mask';
import { inferenceStage } from '@pixsed/inference/node';
import { galaxiesSink, tileMapsSink } from '@pixsed/aggregate/node';
import { tileModelStage } from '@pixsed/tile-model/node';
import { fitsTableSink, parquetSink } from '@pixsed/parquet/node';

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
