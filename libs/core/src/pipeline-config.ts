import { z } from 'zod';
import { LineCounter, parseDocument, parse as parseYamlValue, isNode } from 'yaml';
import { ConfigError, type ConfigIssue } from './errors.js';
import { entrySchema, runSettingsSchema, type PluginRegistry, type RunSettings } from './registry.js';
import type { PluginDefinition, SinkDefinition, SourceDefinition, StageDefinition } from './stage.js';

export interface PluginEntry<D extends PluginDefinition = PluginDefinition> {
  type: string;
  name: string;
  config: Record<string, unknown>;
  def: D;
}

export interface PipelineConfig {
  name: string;
  description?: string;
  file?: string;
  run: RunSettings;
  source: PluginEntry<SourceDefinition>;
  stages: PluginEntry<StageDefinition>[];
  sinks: PluginEntry<SinkDefinition>[];
}

type Path = (string | number)[];

/** `['stages', 2, 'snrThreshold']` → `stages[2].snrThreshold` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Apply `--set a.b.c=value` overrides. Stages and sinks are addressed by name (or type, or index). */
export function applyOverrides(raw: Record<string, any>, overrides: string[], file?: string): void {
  const issues: ConfigIssue[] = [];
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) {
      issues.push({ path: o, message: `--set expects key=value, got '${o}'` });
      continue;
    }
    const keys = o.slice(0, eq).split('.');
    const value = parseYamlValue(o.slice(eq + 1));
    let target: any = raw;
    let ok = true;
    for (let i = 0; i < keys.length - 1 && ok; i++) {
      const k = keys[i];
      if (Array.isArray(target)) {
        const idx = /^\d+$/.test(k) ? Number(k) : target.findIndex((e: any) => (e?.name ?? e?.type) === k);
        if (idx < 0 || idx >= target.length) {
          const names = target.map((e: any) => e?.name ?? e?.type).join(', ');
          issues.push({ path: keys.slice(0, i + 1).join('.'), message: `--set ${o}: no entry named '${k}' (have: ${names})` });
          ok = false;
        } else target = target[idx];
      } else {
        if (target[k] === undefined) target[k] = {};
        if (typeof target[k] !== 'object' || target[k] === null) {
          issues.push({ path: keys.slice(0, i + 1).join('.'), message: `--set ${o}: '${k}' is not a mapping` });
          ok = false;
        } else target = target[k];
      }
    }
    if (ok) target[keys[keys.length - 1]] = value;
  }
  if (issues.length) throw new ConfigError(file, issues);
}

/**
 * Validate a parsed pipeline object against the registry. Every problem is collected and
 * reported together with its YAML path; unknown keys and unknown plug-in types are errors.
 */
export function validatePipeline(raw: unknown, registry: PluginRegistry, file?: string, locate?: (path: Path) => string): PipelineConfig {
  const issues: ConfigIssue[] = [];
  const at = (path: Path, message: string) => issues.push({ path: formatPath(path), message: message + (locate ? locate(path) : '') });

  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, [{ path: '', message: 'expected a YAML mapping with name, source, stages, sinks' }]);
  }
  const obj = raw as Record<string, any>;
  const topKeys = ['$schema', 'name', 'description', 'run', 'source', 'stages', 'sinks'];
  for (const k of Object.keys(obj)) if (!topKeys.includes(k)) at([k], `unknown key '${k}' (allowed: ${topKeys.slice(1).join(', ')})`);
  if (typeof obj.name !== 'string') at(['name'], `expected a string pipeline name, got ${JSON.stringify(obj.name)}`);

  const reportZod = (prefix: Path, error: z.ZodError, schema: z.ZodObject<any>, label: string) => {
    for (const i of error.issues) {
      const p = [...prefix, ...(i.path as (string | number)[])];
      if (i.code === 'unrecognized_keys') {
        const keys = i.keys.map((k) => `'${k}'`).join(', ');
        at(p, `unknown key${i.keys.length > 1 ? 's' : ''} ${keys} (allowed for ${label}: ${Object.keys(schema.shape).join(', ')})`);
      } else at(p, i.message);
    }
  };

  const runParsed = runSettingsSchema.safeParse(obj.run ?? {});
  if (!runParsed.success) reportZod(['run'], runParsed.error, runSettingsSchema, 'run');
  const run: RunSettings = runParsed.success ? runParsed.data : runSettingsSchema.parse({});

  const entry = (kind: 'source' | 'stage' | 'sink', value: unknown, path: Path): PluginEntry | undefined => {
    const map = kind === 'stage' ? registry.stages : kind === 'source' ? registry.sources : registry.sinks;
    const known = [...map.keys()].join(', ');
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      at(path, `expected a mapping with 'type' (one of: ${known})`);
      return undefined;
    }
    const type = (value as any).type;
    const def = typeof type === 'string' ? map.get(type) : undefined;
    if (!def) {
      at([...path, 'type'], `unknown ${kind} type ${JSON.stringify(type)} (expected one of: ${known})`);
      return undefined;
    }
    const schema = entrySchema(def, kind !== 'source');
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      reportZod(path, parsed.error, schema, `${kind} '${type}'`);
      return undefined;
    }
    const { type: _t, name, ...config } = parsed.data as Record<string, any>;
    return { type, name: (name as string | undefined) ?? type, config, def };
  };

  const source = entry('source', obj.source, ['source']);
  const stagesRaw = obj.stages ?? [];
  if (!Array.isArray(stagesRaw)) at(['stages'], 'expected a list of stages');
  const stages = (Array.isArray(stagesRaw) ? stagesRaw : []).map((s, i) => entry('stage', s, ['stages', i]));
  const sinksRaw = obj.sinks;
  if (!Array.isArray(sinksRaw) || sinksRaw.length === 0) at(['sinks'], 'expected a non-empty list of sinks');
  const sinks = (Array.isArray(sinksRaw) ? sinksRaw : []).map((s, i) => entry('sink', s, ['sinks', i]));

  const seen = new Map<string, number>();
  stages.forEach((s, i) => {
    if (!s) return;
    if (seen.has(s.name)) at(['stages', i, 'name'], `duplicate stage name '${s.name}' (also stages[${seen.get(s.name)}]); give one a distinct 'name'`);
    seen.set(s.name, i);
  });

  if (issues.length) throw new ConfigError(file, issues);
  return {
    name: obj.name,
    description: obj.description,
    file,
    run,
    source: source as PluginEntry<SourceDefinition>,
    stages: stages as PluginEntry<StageDefinition>[],
    sinks: sinks as PluginEntry<SinkDefinition>[],
  };
}

/** Parse YAML text (with `--set` overrides) and validate it; errors carry file, YAML path and line. */
export function parsePipelineYaml(text: string, registry: PluginRegistry, file?: string, overrides: string[] = []): PipelineConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: '', message: `YAML syntax error: ${e.message}` })),
    );
  }
  const raw = doc.toJS() as Record<string, any>;
  if (raw && typeof raw === 'object') applyOverrides(raw, overrides, file);
  const locate = (path: Path) => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return ` (line ${line}, column ${col})`;
      }
    }
    return '';
  };
  return validatePipeline(raw, registry, file, overrides.length ? undefined : locate);
}
