// PSF-homogenisation convolution: a 4096x4096 float32 image with a 101x101 kernel through
// @pixsed/psf (overlap-save FFT, single thread: the default float32 precision on PFFFT wasm-SIMD, and
// precision 'float64' on fft.js), whole image and in 512- and 412-row strips with halos (as the
// pipeline stage runs it, float32), against scipy.signal.fftconvolve(mode="same") on the same arrays in
// the same run (spawned /usr/bin/python3; single-threaded pocketfft, float32 and float64 arrays).
// Prints one JSON line per figure {"name","value","unit"}; ratio = scipy seconds / ours at the same
// precision (goal: ratio_scipy_float32_over_ours >= 1). Unsuffixed psf.convolve names are the default
// (float32) precision.
// Needs `npx tsc -b libs/psf` first. Usage: node tools/bench/psf-convolve.bench.mjs
// (PSF_BENCH_SIZE, PSF_BENCH_KERNEL, PSF_BENCH_REPEATS, PIXSED_PYTHON override the defaults).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonExecutable } from '@pixsed/core/node';
import { convolveImage, createStripConvolver, efficientStripRows, gaussianPsf } from '@pixsed/psf';

const N = Number(process.env.PSF_BENCH_SIZE ?? 4096);
const K = Number(process.env.PSF_BENCH_KERNEL ?? 101);
const REPEATS = Number(process.env.PSF_BENCH_REPEATS ?? 3);
const PY = pythonExecutable();

const emit = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(value.toPrecision(4)), unit }));
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Minimal .npy writer (little-endian, C order). */
function writeNpy(path, data, shape) {
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 11, ' ') + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

// image: sky-like noise plus a few hundred Gaussian "galaxies" (xorshift, deterministic)
const image = new Float32Array(N * N);
let s = 2463534242;
const rnd = () => {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  return (s >>> 0) / 4294967296;
};
for (let i = 0; i < image.length; i++) image[i] = (rnd() - 0.5) * 0.02;
for (let g = 0; g < 300; g++) {
  const cx = rnd() * N;
  const cy = rnd() * N;
  const sig = 1 + rnd() * 6;
  const amp = rnd() * 10;
  for (let y = Math.max(0, Math.floor(cy - 4 * sig)); y < Math.min(N, cy + 4 * sig); y++) {
    for (let x = Math.max(0, Math.floor(cx - 4 * sig)); x < Math.min(N, cx + 4 * sig); x++) {
      image[y * N + x] += amp * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sig * sig));
    }
  }
}
// kernel: matching-kernel-like (asymmetric, with small negative ringing), unit sum, not separable
const g = gaussianPsf({ size: K, sigma: K / 12, sigmaY: K / 9, dx: 1.5 });
const kernel = { width: K, height: K, data: new Float64Array(K * K) };
let ksum = 0;
for (let y = 0; y < K; y++) {
  for (let x = 0; x < K; x++) {
    const v = g.data[y * K + x] - 2e-6 * Math.cos((x * y) / K);
    kernel.data[y * K + x] = v;
    ksum += v;
  }
}
for (let i = 0; i < kernel.data.length; i++) kernel.data[i] /= ksum;

// warm-up (JIT) on a small image
convolveImage(image.subarray(0, 512 * 512), 512, 512, kernel);

let ours = convolveImage(image, N, N, kernel);
let ours64 = convolveImage(image, N, N, kernel, { precision: 'float64' });
// strip-wise, as the pipeline stage runs it (core rows + kernel-radius halos): 512 rows, and the
// tile-filling height from efficientStripRows (412 for a 101-row kernel)
for (const stripRows of [512, efficientStripRows(K, 400)]) {
  let bestStrips = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const conv = createStripConvolver(kernel, N);
    const out = new Float32Array(N * N);
    const t0 = process.hrtime.bigint();
    for (let y0 = 0; y0 < N; y0 += stripRows) {
      const y1 = Math.min(N, y0 + stripRows);
      const top = Math.min(conv.haloRowsTop, y0);
      const bottom = Math.min(conv.haloRowsBottom, N - y1);
      out.set(conv.convolveStrip(image.subarray((y0 - top) * N, (y1 + bottom) * N), { haloTop: top, haloBottom: bottom }), y0 * N);
    }
    bestStrips = Math.min(bestStrips, seconds(t0));
  }
  emit(`psf.convolve.${N}.strips${stripRows}.seconds`, bestStrips, 's');
}
/** Whole-image convolution, best of `REPEATS`; when Python is there, each of ours is followed by one
 * scipy timing of each dtype (interleaved, so that load changes on a shared machine hit both). */
