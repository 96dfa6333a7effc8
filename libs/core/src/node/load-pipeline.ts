import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { parsePipelineYaml, type PipelineConfig } from '../pipeline-config.js';
import type { PluginRegistry } from '../registry.js';

/** Read, override and validate a pipeline YAML file; errors name the file and YAML path. */
export async function loadPipeline(file: string, registry: PluginRegistry, overrides: string[] = []): Promise<PipelineConfig & { dir: string }> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  return { ...parsePipelineYaml(text, registry, path, overrides), dir: dirname(path) };
}
