import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
