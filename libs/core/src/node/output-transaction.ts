import { lstatSync, realpathSync } from 'node:fs';
import { access, constants, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, rmdir, stat, statfs, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError, OutputError, PixsedError } from '../errors.js';
import type { RunOutput } from '../stage.js';

/** Temporary folders of runs in progress, inside the output folder: `.pixsed-tmp-<pid>-<random>`. */
export const TEMP_PREFIX = '.pixsed-tmp-';
/** Written last by a complete run; its `files` list says which files the run produced. */
export const SUMMARY_FILE = 'run-summary.json';

/** proc, sysfs, cgroup, cgroup2, debugfs: folders there cannot hold results (mkdir fails or spins). */
const VIRTUAL_FS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
]);

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const code = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

/** Real path of `p`, following links; for a path that does not exist yet, the real path of its nearest existing ancestor joined with the rest. */
export function realTarget(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    const up = dirname(p);
    return up === p ? p : join(realTarget(up), basename(p));
  }
}

/** Nearest existing ancestor of `dir` (itself if it exists); an OutputError if that is not a folder or sits on a virtual file system. */
async function existingAncestor(dir: string): Promise<string> {
  let p = dir;
  for (;;) {
    try {
      const st = await stat(p);
      if (!st.isDirectory()) throw new OutputError(dir, undefined, `${p === dir ? 'exists and is not a folder' : `${p} is not a folder`}`);
      break;
    } catch (err) {
      if (err instanceof OutputError) throw err;
      if (code(err) !== 'ENOENT' && code(err) !== 'ENOTDIR') throw new OutputError(dir, undefined, message(err), { cause: err });
      const up = dirname(p);
      if (up === p) throw new OutputError(dir, undefined, message(err), { cause: err });
      p = up;
    }
  }
  try {
    const fs = VIRTUAL_FS.get(Number((await statfs(p)).type));
    if (fs) throw new OutputError(dir, undefined, `${p} is on the virtual '${fs}' file system, which cannot hold output files`);
  } catch (err) {
    if (err instanceof OutputError) throw err; // statfs unsupported: no check
  }
  return p;
}

/**
 * `mkdir -p` that cannot spin: creates the missing components one by one (non-recursive mkdir),
 * and every failure is an OutputError naming the folder (`--out /proc/x`: a virtual file system).
 */
export async function makeDirectory(dir: string): Promise<void> {
  const abs = resolve(dir);
  const base = await existingAncestor(abs);
  const missing: string[] = [];
  for (let p = abs; p !== base; p = dirname(p)) missing.unshift(p);
  for (const m of missing) {
    try {
      await mkdir(m);
    } catch (err) {
      if (code(err) === 'EEXIST' && (await stat(m).catch(() => undefined))?.isDirectory()) continue;
      throw new OutputError(abs, undefined, `cannot create folder ${m}: ${message(err)}`, { cause: err });
    }
  }
}

/** Every file below `dir` (recursive), as paths relative to it, sorted. */
async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? join(rel, e.name) : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)));
    else out.push(r);
  }
  return out.sort();
}

/** fsync a file or folder (folders: so that renames in it are durable; ignored where the OS refuses). */
async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } catch (err) {
    if (!['EISDIR', 'EINVAL', 'EBADF', 'EPERM'].includes(code(err) ?? '')) throw err;
  } finally {
    await fh.close();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return code(err) === 'EPERM';
  }
}

export interface OutputTransactionOptions {
  /** Input files of the run (real path → where it comes from, e.g. `source.catalog`): no output may resolve to one of them. */
  inputs?: ReadonlyMap<string, string>;
  /** Replace earlier results at commit and remove the files of the earlier run (its run-summary.json `files`) that this run does not produce. */
  overwrite?: boolean;
  /** Refuse a non-empty folder unless `overwrite` (`pixsed run`). Default true; false for a one-file command such as `psf convolve`. */
  exclusive?: boolean;
  /** Check only: create nothing in the output folder; sinks write to a scratch folder under os.tmpdir() (`validate-config`). */
  dryRun?: boolean;
  /** Option name of the folder in messages (default `--out`). */
  option?: string;
  log?: (message: string) => void;
}

