import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const versionOf = (lib: string) => (JSON.parse(readFileSync(join(root, lib, 'package.json'), 'utf8')) as { version: string }).version;

describe('plug-in versions come from their package.json', () => {
  it('pixsed plugins lists each plug-in with the version of the package it lives in', () => {
    const r = spawnSync(process.execPath, [bin, 'plugins'], { encoding: 'utf8', cwd: root });
    expect(r.status, r.stderr).toBe(0);
    const listed = Object.fromEntries([...r.stdout.matchAll(/^ {2}([a-z-]+) v(\d+\.\d+\.\d+\S*):/gm)].map((m) => [m[1], m[2]]));
    const expected: Record<string, string> = {
      synthetic: versionOf('libs/core'),
      identity: versionOf('libs/core'),
      'arrow-ipc': versionOf('libs/core'),
      mosaic: versionOf('libs/ingest'),
      psf: versionOf('libs/psf'),
      'snr-mask': versionOf('libs/snr-mask'),
      inference: versionOf('libs/inference'),
      parquet: versionOf('libs/parquet'),
      'fits-table': versionOf('libs/parquet'),
      galaxies: versionOf('libs/aggregate'),
      'tile-model': versionOf('libs/tile-model'),
      'tile-maps': versionOf('libs/aggregate'),
    };
    expect(listed).toEqual(expected);
  });
});
