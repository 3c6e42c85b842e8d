// `chaosgate init`: writes a config, an example k6 script and a GitHub workflow into a repository.
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { ACTION_PLACEHOLDER, DEFAULT_SERVICE_URL, INIT_DRIVERS, INIT_FILES, INIT_STACKS, initProject, type InitDriver } from '../../lib/init-project.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
/** Relative to here when inside it, else absolute. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
};

export function register(program: Command): void {
  program
    .command('init')
    .description(
      `write ${INIT_FILES.map((f) => f.target).join(', ')} (with --driver locust: ${INIT_DRIVERS.locust.load} for the script) for gating your own service; refuses to overwrite (exit 2)`,
    )
    .option('--service-url <url>', 'the service the example load calls (services.web.url)', DEFAULT_SERVICE_URL)
    .option('--dir <dir>', 'the repository to write into', '.')
    .option('--action <ref>', `the workflow's \`uses:\` for chaosgate's action (default ${ACTION_PLACEHOLDER}: replace it)`)
    .option(
      '--stack <stack>',
      `what to gate: ${Object.keys(INIT_STACKS).join(' | ')} (a Django app with a Celery worker on Redis: its probe, drain, worker pause and a workflow that starts them)`,
      'generic',
    )
    .addOption(new Option('--driver <driver>', 'the load driver: a k6 script, or a Locust locustfile (docs/locust.md)').choices(Object.keys(INIT_DRIVERS)).default('k6'))
    .option('--force', 'overwrite existing files')
    .action(async (flags: { serviceUrl: string; dir: string; action?: string; force?: boolean; stack: string; driver: InitDriver }) => {
      const result = await initProject({ dir: flags.dir, serviceUrl: flags.serviceUrl, action: flags.action, force: flags.force, stack: flags.stack, driver: flags.driver });
      if (flags.stack === 'django-celery') {
        for (const path of result.written) out(`wrote ${shown(path)}`);
        out('');
        out('next: in .github/workflows/chaosgate.yml fill in YOUR_PROJECT (the WSGI module and settings) and YOUR_CELERY_APP;');
        out('in chaosgate.config.json the Celery queue ("ingestion") and in k6/chaosgate.ts the view that enqueues a task; then');
        out('  npm install --save-dev chaosgate   # the workflow runs the version in package.json');
        out('  npx chaosgate probe               # the Celery probe reads your broker now');
        out('  npx chaosgate run chaos           # the whole worker paused 15 s; backlog, oldest task, drain gated');
        return;
      }
      for (const path of result.written) out(`wrote ${shown(path)}`);
      out('');
      out(`next: edit ${INIT_DRIVERS[flags.driver].load} (the path it calls on ${result.serviceUrl}), then`);
      out('  npx chaosgate run smoke     # no faults: exit 0 when the gates hold, 99 when one breaches');
      out('  npx chaosgate run chaos     # latency then 503s on "web", recovery checked');
      if (result.action === ACTION_PLACEHOLDER) {
        out(`and in .github/workflows/chaosgate.yml replace ${ACTION_PLACEHOLDER} with where you host chaosgate's action`);
      }
    });
}
