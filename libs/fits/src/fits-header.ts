import type { FitsCard, FitsValue } from './fits-card.js';
import { COMMENTARY_KEYS } from './fits-card.js';

/**
 * A parsed FITS header: ordered cards with keyword look-up.
 * `get` returns the value of the first card with that keyword (as astropy does);
 * keywords are case-insensitive.
 */
export class FitsHeader {
  readonly cards: readonly FitsCard[];
  /** File the header was read from (for error messages), when known. */
  readonly file: string | undefined;
  /** Number of bytes the header occupies in the file, END card and padding to 2880 included (0 if built in memory). */
  readonly byteLength: number;
  private readonly index = new Map<string, FitsCard>();

  constructor(cards: readonly FitsCard[], file?: string, byteLength = 0) {
    this.cards = cards;
    this.file = file;
    this.byteLength = byteLength;
    for (const c of cards) if (!this.index.has(c.key)) this.index.set(c.key, c);
  }

  /** Builds a header from a plain record (insertion order kept). */
  static fromRecord(record: Record<string, FitsValue>, file?: string): FitsHeader {
    return new FitsHeader(
      Object.entries(record).map(([key, value], index) => ({ key: key.toUpperCase(), value, comment: '', index })),
      file,
    );
  }

  has(key: string): boolean {
    return this.index.has(key.toUpperCase());
  }

  /** Value of the first card with this keyword, or `undefined` when absent. */
  get(key: string): FitsValue | undefined {
    return this.index.get(key.toUpperCase())?.value;
  }

  /** The first card with this keyword. */
  card(key: string): FitsCard | undefined {
    return this.index.get(key.toUpperCase());
  }

  /** Numeric value, or `undefined` when absent; throws nothing (non-numbers give `undefined`). */
  getNumber(key: string): number | undefined {
    const v = this.get(key);
    return typeof v === 'number' ? v : undefined;
  }

  /** String value (trailing blanks already stripped), or `undefined`. */
  getString(key: string): string | undefined {
    const v = this.get(key);
    return typeof v === 'string' ? v : undefined;
  }

  /**
   * Plain object: first value per keyword; COMMENT and HISTORY texts joined with newlines;
   * blank-keyword cards left out.
   */
  toRecord(): Record<string, FitsValue> {
    const out: Record<string, FitsValue> = {};
    for (const c of this.cards) {
      if (c.key === '') continue;
      if (COMMENTARY_KEYS.has(c.key)) {
        const prev = out[c.key];
        out[c.key] = typeof prev === 'string' ? `${prev}\n${String(c.value ?? '')}` : String(c.value ?? '');
      } else if (!(c.key in out)) {
        out[c.key] = c.value;
      }
    }
    return out;
  }
}
