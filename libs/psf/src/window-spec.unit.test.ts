import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixsed/core';
import { DEFAULT_WINDOW_SPEC, formatWindowSpec, parseWindowSpec, WINDOW_CLI_FORMS, windowSpecSchema, type WindowSpec } from './window-spec.js';
import { matchingWindow } from './matching-window.js';

// One example per window type, written by hand in both syntaxes (not derived from the code under test).
const EXAMPLES: [string, WindowSpec][] = [
  ['tophat:0.9', { type: 'TopHat', beta: 0.9 }],
  ['cosinebell:0.3', { type: 'CosineBell', alpha: 0.3 }],
  ['splitcosinebell:0.3,0.5', { type: 'SplitCosineBell', alpha: 0.3, beta: 0.5 }],
  ['tukey:0.25', { type: 'Tukey', alpha: 0.25 }],
  ['hanning', { type: 'Hanning' }],
];

describe('window spec: one schema, one CLI string form', () => {
  it('the examples cover every type of the schema, and every type has a CLI form', () => {
    const schemaTypes = windowSpecSchema.options.map((o) => o.shape.type.value).sort();
    expect(EXAMPLES.map(([, s]) => s.type).sort()).toEqual(schemaTypes);
    expect(Object.keys(WINDOW_CLI_FORMS).sort()).toEqual(schemaTypes);
  });

  it.each(EXAMPLES)('%s round-trips: string → spec → string, and the spec is valid YAML config', (text, spec) => {
    expect(parseWindowSpec(text)).toEqual(spec);
    expect(formatWindowSpec(spec)).toBe(text);
    expect(windowSpecSchema.parse(spec)).toEqual(spec);
    expect(parseWindowSpec(formatWindowSpec(windowSpecSchema.parse(spec)))).toEqual(spec);
  });

  it('names are case-insensitive and spaces around numbers are allowed; the default is tukey:0.3', () => {
    expect(parseWindowSpec('Tukey:0.3')).toEqual({ type: 'Tukey', alpha: 0.3 });
    expect(parseWindowSpec('SplitCosineBell: 0.2, 0.6')).toEqual({ type: 'SplitCosineBell', alpha: 0.2, beta: 0.6 });
    expect(formatWindowSpec(DEFAULT_WINDOW_SPEC)).toBe('tukey:0.3');
  });

  it('a parsed spec builds the window matchingWindow expects (Tukey 0.5 on 5×5: flat centre, 0 at the corners)', () => {
    const w = matchingWindow(parseWindowSpec('tukey:0.5'), 5, 5);
    // npts = 2, r_inner = 0.5 * 2 = 1, r_taper = floor(0.5 * 2) = 1: centre 1, r = 1 → 1 (r_inner ≤ r ≤ r_inner + r_taper: 0.5(1 + cos 0)),
    // corner r = 2√2 > 2 → 0
    expect(w[12]).toBe(1);
    expect(w[7]).toBeCloseTo(1, 12);
    expect(w[0]).toBe(0);
  });

  it.each([
    ['cosine:1', /unknown window 'cosine'/],
    ['tukey', /'tukey': tukey takes alpha \(tukey:ALPHA\)/],
    ['tukey:', /tukey takes alpha/],
    ['tukey:abc', /tukey takes alpha/],
    ['tukey:0.3,0.4', /tukey takes alpha/],
    ['splitcosinebell:0.3', /splitcosinebell takes alpha and beta \(splitcosinebell:ALPHA,BETA\)/],
    ['hanning:0.5', /hanning takes no numbers/],
    ['tukey:0.3:1', /one ':' at most/],
    ['tukey:1.5', /'tukey:1.5': alpha: .*1/],
    ['tophat:-0.1', /'tophat:-0.1': beta: .*0/],
  ])('bad string %s names the option and lists the allowed forms', (text, why) => {
    expect(() => parseWindowSpec(text, '--window')).toThrow(ConfigError);
    const e = ((): ConfigError => { try { parseWindowSpec(text, '--window'); } catch (err) { return err as ConfigError; } throw new Error('no error'); })(); // prettier-ignore
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0].path).toBe('--window');
    expect(e.issues[0].message).toMatch(why);
    expect(e.message).toContain('--window');
    for (const form of ['tophat:BETA', 'cosinebell:ALPHA', 'splitcosinebell:ALPHA,BETA', 'tukey:ALPHA', 'hanning']) expect(e.message).toContain(form);
  });

  it('the schema (YAML form) refuses unknown types, missing or extra keys and numbers outside [0, 1]', () => {
    for (const bad of [{ type: 'Gauss', alpha: 0.3 }, { type: 'Tukey' }, { type: 'Tukey', alpha: 0.3, beta: 0.1 }, { type: 'Hanning', alpha: 1 }, { type: 'CosineBell', alpha: 2 }, { type: 'TopHat', beta: -1 }]) {
      expect(windowSpecSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