interface Owner {
  final: string;
  /** The sink (first part of `<sink>.<key>`); undefined for a command option such as `--out`. */
  sink: string | undefined;
}

/**
 * The outputs of one run as a transaction (GUIDE 2b: write under a temporary name, fsync, rename
 * into place when complete, summary last). Sinks write below `<dir>/.pixsed-tmp-<pid>-<random>/`;
 * `commit()` fsyncs every file, checks every final name (not an input, not a folder), removes the
 * old run-summary.json, renames each file into place, removes files of the earlier run that this
 * run does not produce (`overwrite`), writes run-summary.json last and removes the temporary folder.
 * `abort()` (cancel, error) removes the temporary folder: files under final names stay those of the
 * earlier complete run. A killed run leaves its temporary folder; the next run into the folder removes it.
 */
export class OutputTransaction implements RunOutput {
  private readonly owners = new Map<string, Owner>();
  private state: 'open' | 'committed' | 'aborted' = 'open';

  private constructor(
    readonly dir: string,
    readonly tempDir: string,
    private readonly inputs: ReadonlyMap<string, string>,
    private readonly opts: OutputTransactionOptions,
    /** The folder did not exist before: abort removes it again if nothing else was put there. */
    private readonly created: boolean,
  ) {}

  /** Check the output folder and start the transaction (creates the folder and the temporary folder unless `dryRun`). */
  static async open(dir: string, opts: OutputTransactionOptions = {}): Promise<OutputTransaction> {
    const abs = resolve(dir);
    const option = opts.option ?? '--out';
    const inputs = opts.inputs ?? new Map<string, string>();
    const refuse = (msg: string) => new ConfigError(undefined, [{ path: option, message: msg }], 'option');
    const asInput = inputs.get(realTarget(abs));
    if (asInput) throw refuse(`${abs} is an input of the run (${asInput})`);
    const exists = (await stat(abs).catch(() => undefined))?.isDirectory() ?? false;
    if (opts.dryRun) await existingAncestor(abs);
    else await makeDirectory(abs);
    const exclusive = opts.exclusive ?? true;
    let earlier = new Set<string>();
    if (exists) {
      const entries = await readdir(abs).catch((err) => {
        throw new OutputError(abs, undefined, `cannot list the output folder: ${message(err)}`, { cause: err });
      });
      for (const e of entries.filter((n) => n.startsWith(TEMP_PREFIX))) {
        const pid = Number(/^\.pixsed-tmp-(\d+)-/.exec(e)?.[1]);
        if (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid)) {
          if (exclusive) throw refuse(`another pixsed run (pid ${pid}) is writing into ${abs} (${e}); wait for it to finish or choose another folder`);
          continue;
        }
        if (opts.dryRun) continue;
        await rm(join(abs, e), { recursive: true, force: true });
        opts.log?.(`removed ${join(abs, e)}: temporary folder of an interrupted run`);
      }
      const rest = entries.filter((n) => !n.startsWith(TEMP_PREFIX));
      if (exclusive && rest.length && !opts.overwrite) {
        const what = rest.includes(SUMMARY_FILE) ? `holds the results of an earlier pixsed run (${SUMMARY_FILE})` : `is not empty (${rest.slice(0, 3).join(', ')}${rest.length > 3 ? ', …' : ''})`;
        throw refuse(`${abs} ${what}: pass --overwrite to replace them, or choose an empty or new folder`);
      }
      earlier = new Set((await previousFiles(abs)).map(realTarget));
    }
    // a file of the earlier run under a final name is an output, not an input, even if a config string names it
    const own = new Map([...inputs].filter(([p]) => !earlier.has(p)));
    let tempDir: string;
    if (opts.dryRun) tempDir = await mkdtemp(join(tmpdir(), 'pixsed-validate-'));
    else {
      tempDir = join(abs, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
      try {
        await mkdir(tempDir);
      } catch (err) {
        throw new OutputError(abs, undefined, `cannot write in the output folder (creating ${basename(tempDir)}): ${message(err)}`, { cause: err });
      }
    }
    return new OutputTransaction(abs, tempDir, own, opts, !exists && !opts.dryRun);
  }

