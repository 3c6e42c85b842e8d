// The k6 scenarios chaosgate ships (scenarios/<name>.ts), run by the real k6.
import { join } from 'node:path';
import { projectRoot } from '../lib/tools.js';
import { UsageError } from '../lib/errors.js';

export const SCENARIOS = ['smoke', 'spike', 'soak', 'ingestion', 'ocr', 'chaos-smoke'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

export function scenarioPath(name: ScenarioName): string {
  return join(projectRoot, 'scenarios', `${name}.ts`);
}

/** The scenario of that name, or a UsageError listing the known ones. */
export function requireScenario(name: string, where = 'scenario'): ScenarioName {
  if (!isScenarioName(name)) throw new UsageError(`${where}: unknown scenario "${name}" (one of: ${SCENARIOS.join(', ')})`);
  return name;
}