const havePy = existsSync(PY);
if (!havePy) console.error(`# scipy comparison skipped: ${PY} not found (set PIXSED_PYTHON)`);
const dir = mkdtempSync(join(tmpdir(), 'pixsed-psf-bench-'));
try {
  const script = `
import sys, time, json, numpy as np
from scipy.signal import fftconvolve
d = sys.argv[1]
img = np.load(d + '/img.npy'); k = np.load(d + '/k.npy')
res = {}
outs = {}
for name, a, b in [('float32', img, k.astype(np.float32)), ('float64', img.astype(np.float64), k)]:
    fftconvolve(a[:512, :512], b, mode='same')
    t = time.perf_counter(); outs[name] = fftconvolve(a, b, mode='same'); res[name] = time.perf_counter() - t
if len(sys.argv) > 2:
    ref = outs['float64']; peak = np.max(np.abs(ref))
    for tag in ['ours', 'ours64']:
        res['maxdiff_' + tag] = float(np.max(np.abs(np.load(d + '/' + tag + '.npy') - ref)) / peak)
    res['maxdiff_scipy32'] = float(np.max(np.abs(outs['float32'].astype(np.float64) - ref)) / peak)
print(json.dumps(res))
`;
  if (havePy) {
    writeNpy(join(dir, 'img.npy'), image, [N, N]);
    writeNpy(join(dir, 'k.npy'), kernel.data, [K, K]);
    writeNpy(join(dir, 'ours.npy'), ours, [N, N]);
    writeNpy(join(dir, 'ours64.npy'), ours64, [N, N]);
  }
  let best = Infinity;
  let best64 = Infinity;
  const sc = { float32: Infinity, float64: Infinity, maxdiff_ours: NaN, maxdiff_ours64: NaN, maxdiff_scipy32: NaN };
  for (let r = 0; r < REPEATS; r++) {
    let t0 = process.hrtime.bigint();
    ours = convolveImage(image, N, N, kernel);
    best = Math.min(best, seconds(t0));
    t0 = process.hrtime.bigint();
    ours64 = convolveImage(image, N, N, kernel, { precision: 'float64' });
    best64 = Math.min(best64, seconds(t0));
    if (!havePy) continue;
    const res = spawnSync(PY, ['-c', script, dir, ...(r === 0 ? ['check'] : [])], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (res.status !== 0) {
      console.error(`# scipy comparison failed:\n${res.stderr}`);
      process.exit(1);
    }
    const j = JSON.parse(res.stdout.trim().split('\n').pop());
    sc.float32 = Math.min(sc.float32, j.float32);
    sc.float64 = Math.min(sc.float64, j.float64);
    if (j.maxdiff_ours !== undefined) Object.assign(sc, j);
  }
  emit(`psf.convolve.${N}.seconds`, best, 's');
  emit(`psf.convolve.${N}.megapixels_per_second`, (N * N) / 1e6 / best, 'Mpx/s');
  emit(`psf.convolve.${N}.float64.seconds`, best64, 's');
  if (havePy) {
    emit(`scipy.fftconvolve.${N}.float32.seconds`, sc.float32, 's');
    emit(`scipy.fftconvolve.${N}.float64.seconds`, sc.float64, 's');
    emit(`psf.convolve.${N}.ratio_scipy_float32_over_ours`, sc.float32 / best, 'x');
    emit(`psf.convolve.${N}.ratio_scipy_float64_over_ours_float64`, sc.float64 / best64, 'x');
    // accuracy against scipy float64 (max |diff| / max |scipy float64|): ours float32, ours float64, scipy float32
    emit(`psf.convolve.${N}.max_abs_diff_over_max_vs_scipy`, sc.maxdiff_ours, '');
    emit(`psf.convolve.${N}.float64.max_abs_diff_over_max_vs_scipy`, sc.maxdiff_ours64, '');
    emit(`scipy.fftconvolve.${N}.float32.max_abs_diff_over_max_vs_float64`, sc.maxdiff_scipy32, '');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
