// Builds the native affine-flow sampler (ADR 0015) into dist/native/affine_flow.node with the system C compiler and
// node-api-headers from npm (nothing is downloaded from nodejs.org). Where it cannot be built (not x86-64, no compiler)
// it says why and exits 0: pixsed then samples with onnxruntime (`sampler kernel: onnx`), the same posterior.
// PIXSED_NATIVE=0 skips the build; PIXSED_NATIVE=1 makes a failed build an error (CI on the project's machines).
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'dist', 'native');
const out = join(outDir, 'affine_flow.node');
const required = process.env.PIXSED_NATIVE === '1';

function skip(why) {
  rmSync(out, { force: true }); // never a stale kernel beside newer sources
  const msg = `native sampler not built (${why}): pixsed samples with onnxruntime`;
  if (required) {
    console.error(`error: ${msg}; PIXSED_NATIVE=1 requires it`);
    process.exit(1);
  }
  console.warn(`warning: ${msg}`);
  process.exit(0);
}

if (process.env.PIXSED_NATIVE === '0') skip('PIXSED_NATIVE=0');
if (process.arch !== 'x64' || !['linux', 'darwin'].includes(process.platform)) skip(`${process.platform}-${process.arch}: the kernel is x86-64 (AVX2/AVX-512) only`);
const cc = process.env.CC || 'cc';
let include;
try {
  include = createRequire(import.meta.url)('node-api-headers').include_dir;
} catch (e) {
  skip(`node-api-headers not installed: ${e.message.split('\n')[0]}`);
}
mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const args = ['-O3', '-std=gnu11', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wno-unused-function', `-I${include}`, join(here, 'affine_flow.c'), '-o', tmp, '-lm'];
if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
try {
  execFileSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
} catch (e) {
  rmSync(tmp, { force: true });
  skip(`${cc} failed: ${e.message.split('\n')[0]}`);
}
renameSync(tmp, out); // whole or not at all
console.log(`built ${out}`);
