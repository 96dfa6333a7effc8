import { FitsFormatError } from '@pixsed/core';
import type { FitsCard, FitsValue } from './fits-card.js';
import { COMMENTARY_KEYS } from './fits-card.js';
import { FitsHeader } from './fits-header.js';
import { BLOCK, CARD, cardLabel, findEndCard } from './fits-internals.js';

const KEY_RE = /^[A-Z0-9_-]*$/;
const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([EeDd][+-]?\d+)?$/;
const COMPLEX_RE = /^\(\s*[^,()]+\s*,\s*[^,()]+\s*\)$/;

interface RawCard {
  key: string;
  value: FitsValue;
  comment: string;
  /** true when the value was a quoted string (needed for CONTINUE joining). */
  isString: boolean;
}

/** Parses the quoted string starting at `s[start] === "'"`; returns the value and the index after the closing quote. */
function parseQuoted(s: string, start: number, file: string, label: string): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  for (;;) {
    if (i >= s.length) throw new FitsFormatError(file, label, 'unterminated string value (no closing quote)');
    const ch = s[i];
    if (ch === "'") {
      if (s[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      return { value: out.trimEnd(), end: i + 1 };
    }
    out += ch;
    i++;
  }
}

/** Parses the value/comment field (from column 11 of a value card, or column 9 of CONTINUE). */
function parseValueField(field: string, file: string, label: string): Omit<RawCard, 'key'> {
  let i = 0;
  while (i < field.length && field[i] === ' ') i++;
  if (field[i] === "'") {
    const { value, end } = parseQuoted(field, i, file, label);
    const rest = field.slice(end);
    const slash = rest.indexOf('/');
    if (slash < 0 && rest.trim() !== '') {
      throw new FitsFormatError(file, label, `unexpected text after string value: '${rest.trim()}'`);
    }
    return { value, comment: slash >= 0 ? rest.slice(slash + 1).trim() : '', isString: true };
  }
  const slash = field.indexOf('/');
  const token = (slash >= 0 ? field.slice(0, slash) : field).trim();
  const comment = slash >= 0 ? field.slice(slash + 1).trim() : '';
  let value: FitsValue;
  if (token === '') value = null;
  else if (token === 'T') value = true;
  else if (token === 'F') value = false;
  else if (INT_RE.test(token)) value = Number(token);
  else if (FLOAT_RE.test(token)) value = Number(token.replace(/[Dd]/, 'E'));
  else if (COMPLEX_RE.test(token)) value = token;
  else throw new FitsFormatError(file, label, `cannot parse value '${token}' (not a string, logical, integer, float or complex)`);
  return { value, comment, isString: false };
}

/** Parses one 80-character card image. */
function parseCard(img: string, index: number, file: string): RawCard {
  const rawKey = img.slice(0, 8).trimEnd();
  if (rawKey === 'HIERARCH') {
    const eq = img.indexOf('=', 8);
    if (eq < 0) return { key: 'HIERARCH', value: img.slice(8).trimEnd(), comment: '', isString: false };
    const key = img.slice(9, eq).trim().replace(/\s+/g, ' ').toUpperCase();
    return { key, ...parseValueField(img.slice(eq + 1), file, cardLabel(key, index)) };
  }
  const key = rawKey.toUpperCase();
  const label = cardLabel(key, index);
  if (/^ /.test(img.slice(0, 8)) && rawKey !== '') {
    throw new FitsFormatError(file, label, `keyword '${img.slice(0, 8)}' has leading blanks`);
  }
  if (!KEY_RE.test(key)) {
    throw new FitsFormatError(file, label, `invalid keyword '${rawKey}' (allowed: A-Z 0-9 _ -)`);
  }
  if (COMMENTARY_KEYS.has(key)) return { key, value: img.slice(8).trimEnd(), comment: '', isString: false };
  if (key === 'CONTINUE') {
    const field = img.slice(8);
    if (field.trimStart().startsWith("'")) return { key, ...parseValueField(field, file, label) };
    return { key, value: null, comment: field.trim(), isString: false };
  }
  if (img.slice(8, 10) !== '= ') {
    // A keyword without the value indicator has no value (FITS 4.0 section 4.1.2.2).
    return { key, value: null, comment: img.slice(8).trim(), isString: false };
  }
  return { key, ...parseValueField(img.slice(10), file, label) };
}

/**
 * Parses a FITS header from `bytes`, which start at the first card of the header and must contain
 * the END card (extra bytes after the header, e.g. the data unit, are ignored).
 *
 * Checks: every byte of the header is printable ASCII (0x20-0x7E); the first card is `SIMPLE = T`
 * or `XTENSION`; keywords are legal; values parse; the END card is present.
 * CONTINUE cards following a string ending in `&` are joined into one value (long-string convention).
 * Throws `FitsFormatError(file, card, problem)` for anything malformed.
 */
export function parseHeader(bytes: Uint8Array, file: string): FitsHeader {
  const end = findEndCard(bytes);
  if (end < 0) {
    const cards = Math.floor(bytes.length / CARD);
    throw new FitsFormatError(
      file,
      'END',
      bytes.length === 0 ? 'empty file or header (no cards)' : `missing END card (searched ${cards} cards, ${bytes.length} bytes)`,
    );
  }
  const cards: FitsCard[] = [];
  let pendingLong: FitsCard | undefined;
  for (let i = 0; i < end; i++) {
    const o = i * CARD;
    for (let j = 0; j < CARD; j++) {
      const b = bytes[o + j];
      if (b < 0x20 || b > 0x7e) {
        const key = String.fromCharCode(...bytes.subarray(o, o + 8)).replace(/[^\x20-\x7e]/g, '?').trimEnd();
        throw new FitsFormatError(
          file,
          cardLabel(key, i),
          `non-ASCII or control byte 0x${b.toString(16).padStart(2, '0')} at column ${j + 1} (header cards must be printable ASCII)`,
        );
      }
    }
    const img = String.fromCharCode(...bytes.subarray(o, o + CARD));
    const raw = parseCard(img, i, file);
    if (i === 0) {
      if (raw.key === 'SIMPLE') {
        if (raw.value !== true) throw new FitsFormatError(file, cardLabel('SIMPLE', 0), `SIMPLE = ${String(raw.value)}: file does not conform to the FITS standard`);
      } else if (raw.key !== 'XTENSION') {
        throw new FitsFormatError(file, cardLabel(raw.key, 0), `first card must be SIMPLE or XTENSION, found '${img.slice(0, 8).trimEnd()}' (not a FITS header)`);
      }
    }
    if (raw.key === 'CONTINUE' && pendingLong && raw.isString) {
      const joined = String(pendingLong.value).slice(0, -1) + String(raw.value);
      pendingLong.value = joined;
      if (raw.comment) pendingLong.comment = pendingLong.comment ? `${pendingLong.comment} ${raw.comment}` : raw.comment;
      if (!joined.endsWith('&')) pendingLong = undefined;
      continue;
    }
    const card: FitsCard = { key: raw.key, value: raw.value, comment: raw.comment, index: i };
    cards.push(card);
    pendingLong = raw.isString && typeof raw.value === 'string' && raw.value.endsWith('&') ? card : undefined;
  }
  // The END card itself: columns 9-80 must be blank.
  const endImg = String.fromCharCode(...bytes.subarray(end * CARD + 8, end * CARD + CARD));
  if (endImg.trim() !== '') throw new FitsFormatError(file, cardLabel('END', end), 'END card has non-blank columns 9-80');
  const byteLength = Math.ceil(((end + 1) * CARD) / BLOCK) * BLOCK;
  return new FitsHeader(cards, file, byteLength);
}
