import { FitsFormatError } from '@pixsed/core';
import type { FitsHeader } from './fits-header.js';
import { SipDistortion } from './sip-distortion.js';

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

/** 2×2 linear transform, `m[i][j]` = CD(i+1)_(j+1) in degrees per pixel. */
export type Matrix2 = [[number, number], [number, number]];

/** Parameters of a TAN (gnomonic) celestial WCS. */
export interface WcsParams {
  /** Reference world coordinate (RA, Dec) in degrees. */
  crval: [number, number];
  /** Reference pixel in the FITS 1-based convention (as written in the header). */
  crpix: [number, number];
  /** CD matrix in degrees per pixel. */
  cd: Matrix2;
  /** Native longitude of the celestial pole, degrees (default 180 unless CRVAL2 = 90). */
  lonpole?: number;
  sip?: SipDistortion;
  /** Header CTYPE values (default RA---TAN / DEC--TAN, with -SIP when `sip` is given). */
  ctype?: [string, string];
  radesys?: string;
  equinox?: number;
}

function sipTable(header: FitsHeader, prefix: string, file: string): number[][] | undefined {
  const order = header.get(`${prefix}_ORDER`);
  if (order === undefined) return undefined;
  if (typeof order !== 'number' || !Number.isInteger(order) || order < 0 || order > 20) {
    throw new FitsFormatError(file, `${prefix}_ORDER`, `SIP order must be an integer 0-20, found ${JSON.stringify(order)}`);
  }
  const t: number[][] = [];
  for (let p = 0; p <= order; p++) {
    const row: number[] = [];
    for (let q = 0; q <= order - p; q++) {
      const v = header.get(`${prefix}_${p}_${q}`);
      if (v !== undefined && typeof v !== 'number') throw new FitsFormatError(file, `${prefix}_${p}_${q}`, `SIP coefficient must be a number`);
      row.push(v ?? 0);
    }
    t.push(row);
  }
  return t;
}

/** sqrt(|det CD|) × 3600: the pixel scale in arcsec of a CD matrix in degrees per pixel (geometric mean of the axes). */
function cdPixelScaleArcsec(cd: Matrix2): number {
  return Math.sqrt(Math.abs(cd[0][0] * cd[1][1] - cd[0][1] * cd[1][0])) * 3600;
}

/**
 * Celestial WCS for the TAN (gnomonic) projection with an optional SIP distortion
 * (Calabretta & Greisen 2002, A&A 395, 1077, eqs. 2, 54; Shupe et al. 2005 for SIP).
 *
 * **Pixel convention:** every method takes and returns **0-based** pixel coordinates, where (0, 0)
 * is the centre of the first pixel in the file (as numpy / astropy `pixel_to_world_values`).
 * FITS CRPIX is 1-based; the class adds 1 internally. World coordinates are (RA, Dec) in degrees,
 * RA in [0, 360). The linear part comes from CDi_j, else PCi_j × CDELTi (PC wins if both are
 * present, as in wcslib), else CDELTi with CROTA2.
 */
export class Wcs {
  readonly crval: [number, number];
  readonly crpix: [number, number];
  readonly cd: Matrix2;
  readonly lonpole: number;
  readonly sip: SipDistortion | undefined;
  readonly ctype: [string, string];
  readonly radesys: string | undefined;
  readonly equinox: number | undefined;
  private readonly cdInv: Matrix2;

  constructor(p: WcsParams) {
    this.crval = [...p.crval];
    this.crpix = [...p.crpix];
    this.cd = [[...p.cd[0]], [...p.cd[1]]];
    this.lonpole = p.lonpole ?? (p.crval[1] >= 90 ? 0 : 180);
    this.sip = p.sip;
    this.ctype = p.ctype ?? (p.sip ? ['RA---TAN-SIP', 'DEC--TAN-SIP'] : ['RA---TAN', 'DEC--TAN']);
    this.radesys = p.radesys;
    this.equinox = p.equinox;
    const [[a, b], [c, d]] = this.cd;
    const det = a * d - b * c;
    if (!(det !== 0 && Number.isFinite(det))) throw new RangeError(`Wcs: singular CD matrix ${JSON.stringify(this.cd)}`);
    this.cdInv = [
      [d / det, -b / det],
      [-c / det, a / det],
    ];
  }

  /** True when the header has a celestial CTYPE1/CTYPE2 pair (any projection). */
  static hasCelestial(header: FitsHeader): boolean {
    const c1 = header.getString('CTYPE1') ?? '';
    const c2 = header.getString('CTYPE2') ?? '';
    return /^(RA|GLON|ELON)-/.test(c1) || /^(DEC|GLAT|ELAT)-/.test(c2);
  }

