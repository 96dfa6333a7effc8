import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixsed/core';
import { psfMethodOption } from './psf.js';

describe('pixsed psf kernel --method', () => {
  it('fourier (the pipeline YAML name) and wiener pass without a notice', () => {
    const notices: string[] = [];
    expect(psfMethodOption('fourier', (l) => notices.push(l))).toBe('fourier');
    expect(psfMethodOption('wiener', (l) => notices.push(l))).toBe('wiener');
    expect(notices).toEqual([]);
  });

  it('window is the deprecated alias of fourier: same method, one notice line', () => {
    const notices: string[] = [];
    expect(psfMethodOption('window', (l) => notices.push(l))).toBe('fourier');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/'--method window' is deprecated, use '--method fourier'/);
    expect(notices[0]).not.toContain('\n');
  });

  it('anything else is a ConfigError on --method listing the allowed names', () => {
    expect(() => psfMethodOption('Fourier', () => undefined)).toThrow(ConfigError);
    expect(() => psfMethodOption('ratio', () => undefined)).toThrow(/--method: expected fourier or wiener \(window: deprecated alias of fourier\), got 'ratio'/);
  });
});