  /** The input a final path resolves to, if any (compared by real path). */
  inputAt(finalPath: string): string | undefined {
    return this.inputs.get(realTarget(finalPath));
  }

  path(relPath: string, owner: string, kind: 'file' | 'folder' = 'file'): string {
    if (this.state !== 'open') throw new PixsedError(`output transaction of ${this.dir} is ${this.state}: '${relPath}' (${owner}) cannot be written`);
    const option = owner.startsWith('-');
    const key = option ? owner : `sinks.${owner}`;
    const sink = option ? undefined : owner.split('.')[0];
    const bad = (msg: string) => new ConfigError(undefined, [{ path: key, message: msg }], option ? 'option' : 'sink config');
    const final = resolve(this.dir, relPath);
    const input = this.inputAt(final);
    if (input) throw bad(`output '${relPath}' resolves to ${final}, an input of the run (${input}): it would be overwritten`);
    const rel = relative(this.dir, final);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw bad(`output '${relPath}' resolves to ${final}, outside the output folder ${this.dir}: outputs are written inside --out`);
    }
    if (rel.split(sep)[0].startsWith(TEMP_PREFIX) || rel === SUMMARY_FILE) throw bad(`output '${relPath}': the name is reserved for pixsed's own files`);
    let st;
    try {
      st = lstatSync(final);
    } catch {
      st = undefined;
    }
    if (st && kind === 'file' && st.isDirectory()) throw new OutputError(final, sink, `is a folder, but the sink writes a file there (EISDIR): remove or rename the folder`);
    if (st && kind === 'folder' && !st.isDirectory()) throw new OutputError(final, sink, `exists and is not a folder, but the sink writes a folder of files there`);
    const temp = join(this.tempDir, rel);
    this.owners.set(temp, { final, sink });
    return temp;
  }

  finalPath(tempPath: string): string {
    const rel = relative(this.tempDir, tempPath);
    if (rel.startsWith('..') || isAbsolute(rel)) return tempPath;
    return rel ? join(this.dir, rel) : this.dir;
  }

  /** Owner (sink) that registered the temporary path or a folder above it. */
  private ownerOf(tempPath: string): string | undefined {
    let best: [string, Owner] | undefined;
    for (const e of this.owners) if ((tempPath === e[0] || tempPath.startsWith(e[0] + sep)) && (!best || e[0].length > best[0].length)) best = e;
    return best?.[1].sink;
  }

  ioError(err: unknown, tempPath: string): Error {
    // an OutputError naming a temporary file (e.g. from a writer library) is renamed to its final file and sink
    const file = err instanceof OutputError && !err.sink ? err.file : tempPath;
    if (err instanceof PixsedError && !(err instanceof OutputError && !err.sink && this.finalPath(file) !== file)) return err;
    const final = this.finalPath(file);
    const problem = err instanceof OutputError ? err.problem : message(err);
    const where = final === file ? '' : ` (while writing its temporary file ${file}; nothing was written under the final name)`;
    return new OutputError(final, this.ownerOf(file), `${problem}${where}`, { cause: err });
  }

  /**
   * Make the run's outputs final. `summary` builds run-summary.json from the final paths of every
   * file (itself included); it is written last, so a folder with a run-summary.json holds a complete run.
   */
  async commit(summary?: (files: string[]) => unknown): Promise<string[]> {
    if (this.state !== 'open') throw new PixsedError(`output transaction of ${this.dir} is ${this.state}`);
    if (this.opts.dryRun) throw new PixsedError(`output transaction of ${this.dir} is a dry run: nothing to commit`);
    const rels = await listFiles(this.tempDir);
    const finals = rels.map((r) => join(this.dir, r));
    // every check before the first rename: a failed commit changes nothing under final names
    for (let i = 0; i < rels.length; i++) {
      const temp = join(this.tempDir, rels[i]);
      const input = this.inputAt(finals[i]);
      if (input) throw new OutputError(finals[i], this.ownerOf(temp), `resolves to an input of the run (${input}): not written`);
      const st = await lstat(finals[i]).catch(() => undefined);
      if (st?.isDirectory()) throw new OutputError(finals[i], this.ownerOf(temp), 'is a folder: cannot replace it with a file (EISDIR)');
      await access(dirname(finals[i]), constants.W_OK).catch((err) => {
        if (code(err) !== 'ENOENT') throw new OutputError(finals[i], this.ownerOf(temp), `cannot write in ${dirname(finals[i])}: ${message(err)}`, { cause: err });
      });
      await fsyncPath(temp).catch((err) => {
        throw this.ioError(err, temp);
      });
    }
    const earlier = this.opts.overwrite ? await previousFiles(this.dir) : [];
    const summaryFile = join(this.dir, SUMMARY_FILE);
    // the earlier summary goes first: a crash while renaming leaves no run-summary.json claiming a complete run.
    // A commit without a summary (one-file outputs: psf convolve, infer) leaves a run's summary beside it alone.
    if (summary) await rm(summaryFile, { force: true });
    const dirs = new Set<string>([this.dir]);
    for (let i = 0; i < rels.length; i++) {
      const temp = join(this.tempDir, rels[i]);
      try {
        await makeDirectory(dirname(finals[i]));
        await rename(temp, finals[i]);
      } catch (err) {
        throw err instanceof OutputError ? err : new OutputError(finals[i], this.ownerOf(temp), `cannot move ${temp} into place: ${message(err)}`, { cause: err });
      }
      dirs.add(dirname(finals[i]));
    }
    const produced = new Set(finals);
    const removed: string[] = [];
    for (const old of earlier) {
      if (produced.has(old) || old === summaryFile) continue;
      await rm(old, { force: true });
      removed.push(old);
      for (let d = dirname(old); d !== this.dir && d.startsWith(this.dir + sep); d = dirname(d)) {
        if (!(await rmdir(d).then(() => true, () => false))) break;
      }
    }
    if (removed.length) this.opts.log?.(`removed ${removed.length} file(s) of the earlier run that this run does not produce: ${removed.map((f) => relative(this.dir, f)).join(', ')}`);
    const all = [...finals];
    if (summary) {
      all.push(summaryFile);
      const temp = join(this.tempDir, SUMMARY_FILE);
      try {
        await writeFile(temp, JSON.stringify(summary(all), null, 2) + '\n');
        await fsyncPath(temp);
        await rename(temp, summaryFile);
      } catch (err) {
        throw new OutputError(summaryFile, undefined, message(err), { cause: err });
      }
    }
    for (const d of dirs) await fsyncPath(d).catch(() => undefined);
    await rm(this.tempDir, { recursive: true, force: true });
    this.state = 'committed';
    return all;
  }

  /** Discard everything written so far (idempotent): files under final names stay those of the earlier run. */
  async abort(): Promise<void> {
    if (this.state === 'committed') return;
    this.state = 'aborted';
    await rm(this.tempDir, { recursive: true, force: true });
    if (this.created) await rmdir(this.dir).catch(() => undefined);
  }
}

/** Files of the complete run recorded in `<dir>/run-summary.json` (`files`, or for older summaries the files and folders in `outputs`), as absolute paths inside `dir`. */
export async function previousFiles(dir: string): Promise<string[]> {
  let s: { files?: unknown; outputs?: unknown };
  try {
    s = JSON.parse(await readFile(join(dir, SUMMARY_FILE), 'utf8'));
  } catch {
    return [];
  }
  const inside = (p: string) => {
    const r = relative(dir, p);
    return r !== '' && !r.startsWith('..') && !isAbsolute(r);
  };
  if (Array.isArray(s.files)) return s.files.filter((f): f is string => typeof f === 'string').map((f) => resolve(dir, f)).filter(inside);
  const out: string[] = [];
  for (const o of Array.isArray(s.outputs) ? s.outputs : []) {
    if (typeof o !== 'string' || !inside(resolve(dir, o))) continue;
    const p = resolve(dir, o);
    const st = await stat(p).catch(() => undefined);
    if (st?.isDirectory()) out.push(...(await listFiles(p)).map((f) => join(p, f)));
    else if (st) out.push(p);
  }
  return out;
}