  /**
   * Builds the WCS from a header. Throws `FitsFormatError` naming the card when the header has no
   * celestial WCS, uses another projection than TAN (optionally -SIP), or has unusable values.
   */
  static fromHeader(header: FitsHeader): Wcs {
    const file = header.file ?? '<header>';
    const c1 = (header.getString('CTYPE1') ?? '').trim().toUpperCase();
    const c2 = (header.getString('CTYPE2') ?? '').trim().toUpperCase();
    if (!header.has('CTYPE1')) throw new FitsFormatError(file, 'CTYPE1', 'no celestial WCS (CTYPE1 missing)');
    const m1 = /^RA---TAN(-SIP)?$/.exec(c1);
    const m2 = /^DEC--TAN(-SIP)?$/.exec(c2);
    if (!m1) throw new FitsFormatError(file, 'CTYPE1', `unsupported CTYPE1 '${c1}' (supported: RA---TAN, RA---TAN-SIP)`);
    if (!m2) throw new FitsFormatError(file, 'CTYPE2', `unsupported CTYPE2 '${c2}' (supported: DEC--TAN, DEC--TAN-SIP)`);
    for (const k of ['CUNIT1', 'CUNIT2']) {
      const u = header.getString(k);
      if (u !== undefined && u.trim() !== '' && u.trim().toLowerCase() !== 'deg') {
        throw new FitsFormatError(file, k, `unsupported ${k} '${u}' (only deg)`);
      }
    }
    const num = (k: string, d: number): number => {
      const v = header.get(k);
      if (v === undefined || v === null) return d;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new FitsFormatError(file, k, `${k} must be a finite number, found ${JSON.stringify(v)}`);
      return v;
    };
    const crval: [number, number] = [num('CRVAL1', 0), num('CRVAL2', 0)];
    const crpix: [number, number] = [num('CRPIX1', 0), num('CRPIX2', 0)];
    const has = (keys: string[]): boolean => keys.some((k) => header.has(k));
    const pcKeys = ['PC1_1', 'PC1_2', 'PC2_1', 'PC2_2'];
    const cdKeys = ['CD1_1', 'CD1_2', 'CD2_1', 'CD2_2'];
    let cd: Matrix2;
    const cdelt1 = num('CDELT1', 1);
    const cdelt2 = num('CDELT2', 1);
    if (has(pcKeys)) {
      cd = [
        [cdelt1 * num('PC1_1', 1), cdelt1 * num('PC1_2', 0)],
        [cdelt2 * num('PC2_1', 0), cdelt2 * num('PC2_2', 1)],
      ];
    } else if (has(cdKeys)) {
      cd = [
        [num('CD1_1', 0), num('CD1_2', 0)],
        [num('CD2_1', 0), num('CD2_2', 0)],
      ];
    } else {
      const rho = num('CROTA2', 0) * D2R;
      cd = [
        [cdelt1 * Math.cos(rho), -cdelt2 * Math.sin(rho)],
        [cdelt1 * Math.sin(rho), cdelt2 * Math.cos(rho)],
      ];
    }
    const det = cd[0][0] * cd[1][1] - cd[0][1] * cd[1][0];
    if (det === 0) throw new FitsFormatError(file, 'CD1_1', `singular linear transform ${JSON.stringify(cd)}`);
    let sip: SipDistortion | undefined;
    const a = sipTable(header, 'A', file);
    const b = sipTable(header, 'B', file);
    if (a || b) {
      if (!a || !b) throw new FitsFormatError(file, a ? 'B_ORDER' : 'A_ORDER', 'SIP needs both A_ORDER and B_ORDER');
      const ap = sipTable(header, 'AP', file);
      const bp = sipTable(header, 'BP', file);
      sip = new SipDistortion(a, b, ap && bp ? ap : undefined, ap && bp ? bp : undefined);
    }
    const radesys = header.getString('RADESYS');
    const equinox = header.getNumber('EQUINOX');
    return new Wcs({
      crval,
      crpix,
      cd,
      lonpole: header.has('LONPOLE') ? num('LONPOLE', 180) : undefined,
      sip,
      ctype: [c1, c2],
      radesys,
      equinox,
    });
  }

