import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { renderVegaLitePng } from '@pixsed/plots/node';

/**
 * The HTML run report (issue 16 item 6): written at the end of `pixsed run` through the run's output transaction
 * and by `pixsed report <out-dir>`; opened in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * every image loads, no console errors, no request leaves file://. Spawns the built CLI (build first).
 */
const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const modelDir = join(root, 'test-data/models/jades-mix-delayed-tau');
const ready = existsSync(bin) && existsSync(join(modelDir, 'model.onnx')) && existsSync(join(root, 'test-data/mosaic/survey.json'));
const chromiumPath = [process.env.PIXSED_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
const noBrowser = chromiumPath ? undefined : 'no chromium (apt-get install -y chromium, or set PIXSED_CHROMIUM): browser checks skipped';
if (noBrowser) console.log(noBrowser);

const T = mkdtempSync(join(tmpdir(), 'pixsed-report-'));
const fx = join(T, 'fx');
const SMALL = ['--set', 'stages.inference.samplesPerPixel=20', '--set', 'sinks.galaxies.samplesPerGalaxy=200'];
const pixsed = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: fx, timeout: 180_000 });
const run = (out: string, ...args: string[]) => pixsed('run', 'p.yaml', '--out', out, '--quiet', ...SMALL, ...args);

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}
const imgSrcs = (html: string) => [...html.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1]);

/** Open `file` in Chromium: images (src, naturalWidth), console errors, requests other than file://, and a full-page screenshot. */
async function inBrowser(file: string, screenshot: string) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    const network: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://') || url.startsWith('data:')) return route.continue();
      network.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const images = await page.evaluate(() => [...document.images].map((i) => ({ src: i.getAttribute('src'), naturalWidth: i.naturalWidth, complete: i.complete })));
    const text = await page.evaluate(() => document.body.innerText);
    await page.screenshot({ path: screenshot, fullPage: true });
    return { images, errors, network, text };
  } finally {
    await browser.close();
  }
}

