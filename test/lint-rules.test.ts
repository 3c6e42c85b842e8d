// The import rules of eslint.config.js bite: source text linted as if it sat at a given path (the
// file need not exist, so this holds before and after folders move), through ESLint's own API.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The import-rule messages ESLint gives `code` placed at `path` (relative to the root): static imports and import(). */
async function importErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  expect(result, `${path} was linted`).toBeDefined();
  const messages = result!.messages;
  // A parse error or "file ignored" (no rule id) would make an empty list meaningless; other rules'
  // findings (an unused import in these snippets) are not the point here.
  expect(messages.filter((m) => m.ruleId === null)).toEqual([]);
  return messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('import rules: forbidden imports are errors that say why', () => {
  const forbidden: [path: string, code: string, says: string][] = [
    ['evaluator/evaluate-new.ts', "import { formatIssues } from '../config/index.js';", 'evaluator/ may not import config/'],
    ['evaluator/readers/new.ts', "import type { ChaosgateConfig } from '../../config/index.js';", 'evaluator/ may not import config/'],
    ['evaluator/new.ts', "export { renderJson } from '../reports/json.js';", 'evaluator/ may not import reports/'],
    ['evaluator/new.ts', "export * from '../chaos/events.js';", 'evaluator/ may not import chaos/'],
    ['evaluator/new.ts', "import '../run/orchestrate.js';", 'evaluator/ may not import run/'],
    ['evaluator/new.ts', "import { analyse } from '../analysis/compute.js';", 'evaluator/ may not import analysis/'],
    ['evaluator/new.ts', "import { probeMetrics } from '../probes/registry.js';", 'evaluator/ may not import probes/'],
    ['reports/new.ts', "import * as hdr from 'hdr-histogram-js';", 'only model/ imports hdr-histogram-js'],
    ['analysis/new.ts', "import * as hdr from 'hdr-histogram-js';", 'only model/ imports hdr-histogram-js'],
    ['test/support/new.ts', "import * as hdr from 'hdr-histogram-js';", 'only model/ imports hdr-histogram-js'],
    ['reports/new.ts', "import { createEvaluation } from '../evaluator/evaluation.js';", 'reports/ may not import evaluator/'],
    ['reports/schema/new.ts', "import { reportSchema } from '../../evaluator/model.js';", 'reports/ may not import evaluator/'],
    ['reports/new.ts', "import { loadConfig } from '../config/index.js';", 'reports/ may not import config/'],
    ['analysis/new.ts', "import type { ReportModel } from '../evaluator/model.js';", 'analysis/ may not import evaluator/'],
    ['analysis/new.ts', "import { renderMarkdown } from '../reports/markdown.js';", 'analysis/ may not import reports/'],
    ['chaos/new.ts', "import { createEvaluation } from '../evaluator/evaluation.js';", 'chaos/ may not import evaluator/'],
    ['chaos/drivers/new.ts', "import { analyse } from '../../analysis/compute.js';", 'chaos/ may not import analysis/'],
    ['target/new.ts', "import { startProxy } from '../chaos/proxy.js';", 'target/ may not import chaos/'],
    ['target/new.ts', "import { x } from '../model/report.js';", 'target/ may not import model/'],
    ['probes/new.ts', "import { x } from '../run/stages.js';", 'probes/ may not import run/'],
    ['config/new.ts', "import { runSectionSchema } from '../run/config.js';", 'config/ may not import run/'],
    ['config/new.ts', "import { program } from '../cli/main.js';", 'config/ may not import cli/'],
    ['lib/new.ts', "import { loadConfig } from '../config/index.js';", 'lib/ may not import config/'],
    ['lib/new.ts', "import { x } from '../model/report.js';", 'lib/ may not import model/'],
    ['model/new.ts', "import { Histogram } from '../evaluator/histogram.js';", 'model/ may not import evaluator/'],
    ['model/new.ts', "import { Command } from 'commander';", 'model/ depends only on zod and hdr-histogram-js'],
    // Allow-lists: edges no deny-list named are refused too.
    ['chaos/new.ts', "import { loadConfig } from '../config/index.js';", 'chaos/ may not import config/ (it may import only model/, lib/)'],
    ['probes/new.ts', "import type { ChaosgateConfig } from '../config/index.js';", 'probes/ may not import config/'],
    ['load/new.ts', "import { runProfile } from '../run/orchestrate.js';", 'load/ may not import run/'],
    ['k8s/new.ts', "import { checkShards } from '../run/shards.js';", 'k8s/ may not import run/'],
    ['reports/new.ts', "import { runK6 } from '../load/k6-runner.js';", 'reports/ may not import load/'],
    ['evaluator/new.ts', "import { x } from '../bench/evaluator.js';", 'evaluator/ may not import bench/'],
    ['lib/new.ts', "import { x } from '../k8s/render.js';", 'lib/ may not import k8s/ (it may import no other project folder)'],
    // A dynamic import() is held to the same lists, at any depth; a computed path is refused.
    ['evaluator/new.ts', "export const load = () => import('../run/orchestrate.js');", 'evaluator/ may not import run/'],
    ['evaluator/readers/new.ts', "export const load = () => import('../../chaos/session.js');", 'evaluator/ may not import chaos/'],
    ['model/new.ts', "export const load = () => import('../evaluator/evaluate.js');", 'model/ may not import evaluator/'],
    ['reports/new.ts', 'export const load = (name: string) => import(`../${name}/index.js`);', 'an import() of a computed path cannot be checked'],
  ];
  it.each(forbidden)('%s: %s', async (path, code, says) => {
    const errors = await importErrors(path, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(says);
    // The message carries the reason, not only the prohibition.
    expect(errors[0]!.slice(errors[0]!.indexOf(says) + says.length).length).toBeGreaterThan(20);
  });
});

describe('import rules: allowed imports pass', () => {
  const allowed: [path: string, code: string][] = [
    [
      'model/histogram.ts',
      "import * as hdr from 'hdr-histogram-js';\nimport { z } from 'zod';\nimport { readFile } from 'node:fs/promises';\nimport { ConfigError } from '../lib/errors.js';\nimport { x } from './report.js';",
    ],
    ['evaluator/new.ts', "import { reportSchema } from '../model/report.js';\nimport { parseDuration } from '../lib/duration.js';\nimport { x } from './series.js';"],
    // evaluator/readers/ reaching evaluator's own config.ts is not the top-level config/.
    ['evaluator/readers/new.ts', "import { evaluateSectionSchema } from '../config.js';\nimport { x } from '../../model/events.js';"],
    ['reports/new.ts', "import type { ReportModel } from '../model/report.js';\nimport { analyse } from '../analysis/compute.js';"],
    ['analysis/new.ts', "import { mergedPercentiles } from '../model/histogram.js';"],
    ['chaos/new.ts', "import type { ChaosEvent } from '../model/events.js';\nimport { x } from '../lib/errors.js';\nimport { y } from './faults/index.js';"],
    ['target/new.ts', "import { connectRedis } from './redis.js';\nimport { x } from '../lib/errors.js';\nimport { Redis } from 'ioredis';"],
    ['config/new.ts', "import { evaluateSectionSchema } from '../evaluator/config.js';\nimport { chaosSectionSchema } from '../chaos/config.js';"],
    [
      'run/new.ts',
      "import { loadConfig } from '../config/index.js';\nimport { createEvaluation } from '../evaluator/evaluation.js';\nimport { renderJson } from '../reports/json.js';",
    ],
    // A test beside the code builds its input with the real upstream stage.
    ['reports/new.test.ts', "import { createEvaluation } from '../evaluator/evaluation.js';"],
    // Each folder's allow-list: its own files, a dynamic import() of an allowed folder.
    ['load/new.ts', "import { x } from '../scenarios/lib/x.js';\nimport { y } from '../target/server.js';\nexport const z = () => import('./k6-runner.js');"],
    ['evaluator/new.ts', "export const load = () => import('../model/report.js');"],
    ['config/new.ts', "import { probeKinds } from '../probes/registry.js';\nimport { x } from '../load/scenario-config.js';"],
  ];
  it.each(allowed)('%s', async (path, code) => {
    expect(await importErrors(path, code)).toEqual([]);
  });
});
