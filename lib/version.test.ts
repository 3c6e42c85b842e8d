// package.json is the one place chaosgate's version is written: what the CLI prints, what a report
// and an evaluation state carry, and the init workflow's action tag all come from it.
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/program.js';
import { createEvaluation } from '../evaluator/evaluation.js';
import { exportState } from '../evaluator/state.js';
import { ACTION_PLACEHOLDER } from './init-project.js';
import { CHAOSGATE_VERSION } from './version.js';

const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('the chaosgate version', () => {
  it("is package.json's", () => {
    expect(packageVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(CHAOSGATE_VERSION).toBe(packageVersion);
  });

  it('is what `chaosgate --version` prints', async () => {
    let out = '';
    const program = buildProgram().configureOutput({ writeOut: (s) => (out += s) });
    const err = await program.parseAsync(['--version'], { from: 'user' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).code).toBe('commander.version');
    expect(out).toBe(`${packageVersion}\n`);
  });

  it("is the report's tool.version and the evaluation state's tool", () => {
    const ev = createEvaluation();
    ev.ingestLine(JSON.stringify({ metric: 'http_reqs', type: 'Point', data: { time: new Date(Date.UTC(2026, 0, 1)).toISOString(), value: 1, tags: null } }), 'gen', 1);
    expect(exportState(ev).tool).toBe(packageVersion);
    expect(ev.finish().tool).toEqual({ name: 'chaosgate', version: packageVersion });
  });

  it('tags the action in the workflow `chaosgate init` writes', () => {
    expect(ACTION_PLACEHOLDER).toBe(`YOUR-ORG/chaosgate@v${packageVersion}`);
  });
});
