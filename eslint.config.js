// `npm run lint`: correctness rules the code passes, and the import rules that keep the folders
// reading as the pipeline (CONTRIBUTING.md, "Import rules"). No stylistic rules: Prettier formats.
import tseslint from 'typescript-eslint';

// Every top-level folder of the project's own code; an import of one of them from another folder is
// what the rules below allow or forbid.
const PROJECT_FOLDERS = [
  'analysis',
  'bench',
  'bin',
  'chaos',
  'cli',
  'config',
  'evaluator',
  'k8s',
  'lib',
  'load',
  'model',
  'probes',
  'reports',
  'run',
  'scenarios',
  'scripts',
  'target',
  'templates',
  'test',
];

const HDR_ONLY_IN_MODEL = {
  name: 'hdr-histogram-js',
  message: 'only model/ imports hdr-histogram-js: histogram merge, encode and percentiles are one definition (model/histogram.ts), so every figure is computed the same way.',
};

// The deepest a source file sits below its top-level folder (e.g. evaluator/readers/x.ts is 2).
const MAX_DEPTH = 5;

/**
 * One block per nesting depth of `folder`, from its allow-list: every project folder not in
 * `allowed` (nor `folder` itself) is forbidden. A relative import reaches another top-level folder
 * with exactly `depth` leading `../`, so the pattern is exact for each depth. Static imports and
 * re-exports are `no-restricted-imports`; a dynamic `import()` is `no-restricted-syntax` (the same
 * patterns on its literal path; a computed path cannot be checked, so it is refused outright).
 * Tests beside the code are exempt: they build their inputs with the real upstream stages (a writer's
 * test renders a real evaluation), which is the point of an honest test, not a dependency of the code.
 */
function importRule(folder, allowed, why, { allowHdr = false, packages } = {}) {
  const forbidden = PROJECT_FOLDERS.filter((other) => other !== folder && !allowed.includes(other));
  const allowedText = allowed.length ? `it may import only ${allowed.map((a) => `${a}/`).join(', ')}` : 'it may import no other project folder';
  const blocks = [];
  for (let depth = 1; depth <= MAX_DEPTH; depth++) {
    const patterns = forbidden.map((other) => ({
      regex: `^(\\.\\./){${depth}}${other}(/|$)`,
      message: `${folder}/ may not import ${other}/ (${allowedText}): ${why}`,
    }));
    if (packages) patterns.push(packages);
    // esquery reads a regex up to the next "/": the slashes are written \x2F.
    const dynamic = forbidden.map((other) => ({
      selector: `ImportExpression[source.value=/^(\\.\\.\\x2F){${depth}}${other}(\\x2F|$)/]`,
      message: `${folder}/ may not import ${other}/ (${allowedText}), not with import() either: ${why}`,
    }));
    dynamic.push({
      selector: "ImportExpression[source.type!='Literal']",
      message: `${folder}/: an import() of a computed path cannot be checked against the import rules; import a literal path`,
    });
    blocks.push({
      name: `import rules: ${folder}/ (depth ${depth})`,
      files: [`${folder}/${'*/'.repeat(depth - 1)}*.{ts,mts,js,mjs}`],
      ignores: ['**/*.test.ts'],
      rules: {
        'no-restricted-imports': ['error', { paths: allowHdr ? [] : [HDR_ONLY_IN_MODEL], patterns }],
        'no-restricted-syntax': ['error', ...dynamic],
      },
    });
  }
  return blocks;
}

