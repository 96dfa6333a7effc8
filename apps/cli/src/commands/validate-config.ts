import { loadPipeline } from '@pixsed/core/node';
import { createRegistry } from '../registry.js';

/** `pixsed validate-config`: exit 0 and print the resolved pipeline, or exit non-zero with every problem. */
export async function validateConfigCommand(file: string, opts: { set: string[] }): Promise<void> {
  const c = await loadPipeline(file, createRegistry(), opts.set);
  const lines = [
    `${file}: valid pipeline '${c.name}'`,
    `  source  ${c.source.type} ${JSON.stringify(c.source.config)}`,
    ...c.stages.map((s, i) => `  stage ${i} ${s.name} (${s.type} v${s.def.version}) ${JSON.stringify(s.config)}`),
    ...c.sinks.map((s) => `  sink    ${s.type} ${JSON.stringify(s.config)}`),
    `  run     ${JSON.stringify(c.run)}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
