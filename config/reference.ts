// The config reference (docs/reference/config.md) rendered from the zod schemas themselves, so the
// docs cannot drift from what the loader accepts: a test compares the file with this output.
import { z } from 'zod';
import { configSchema } from './schema.js';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
};

interface Row {
  path: string;
  type: string;
  fallback: string;
  rule: string;
  description: string;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeOf))].join(' \\| ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object') return `map of ${typeOf(s.additionalProperties)}`;
  if (Array.isArray(s.type)) return s.type.join(' \\| ');
  return s.type ?? 'any';
}

function ruleOf(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minLength) parts.push('not empty');
  if (s.minItems) parts.push(`at least ${s.minItems}`);
  if (s.pattern) parts.push(`\`${s.pattern.replaceAll('|', '\\|')}\``);
  return parts.join(', ');
}

function cell(text: string): string {
  return text.replaceAll('\n', ' ').replaceAll('|', '\\|');
}

function walk(s: JsonSchema, path: string, required: boolean, rows: Row[]): void {
  const fallback = s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : required ? 'required' : '—';
  const isObject = s.type === 'object' && s.properties;
  if (path && !(isObject && !s.description)) {
    rows.push({ path, type: isObject ? 'object' : typeOf(s), fallback, rule: ruleOf(s), description: s.description ?? '' });
  }
  if (isObject) {
    const req = new Set(s.required ?? []);
    for (const [name, child] of Object.entries(s.properties!)) walk(child, path ? `${path}.${name}` : name, req.has(name), rows);
  } else if (s.type === 'array' && s.items?.properties) {
    walk({ ...s.items, description: undefined }, `${path}[]`, false, rows);
  } else if (s.type === 'object' && typeof s.additionalProperties === 'object' && s.additionalProperties.properties) {
    walk({ ...s.additionalProperties, description: undefined }, `${path}.<name>`, false, rows);
  }
}

/** The whole config reference as Markdown, one table per top-level section. */
export function renderConfigReference(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: string[] = [
    '# Config reference',
    '',
    '<!-- Generated from the zod schemas by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'One JSON file (`chaosgate.config.json`, or `-c FILE`); every section is optional. Every object is',
    'strict: a misspelt field is an error naming it (exit 2). `--set path=value` overrides one field.',
    '',
  ];
  for (const [section, schema] of Object.entries(root.properties ?? {})) {
    if (section === '$schema') continue;
    const rows: Row[] = [];
    walk(schema, section, false, rows);
    out.push(`## \`${section}\``, '');
    if (schema.description) out.push(schema.description, '');
    out.push('| field | type | default | rule | meaning |', '| --- | --- | --- | --- | --- |');
    for (const r of rows) out.push(`| \`${r.path}\` | ${cell(r.type)} | ${cell(r.fallback)} | ${cell(r.rule)} | ${cell(r.description)} |`);
    out.push('');
  }
  return out.join('\n');
}
