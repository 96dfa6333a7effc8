import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeFitsImage } from '@pixsed/fits/node';
import { DEFAULT_BATCH_ROWS } from '@pixsed/model/node';

/**
 * Fault suite for issue 14 "atomic, honest outputs" and the CLI parts of "hangs and unhelpful
 * messages" / "fail fast": every case is generated from pipelines/demo.yaml and the committed demo
 * mosaic in a temp folder, and spawns the built CLI (apps/cli/dist/main.js: build first).
 */
const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const modelDir = join(root, 'test-data/models/jades-mix-delayed-tau');
const ready = existsSync(bin) && existsSync(join(modelDir, 'model.onnx')) && existsSync(join(root, 'test-data/mosaic/survey.json'));

const T = mkdtempSync(join(tmpdir(), 'pixsed-faults-'));
const fx = join(T, 'fx'); // pipeline folder: p.yaml, mosaic/, model/
const SMALL = ['--set', 'stages.inference.samplesPerPixel=20', '--set', 'sinks.galaxies.samplesPerGalaxy=50'];
// long enough to be killed mid-run (several seconds), progress lines after every batch
const SLOW = ['--set', 'stages.inference.samplesPerPixel=300', '--set', 'sinks.galaxies.samplesPerGalaxy=50', '--set', 'run.progressIntervalSeconds=0.05'];

const pixsed = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: fx, timeout: 120_000 });
const run = (out: string, ...args: string[]) => pixsed('run', 'p.yaml', '--out', out, '--quiet', ...SMALL, ...args);
/** Without --quiet: the log lines (files removed ...) are printed. */
const runLogged = (out: string, ...args: string[]) => pixsed('run', 'p.yaml', '--out', out, ...SMALL, ...args);

/** sha256 of every file below dir (relative path → hash), temporary folders of runs included. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}
const finalFiles = (dir: string) => Object.keys(tree(dir)).filter((f) => !f.startsWith('.pixsed-tmp-'));
const tempDirs = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('.pixsed-tmp-')) : []);
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** The `error: ...` part of stderr (after the [pixsed] log lines). */
const errorText = (stderr: string) => stderr.slice(stderr.indexOf('error: ')).trim();

