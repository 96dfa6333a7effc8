import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from apps/cli/dist (or src). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const demoPipeline = resolve(repoRoot, 'pipelines', 'demo.yaml');
