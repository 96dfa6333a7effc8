import { describe, expect, it } from 'vitest';
import { duplicateColumns, parseNumericCell } from './table-cells.js';

describe('parseNumericCell', () => {
  it('decimal and scientific notation, with sign and surrounding blanks', () => {
    const cases: [string, number][] = [['12', 12], ['-0.5', -0.5], ['+3', 3], ['.5', 0.5], ['5.', 5], ['1e-3', 0.001], ['2.5E4', 25000], [' 7 ', 7], ['-0', -0]];
    for (const [t, v] of cases) expect(parseNumericCell(t), t).toBe(v);
  });

  it('nan and inf as astropy/numpy/pandas write them (any case, signed), Infinity as JavaScript does', () => {
    for (const t of ['nan', 'NaN', 'NAN', '-nan', '+nan']) expect(parseNumericCell(t), t).toBeNaN();
    for (const t of ['inf', 'Inf', '+inf', 'Infinity', 'INFINITY']) expect(parseNumericCell(t), t).toBe(Infinity);
    for (const t of ['-inf', '-Infinity']) expect(parseNumericCell(t), t).toBe(-Infinity);
  });

  it("refuses what JavaScript's Number() accepts but a table does not mean: hex, binary, octal", () => {
    for (const t of ['0x1f', '0X1F', '0b11', '0o7']) expect(parseNumericCell(t), t).toBe('invalid');
  });

  it('refuses text and malformed numbers', () => {
    for (const t of ['abc', '1e', '1.2.3', '1_000', 'NULL', 'e5', '--1', '1,5', 'infinit', 'nanx']) expect(parseNumericCell(t), t).toBe('invalid');
  });

  it('blank: empty or whitespace text, null, undefined', () => {
    for (const v of ['', '   ', '\t', null, undefined]) expect(parseNumericCell(v)).toBe('blank');
  });

  it('typed cells (Parquet): numbers as they are, bigint converted, other types invalid', () => {
    expect(parseNumericCell(2.5)).toBe(2.5);
    expect(parseNumericCell(Number.NaN)).toBeNaN();
    expect(parseNumericCell(12n)).toBe(12);
    expect(parseNumericCell(true)).toBe('invalid');
    expect(parseNumericCell([1])).toBe('invalid');
  });
});

describe('duplicateColumns', () => {
  it('finds repeats trimmed and case-folded, 1-based positions of the first and the repeat', () => {
    expect(duplicateColumns(['id', 'z', 'ra', ' Z', 'z'])).toEqual([
      { name: ' Z', first: 2, second: 4 },
      { name: 'z', first: 2, second: 5 },
    ]);
    expect(duplicateColumns(['id', 'z', 'flux_f277w_njy'])).toEqual([]);
  });
});
