import { createRegistry } from '../registry.js';

/** `pixsed plugins`: every registered source, stage and sink with its version and config keys. */
export function pluginsCommand(): void {
  const r = createRegistry();
  const out: string[] = [];
  for (const [title, map] of [
    ['sources', r.sources],
    ['stages', r.stages],
    ['sinks', r.sinks],
  ] as const) {
    out.push(`${title}:`);
    for (const d of map.values()) {
      out.push(`  ${d.name} v${d.version}: ${d.description}`);
      for (const [k, v] of Object.entries(d.configSchema.shape)) {
        out.push(`      ${k}${(v as { description?: string }).description ? `: ${(v as { description?: string }).description}` : ''}`);
      }
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}
