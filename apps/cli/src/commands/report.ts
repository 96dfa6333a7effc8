import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, parseConfig } from '@pixsed/core';
import { OutputTransaction, SUMMARY_FILE } from '@pixsed/core/node';
import { REPORT_DIR, reportSummarySchema, writeRunReport } from '../report/write-run-report.js';

/**
 * `pixsed report <out-dir>`: (re)write `<out-dir>/report/` from the run-summary.json and the files of a complete
 * run, through an OutputTransaction (written under a temporary folder, renamed into place when complete; the
 * run's own files are left as they are).
 */
export async function reportCommand(outDir: string, opts: { quiet?: boolean } = {}): Promise<string> {
  const dir = resolve(outDir);
  const file = join(dir, SUMMARY_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `no ${SUMMARY_FILE}: not the folder of a complete pixsed run` : `cannot read it as JSON: ${(err as Error).message}`;
    throw new ConfigError(undefined, [{ path: '<out-dir>', message: `${file}: ${why}` }], 'option');
  }
  const summary = parseConfig(reportSummarySchema, raw, file, 'run summary');
  const tx = await OutputTransaction.open(dir, { exclusive: false, option: '<out-dir>' });
  try {
    const reportDir = tx.path(REPORT_DIR, '--out', 'folder');
    await writeRunReport({ summary, root: dir, reportDir, outDir: dir }).catch((err) => {
      throw tx.ioError(err, reportDir);
    });
    await tx.commit();
  } finally {
    await tx.abort();
  }
  const index = join(dir, REPORT_DIR, 'index.html');
  if (!opts.quiet) process.stdout.write(`report: ${index}\n`);
  return index;
}