/** Start a run in the background; `killWhen` waits for its temporary folder and a progress line. */
function start(out: string, ...args: string[]) {
  const child = spawn(process.execPath, [bin, 'run', 'p.yaml', '--out', out, ...SLOW, ...args], { cwd: fx, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  return {
    child,
    done,
    stderr: () => stderr,
    async killWhenStreaming(signal: NodeJS.Signals) {
      const t0 = Date.now();
      while (!(tempDirs(out).length && / px inferred/.test(stderr))) {
        if (Date.now() - t0 > 90_000 || child.exitCode !== null) throw new Error(`run did not start streaming: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill(signal);
      return done;
    },
  };
}

/** Root can mount a small tmpfs here; where it cannot (no CAP_SYS_ADMIN), those cases skip with the reason. */
function tryMount(dir: string, opts: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`;
}
const umount = (dir: string) => spawnSync('umount', [dir]);
const probeDir = join(T, 'mount-probe');
const mountSkip = ready ? tryMount(probeDir, 'size=64k') : 'not ready';
if (!mountSkip) umount(probeDir);
else console.log(`tmpfs cases skipped: ${mountSkip}`);

describe.skipIf(!ready)(ready ? 'pixsed run/validate-config/psf convolve: atomic outputs and faults' : 'skipped: build apps/cli first (npx nx run-many -t build) and keep test-data/mosaic + the affine model', () => {
  let A: string; // a complete run's folder
  let hashesA: Record<string, string>;

  beforeAll(() => {
    mkdirSync(fx, { recursive: true });
    cpSync(join(root, 'test-data/mosaic'), join(fx, 'mosaic'), { recursive: true });
    cpSync(modelDir, join(fx, 'model'), { recursive: true });
    writeFileSync(
      join(fx, 'p.yaml'),
      readFileSync(join(root, 'pipelines/demo.yaml'), 'utf8').replaceAll('../test-data/mosaic', 'mosaic').replaceAll('../test-data/models/jades-mix-delayed-tau', 'model'),
    );
    // a mosaic folder without the F090W error plane (symlinks to the rest)
    mkdirSync(join(fx, 'noerr'));
    for (const f of readdirSync(join(fx, 'mosaic'))) if (f !== 'f090w_err.fits') symlinkSync(join(fx, 'mosaic', f), join(fx, 'noerr', f));
    // F277W on another grid: CRVAL2 moved by 0.1 deg (12,000 px)
    const img = readFileSync(join(fx, 'mosaic/f277w_sci.fits'));
    const card = Buffer.from('CRVAL2  =               -27.78');
    const at = img.indexOf(card);
    expect(at).toBeGreaterThan(0);
    Buffer.from('CRVAL2  =               -27.88').copy(img, at);
    writeFileSync(join(fx, 'grid_f277w_sci.fits'), img);
    writeFileSync(join(fx, 'cat3.csv'), readFileSync(join(fx, 'mosaic/catalog.csv'), 'utf8').trim().split('\n').slice(0, 4).join('\n') + '\n');

    A = join(T, 'A');
    const r = run(A);
    expect(r.status, r.stderr).toBe(0);
    hashesA = tree(A);
  }, 300_000);

  afterAll(() => rmSync(T, { recursive: true, force: true }));

  it('a complete run: run-summary.json (status complete, files) is there, no temporary folder, every listed file exists', () => {
    const s = JSON.parse(readFileSync(join(A, 'run-summary.json'), 'utf8'));
    expect(s.status).toBe('complete');
    expect(tempDirs(A)).toEqual([]);
    expect([...s.files].sort()).toEqual(Object.keys(hashesA).sort());
    expect(s.files).toContain('maps/galaxy_5.fits');
  });

  it('run-summary.json records what pins the results: pixsed version, resolved config hash, model sha256, kernel-cache keys, the StreamInfo', () => {
    const s = JSON.parse(readFileSync(join(A, 'run-summary.json'), 'utf8'));
    const cliVersion = (JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')) as { version: string }).version;
    expect(s.pixsedVersion).toBe(cliVersion);
    expect(pixsed('--version').stdout.split('\n')[0]).toBe(`pixsed ${cliVersion}`);
    expect(s.configHash).toMatch(/^[0-9a-f]{16}$/);
    const psf = s.provenance.find((p: { stage: string }) => p.stage === 'psf');
    const keys = s.stream.psf.kernelCacheKeys as Record<string, string>;
    expect(Object.keys(keys).length).toBeGreaterThan(10);
    for (const [band, key] of Object.entries(keys)) expect(psf.details[`kernel:${band}`]).toBe(key);
    expect(s.stream.psf.passThroughBands).toEqual(['f460m', 'f480m']);
    const inf = s.provenance.find((p: { stage: string }) => p.stage === 'inference');
    expect(inf.details.modelSha256).toBe(s.stream.inference.model.sha256);
    expect(s.stream.bands).toHaveLength(19);
    expect(s.stream.mosaic).toMatchObject({ width: 256, height: 256 });
  });

  it('a second run into the same folder is refused (exit 2, names the folder and --overwrite); the results stay byte-identical', () => {
    const r = run(A);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(A);
    expect(r.stderr).toMatch(/earlier pixsed run.*--overwrite/s);
    expect(tree(A)).toEqual(hashesA);
  });

  it('a non-empty folder without pixsed results is refused too; --overwrite keeps the unrelated file', () => {
    const dir = join(T, 'notes');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const r = run(dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not empty \(notes\.txt\).*--overwrite/s);
    const ok = run(dir, '--overwrite');
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('--overwrite replaces the results and removes the maps of galaxies the new run no longer produces', () => {
    const dir = join(T, 'ow');
    cpSync(A, dir, { recursive: true });
    const r = runLogged(dir, '--overwrite', '--set', 'source.catalog=cat3.csv'); // galaxies 4, 5 lose their redshift
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'maps')).sort()).toEqual(['galaxy_1.fits', 'galaxy_2.fits', 'galaxy_3.fits']);
    expect(readdirSync(join(dir, 'quicklooks')).sort()).toEqual(['galaxy_1.png', 'galaxy_1_fit.png', 'galaxy_2.png', 'galaxy_2_fit.png', 'galaxy_3.png', 'galaxy_3_fit.png', 'mass_pixels_vs_integrated.png']);
    const s = JSON.parse(readFileSync(join(dir, 'run-summary.json'), 'utf8'));
    // removed: exactly the earlier run's files of galaxies 4 and 5 (maps, quicklooks, fit figures, report pages)
    const gone = (JSON.parse(readFileSync(join(A, 'run-summary.json'), 'utf8')).files as string[]).filter((f) => !s.files.includes(f));
    expect(gone.length).toBeGreaterThanOrEqual(4);
    for (const f of gone) expect(f).toMatch(/galaxy_[45][._]/);
    expect(r.stderr).toMatch(new RegExp(`removed ${gone.length} file\\(s\\) of the earlier run`));
    expect([...s.files].sort()).toEqual(finalFiles(dir).sort());
    expect(sha(join(dir, 'pixels.parquet'))).not.toBe(hashesA['pixels.parquet']); // fewer pixels: really replaced
    expect(tempDirs(dir)).toEqual([]);
  });

  it('SIGTERM mid-run: exit 143, the temporary folder is removed, the earlier results are byte-identical', async () => {
    const dir = join(T, 'term');
    cpSync(A, dir, { recursive: true });
    const p = start(dir, '--overwrite');
    const { code } = await p.killWhenStreaming('SIGTERM');
    expect(code, p.stderr()).toBe(143);
    expect(p.stderr()).toMatch(/cancelled by SIGTERM/);
    expect(tree(dir)).toEqual(hashesA); // no temp folder, no file of the killed run under a final name
  }, 120_000);

  it('SIGINT mid-run into a new folder: exit 130 and nothing is left under a final name', async () => {
    const dir = join(T, 'int');
    const p = start(dir);
    const { code } = await p.killWhenStreaming('SIGINT');
    expect(code, p.stderr()).toBe(130);
    expect(p.stderr()).toMatch(/cancelled by SIGINT/);
    expect(tree(dir)).toEqual({});
  }, 120_000);

  it('SIGKILL mid-run: no torn file under a final name; the next run removes the stale temporary folder and succeeds', async () => {
    const dir = join(T, 'kill');
    cpSync(A, dir, { recursive: true });
    const p = start(dir, '--overwrite');
    const { signal } = await p.killWhenStreaming('SIGKILL');
    expect(signal).toBe('SIGKILL');
    const stale = tempDirs(dir);
    expect(stale.length).toBe(1);
    const after = tree(dir);
    for (const f of Object.keys(hashesA)) expect(after[f], f).toBe(hashesA[f]);
    expect(finalFiles(dir).sort()).toEqual(Object.keys(hashesA).sort());
    const r = runLogged(dir, '--overwrite');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removed ${join(dir, stale[0])}: temporary folder of an interrupted run`);
    expect(tempDirs(dir)).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'run-summary.json'), 'utf8')).status).toBe('complete');
  }, 180_000);

  it('a truncated .fits.gz found mid-run (exit 1, names the file): the earlier results stay byte-identical, nothing torn', () => {
    const gz = gzipSync(readFileSync(join(fx, 'mosaic/f444w_sci.fits')));
    writeFileSync(join(fx, 'truncated_f444w_sci.fits.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
    const dir = join(T, 'gz');
    cpSync(A, dir, { recursive: true });
    const r = run(dir, '--overwrite', '--set', 'source.files.f444w.sci=../truncated_f444w_sci.fits.gz', '--set', 'source.files.f444w.err=f444w_err.fits');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FitsFormatError: \S*truncated_f444w_sci\.fits\.gz: gzip decompression failed at uncompressed byte \d+/);
    expect(tree(dir)).toEqual(hashesA);
  });

  it.skipIf(!!mountSkip)(`ENOSPC on a 1 MB tmpfs: the message names the file and the sink; nothing torn under a final name${mountSkip ? ` (skipped: ${mountSkip})` : ''}`, () => {
    const mnt = join(T, 'full');
    expect(tryMount(mnt, 'size=1m')).toBeUndefined();
    try {
      const out = join(mnt, 'out');
      const r = run(out);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/OutputError: sink '(parquet|galaxies)': \S*\/full\/out\/(pixels\.parquet|maps\/galaxy_\d\.fits|quicklooks\/galaxy_\d\.png|galaxies\.csv): ENOSPC: no space left on device/);
      expect(tree(mnt)).toEqual({}); // temporary folder removed, no final file
    } finally {
      umount(mnt);
    }
  });

  it('EISDIR: a folder where galaxies.csv goes is an error naming the file and the sink before streaming; nothing written', () => {
    const dir = join(T, 'eisdir');
    mkdirSync(join(dir, 'galaxies.csv'), { recursive: true });
    const r = run(dir, '--overwrite');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`OutputError: sink 'galaxies': ${join(dir, 'galaxies.csv')}: is a folder`);
    expect(finalFiles(dir)).toEqual([]);
    expect(tempDirs(dir)).toEqual([]);
  });

  const unwritableSkip = process.getuid?.() === 0 ? mountSkip : undefined;
  it.skipIf(!!unwritableSkip)(`an unwritable output folder: the error names the folder${unwritableSkip ? ` (skipped: ${unwritableSkip})` : ''}`, () => {
    const dir = join(T, 'ro');
    const root0 = process.getuid?.() === 0;
    if (root0) expect(tryMount(dir, 'ro,size=64k')).toBeUndefined();
    else {
      mkdirSync(dir);
      chmodSync(dir, 0o555);
    }
    try {
      const r = run(dir);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`OutputError: ${dir}: cannot write in the output folder`);
      expect(r.stderr).toMatch(/EROFS|EACCES/);
    } finally {
      if (root0) umount(dir);
      else chmodSync(dir, 0o755);
    }
  });

  it('--out inside /proc is an error naming the path (it used to spin forever in a recursive mkdir)', () => {
    const t0 = Date.now();
    const r = run('/proc/pixsed-x/out');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/proc\/pixsed-x\/out: \/proc is on the virtual 'proc' file system/);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it.each([
    ['an input image (sinks.parquet.path)', ['--set', 'sinks.parquet.path=../fx/mosaic/f444w_sci.fits'], 'mosaic/f444w_sci.fits', /sinks\.parquet\.path: output '\.\.\/fx\/mosaic\/f444w_sci\.fits' resolves to .*an input of the run \(source\.imageDir/],
    ['the input catalogue (sinks.galaxies.catalog)', ['--set', 'sinks.galaxies.catalog=../fx/mosaic/catalog.csv'], 'mosaic/catalog.csv', /sinks\.galaxies\.catalog: .*an input of the run \(source\.catalog: /],
    ['the model (sinks.parquet.path)', ['--set', 'sinks.parquet.path=../fx/model/model.onnx'], 'model/model.onnx', /sinks\.parquet\.path: .*an input of the run \(stages\[2\]\.model: /],
    ['the segmentation map, with --out the mosaic folder itself', ['--overwrite', '--set', 'sinks.parquet.path=segmentation.fits'], 'mosaic/segmentation.fits', /an input of the run \(source\.segmentation: /],
  ])('an output resolving to %s is refused before anything is written (exit 2)', (_what, args, input, message) => {
    const before = sha(join(fx, input));
    const out = input === 'mosaic/segmentation.fits' ? join(fx, 'mosaic') : join(T, 'in-out');
    const listing = readdirSync(join(fx, 'mosaic')).sort();
    const r = run(out, ...args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(sha(join(fx, input))).toBe(before);
    expect(readdirSync(join(fx, 'mosaic')).sort()).toEqual(listing);
    if (out !== join(fx, 'mosaic')) expect(existsSync(out)).toBe(false);
  });

  describe('psf convolve', () => {
    let kernel: string;
    beforeAll(async () => {
      kernel = join(T, 'k.fits');
      const data = new Float32Array(25).fill(1 / 25);
      await writeFitsImage(kernel, { width: 5, height: 5, data });
    });

    it('--out equal to the input image is refused; the input is unchanged', () => {
      const img = join(fx, 'mosaic/f444w_sci.fits');
      const before = sha(img);
      const r = pixsed('psf', 'convolve', img, kernel, '--out', img);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`--out: ${img} is the input image`);
      expect(sha(img)).toBe(before);
    });

    it('--out a symlink to the input (compared by real path) is refused', () => {
      const img = join(fx, 'mosaic/f356w_sci.fits');
      const link = join(T, 'link.fits');
      symlinkSync(img, link);
      const before = sha(img);
      const r = pixsed('psf', 'convolve', img, kernel, '--out', link);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/is the input image/);
      expect(sha(img)).toBe(before);
    });

    it('--out equal to the kernel is refused', () => {
      const before = sha(kernel);
      const r = pixsed('psf', 'convolve', join(fx, 'mosaic/f444w_sci.fits'), kernel, '--out', kernel);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('is the kernel');
      expect(sha(kernel)).toBe(before);
    });

    it('--strip-rows 0 is an option error (it used to busy-loop)', () => {
      const r = pixsed('psf', 'convolve', join(fx, 'mosaic/f444w_sci.fits'), kernel, '--strip-rows', '0', '--out', join(T, 'c0.fits'));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--strip-rows: expected an integer ≥ 1, got '0'/);
      expect(existsSync(join(T, 'c0.fits'))).toBe(false);
    });

    it('--out inside /proc is an error naming the path', () => {
      const r = pixsed('psf', 'convolve', join(fx, 'mosaic/f444w_sci.fits'), kernel, '--out', '/proc/pixsed-x/c.fits');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/\/proc\/pixsed-x: \/proc is on the virtual 'proc' file system/);
    });

    it('a kernel with a NaN value: the error names the kernel file; no output', async () => {
      const bad = join(T, 'nan-kernel.fits');
      const data = new Float32Array(25).fill(1 / 25);
      data[7] = NaN;
      await writeFitsImage(bad, { width: 5, height: 5, data });
      const r = pixsed('psf', 'convolve', join(fx, 'mosaic/f444w_sci.fits'), bad, '--out', join(T, 'nan-out', 'c.fits'));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`PsfMatchingError: kernel ${bad}: kernel value 7 is not finite`);
      expect(finalFiles(join(T, 'nan-out'))).toEqual([]);
    });

    it('psf kernel with an all-zero PSF: the error names the PSF file', async () => {
      const zero = join(T, 'zero-psf.fits');
      const flat = join(T, 'flat-psf.fits');
      await writeFitsImage(zero, { width: 5, height: 5, data: new Float32Array(25), header: { PIXELSCL: 0.03 } });
      await writeFitsImage(flat, { width: 5, height: 5, data: new Float32Array(25).fill(0.04), header: { PIXELSCL: 0.03 } });
      const r = pixsed('psf', 'kernel', '--source', zero, '--target', flat, '--out', join(T, 'k-out.fits'));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`PsfMatchingError: ${zero}: PSF sum must be positive, got 0`);
      expect(existsSync(join(T, 'k-out.fits'))).toBe(false);
    });

    it('a good convolution is written atomically: the output exists, no temporary folder is left', () => {
      const dir = join(T, 'conv');
      const r = pixsed('psf', 'convolve', join(fx, 'mosaic/f444w_sci.fits'), kernel, '--strip-rows', '40', '--out', join(dir, 'c.fits'));
      expect(r.status, r.stderr).toBe(0);
      expect(readdirSync(dir)).toEqual(['c.fits']);
      expect(statSync(join(dir, 'c.fits')).size).toBeGreaterThan(256 * 256 * 4);
    });
  });

  // validate-config runs run's own set-up (same function), so it exits with run's message
  it.each([
    ['a missing error file', ['--set', 'source.imageDir=noerr'], /f090w_err\.fits/],
    ['a missing model', ['--set', 'stages.inference.model=model/nope.onnx'], /model file not found: .*model\/nope\.onnx/],
    ['a model/band mismatch', ['--set', 'source.bands=[f277w,f356w,f444w]', '--set', 'stages.psf.passThroughBands=[]'], /ModelMismatchError: .*the data lack f090w/],
    ['a grid mismatch', ['--set', 'source.files.f277w.sci=../grid_f277w_sci.fits'], /GridMismatchError: [\s\S]*grid_f277w_sci\.fits \(f277w sci\): off the reference grid by [\d.e+]+ px .*CRVAL2/],
    ['an unknown survey', ['--set', 'source.survey=nosuch'], /unknown survey 'nosuch'/],
    ['an unknown target band', ['--set', 'stages.psf.targetBand=f150m'], /psf\.targetBand: 'f150m' is not among the data bands/],
    ['haloRows 0 with a PSF stage', ['--set', 'source.haloRows=0'], /needs 10 halo rows.*source\.haloRows/],
    ['no stages', ['--set', 'stages=[]'], /galaxies: .*put snr-mask before it/],
    ['a huge samplesPerPixel', ['--set', 'stages.inference.samplesPerPixel=1000000000'], /stages\[2\]\.samplesPerPixel: Too big: expected number to be <=100000/],
    ['a sampling plan over 2 GiB per call', ['--set', 'stages.inference.samplesPerPixel=100000', '--set', 'stages.inference.batchRows=20000'], /stages\[2\]\.samplesPerPixel: stages\[2\]\.samplesPerPixel 100000 × stages\[2\]\.batchRows 20000 × \d+ parameters × 4 bytes = [\d.]+ GiB per onnxruntime call exceeds 2 GiB/],
    ['a missing segmentation map', ['--set', 'source.segmentation=mosaic/nope.fits'], /segmentation map not found: .*nope\.fits/],
  ])('validate-config rejects %s with the same exit code and message as run', (_what, args, message) => {
    const out = join(T, `vc-${_what.replaceAll(' ', '-').replaceAll('/', '-')}`);
    const r = pixsed('run', 'p.yaml', '--out', out, '--quiet', ...args);
    const v = pixsed('validate-config', 'p.yaml', ...args);
    expect(r.status).not.toBe(0);
    expect(v.status).toBe(r.status);
    expect(errorText(r.stderr)).toMatch(message);
    expect(errorText(v.stderr)).toBe(errorText(r.stderr));
    expect(finalFiles(out)).toEqual([]);
  });

  it('validate-config on the good pipeline: prints the memory estimate and the probe, writes nothing; with --out it refuses a folder holding results as run does', () => {
    const v = pixsed('validate-config', 'p.yaml', ...SMALL, '--probe');
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`memory {2}inference: samplesPerPixel 20 × batchRows ${DEFAULT_BATCH_ROWS} × \\d+ parameters × 4 B = [\\d.]+ (kB|MB) per inference call`));
    expect(v.stdout).toMatch(/probe {3}first batch \(\d+ px\) through 3 stage\(s\) and 2 sink\(s\): ok/);
    expect(existsSync(join(fx, 'out'))).toBe(false);
    const refused = pixsed('validate-config', 'p.yaml', '--out', A);
    const byRun = run(A);
    expect(refused.status).toBe(2);
    expect(errorText(refused.stderr)).toBe(errorText(byRun.stderr));
    expect(tree(A)).toEqual(hashesA);
    const ok = pixsed('validate-config', 'p.yaml', '--out', A, '--overwrite', '--no-probe');
    expect(ok.status, ok.stderr).toBe(0);
    expect(tree(A)).toEqual(hashesA);
  });
});
