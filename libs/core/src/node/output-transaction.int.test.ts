import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, OutputError } from '../errors.js';
import { makeDirectory, OutputTransaction, SUMMARY_FILE, TEMP_PREFIX } from './output-transaction.js';
import { pipelineInputs } from './pipeline-inputs.js';

const T = mkdtempSync(join(tmpdir(), 'pixsed-otx-'));
afterAll(() => rmSync(T, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(T, `d${n++}`);

describe('OutputTransaction', () => {
  it('writes under a temporary folder, renames on commit and writes the summary last', async () => {
    const dir = fresh();
    const tx = await OutputTransaction.open(dir);
    const a = tx.path('a.txt', 'sink.path');
    const maps = tx.path('maps', 'sink.mapsDir', 'folder');
    expect(a.startsWith(join(dir, TEMP_PREFIX))).toBe(true);
    writeFileSync(a, 'A');
    mkdirSync(maps);
    writeFileSync(join(maps, 'g1.fits'), 'G1');
    expect(existsSync(join(dir, 'a.txt'))).toBe(false); // nothing under a final name before commit
    expect(tx.finalPath(join(maps, 'g1.fits'))).toBe(join(dir, 'maps', 'g1.fits'));
    let seen: string[] = [];
    const files = await tx.commit((f) => {
      seen = f;
      // the summary is built after every other file is in place
      expect(readFileSync(join(dir, 'maps', 'g1.fits'), 'utf8')).toBe('G1');
      return { status: 'complete', files: f };
    });
    expect(files).toEqual([join(dir, 'a.txt'), join(dir, 'maps', 'g1.fits'), join(dir, SUMMARY_FILE)]);
    expect(seen).toEqual(files);
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'maps', SUMMARY_FILE]);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('A');
  });

  it('abort removes the temporary folder and leaves earlier files; a folder it created is removed again', async () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'old');
    const tx = await OutputTransaction.open(dir, { overwrite: true });
    writeFileSync(tx.path('keep.txt', 's.path'), 'new');
    await tx.abort();
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('old');
    const created = fresh();
    await (await OutputTransaction.open(created)).abort();
    expect(existsSync(created)).toBe(false);
  });

  it('refuses a non-empty folder unless overwrite; overwrite removes files of the earlier run it no longer produces, not unrelated ones', async () => {
    const dir = fresh();
    const first = await OutputTransaction.open(dir);
    for (const f of ['maps/g1.fits', 'maps/g2.fits', 'x.csv']) {
      mkdirSync(join(first.tempDir, 'maps'), { recursive: true });
      writeFileSync(first.path(f, 's.path'), f);
    }
    await first.commit((files) => ({ files: files.map((f) => f.slice(dir.length + 1)) }));
    writeFileSync(join(dir, 'mine.txt'), 'user file');
    await expect(OutputTransaction.open(dir)).rejects.toThrow(/holds the results of an earlier pixsed run \(run-summary\.json\): pass --overwrite/);
    const second = await OutputTransaction.open(dir, { overwrite: true });
    mkdirSync(join(second.tempDir, 'maps'));
    writeFileSync(second.path('maps/g1.fits', 's.path'), 'new g1');
    await second.commit((files) => ({ files: files.map((f) => f.slice(dir.length + 1)) }));
    expect(readdirSync(join(dir, 'maps'))).toEqual(['g1.fits']);
    expect(readFileSync(join(dir, 'maps/g1.fits'), 'utf8')).toBe('new g1');
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
    expect(readFileSync(join(dir, 'mine.txt'), 'utf8')).toBe('user file');
  });

  it('path(): outside the folder, an input, a reserved name, or a folder where a file goes are errors naming the key', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'cat.csv'), { recursive: true });
    const input = join(T, 'input.fits');
    writeFileSync(input, 'data');
    const tx = await OutputTransaction.open(dir, { inputs: new Map([[input, 'source.image']]), overwrite: true });
    expect(() => tx.path('../elsewhere.parquet', 'parquet.path')).toThrow(ConfigError);
    expect(() => tx.path('../elsewhere.parquet', 'parquet.path')).toThrow(/sinks\.parquet\.path: output '\.\.\/elsewhere\.parquet' resolves to .* outside the output folder/);
    expect(() => tx.path('../input.fits', 'parquet.path')).toThrow(/an input of the run \(source\.image\)/);
    expect(() => tx.path(SUMMARY_FILE, 'parquet.path')).toThrow(/reserved/);
    expect(() => tx.path('cat.csv', 'galaxies.catalog')).toThrow(OutputError);
    expect(() => tx.path('cat.csv', 'galaxies.catalog')).toThrow(`sink 'galaxies': ${join(dir, 'cat.csv')}: is a folder`);
    await tx.abort();
    expect(readFileSync(input, 'utf8')).toBe('data');
  });

  it('ioError names the final file and the sink, not just the temporary one', async () => {
    const dir = fresh();
    const tx = await OutputTransaction.open(dir);
    const temp = tx.path('maps', 'galaxies.mapsDir', 'folder');
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const e = tx.ioError(err, join(temp, 'galaxy_3.fits')) as OutputError;
    expect(e).toBeInstanceOf(OutputError);
    expect(e.message).toMatch(new RegExp(`^sink 'galaxies': ${join(dir, 'maps', 'galaxy_3.fits')}: ENOSPC: no space left on device`));
    // an OutputError from a writer library that named the temporary file is renamed too
    const lib = new OutputError(join(temp, 'galaxy_4.fits'), undefined, 'EIO: i/o error, write');
    expect(tx.ioError(lib, join(temp, 'galaxy_4.fits')).message).toMatch(new RegExp(`^sink 'galaxies': ${join(dir, 'maps', 'galaxy_4.fits')}: EIO`));
    await tx.abort();
  });

  it('a commit whose final name is a folder fails before renaming anything', async () => {
    const dir = fresh();
    const tx = await OutputTransaction.open(dir);
    writeFileSync(tx.path('a.txt', 's.path'), 'A');
    writeFileSync(tx.path('b.txt', 's.path'), 'B');
    mkdirSync(join(dir, 'b.txt')); // appears while the run is going
    await expect(tx.commit()).rejects.toThrow(/b\.txt: is a folder/);
    expect(existsSync(join(dir, 'a.txt'))).toBe(false);
    await tx.abort();
  });

  it('removes the temporary folder of a dead run; refuses a folder another live run writes into', async () => {
    const dir = fresh();
    mkdirSync(join(dir, `${TEMP_PREFIX}999999999-dead`), { recursive: true });
    const log: string[] = [];
    const tx = await OutputTransaction.open(dir, { log: (m) => log.push(m) });
    expect(readdirSync(dir)).toEqual([tx.tempDir.slice(dir.length + 1)]);
    expect(log[0]).toMatch(/temporary folder of an interrupted run/);
    await tx.abort();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      const d2 = fresh();
      mkdirSync(join(d2, `${TEMP_PREFIX}${live.pid}-live`), { recursive: true });
      await expect(OutputTransaction.open(d2)).rejects.toThrow(new RegExp(`another pixsed run \\(pid ${live.pid}\\) is writing into`));
    } finally {
      live.kill();
    }
  });

  it('a one-file commit (no summary) into a folder holding a run leaves that run and its run-summary.json alone', async () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, SUMMARY_FILE), '{"status":"complete"}');
    writeFileSync(join(dir, 'pixels.parquet'), 'P');
    const tx = await OutputTransaction.open(dir, { exclusive: false });
    writeFileSync(tx.path('kernel.fits', '--out'), 'K');
    await tx.commit();
    expect(readFileSync(join(dir, 'kernel.fits'), 'utf8')).toBe('K');
    expect(readFileSync(join(dir, SUMMARY_FILE), 'utf8')).toBe('{"status":"complete"}');
    expect(readFileSync(join(dir, 'pixels.parquet'), 'utf8')).toBe('P');
  });

  it('dry run: creates nothing in the output folder', async () => {
    const dir = fresh();
    const tx = await OutputTransaction.open(dir, { dryRun: true });
    writeFileSync(tx.path('a.txt', 's.path'), 'A');
    await tx.abort();
    expect(existsSync(dir)).toBe(false);
  });
});