const NODE_GLOBALS = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  fetch: 'readonly',
  AbortController: 'readonly',
  performance: 'readonly',
};

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'tools/', 'results/', '.chaosgate/', '.ci/', 'coverage/'],
  },
  {
    name: 'correctness: all code',
    files: ['**/*.{ts,mts,js,mjs}'],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: NODE_GLOBALS,
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'for-direction': 'error',
      'getter-return': 'error',
      'no-async-promise-executor': 'error',
      'no-case-declarations': 'error',
      'no-compare-neg-zero': 'error',
      'no-cond-assign': 'error',
      'no-constant-binary-expression': 'error',
      'no-constant-condition': 'error',
      'no-debugger': 'error',
      'no-dupe-else-if': 'error',
      'no-duplicate-case': 'error',
      'no-empty': 'error',
      'no-empty-character-class': 'error',
      'no-empty-pattern': 'error',
      'no-ex-assign': 'error',
      'no-fallthrough': 'error',
      'no-invalid-regexp': 'error',
      'no-irregular-whitespace': 'error',
      'no-loss-of-precision': 'error',
      'no-misleading-character-class': 'error',
      'no-self-assign': 'error',
      'no-self-compare': 'error',
      'no-shadow-restricted-names': 'error',
      'no-sparse-arrays': 'error',
      'no-unsafe-finally': 'error',
      'no-unsafe-negation': 'error',
      'no-unsafe-optional-chaining': 'error',
      'no-unused-labels': 'error',
      'no-unused-private-class-members': 'error',
      'no-useless-backreference': 'error',
      'no-useless-catch': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      'require-yield': 'error',
      'use-isnan': 'error',
      'valid-typeof': 'error',
      'no-restricted-imports': ['error', { paths: [HDR_ONLY_IN_MODEL] }],
    },
  },
  {
    name: 'correctness: TypeScript',
    files: ['**/*.{ts,mts}'],
    rules: {
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-array-constructor': 'error',
      '@typescript-eslint/no-duplicate-enum-values': 'error',
      '@typescript-eslint/no-extra-non-null-assertion': 'error',
      '@typescript-eslint/no-misused-new': 'error',
      '@typescript-eslint/no-non-null-asserted-optional-chain': 'error',
      '@typescript-eslint/no-unsafe-declaration-merging': 'error',
      '@typescript-eslint/no-unused-expressions': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-wrapper-object-types': 'error',
      '@typescript-eslint/prefer-as-const': 'error',
    },
  },
  {
    name: 'correctness: plain JavaScript',
    files: ['**/*.{js,mjs}'],
    rules: {
      'no-undef': 'error',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },

  // The import rules, as allow-lists (CONTRIBUTING.md, "Import rules"): a folder imports what its
  // line names and nothing else, so a new folder or a new edge is a decision here, not an accident.
  // run/, cli/ (they orchestrate), bench/, scripts/ and test/ have no list.
  ...importRule('model', ['lib'], 'model/ is the contract every stage shares (report schema, histograms, error rate, metric names, events file); it depends on nothing but lib/.', {
    allowHdr: true,
    packages: {
      regex: '^(?!\\.|node:|zod(/|$)|hdr-histogram-js(/|$))',
      message: 'model/ depends only on zod and hdr-histogram-js (and lib/): the contract stays small and loads anywhere.',
    },
  }),
  ...importRule('lib', [], 'lib/ is the shared ground floor (errors, durations, tools); a lib/ file importing a stage would make every stage depend on it.'),
  ...importRule(
    'evaluator',
    ['model', 'lib'],
    'the evaluator takes its own options and produces the report model (model/); config/ composes its options, run/ wires it to chaos and probes, reports/ presents its output.',
  ),
  ...importRule(
    'reports',
    ['model', 'analysis', 'lib'],
    "writers present the report model (model/) only, so a report can be rendered from any saved report.json; computing is the evaluator's and analysis's job.",
  ),
  ...importRule(
    'analysis',
    ['model', 'lib'],
    'analysis computes from the report model (model/) alone, so evaluate, merge and run give the same analysis; presenting it is reports/.',
  ),
  ...importRule(
    'chaos',
    ['model', 'lib'],
    "chaos switches faults and writes the events file (model/events.ts) from its own section (chaos/config.ts); judging the run is the evaluator's, orchestration is run/, composing the config is config/.",
  ),
  ...importRule('target', ['lib'], "target/ is the reference demo service, a stand-in for the user's own service: it knows nothing of the harness that tests it."),
  ...importRule(
    'probes',
    ['model', 'lib'],
    'probes sample queues into metric samples from their own config fields; the evaluator consumes them, run/ wires them and config/ composes their schemas, not the other way round.',
  ),
  ...importRule(
    'config',
    ['evaluator', 'chaos', 'probes', 'load', 'target', 'model', 'lib'],
    'config/ composes the section schemas of the packages; run/ and cli/ sit on top of config, so importing them makes a cycle.',
  ),
  ...importRule(
    'load',
    ['scenarios', 'target', 'model', 'lib'],
    "load/ spawns k6 with the built-in scenarios' config; orchestrating a run around it is run/'s, so load/ never reaches up into it.",
  ),
  ...importRule('k8s', ['model', 'lib'], "k8s/ renders k6-operator manifests from the arguments it is given; a run's stages are run/'s, which calls it."),
);
