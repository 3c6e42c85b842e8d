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
  propertyNames?: JsonSchema;
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
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeOf))].join(' | ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object') return `map of ${typeOf(s.additionalProperties)}`;
  if (Array.isArray(s.type)) return s.type.join(' | ');
  return s.type ?? 'any';
}

function ruleOf(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  // zod's .int() alone sets the safe-integer bound: not a rule the user chose.
  if (s.maximum !== undefined && s.maximum !== Number.MAX_SAFE_INTEGER) parts.push(`≤ ${s.maximum}`);
  if (s.minLength) parts.push('not empty');
  if (s.minItems) parts.push(`at least ${s.minItems}`);
  if (s.pattern) parts.push(`\`${s.pattern}\``);
  if (s.propertyNames?.pattern) parts.push(`names \`${s.propertyNames.pattern}\``);
  return parts.join(', ');
}

/**
 * A table cell: one line, its pipes escaped once (GFM unescapes `\|` inside code spans too). Outside
 * code spans `<NAME>` would be taken for an HTML tag and dropped, and `http-*, tcp-*` for emphasis.
 */
export function markdownCell(text: string): string {
  const parts = text.replaceAll('\n', ' ').split(/(`[^`]*`)/);
  return parts
    .map((part, i) => (i % 2 === 1 ? part : part.replaceAll('<', '&lt;').replaceAll('*', '\\*')))
    .join('')
    .replaceAll('|', '\\|');
}

/** The property every alternative fixes to a constant (a discriminated union's `kind`), if any. */
function discriminatorOf(alts: JsonSchema[]): string | undefined {
  const first = alts[0]?.properties;
  if (!first || !alts.every((a) => a.type === 'object' && a.properties)) return undefined;
  return Object.keys(first).find((key) => alts.every((a) => a.properties![key]?.const !== undefined));
}

function walkProperties(s: JsonSchema, path: string, rows: Row[], skip: ReadonlySet<string> = new Set()): void {
  const req = new Set(s.required ?? []);
  for (const [name, child] of Object.entries(s.properties ?? {})) {
    if (!skip.has(name)) walk(child, path ? `${path}.${name}` : name, req.has(name), rows);
  }
}

/**
 * Items that are one of several object shapes told apart by a constant field (probes by `kind`):
 * the constant and the fields every shape shares once under `path[]`, the rest under `path[kind=…]`.
 */
function walkVariants(alts: JsonSchema[], key: string, path: string, rows: Row[]): void {
  const first = alts[0]!;
  rows.push({
    path: `${path}[].${key}`,
    type: alts.map((a) => JSON.stringify(a.properties![key]!.const)).join(' | '),
    fallback: alts.every((a) => a.required?.includes(key)) ? 'required' : '—',
    rule: '',
    description: alts.map((a) => a.properties![key]!.description).find((d) => d) ?? '',
  });
  const shared = new Set(
    Object.keys(first.properties!).filter(
      (name) =>
        name !== key &&
        alts.every((a) => JSON.stringify(a.properties![name]) === JSON.stringify(first.properties![name]) && a.required?.includes(name) === first.required?.includes(name)),
    ),
  );
  walkProperties({ ...first, properties: Object.fromEntries([...shared].map((n) => [n, first.properties![n]!])) }, `${path}[]`, rows);
  for (const alt of alts) walkProperties(alt, `${path}[${key}=${String(alt.properties![key]!.const)}]`, rows, new Set([key, ...shared]));
}

function walk(s: JsonSchema, path: string, required: boolean, rows: Row[], row = true): void {
  const fallback = s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : required ? 'required' : '—';
  const isObject = s.type === 'object' && s.properties;
  if (row && path && !(isObject && !s.description)) {
    rows.push({ path, type: isObject ? 'object' : typeOf(s), fallback, rule: ruleOf(s), description: s.description ?? '' });
  }
  const items = s.type === 'array' ? s.items : undefined;
  const itemAlts = items && (items.oneOf ?? items.anyOf);
  const discriminator = itemAlts && discriminatorOf(itemAlts);
  if (isObject) {
    walkProperties(s, path, rows);
  } else if (items?.properties) {
    walk({ ...items, description: undefined }, `${path}[]`, false, rows);
  } else if (itemAlts && discriminator) {
    walkVariants(itemAlts, discriminator, path, rows);
  } else if (s.type === 'object' && typeof s.additionalProperties === 'object' && s.additionalProperties.properties) {
    walk({ ...s.additionalProperties, description: undefined }, `${path}.<name>`, false, rows);
  }
}

/**
 * zod leaves out the default of a field whose schema transforms (durations, objects holding one)
 * when it renders the input side; the default is still what an omitted field becomes, so put it back.
 */
function keepDefaults({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const def = zodSchema._zod.def;
  if ((def.type === 'default' || def.type === 'prefault') && jsonSchema.default === undefined) {
    jsonSchema.default = JSON.parse(JSON.stringify(def.defaultValue)) as unknown;
  }
}

/** The whole config reference as Markdown, one table per top-level section. */
export function renderConfigReference(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', override: keepDefaults }) as JsonSchema;
  const out: string[] = [
    '# Config reference',
    '',
    '<!-- Generated from the zod schemas by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'One JSON file (`chaosgate.config.json`, or `-c FILE`); every section is optional. Every object is',
    'strict: a misspelt field is an error naming it (exit 2). `--set path=value` overrides one field.',
    'A duration is whole milliseconds (a number) or k6 text (`500ms`, `30s`, `2m`, `1h30m`).',
    '',
  ];
  for (const [section, schema] of Object.entries(root.properties ?? {})) {
    if (section === '$schema') continue;
    const rows: Row[] = [];
    // An object section's meaning is the paragraph under its heading, not a row of its own.
    const isObjectSection = schema.type === 'object' && schema.properties !== undefined;
    walk(schema, section, false, rows, !isObjectSection);
    out.push(`## \`${section}\``, '');
    // A section that is a list or a map has a row of its own, which carries its meaning.
    if (schema.description && isObjectSection) out.push(schema.description, '');
    out.push('| field | type | default | rule | meaning |', '| --- | --- | --- | --- | --- |');
    for (const r of rows) out.push(`| \`${r.path}\` | ${markdownCell(r.type)} | ${markdownCell(r.fallback)} | ${markdownCell(r.rule)} | ${markdownCell(r.description)} |`);
    out.push('');
  }
  return out.join('\n');
}
