/** HTML helpers of the run report: escaping, tables, the page frame (inline CSS, no scripts, no network). */

export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A number for a table cell: integers as is, others with `d` significant decimals; '—' for NaN / missing. */
export function num(x: unknown, d = 3): string {
  if (x === undefined || x === null || x === '') return '—';
  const v = typeof x === 'number' ? x : Number(x);
  if (!Number.isFinite(v)) return typeof x === 'string' && x !== '' && Number.isNaN(v) ? x : '—';
  return Number.isInteger(v) ? String(v) : v.toFixed(d);
}

/** A table: `head` cells (none: [] ) and rows of already-escaped HTML cells. */
export function table(head: string[], rows: string[][], cls = ''): string {
  const thead = head.length ? `<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` : '';
  return `<table${cls ? ` class="${cls}"` : ''}>${thead}<tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A figure: a local image (relative path) with a caption. */
export const figure = (src: string, caption: string, alt = caption) => `<figure><a href="${esc(src)}"><img src="${esc(src)}" alt="${esc(alt)}"></a><figcaption>${esc(caption)}</figcaption></figure>`;

const CSS = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Lato, "DejaVu Sans", sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #1f3b57; color: #fff; padding: 14px 28px; }
header a { color: #cfe3ff; }
main { padding: 8px 28px 40px; max-width: 1500px; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 18px; border-bottom: 1px solid #ccc; padding-bottom: 3px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; background: #fff; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f6; }
td.n, table.num td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; background: #fff; }
figcaption { color: #555; font-size: 13px; }
pre { background: #fff; border: 1px solid #ddd; padding: 10px; overflow-x: auto; font-size: 12px; }
nav a { margin-right: 14px; }
.warn { color: #a33; }
.muted { color: #666; }
`;

/** A complete page; `up` is the relative path back to the report's root ('' or '../'). */
export function page(title: string, body: string, up = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><nav><a href="${up}index.html">run summary</a><a href="${up}index.html#galaxies">galaxies</a></nav></header>
<main>
${body}
</main>
</body>
</html>
`;
}