  /** 0-based pixel (x, y) → (RA, Dec) in degrees. Points beyond 90° from the tangent point give NaN. */
  pixelToWorld(x: number, y: number): [number, number] {
    let u = x + 1 - this.crpix[0];
    let v = y + 1 - this.crpix[1];
    if (this.sip) [u, v] = this.sip.distort(u, v);
    const xi = (this.cd[0][0] * u + this.cd[0][1] * v) * D2R;
    const eta = (this.cd[1][0] * u + this.cd[1][1] * v) * D2R;
    // TAN deprojection (C&G 2002 eq. 54): R_θ = cot θ; φ = arg(−η, ξ).
    const r = Math.hypot(xi, eta);
    const phi = Math.atan2(xi, -eta);
    const theta = Math.atan2(1, r);
    // Native → celestial (C&G 2002 eq. 2) with (α_p, δ_p) = CRVAL for a zenithal projection.
    const ap = this.crval[0] * D2R;
    const dp = this.crval[1] * D2R;
    const dphi = phi - this.lonpole * D2R;
    const st = Math.sin(theta);
    const ct = Math.cos(theta);
    const sdp = Math.sin(dp);
    const cdp = Math.cos(dp);
    const ex = st * cdp - ct * sdp * Math.cos(dphi);
    const ey = -ct * Math.sin(dphi);
    const ra = ap + Math.atan2(ey, ex);
    const dec = Math.atan2(st * sdp + ct * cdp * Math.cos(dphi), Math.hypot(ex, ey));
    let raDeg = (ra * R2D) % 360;
    if (raDeg < 0) raDeg += 360;
    return [raDeg, dec * R2D];
  }

  /** (RA, Dec) in degrees → 0-based pixel (x, y). Points on the far hemisphere give NaN. */
  worldToPixel(ra: number, dec: number): [number, number] {
    const d = dec * D2R;
    const dp = this.crval[1] * D2R;
    const da = (ra - this.crval[0]) * D2R;
    const cdl = Math.cos(d);
    const sdp = Math.sin(dp);
    const cdp = Math.cos(dp);
    const s2 = Math.sin(da / 2) ** 2;
    // Celestial → native (C&G 2002 eq. 5) without asin (which loses ~1e-12 rad near the tangent point):
    //   A = cos θ sin(φ − φ_p) = −cos δ sin Δα
    //   B = cos θ cos(φ − φ_p) = sin δ cos δ_p − cos δ sin δ_p cos Δα = sin(δ − δ_p) + 2 cos δ sin δ_p sin²(Δα/2)
    //   sin θ = sin δ sin δ_p + cos δ cos δ_p cos Δα = cos(δ − δ_p) − 2 cos δ cos δ_p sin²(Δα/2)
    const A = -cdl * Math.sin(da);
    const B = Math.sin(d - dp) + 2 * cdl * sdp * s2;
    const st = Math.cos(d - dp) - 2 * cdl * cdp * s2;
    if (!(st > 0)) return [NaN, NaN];
    // TAN (C&G eq. 54): R_θ = cot θ, x = R_θ sin φ, y = −R_θ cos φ; with φ = φ_p + (φ − φ_p).
    const pp = this.lonpole * D2R;
    const sp = Math.sin(pp);
    const cp = Math.cos(pp);
    const xi = ((sp * B + cp * A) / st) * R2D;
    const eta = (-(cp * B - sp * A) / st) * R2D;
    let u = this.cdInv[0][0] * xi + this.cdInv[0][1] * eta;
    let v = this.cdInv[1][0] * xi + this.cdInv[1][1] * eta;
    if (this.sip) [u, v] = this.sip.undistort(u, v);
    return [u + this.crpix[0] - 1, v + this.crpix[1] - 1];
  }

  /** Pixel scale in arcsec: sqrt(|det CD|) × 3600 (geometric mean of the two axes at the reference point). */
  pixelScaleArcsec(): number {
    return cdPixelScaleArcsec(this.cd);
  }