describe.skipIf(!ready)(ready ? 'HTML run report' : 'skipped: build apps/cli first (npx nx run-many -t build) and keep test-data/mosaic + the affine model', () => {
  let out: string;
  let summary: { files: string[]; droppedByReason: Record<string, number>; rowsIn: number; config: unknown; finishedAt: string };

  beforeAll(async () => {
    mkdirSync(fx, { recursive: true });
    cpSync(join(root, 'test-data/mosaic'), join(fx, 'mosaic'), { recursive: true });
    cpSync(modelDir, join(fx, 'model'), { recursive: true });
    // a validation figure beside the model (as `pixsed validate --out model/validation` writes): the report shows it
    mkdirSync(join(fx, 'model/validation'));
    const { png } = await renderVegaLitePng({ data: { values: [{ a: 1, b: 2 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } });
    writeFileSync(join(fx, 'model/validation/pred_vs_true.png'), png);
    writeFileSync(join(fx, 'p.yaml'), readFileSync(join(root, 'pipelines/demo.yaml'), 'utf8').replaceAll('../test-data/mosaic', 'mosaic').replaceAll('../test-data/models/jades-mix-delayed-tau', 'model'));
    out = join(T, 'out');
    const r = run(out);
    expect(r.status, r.stderr).toBe(0);
    summary = JSON.parse(readFileSync(join(out, 'run-summary.json'), 'utf8'));
  }, 300_000);

  afterAll(() => rmSync(T, { recursive: true, force: true }));

  it('run writes report/ inside its transaction: index, a page per galaxy, figures copied in, all listed in run-summary.json', () => {
    const rep = summary.files.filter((f) => f.startsWith('report/')).sort();
    expect(rep).toEqual(expect.arrayContaining(['report/index.html', ...[1, 2, 3, 4, 5].map((i) => `report/galaxies/galaxy_${i}.html`), 'report/assets/mass_pixels_vs_integrated.png', 'report/model/validation/pred_vs_true.png']));
    expect(rep.filter((f) => /^report\/assets\/galaxy_\d_fit\.png$/.test(f))).toHaveLength(5);
    expect(Object.keys(tree(out)).sort()).toEqual([...summary.files].sort()); // nothing else, no temporary folder
    expect(summary.config).toMatchObject({ name: 'demo', sinks: expect.arrayContaining([expect.objectContaining({ type: 'galaxies' })]) });
    expect(Date.parse(summary.finishedAt)).toBeGreaterThan(Date.now() - 3_600_000);
    // self-contained: every image is a relative path to a file inside report/
    for (const page of rep.filter((f) => f.endsWith('.html'))) {
      const html = readFileSync(join(out, page), 'utf8');
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(html).not.toMatch(/<script/);
      for (const src of imgSrcs(html)) {
        const target = resolve(dirname(join(out, page)), src);
        expect(relative(join(out, 'report'), target).startsWith('..'), `${page}: ${src}`).toBe(false);
        expect(existsSync(target), `${page}: ${src}`).toBe(true);
      }
    }
  });

  it.skipIf(!!noBrowser)(`headless Chromium: every image of every page loads, no console error, no network request${noBrowser ? ` (skipped: ${noBrowser})` : ''}`, async () => {
    const shots = mkdtempSync(join(tmpdir(), 'pixsed-report-shots-'));
    const index = await inBrowser(join(out, 'report/index.html'), join(shots, 'index.png'));
    console.log(`report screenshots in ${shots}`);
    expect(index.errors).toEqual([]);
    expect(index.network).toEqual([]);
    expect(index.images.map((i) => i.src).sort()).toEqual(['assets/mass_pixels_vs_integrated.png', 'model/validation/pred_vs_true.png']);
    for (const i of index.images) expect(i.naturalWidth, i.src ?? '').toBeGreaterThan(0);
    // the accounting shown is the summary's: rows removed per reason, and the catalogue's galaxies
    for (const [reason, n] of Object.entries(summary.droppedByReason)) expect(index.text).toMatch(new RegExp(`${reason}\\s+\\d+\\s+${n}`));
    const catalog = parse(readFileSync(join(out, 'galaxies.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    for (const g of catalog) {
      const p = await inBrowser(join(out, `report/galaxies/galaxy_${g.galaxy_id}.html`), join(shots, `galaxy_${g.galaxy_id}.png`));
      expect(p.errors).toEqual([]);
      expect(p.network).toEqual([]);
      expect(p.images.map((i) => i.src)).toEqual([`../assets/galaxy_${g.galaxy_id}.png`, `../assets/galaxy_${g.galaxy_id}_fit.png`]);
      for (const i of p.images) expect(i.naturalWidth, i.src ?? '').toBeGreaterThan(0);
      expect(p.text).toMatch(new RegExp(`n_pixels\\s+${g.n_pixels}\\b`));
    }
    expect(existsSync(join(shots, 'index.png'))).toBe(true);
  }, 120_000);

  it.skipIf(!!noBrowser)('the browser check can fail: a page with a missing image is caught', async () => {
    const dir = mkdtempSync(join(T, 'broken-'));
    writeFileSync(join(dir, 'index.html'), '<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body><img src="missing.png"></body></html>');
    const p = await inBrowser(join(dir, 'index.html'), join(dir, 'shot.png'));
    expect(p.images[0].naturalWidth).toBe(0);
    expect(p.errors.join('\n')).toMatch(/missing\.png|ERR_FILE_NOT_FOUND/);
  }, 60_000);

  it('pixsed report <out-dir> rebuilds report/ from the folder alone; the run’s other files stay byte-identical', () => {
    const dir = join(T, 'again');
    cpSync(out, dir, { recursive: true });
    const before = tree(dir);
    rmSync(join(dir, 'report'), { recursive: true });
    const r = pixsed('report', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`report: ${join(dir, 'report', 'index.html')}`);
    const after = tree(dir);
    for (const [f, h] of Object.entries(before)) if (!f.startsWith('report/')) expect(after[f], f).toBe(h);
    expect(Object.keys(after).filter((f) => f.startsWith('report/')).sort()).toEqual(Object.keys(before).filter((f) => f.startsWith('report/')).sort());
    expect(readdirSync(dir).filter((n) => n.startsWith('.pixsed-tmp-'))).toEqual([]);
  }, 120_000);

  it('--no-report: no report folder, none in run-summary.json', () => {
    const dir = join(T, 'noreport');
    const r = run(dir, '--no-report');
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'report'))).toBe(false);
    const s = JSON.parse(readFileSync(join(dir, 'run-summary.json'), 'utf8'));
    expect(s.files.filter((f: string) => f.startsWith('report/'))).toEqual([]);
  }, 180_000);

  it('fault: a report that cannot be written (a file named report in --out) is a warning: the run completes without report/', () => {
    const dir = join(T, 'blocked');
    mkdirSync(dir);
    writeFileSync(join(dir, 'report'), 'not a folder');
    const r = run(dir, '--overwrite');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the run report was not written \(.*report: exists and is not a folder.*\); the results are complete: write it with 'pixsed report /);
    const s = JSON.parse(readFileSync(join(dir, 'run-summary.json'), 'utf8'));
    expect(s.status).toBe('complete');
    expect(s.files.filter((f: string) => f.startsWith('report'))).toEqual([]);
    expect(s.files).toContain('galaxies.csv');
    expect(readFileSync(join(dir, 'report'), 'utf8')).toBe('not a folder');
    expect(readdirSync(dir).filter((n) => n.startsWith('.pixsed-tmp-'))).toEqual([]);
  }, 180_000);

  it('faults: a folder without run-summary.json, and a summary that is not a complete run, are option errors (exit 2) naming the file', () => {
    const empty = join(T, 'empty');
    mkdirSync(empty);
    const a = pixsed('report', empty);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain(`${join(empty, 'run-summary.json')}: no run-summary.json: not the folder of a complete pixsed run`);
    expect(readdirSync(empty)).toEqual([]);
    const bad = join(T, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'run-summary.json'), JSON.stringify({ ...summary, status: 'running', rowsIn: 'many' }));
    const b = pixsed('report', bad);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain(`Invalid run summary in ${join(bad, 'run-summary.json')}`);
    expect(b.stderr).toMatch(/status: .*complete/);
    expect(b.stderr).toMatch(/rowsIn: .*number/);
    writeFileSync(join(bad, 'run-summary.json'), '{"status": "complete", ');
    const c = pixsed('report', bad);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/run-summary\.json: cannot read it as JSON/);
  });
});
