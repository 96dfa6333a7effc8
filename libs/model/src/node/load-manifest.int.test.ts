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

  /** The shipped z-conditioned manifest turned into a photo-z one: z a parameter, the z feature removed. */
  const photoz = () => {
    const m = JSON.parse(readFileSync(shipped, 'utf8'));
    m.redshift = { role: 'parameter' };
    m.features.transform = 'ab-mag-err';
    m.features.names.pop();
    m.features.count -= 1;
    m.trainingRanges.features.names.pop();
    m.trainingRanges.features.min.pop();
    m.trainingRanges.features.max.pop();
    m.parameters.unshift({ name: 'z', unit: '', priorMin: 0.01, priorMax: 7.5 });
    m.sampler.noiseDim += 1;
    return m;
  };
  const write = (name: string, m: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(m));
    return file;
  };

  it('reads a photo-z manifest (redshift.role parameter); an old manifest defaults to role conditioning', () => {
    const { manifest } = loadManifest(write('photoz.json', photoz()));
    expect(manifest.redshift.role).toBe('parameter');
    expect(manifest.features.count).toBe(76);
    expect(loadManifest(shipped).manifest.redshift.role).toBe('conditioning');
  });

  it('a photo-z manifest that contradicts itself is a ConfigError naming the file and each key', () => {
    const cases: [string, (m: Record<string, any>) => void, string, RegExp][] = [
      ['z-feature.json', (m) => (m.features.transform = 'ab-mag-err-z'), 'features.transform', /redshift.role 'parameter' needs features.transform 'ab-mag-err'/],
      ['no-z-param.json', (m) => { m.parameters.shift(); m.sampler.noiseDim -= 1; }, 'parameters', /needs a parameter named 'z'/], // prettier-ignore
      ['z-name.json', (m) => { m.features.names.push('z'); m.features.count += 1; }, 'features.count', /expected 4 × 19 bands = 76 features, got 77/], // prettier-ignore
      ['ppc.json', (m) => (m.ppc = { emulatorSha256: 'ab'.repeat(32), inputNames: ['parameters', 'z'], outputName: 'photometry', bands: m.bands }), 'ppc', /has no PPC emulator/],
      ['role.json', (m) => (m.redshift = { role: 'photometric' }), 'redshift.role', /conditioning|parameter/],
    ];
    for (const [name, edit, path, message] of cases) {
      const m = photoz();
      edit(m);
      const file = write(name, m);
      const e = configErrorOf(() => loadManifest(file));
      expect(e.file, name).toBe(file);
      const issue = e.issues.find((i) => i.path === path);
      expect(issue, `${name}: ${JSON.stringify(e.issues)}`).toBeDefined();
      expect(issue!.message, name).toMatch(message);
    }
    // a z-conditioned manifest with a parameter named z
    const m = JSON.parse(readFileSync(shipped, 'utf8'));
    m.parameters.push({ name: 'z', unit: '', priorMin: 0, priorMax: 7.5 });
    m.sampler.noiseDim += 1;
    const e = configErrorOf(() => loadManifest(write('cond-z.json', m)));
    expect(e.issues.find((i) => i.path === 'parameters')?.message).toMatch(/a parameter named 'z' needs redshift.role 'parameter'/);
  });

  it('a manifest that is not JSON is a ConfigError naming the file', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"name": ');
    const e = configErrorOf(() => loadManifest(file));
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/not valid JSON/);
  });
});