  /**
   * Pixel scale in arcsec from header cards, for headers that need not hold a full celestial WCS
   * (PSF files, WCS cards carried in a StreamInfo): PIXELSCL (WebbPSF, arcsec) if present, else
   * sqrt(|det CD|) × 3600 of CDi_j, else of PCi_j × CDELTi, else of diag(CDELT1, CDELT2); a missing
   * CD2_2 / CDELT2 means square pixels (the scale is then the length of the first column). Undefined without any card.
   */
  static pixelScaleArcsecOf(get: (key: string) => unknown): number | undefined {
    const num = (k: string): number | undefined => {
      const v = get(k);
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    };
    const pixelscl = num('PIXELSCL');
    if (pixelscl !== undefined) return pixelscl;
    let cd: Matrix2 | undefined;
    const cd11 = num('CD1_1');
    const cdelt1 = num('CDELT1');
    if (cd11 !== undefined) cd = [[cd11, num('CD1_2') ?? 0], [num('CD2_1') ?? 0, num('CD2_2') ?? NaN]];
    else if (cdelt1 !== undefined) {
      const c2 = num('CDELT2') ?? NaN;
      const pc = (i: number, j: number) => num(`PC${i}_${j}`) ?? (i === j ? 1 : 0);
      cd = [[pc(1, 1) * cdelt1, pc(1, 2) * c2], [pc(2, 1) * cdelt1, pc(2, 2) * c2]];
    }
    if (!cd) return undefined;
    // no second axis given: square pixels, |first column|
    if (Number.isNaN(cd[1][1])) return Math.hypot(cd[0][0], cd[1][0]) * 3600;
    return cdPixelScaleArcsec(cd);
  }

  /**
   * Pixel solid angle in steradians. Without arguments: at the reference point, Ω = |det CD| × (π/180)²
   * (the SIP linear terms A_1_0 etc. are included through the Jacobian when present).
   * With a 0-based pixel (x, y): the local area |∂s/∂x × ∂s/∂y| of the full mapping onto the unit sphere
   * (central differences), which includes the TAN projection's change of scale away from the tangent point.
   */
  pixelSolidAngleSr(x?: number, y?: number): number {
    if (x === undefined || y === undefined) {
      let det = this.cd[0][0] * this.cd[1][1] - this.cd[0][1] * this.cd[1][0];
      if (this.sip) {
        const [au, av] = SipDistortion.grad(this.sip.a, 0, 0);
        const [bu, bv] = SipDistortion.grad(this.sip.b, 0, 0);
        det *= (1 + au) * (1 + bv) - av * bu;
      }
      return Math.abs(det) * D2R * D2R;
    }
    const unit = (px: number, py: number): [number, number, number] => {
      const [ra, dec] = this.pixelToWorld(px, py);
      const a = ra * D2R;
      const d = dec * D2R;
      return [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)];
    };
    const h = 0.5;
    const xp = unit(x + h, y);
    const xm = unit(x - h, y);
    const yp = unit(x, y + h);
    const ym = unit(x, y - h);
    const dx = [0, 1, 2].map((i) => (xp[i] - xm[i]) / (2 * h));
    const dy = [0, 1, 2].map((i) => (yp[i] - ym[i]) / (2 * h));
    const cx = dx[1] * dy[2] - dx[2] * dy[1];
    const cy = dx[2] * dy[0] - dx[0] * dy[2];
    const cz = dx[0] * dy[1] - dx[1] * dy[0];
    return Math.hypot(cx, cy, cz);
  }

  /** Header cards describing this WCS (CD form; SIP coefficients when present), for `writeFitsImage`. */
  toHeader(): Record<string, string | number> {
    const out: Record<string, string | number> = {
      WCSAXES: 2,
      CTYPE1: this.sip && !this.ctype[0].endsWith('-SIP') ? `${this.ctype[0]}-SIP` : this.ctype[0],
      CTYPE2: this.sip && !this.ctype[1].endsWith('-SIP') ? `${this.ctype[1]}-SIP` : this.ctype[1],
      CUNIT1: 'deg',
      CUNIT2: 'deg',
      CRVAL1: this.crval[0],
      CRVAL2: this.crval[1],
      CRPIX1: this.crpix[0],
      CRPIX2: this.crpix[1],
      CD1_1: this.cd[0][0],
      CD1_2: this.cd[0][1],
      CD2_1: this.cd[1][0],
      CD2_2: this.cd[1][1],
      LONPOLE: this.lonpole,
    };
    if (this.radesys) out.RADESYS = this.radesys;
    if (this.equinox !== undefined) out.EQUINOX = this.equinox;
    if (this.sip) {
      const put = (prefix: string, t: number[][]): void => {
        out[`${prefix}_ORDER`] = t.length - 1;
        t.forEach((row, p) => row.forEach((c, q) => {
          if (c !== 0) out[`${prefix}_${p}_${q}`] = c;
        }));
      };
      put('A', this.sip.a);
      put('B', this.sip.b);
      if (this.sip.ap && this.sip.bp) {
        put('AP', this.sip.ap);
        put('BP', this.sip.bp);
      }
    }
    return out;
  }
}
