import { identityStage, PluginRegistry, syntheticSource } from '@pixsed/core';
import { arrowIpcSink } from '@pixsed/core/node';
import { mosaicSource } from '@pixsed/ingest/node';

/** Every plug-in the `pixsed` binary knows. New stages, sources and sinks register here. */
export function createRegistry(): PluginRegistry {
  return new PluginRegistry().register(syntheticSource, mosaicSource, identityStage, arrowIpcSink);
}
