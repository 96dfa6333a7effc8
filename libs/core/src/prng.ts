/**
 * Seeded pseudo-random numbers: splitmix32 seeding + xoshiro128** (Blackman & Vigna 2018),
 * Box-Muller normals, Marsaglia & Tsang (2000) gamma, Dirichlet via normalised gammas.
 * Deterministic for a given seed on every platform (pure 32-bit integer arithmetic).
 */
export interface Prng {
  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number;
  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number;
  /** Standard normal N(0, 1) (Box-Muller, both values used). */
  normal(): number;
  /** Normal truncated to x > lower (rejection; falls back to `lower` after 1000 tries). */
  truncatedNormal(mean: number, std: number, lower: number): number;
  /** Gamma(shape, scale = 1) (Marsaglia & Tsang 2000; shape < 1 via the u^(1/shape) boost). */
  gamma(shape: number): number;
  /** Dirichlet(alpha) sample written into `out` (or a new array). */
  dirichlet(alpha: ArrayLike<number>, out?: Float64Array): Float64Array;
  /** Student-t with `df` degrees of freedom. */
  studentT(df: number): number;
  /** A 32-bit integer seed for a derived stream (e.g. one per worker). */
  nextSeed(): number;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Create a deterministic generator (xoshiro128**) from an integer seed. */
export function createPrng(seed: number): Prng {
  const st = { s: (Math.floor(seed) | 0) ^ 0x5bd1e995 };
  let a = splitmix32(st);
  let b = splitmix32(st);
  let c = splitmix32(st);
  let d = splitmix32(st);
  if ((a | b | c | d) === 0) a = 1;
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  let spare: number | undefined;
  const uniform = (): number => next() / 4294967296;
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  const gamma = (shape: number): number => {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) {
      let u = 0;
      while (u === 0) u = uniform();
      return gamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    const dd = shape - 1 / 3;
    const cc = 1 / Math.sqrt(9 * dd);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + cc * x;
      } while (v <= 0);
      v = v * v * v;
      const u = uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return dd * v;
      if (u > 0 && Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) return dd * v;
    }
  };
  return {
    uniform,
    uniformIn: (lo, hi) => lo + (hi - lo) * uniform(),
    normal,
    truncatedNormal(mean, std, lower) {
      if (!(std > 0)) return Math.max(mean, lower);
      for (let i = 0; i < 1000; i++) {
        const x = mean + std * normal();
        if (x > lower) return x;
      }
      return lower;
    },
    gamma,
    dirichlet(alpha, out) {
      const o = out ?? new Float64Array(alpha.length);
      let sum = 0;
      for (let i = 0; i < alpha.length; i++) {
        o[i] = gamma(alpha[i]);
        sum += o[i];
      }
      for (let i = 0; i < alpha.length; i++) o[i] /= sum;
      return o;
    },
    studentT(df) {
      const z = normal();
      const g = gamma(df / 2) * 2; // chi-square(df)
      return z / Math.sqrt(g / df);
    },
    nextSeed: () => next() | 0,
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fill `out` with standard normal deviates from `rng` (e.g. posterior-sampling noise). */
export function fillNormal<T extends Float32Array | Float64Array>(rng: Prng, out: T): T {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/** murmur3's 32-bit finaliser (Appleby 2011): an avalanche mix of one word. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

const keyWords = new DataView(new ArrayBuffer(8));

/**
 * A 32-bit seed for one row's own stream, from the run seed and the row's stable key (e.g. a pixel's
 * mosaic x, y, or a catalogue id): murmur3-style mixing of the seed and every key part (integers as
 * one word, other numbers by their float64 bits, strings by UTF-16 code units, each part tagged
 * with its kind and length), so the stream depends on (seed, key) only, never on batching.
 */
export function keyedSeed(seed: number, ...key: (number | string)[]): number {
  let h = fmix32((Math.floor(seed) | 0) ^ 0x2545f491);
  const add = (w: number) => {
    h = Math.imul(rotl(h ^ Math.imul(rotl(Math.imul(w | 0, 0xcc9e2d51), 15), 0x1b873593), 13), 5) + 0xe6546b64;
    h |= 0;
  };
  for (const part of key) {
    if (typeof part === 'string') {
      add(0x53000000 ^ part.length);
      for (let i = 0; i < part.length; i++) add(part.charCodeAt(i));
    } else if (Number.isInteger(part) && part >= -2147483648 && part <= 2147483647) {
      add(0x49000000);
      add(part);
    } else {
      keyWords.setFloat64(0, part, true);
      add(0x46000000);
      add(keyWords.getInt32(0, true));
      add(keyWords.getInt32(4, true));
    }
  }
  return fmix32(h ^ key.length);
}
