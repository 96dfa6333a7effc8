import { describe, expect, it } from 'vitest';
import { FitsFormatError } from '@pixsed/core';
import { parseHeader } from './parse-header.js';
import { formatHeader } from './format-header.js';
import { card, header, imageCards } from '../test-scripts/fits-fixtures.js';

describe('parseHeader', () => {
  it('parses strings, logicals, integers, floats (E and D exponents), complex, undefined values and comments', () => {
    const h = parseHeader(
      header([
        ...imageCards(-32, 3, 2),
        card('OBJECT', "'NGC 1234'", 'target'),
        card('QUOTE', "'it''s'"),
        card('LEAD', "'  x   '"),
        card('FLAG', 'F'),
        card('EXPTIME', '1.5D+03'),
        card('SMALL', '-2.5E-05'),
        card('BIG', '123456789012'),
        card('CPLX', '(1.0, -2.0)'),
        card('UNDEF', ' '),
        'COMMENT   first comment',
        'HISTORY   step one',
        'HISTORY   step two',
        card('OBJECT', "'duplicate'"),
      ]),
      'mem.fits',
    );
    expect(h.get('OBJECT')).toBe('NGC 1234');
    expect(h.card('OBJECT')?.comment).toBe('target');
    expect(h.get('QUOTE')).toBe("it's");
    expect(h.get('LEAD')).toBe('  x');
    expect(h.get('FLAG')).toBe(false);
    expect(h.get('SIMPLE')).toBe(true);
    expect(h.get('EXPTIME')).toBe(1500);
    expect(h.get('SMALL')).toBe(-2.5e-5);
    expect(h.get('BIG')).toBe(123456789012);
    expect(h.get('CPLX')).toBe('(1.0, -2.0)');
    expect(h.get('UNDEF')).toBeNull();
    expect(h.has('undef')).toBe(true);
    expect(h.get('missing')).toBeUndefined();
    expect(h.byteLength).toBe(2880);
    const rec = h.toRecord();
    expect(rec.HISTORY).toBe('  step one\n  step two'); // columns 9-80 verbatim, as astropy
    expect(rec.COMMENT).toBe('  first comment');
    expect(rec.OBJECT).toBe('NGC 1234');
  });

  it('joins CONTINUE long strings', () => {
    const h = parseHeader(
      header([...imageCards(-32, 1, 1), card('LONGSTR', "'The quick brown fox &'"), "CONTINUE  'jumps over &'", "CONTINUE  'the dog' / end", card('NEXT', '1')]),
      'mem.fits',
    );
    expect(h.get('LONGSTR')).toBe('The quick brown fox jumps over the dog');
    expect(h.get('NEXT')).toBe(1);
  });

  it('parses HIERARCH keywords', () => {
    const h = parseHeader(header([...imageCards(-32, 1, 1), 'HIERARCH ESO DET CHIP NAME = \'CCD1\' / chip']), 'mem.fits');
    expect(h.get('ESO DET CHIP NAME')).toBe('CCD1');
  });

  it('round-trips cards written by formatHeader, long strings and awkward quotes included', () => {
    const long = "a'b ".repeat(40) + 'end';
    const bytes = formatHeader(
      [
        ['SIMPLE', true],
        ['BITPIX', -32],
        ['NAXIS', 0],
        ['PI', Math.PI, 'pi'],
        ['TINY', -1.6666663575825e-5],
        ['HUGE', 1.5e300],
        ['INT', -42],
        ['LONG', long, 'a long one'],
        ['HISTORY', 'line 1\nline 2'],
        ['T', false],
      ],
      'w.fits',
    );
    expect(bytes.length % 2880).toBe(0);
    const h = parseHeader(bytes, 'w.fits');
    expect(h.get('PI')).toBe(Math.PI);
    expect(h.get('TINY')).toBe(-1.6666663575825e-5);
    expect(h.get('HUGE')).toBe(1.5e300);
    expect(h.get('INT')).toBe(-42);
    expect(h.get('LONG')).toBe(long);
    expect(h.toRecord().HISTORY).toBe('line 1\nline 2');
    expect(h.get('T')).toBe(false);
  });

  it('formatHeader rejects bad keywords and non-finite values', () => {
    expect(() => formatHeader([['TOOLONGKEY', 1]])).toThrow(FitsFormatError);
    expect(() => formatHeader([['X', NaN]])).toThrow(/non-finite/);
    expect(() => formatHeader([['X', 'µJy']])).toThrow(/non-ASCII/);
  });

  it('rejects malformed headers with the card named', () => {
    const bad = (cards: string[], re: RegExp, opts?: { end?: boolean }): void => {
      let err: unknown;
      try {
        parseHeader(header(cards, opts), 'bad.fits');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FitsFormatError);
      expect((err as FitsFormatError).file).toBe('bad.fits');
      expect((err as Error).message).toMatch(re);
    };
    bad(imageCards(-32, 1, 1), /END.*missing END/, { end: false });
    bad([card('SIMPLE', 'F'), card('BITPIX', '8'), card('NAXIS', '0')], /SIMPLE.*does not conform/);
    bad([card('NOTFITS', '1')], /first card must be SIMPLE or XTENSION/);
    bad([...imageCards(-32, 1, 1), card('BADVAL', '1.2.3')], /BADVAL \(card 6\).*cannot parse value '1.2.3'/);
    bad([...imageCards(-32, 1, 1), card('STR', "'no end")], /STR.*unterminated string/);
    bad([...imageCards(-32, 1, 1), 'BAD KEY = 1'], /invalid keyword/);
    bad([...imageCards(-32, 1, 1), card('OBJECT', "'caf\u00e9'")], /OBJECT \(card 6\).*non-ASCII or control byte 0xe9 at column/);
  });
});
