import { identityStage, PluginRegistry, syntheticSource } from '@pixsed/core';
import { arrowIpcSink } from '@pixsed/core/node';
import { mosaicSource } from '@pixsed/ingest/node';
import { psfStage } from '@pixsed/psf/node';
import { snrMaskStage } from '@pixsed/snr-mask';
import { inferenceStage } from '@pixsed/inference/node';
import { galaxiesSink } from '@pixsed/aggregate/node';
import { parquetSink } from '@pixsed/parquet/node';

/** Every plug-in the `pixsed` binary knows. New stages, sources and sinks register here. */
export function createRegistry(): PluginRegistry {
  return new PluginRegistry().register(syntheticSource, mosaicSource, identityStage, psfStage, snrMaskStage, inferenceStage, arrowIpcSink, parquetSink, galaxiesSink);
}
