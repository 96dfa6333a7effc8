import { z } from 'zod';
import { PixsedError } from './errors.js';
import type { PluginDefinition, SinkDefinition, SourceDefinition, StageDefinition } from './stage.js';

/**
 * Plug-in registry: stages, sources and sinks register by name; the pipeline schema is built
 * from their zod config schemas. Surveys and new stages plug in here without touching the core.
 */
export class PluginRegistry {
  readonly stages = new Map<string, StageDefinition>();
  readonly sources = new Map<string, SourceDefinition>();
  readonly sinks = new Map<string, SinkDefinition>();

  register(...defs: PluginDefinition[]): this {
    for (const def of defs) {
      const map = (def.kind === 'stage' ? this.stages : def.kind === 'source' ? this.sources : this.sinks) as Map<string, PluginDefinition>;
      if (!/^[a-z][a-z0-9-]*$/.test(def.name)) throw new PixsedError(`${def.kind} name '${def.name}' must be kebab-case`);
      if (map.has(def.name)) throw new PixsedError(`${def.kind} '${def.name}' is registered twice`);
      map.set(def.name, def);
    }
    return this;
  }

  get<K extends 'stage' | 'source' | 'sink'>(kind: K, name: string) {
    const map = kind === 'stage' ? this.stages : kind === 'source' ? this.sources : this.sinks;
    return map.get(name) as (K extends 'stage' ? StageDefinition : K extends 'source' ? SourceDefinition : SinkDefinition) | undefined;
  }
}

/** Run-level settings: backpressure high-water marks. */
export const runSettingsSchema = z
  .strictObject({
    maxInFlightBatches: z.number().int().min(1).default(8).describe('high-water mark: batches between source and sinks'),
    maxInFlightMB: z.number().positive().default(512).describe('high-water mark: megabytes of batches in flight'),
    progressIntervalSeconds: z.number().positive().default(5).describe('log-line interval when stderr is not a TTY'),
  })
  .describe('run settings');
export type RunSettings = z.infer<typeof runSettingsSchema>;

/** Zod schema for one plug-in entry: `type` + optional `name` + the plug-in's own keys. */
export function entrySchema(def: PluginDefinition, withName: boolean) {
  const base = {
    type: z.literal(def.name).describe(def.description),
    ...(withName ? { name: z.string().regex(/^[a-z][a-z0-9-]*$/).optional().describe('instance name for --set (default: type)') } : {}),
  };
  return z.strictObject({ ...base, ...def.configSchema.shape }).describe(`${def.kind} '${def.name}' v${def.version}: ${def.description}`);
}

function unionOf(schemas: z.ZodObject<any>[], what: string) {
  if (schemas.length === 0) throw new PixsedError(`no ${what} registered`);
  if (schemas.length === 1) return schemas[0];
  return z.discriminatedUnion('type', schemas as [z.ZodObject<any>, z.ZodObject<any>, ...z.ZodObject<any>[]]);
}

/** The whole pipeline file format (used for the committed JSON Schema). */
export function pipelineSchema(registry: PluginRegistry) {
  return z
    .strictObject({
      $schema: z.string().optional(),
      name: z.string().describe('pipeline name'),
      description: z.string().optional(),
      run: runSettingsSchema.optional(),
      source: unionOf([...registry.sources.values()].map((d) => entrySchema(d, false)), 'sources'),
      stages: z.array(unionOf([...registry.stages.values()].map((d) => entrySchema(d, true)), 'stages')).default([]),
      sinks: z.array(unionOf([...registry.sinks.values()].map((d) => entrySchema(d, true)), 'sinks')).min(1),
    })
    .describe('pixsed pipeline');
}

/** JSON Schema (draft 2020-12) of the pipeline format, for editor completion. */
export function pipelineJsonSchema(registry: PluginRegistry): Record<string, unknown> {
  return z.toJSONSchema(pipelineSchema(registry), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
