import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { formatPath, type PipelineConfig } from '../pipeline-config.js';

type Where = { value: string; path: string };

function strings(value: unknown, path: (string | number)[], out: Where[]): void {
  if (typeof value === 'string') {
    if (value && value !== '.' && value.length < 4096 && !value.includes('\n')) out.push({ value, path: formatPath(path) });
  } else if (Array.isArray(value)) value.forEach((v, i) => strings(v, [...path, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) strings(v, [...path, k], out);
}

const kind = (p: string) => {
  try {
    const st = statSync(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'folder' : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Every input file a pipeline may read, real path → where it comes from (`source.catalog`,
 * `stages[2].model` ...), found without knowing the plug-ins: each string in the source and stage
 * configs that names an existing file (relative to the pipeline folder or to a folder another string
 * names, e.g. `files:` entries relative to `imageDir`) or an existing folder (its files: `imageDir`);
 * the manifest.json beside a `.onnx`; sink strings that name an existing file (a sink's `model`); and
 * the pipeline file. Outputs are checked against this before anything is written.
 */
export function pipelineInputs(config: Pick<PipelineConfig, 'file' | 'source' | 'stages' | 'sinks'> & { dir: string }): Map<string, string> {
  const found: Where[] = [];
  strings(config.source.config, ['source'], found);
  config.stages.forEach((s, i) => strings(s.config, ['stages', i], found));
  const sinkStrings: Where[] = [];
  config.sinks.forEach((s, i) => strings(s.config, ['sinks', i], sinkStrings));
  const inputs = new Map<string, string>();
  const add = (p: string, label: string) => {
    try {
      const real = realpathSync(p);
      if (!inputs.has(real)) inputs.set(real, label);
    } catch {
      // vanished: the stage reports it
    }
  };
  const bases = [config.dir];
  for (const w of found) {
    const p = resolve(config.dir, w.value);
    if (p !== config.dir && kind(p) === 'folder') bases.push(p);
  }
  const addFile = (p: string, w: Where) => {
    add(p, `${w.path}: ${p}`);
    if (extname(p) === '.onnx' && existsSync(join(dirname(p), 'manifest.json'))) add(join(dirname(p), 'manifest.json'), `${w.path}: manifest of ${p}`);
  };
  // files named directly first (their label is the key that names them), then the files of named folders
  for (const w of found) for (const base of bases) if (kind(resolve(base, w.value)) === 'file') addFile(resolve(base, w.value), w);
  for (const w of found) {
    for (const base of bases) {
      const p = resolve(base, w.value);
      if (p !== config.dir && kind(p) === 'folder') for (const e of readdirSync(p)) if (kind(join(p, e)) === 'file') add(join(p, e), `${w.path}: ${join(p, e)}`);
    }
  }
  // a sink's own input (its `model`): sink strings naming an existing file, relative to the pipeline folder
  for (const w of sinkStrings) if (kind(resolve(config.dir, w.value)) === 'file') addFile(resolve(config.dir, w.value), w);
  if (config.file) add(config.file, `the pipeline file ${config.file}`);
  return inputs;
}
