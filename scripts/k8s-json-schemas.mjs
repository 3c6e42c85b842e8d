#!/usr/bin/env node
// Strict JSON schemas for kubeconform from a Kubernetes release's own OpenAPI v3 document (e.g.
// api/openapi-spec/v3/api__v1_openapi.json of the k8s.io/kubernetes module, which the Go module
// proxy serves): kubeconform otherwise downloads them from GitHub, which CI here cannot reach.
// Usage: node scripts/k8s-json-schemas.mjs <openapi-v3.json>... <out-dir>
// Writes one file per kind in kubeconform's layout, `<kind>-<version>.json` (core group) or
// `<kind>-<group's first label>-<version>.json`, each standalone: the kind's schema with every
// schema it references under `definitions`. Strict as kubeconform's "-strict" schemas are: an
// object schema that lists properties gets `additionalProperties: false`; apiVersion and kind are
// pinned to the kind's own. Descriptions are dropped (they are most of the size).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
if (args.length < 2) {
  console.error('usage: k8s-json-schemas.mjs <openapi-v3.json>... <out-dir>');
  process.exit(2);
}
const outDir = args.pop();
const schemas = {};
for (const file of args) Object.assign(schemas, JSON.parse(readFileSync(file, 'utf8')).components?.schemas ?? {});

const PREFIX = '#/components/schemas/';
/** A copy with $refs pointing into `definitions`, descriptions dropped, objects closed. */
function convert(node, refs) {
  if (Array.isArray(node)) return node.map((n) => convert(n, refs));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description') continue;
    if (k === '$ref' && typeof v === 'string' && v.startsWith(PREFIX)) {
      const name = v.slice(PREFIX.length);
      refs.add(name);
      out.$ref = `#/definitions/${name}`;
    } else if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convert(s, refs)]));
    } else {
      out[k] = convert(v, refs);
    }
  }
  if (out.properties !== undefined && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

mkdirSync(outDir, { recursive: true });
let written = 0;
for (const [name, schema] of Object.entries(schemas)) {
  for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
    if (!schema.properties?.kind) continue; // list and option types without their own objects
    const refs = new Set();
    const root = convert(schema, refs);
    const definitions = {};
    // Every schema reachable from the kind; each is converted once, so the walk ends.
    for (const queue = [...refs]; queue.length > 0;) {
      const ref = queue.shift();
      if (definitions[ref] !== undefined) continue;
      if (!schemas[ref]) throw new Error(`${name}: $ref ${ref} is not in the given documents`);
      const more = new Set();
      definitions[ref] = convert(schemas[ref], more);
      for (const m of more) if (definitions[m] === undefined) queue.push(m);
    }
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    root.properties.apiVersion = { type: 'string', enum: [apiVersion] };
    root.properties.kind = { type: 'string', enum: [gvk.kind] };
    root.required = [...new Set([...(root.required ?? []), 'apiVersion', 'kind'])];
    const file = `${gvk.kind.toLowerCase()}-${gvk.group ? `${gvk.group.split('.')[0]}-` : ''}${gvk.version}.json`.toLowerCase();
    writeFileSync(join(outDir, file), JSON.stringify({ $comment: `generated from ${name} by scripts/k8s-json-schemas.mjs`, ...root, definitions }));
    written++;
  }
}
if (written === 0) {
  console.error('k8s-json-schemas: no kinds found in the given documents');
  process.exit(1);
}
console.error(`k8s-json-schemas: wrote ${written} schemas into ${outDir}`);
