import { openByteSource } from './byte-source.js';
import { walkHdus } from './walk-hdus.js';

/** Summary of one HDU. */
export interface HduSummary {
  index: number;
  /** `PRIMARY` for HDU 0, else the XTENSION value (`IMAGE`, `BINTABLE`, `TABLE`, ...). */
  xtension: string;
  bitpix: number;
  naxis: number[];
  extname?: string;
  /** EXTVER when the header has one (FITS: default 1). */
  extver?: number;
}

/** Lists every HDU of a file (headers only; data units are skipped, gzip files are streamed once). */
export async function listHdus(path: string): Promise<HduSummary[]> {
  const src = await openByteSource(path);
  const out: HduSummary[] = [];
  try {
    await walkHdus(src, (loc) => {
      const s: HduSummary = { index: loc.index, xtension: loc.layout.xtension, bitpix: loc.layout.bitpix, naxis: loc.layout.naxis };
      if (loc.layout.extname !== undefined) s.extname = loc.layout.extname;
      const v = loc.header.get('EXTVER');
      if (typeof v === 'number') s.extver = v;
      out.push(s);
    });
  } finally {
    await src.close();
  }
  return out;
}
