// loadManifest goes through core's parseConfig (the one zod → ConfigError bridge): a bad manifest names the file and
// every offending path in the `bands[0]` format of pipeline configs.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '@pixsed/core';
import { loadManifest } from './posterior-model.js';

const shipped = resolve(__dirname, '..', '..', '..', '..', 'test-data', 'models', 'jades-delayed-tau', 'manifest.json');
const dir = mkdtempSync(join(tmpdir(), 'pixsed-manifest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error `f` throws, asserted to be a ConfigError. */
const configErrorOf = (f: () => unknown): ConfigError => {
  const err = ((): unknown => { try { f(); } catch (e) { return e; } return undefined; })(); // prettier-ignore
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
};

describe('loadManifest', () => {
  it('reads the shipped manifest and resolves model.onnx beside it', () => {
    const { manifest, onnxFile } = loadManifest(shipped);
    expect(manifest.bands).toHaveLength(19);
    expect(onnxFile).toBe(join(dirname(shipped), 'model.onnx'));
  });

  it('a bad band name and a missing key are both reported, with bracketed array paths and the file', () => {
    const m = JSON.parse(readFileSync(shipped, 'utf8'));
    m.bands[0] = 'F 090W';
    delete m.parameters;
    const file = join(dir, 'manifest.json');
    writeFileSync(file, JSON.stringify(m));
    const e = configErrorOf(() => loadManifest(dir));
    expect(e.file).toBe(file);
    const paths = e.issues.map((i) => i.path);
    expect(paths).toContain('bands[0]');
    expect(paths).toContain('parameters');
    expect(e.message).toContain(`Invalid model manifest in ${file}`);
  });

  it('a manifest that is not JSON is a ConfigError naming the file', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"name": ');
    const e = configErrorOf(() => loadManifest(file));
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/not valid JSON/);
  });
});
