import { existsSync } from 'node:fs';
import { resolve, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (three levels above libs/core/{src,dist}/node). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}

/**
 * Folder with the shared reference data (filters, SSPs, PSFs, noise tables).
 * `PIXSED_DATA_DIR` wins; otherwise `<repo>/../shared/data`.
 */
export function dataDir(): string {
  return process.env.PIXSED_DATA_DIR ? resolve(process.env.PIXSED_DATA_DIR) : resolve(repoRoot(), '..', 'shared', 'data');
}

/** Absolute path of a file under the reference-data folder. */
export function dataPath(...parts: string[]): string {
  return join(dataDir(), ...parts);
}

/** True when every listed file exists under the reference-data folder. */
export function hasData(...relPaths: string[]): boolean {
  return relPaths.every((p) => existsSync(dataPath(p)));
}

/** Message for `describe.skipIf`: says what is missing and how to provide it. */
export function missingDataMessage(...relPaths: string[]): string {
  return `skipped: reference data ${relPaths.join(', ')} not found under ${dataDir()} (set PIXSED_DATA_DIR or place ../shared/data beside the repo)`;
}