describe('makeDirectory', () => {
  it('a folder in /proc is an error naming it instead of spinning', async () => {
    await expect(makeDirectory('/proc/pixsed-x/y')).rejects.toThrow(/\/proc\/pixsed-x\/y: \/proc is on the virtual 'proc' file system/);
  });
  it('a file in the way is an error naming it', async () => {
    const f = join(T, 'afile');
    writeFileSync(f, '');
    await expect(makeDirectory(join(f, 'sub'))).rejects.toThrow(`${join(f, 'sub')}: ${f} is not a folder`);
  });
});

describe('pipelineInputs', () => {
  it('finds files named directly, files of named folders, files relative to a named folder, and the manifest beside a model', () => {
    const d = fresh();
    mkdirSync(join(d, 'images'), { recursive: true });
    mkdirSync(join(d, 'model'));
    for (const f of ['images/a_sci.fits', 'images/b.fits', 'seg.fits', 'model/model.onnx', 'model/manifest.json', 'p.yaml']) writeFileSync(join(d, f), '');
    const entry = (config: Record<string, unknown>) => ({ type: 't', name: 't', config, def: {} as never });
    const inputs = pipelineInputs({
      dir: d,
      file: join(d, 'p.yaml'),
      source: entry({ imageDir: 'images', segmentation: 'seg.fits', files: { a: { sci: 'a_sci.fits' } }, survey: 'jades' }),
      stages: [entry({ model: 'model/model.onnx', targetBand: 'f444w' })],
      sinks: [entry({ path: 'pixels.parquet' })],
    });
    expect(inputs.get(join(d, 'seg.fits'))).toBe(`source.segmentation: ${join(d, 'seg.fits')}`);
    expect(inputs.get(join(d, 'images/a_sci.fits'))).toBe(`source.files.a.sci: ${join(d, 'images/a_sci.fits')}`);
    expect(inputs.get(join(d, 'images/b.fits'))).toBe(`source.imageDir: ${join(d, 'images/b.fits')}`);
    expect(inputs.get(join(d, 'model/manifest.json'))).toMatch(/^stages\[0\]\.model: manifest of /);
    expect(inputs.has(join(d, 'p.yaml'))).toBe(true);
    expect(inputs.size).toBe(6);
  });
});
