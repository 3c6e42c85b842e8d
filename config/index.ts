// Reads, overrides and validates the one config file. Every error names its place: the file and
// line for JSON syntax, the field path for a value, the env var or --set flag for an override.
import { formatIssues } from '../lib/zod-issues.js';
import { readFile } from 'node:fs/promises';
import { ConfigError, UsageError } from '../lib/errors.js';
import { jsonErrorOffset, lineColOf } from '../lib/json-error.js';
import { duplicateKeys } from '../lib/json-duplicates.js';
import { configSchema, type ChaosgateConfig } from './schema.js';

export { configSchema, type ChaosgateConfig } from './schema.js';

/**
 * Env vars that override one config field each. Secrets are not here: they are read from env
 * where they are used and never enter the config object (so never reach a report).
 */
export const envOverrides: Record<string, string> = {
  CHAOSGATE_REDIS_URL: 'redis.url',
  CHAOSGATE_BASE_URL: 'load.baseUrl',
  CHAOSGATE_SOAK_DURATION: 'load.soak.duration',
  CHAOSGATE_BASELINE_REPORT: 'evaluate.baselineReport',
  CHAOSGATE_MALFORMED_TOLERANCE: 'evaluate.malformedTolerance',
};

/**
 * Fields that no longer exist, with what replaces each: a config that still sets one is refused
 * with the replacement named (zod alone would only say "Unrecognized key").
 */
export const retiredFields: Record<string, string> = {
  'run.previousReport': 'evaluate.baselineReport (env CHAOSGATE_BASELINE_REPORT, flag --baseline), the one setting for the previous report',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Removes the retired fields found in `raw`, returning one issue line for each. */
function takeRetiredFields(raw: Record<string, unknown>): string[] {
  const issues: string[] = [];
  for (const [path, replacement] of Object.entries(retiredFields)) {
    const keys = path.split('.');
    const last = keys.pop()!;
    let parent: unknown = raw;
    for (const key of keys) parent = isObject(parent) && Object.hasOwn(parent, key) ? parent[key] : undefined;
    if (!isObject(parent) || !Object.hasOwn(parent, last)) continue;
    delete parent[last];
    issues.push(`${path}: no longer a config field; use ${replacement}`);
  }
  return issues;
}

export interface LoadConfigOptions {
  /** Path of the JSON config; omitted: defaults only. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** `path=value` pairs from `--set`; value parsed as JSON when it parses, else a string. */
  set?: string[];
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // Node does not always say where (e.g. "Unexpected token 'x', … is not valid JSON"): find it.
    const offset = jsonErrorOffset(text);
    const where = offset >= 0 ? `${source}:${Object.values(lineColOf(text, offset)).join(':')}` : source;
    const reason = (err as Error).message
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/, (\.\.\.)?".*" is not valid JSON$/s, '')
      // A newline or tab as the token would break the message's line: show it escaped.
      .replace(/^Unexpected token '([\s\S])'/, (_m, ch: string) => `Unexpected token ${JSON.stringify(ch)}`);
    throw new ConfigError(where, [`not valid JSON: ${reason}`]);
  }
}

/** Path segments that would reach Object.prototype (or a constructor) instead of a config field. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Sets a dotted path inside a plain object, creating objects on the way; a numeric key indexes an
 * existing array (`gates.0.expression`), so an override never turns a list into an object.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const forbidden = keys.find((k) => FORBIDDEN_SEGMENTS.has(k));
  if (forbidden !== undefined) throw new UsageError(`${path}: "${forbidden}" is not allowed as a path segment`);
  let node: Record<string, unknown> | unknown[] = target;
  const isIndex = (container: unknown, key: string) => Array.isArray(container) && /^\d+$/.test(key);
  const get = (container: Record<string, unknown> | unknown[], key: string): unknown =>
    isIndex(container, key) ? (container as unknown[])[Number(key)] : Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
  const set = (container: Record<string, unknown> | unknown[], key: string, v: unknown) => {
    if (isIndex(container, key)) (container as unknown[])[Number(key)] = v;
    else (container as Record<string, unknown>)[key] = v;
  };
  for (const key of keys.slice(0, -1)) {
    let next = get(node, key);
    if (typeof next !== 'object' || next === null) {
      next = {};
      set(node, key, next);
    }
    node = next as Record<string, unknown> | unknown[];
  }
  set(node, keys[keys.length - 1]!, value);
}

function overrideValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export { formatIssues };

export async function loadConfig(opts: LoadConfigOptions = {}): Promise<ChaosgateConfig> {
  const env = opts.env ?? process.env;
  let raw: Record<string, unknown> = {};
  let source = '(defaults)';
  if (opts.file) {
    source = opts.file;
    let text: string;
    try {
      text = await readFile(opts.file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read config ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    // A byte-order mark (editors on Windows write one) is not part of the JSON.
    const parsed = parseJson(text.replace(/^\uFEFF/, ''), opts.file);
    // JSON.parse keeps the last of two equal keys: a second "gates" would drop the first silently.
    const dups = duplicateKeys(text.replace(/^\uFEFF/, ''));
    if (dups.length)
      throw new ConfigError(
        opts.file,
        dups.map((d) => `${opts.file}:${d.line}:${d.col}: ${d.path}: key given twice (first on line ${d.firstLine}); JSON keeps only the last`),
      );
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(opts.file, ['(top level): must be a JSON object']);
    }
    raw = parsed as Record<string, unknown>;
  }
  const applied: string[] = [];
  for (const [name, path] of Object.entries(envOverrides)) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      setPath(raw, path, overrideValue(value));
      applied.push(`${name} -> ${path}`);
    }
  }
  for (const pair of opts.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${pair}: expected path=value`);
    try {
      setPath(raw, pair.slice(0, eq), overrideValue(pair.slice(eq + 1)));
    } catch (err) {
      throw err instanceof UsageError ? new UsageError(`--set ${err.message}`) : err;
    }
    applied.push(`--set ${pair.slice(0, eq)}`);
  }
  const retired = takeRetiredFields(raw);
  const result = configSchema.safeParse(raw);
  if (!result.success || retired.length > 0) {
    const where = applied.length ? `${source} (with overrides: ${applied.join(', ')})` : source;
    throw new ConfigError(where, [...retired, ...(result.success ? [] : formatIssues(result.error))]);
  }
  return result.data;
}
