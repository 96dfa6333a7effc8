/**
 * SIP polynomial distortion (Shupe et al. 2005, ASP Conf. 347, 491):
 * u' = u + Σ A_p_q u^p v^q, v' = v + Σ B_p_q u^p v^q, with (u, v) = pixel − CRPIX (1-based FITS pixels).
 * Inverse: AP/BP polynomials when present give a first guess, refined by Newton iteration on the forward
 * polynomials, so `undistort(distort(u, v))` returns (u, v) to ~1e-12 pixel.
 */
export class SipDistortion {
  constructor(
    readonly a: number[][],
    readonly b: number[][],
    readonly ap: number[][] | undefined,
    readonly bp: number[][] | undefined,
  ) {}

  /** Σ c[p][q] u^p v^q (coefficient tables are ragged: c[p] has q = 0 … order − p). */
  static poly(c: number[][], u: number, v: number): number {
    let s = 0;
    let up = 1;
    for (let p = 0; p < c.length; p++) {
      let vq = 1;
      const row = c[p];
      for (let q = 0; q < row.length; q++) {
        if (row[q] !== 0) s += row[q] * up * vq;
        vq *= v;
      }
      up *= u;
    }
    return s;
  }

  /** Partial derivatives (∂/∂u, ∂/∂v) of the polynomial. */
  static grad(c: number[][], u: number, v: number): [number, number] {
    let du = 0;
    let dv = 0;
    for (let p = 0; p < c.length; p++) {
      const row = c[p];
      for (let q = 0; q < row.length; q++) {
        const k = row[q];
        if (k === 0) continue;
        if (p > 0) du += k * p * u ** (p - 1) * v ** q;
        if (q > 0) dv += k * q * u ** p * v ** (q - 1);
      }
    }
    return [du, dv];
  }

  /** Forward: relative pixel (u, v) → distortion-corrected focal-plane coordinates (u', v'). */
  distort(u: number, v: number): [number, number] {
    return [u + SipDistortion.poly(this.a, u, v), v + SipDistortion.poly(this.b, u, v)];
  }

  /** Inverse of `distort` (AP/BP first guess when present, then Newton iteration; NaN when it does not converge). */
  undistort(up: number, vp: number): [number, number] {
    let u = up;
    let v = vp;
    if (this.ap && this.bp) {
      u = up + SipDistortion.poly(this.ap, up, vp);
      v = vp + SipDistortion.poly(this.bp, up, vp);
    }
    for (let it = 0; it < 100; it++) {
      const [fu, fv] = this.distort(u, v);
      const ru = fu - up;
      const rv = fv - vp;
      const [au, av] = SipDistortion.grad(this.a, u, v);
      const [bu, bv] = SipDistortion.grad(this.b, u, v);
      const j11 = 1 + au;
      const j12 = av;
      const j21 = bu;
      const j22 = 1 + bv;
      const det = j11 * j22 - j12 * j21;
      const du = (j22 * ru - j12 * rv) / det;
      const dv = (-j21 * ru + j11 * rv) / det;
      u -= du;
      v -= dv;
      if (Math.abs(du) < 1e-13 * (1 + Math.abs(u)) && Math.abs(dv) < 1e-13 * (1 + Math.abs(v))) return [u, v];
    }
    const [fu, fv] = this.distort(u, v);
    return Math.abs(fu - up) < 1e-9 && Math.abs(fv - vp) < 1e-9 ? [u, v] : [NaN, NaN];
  }
}
