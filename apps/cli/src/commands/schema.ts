import { writeFile } from 'node:fs/promises';
import { pipelineJsonSchema } from '@pixsed/core';
import { createRegistry } from '../registry.js';

/** JSON Schema of the pipeline format as text (committed as pipelines/pipeline.schema.json). */
export function pipelineSchemaText(): string {
  const schema = {
    $id: 'https://pixsed.dev/schemas/pipeline.schema.json',
    title: 'pixsed pipeline',
    ...pipelineJsonSchema(createRegistry()),
  };
  return JSON.stringify(schema, null, 2) + '\n';
}

export async function schemaCommand(opts: { out?: string }): Promise<void> {
  const text = pipelineSchemaText();
  if (opts.out) {
    await writeFile(opts.out, text);
    process.stderr.write(`wrote ${opts.out}\n`);
  } else process.stdout.write(text);
}
