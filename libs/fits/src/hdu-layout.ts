import { FitsFormatError } from '@pixsed/core';
import type { FitsHeader } from './fits-header.js';
import { padToBlock } from './fits-internals.js';

/** BITPIX values defined by the FITS standard. */
export const SUPPORTED_BITPIX: readonly number[] = [8, 16, 32, 64, -32, -64];

/** Structure of one HDU as declared by its mandatory keywords. */
export interface HduLayout {
  /** `PRIMARY` for the primary HDU, else the XTENSION value (`IMAGE`, `BINTABLE`, `TABLE`, ...). */
  xtension: string;
  bitpix: number;
  /** NAXIS1..NAXISn (empty for NAXIS = 0). */
  naxis: number[];
  /** Bytes of the data unit without padding: |BITPIX|/8 × GCOUNT × (PCOUNT + NAXIS1 × … × NAXISn). */
  dataBytes: number;
  /** Bytes of the data unit padded to whole 2880-byte blocks. */
  paddedDataBytes: number;
  extname: string | undefined;
  bscale: number;
  bzero: number;
  /** BLANK (integer BITPIX only), else undefined. */
  blank: number | undefined;
}

function intCard(header: FitsHeader, file: string, key: string, opts: { min?: number; required: boolean; dflt?: number }): number {
  const card = header.card(key);
  if (!card) {
    if (opts.required) throw new FitsFormatError(file, key, `missing mandatory keyword ${key}`);
    return opts.dflt ?? 0;
  }
  const v = card.value;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new FitsFormatError(file, key, `${key} must be an integer, found ${JSON.stringify(v)}`);
  }
  if (opts.min !== undefined && v < opts.min) {
    throw new FitsFormatError(file, key, `${key} = ${v} is out of range (must be >= ${opts.min})`);
  }
  return v;
}

/**
 * Reads and validates the mandatory structural keywords of an HDU header (BITPIX, NAXIS, NAXISn,
 * PCOUNT, GCOUNT, BSCALE, BZERO, BLANK) and computes the size of its data unit
 * (FITS 4.0 eq. 2; random groups: NAXIS1 = 0 is left out of the product).
 * Throws `FitsFormatError` naming the card for anything invalid.
 */
export function hduLayout(header: FitsHeader, file: string): HduLayout {
  const isPrimary = header.has('SIMPLE');
  let xtension = 'PRIMARY';
  if (!isPrimary) {
    const x = header.get('XTENSION');
    if (typeof x !== 'string') throw new FitsFormatError(file, 'XTENSION', `XTENSION must be a string, found ${JSON.stringify(x)}`);
    xtension = x.trim().toUpperCase();
  }
  const bitpixCard = header.card('BITPIX');
  if (!bitpixCard) throw new FitsFormatError(file, 'BITPIX', 'missing mandatory keyword BITPIX');
  const bitpix = bitpixCard.value;
  if (typeof bitpix !== 'number' || !SUPPORTED_BITPIX.includes(bitpix)) {
    throw new FitsFormatError(file, 'BITPIX', `unsupported BITPIX ${JSON.stringify(bitpix)} (allowed: ${SUPPORTED_BITPIX.join(', ')})`);
  }
  const nax = intCard(header, file, 'NAXIS', { required: true, min: 0 });
  if (nax > 999) throw new FitsFormatError(file, 'NAXIS', `NAXIS = ${nax} is out of range (0-999)`);
  const naxis: number[] = [];
  for (let i = 1; i <= nax; i++) naxis.push(intCard(header, file, `NAXIS${i}`, { required: true, min: 0 }));
  const groups = isPrimary && header.get('GROUPS') === true && naxis[0] === 0;
  const pcount = intCard(header, file, 'PCOUNT', { required: !isPrimary && xtension !== 'IMAGE', min: 0, dflt: 0 });
  const gcount = intCard(header, file, 'GCOUNT', { required: !isPrimary && xtension !== 'IMAGE', min: 0, dflt: 1 });
  if (xtension === 'IMAGE' && (pcount !== 0 || gcount !== 1)) {
    throw new FitsFormatError(file, pcount !== 0 ? 'PCOUNT' : 'GCOUNT', `IMAGE extension must have PCOUNT = 0 and GCOUNT = 1, found ${pcount} and ${gcount}`);
  }
  let product = 0;
  if (nax > 0) {
    product = 1;
    for (let i = groups ? 1 : 0; i < nax; i++) product *= naxis[i];
  }
  const dataBytes = nax === 0 && pcount === 0 ? 0 : (Math.abs(bitpix) / 8) * gcount * (pcount + product);
  const numOr = (key: string, d: number): number => {
    const v = header.get(key);
    if (v === undefined) return d;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new FitsFormatError(file, key, `${key} must be a number, found ${JSON.stringify(v)}`);
    return v;
  };
  const bscale = numOr('BSCALE', 1);
  const bzero = numOr('BZERO', 0);
  let blank: number | undefined;
  if (bitpix > 0 && header.has('BLANK')) blank = intCard(header, file, 'BLANK', { required: true });
  const en = header.get('EXTNAME');
  return {
    xtension,
    bitpix,
    naxis,
    dataBytes,
    paddedDataBytes: padToBlock(dataBytes),
    extname: typeof en === 'string' ? en : undefined,
    bscale,
    bzero,
    blank,
  };
}
