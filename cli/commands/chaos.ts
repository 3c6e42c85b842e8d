// `chaosgate chaos apply|clear|status|proxy serve`: thin wrappers over the chaos library.
import { rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { openChaosSession, recoverJournal, rollbackOnSignals } from '../../chaos/index.js';
import { journalOwnerRuns, readJournals } from '../../chaos/journal.js';
import { serveRoutes } from '../../chaos/serve.js';
import { readServed } from '../../chaos/proxy/served.js';
import { planTargetIssues } from '../../chaos/config.js';
import { resolveProcessTargets } from '../../chaos/preflight.js';
import { durationToMs } from '../../lib/duration.js';
import { loadConfig } from '../../config/index.js';
import { ChaosgateError, ConfigError, UsageError } from '../../lib/errors.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { isSameProcess } from '../../lib/proc.js';
import { describeReap, readProcessJournals } from '../../lib/process-journal.js';
import { configFileOf, withConfigFlags, type ConfigFlags } from '../config-flags.js';

const out = (line: string) => process.stdout.write(`${line}\n`);

const signalNumber: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

async function apply(flags: ConfigFlags & { duration?: string; routesFile?: string }): Promise<void> {
  let holdMs: number | undefined;
  if (flags.duration !== undefined) {
    holdMs = durationToMs(flags.duration) ?? undefined;
    if (holdMs === undefined) throw new UsageError(`--duration ${flags.duration}: not a duration (e.g. 30s, 5m)`);
  }
  const file = configFileOf(flags);
  const config = await loadConfig({ file, set: flags.set });
  // PID files resolve from the config file's folder, as `run` resolves them.
  const plan = resolveProcessTargets(config.chaos.plan, file ? dirname(resolve(file)) : process.cwd());
  if (plan.length === 0 && config.chaos.proxy.routes.length === 0) {
    throw new UsageError('chaos.plan and chaos.proxy.routes are empty: nothing to apply');
  }
  // A plan entry may target a service (for `run`, which fronts it with a route); this command has
  // only the configured routes to fault.
  const untargetable = planTargetIssues(config.chaos);
  if (untargetable.length) {
    throw new ConfigError(
      'config',
      untargetable.map((i) => `chaos.${i.path.join('.')}: ${i.message}; \`chaos apply\` faults proxy routes only (\`chaosgate run\` puts one in front of a faulted service)`),
    );
  }
  const session = await openChaosSession(
    { ...config.chaos, plan },
    {
      redisUrl: config.redis.url,
      onEvent: (e) => out(`${e.time} ${e.action.padEnd(3)} ${e.faultId} ${e.kind} ${e.target}`),
    },
  );
  for (const entry of session.recovered.undone) {
    out(
      `recovered: ${entry.nothingToUndo ? 'nothing to undo for' : 'undid'} ${entry.faultId} (${entry.kind} ${entry.target}) left by pid ${entry.ownerPid}${entry.nothingToUndo ? `: ${entry.nothingToUndo}` : ''}`,
    );
  }
  for (const line of describeReap(session.recovered.reaped)) out(`recovered: ${line}`);
  const stop = new AbortController();
  let routesFile: string | undefined;
  let signalled: NodeJS.Signals | undefined;
  let rollbackFailed = false;
  const dispose = rollbackOnSignals(session, {
    afterRollback: (signal, error) => {
      signalled = signal;
      // The handler has printed why; closing below meets the same failure and must not print it again.
      rollbackFailed = error !== undefined;
      stop.abort();
    },
  });
  try {
    await session.preflight();
    const urls = await session.startProxy();
    for (const [name, url] of Object.entries(urls))
      out(`proxy ${name}: ${url}${session.servedRoutes.has(name) ? ` (served by chaos proxy serve, ${session.servedRoutes.get(name)})` : ''}`);
    // For scripts: one line of JSON (route name -> URL), and/or a file removed again at the end.
    out(`routes ${JSON.stringify(urls)}`);
    if (flags.routesFile) {
      await writeFileAtomic(flags.routesFile, `${JSON.stringify(urls)}\n`);
      routesFile = flags.routesFile;
    }
    out(`control: ${session.controlUrl}/status`);
    const startedAt = Date.now();
    // Without --duration the run lasts as long as the timeline; entries without a duration are a
    // set to hold until SIGINT/SIGTERM.
    const open = plan.some((e) => e.duration === undefined);
    const planEnd = Math.max(0, ...plan.map((e) => e.at + (e.duration ?? 0)));
    // A proxy without a plan (faults applied later, or none: a pass-through) runs until stopped.
    const hold = open || plan.length === 0;
    const until = holdMs !== undefined ? startedAt + holdMs : hold ? Number.POSITIVE_INFINITY : startedAt + planEnd;
    if (until === Number.POSITIVE_INFINITY) out('holding until SIGINT/SIGTERM');
    await Promise.all([
      session.runPlan(plan, { startedAt, signal: stop.signal }),
      new Promise<void>((resolve) => {
        // The end of --duration also cuts the timeline short.
        const timer = until === Number.POSITIVE_INFINITY ? undefined : setTimeout(() => stop.abort(), Math.max(0, until - Date.now()));
        stop.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
    ]).finally(() => stop.abort());
  } finally {
    const counts = session.counts();
    try {
      await session.close();
    } catch (err) {
      // Interrupted: the exit says so (130/143); a rollback failure was printed once by the handler
      // and the journal keeps the rest for `chaos clear`.
      // eslint-disable-next-line no-unsafe-finally -- a failed rollback (faults left on) outranks the run's own error
      if (!(signalled && rollbackFailed)) throw err;
    } finally {
      dispose();
      if (routesFile) await rm(routesFile, { force: true });
    }
    for (const [id, n] of Object.entries(counts)) out(`injections ${id}: ${n}`);
  }
  if (signalled) process.exitCode = 128 + (signalNumber[signalled] ?? 0);
}

async function serve(flags: ConfigFlags): Promise<void> {
  const config = await loadConfig({ file: configFileOf(flags), set: flags.set });
  const serving = await serveRoutes(config.chaos, {
    redisUrl: config.redis.url,
    log: (line) => out(`${new Date().toISOString()} ${line}`),
  });
  for (const entry of serving.session.recovered.undone) out(`recovered: undid ${entry.faultId} (${entry.kind} ${entry.target}) left by pid ${entry.ownerPid}`);
  for (const [name, url] of Object.entries(serving.urls)) out(`proxy ${name}: ${url}`);
  for (const r of config.chaos.proxy.routes.filter((route) => route.listen.endsWith(':0'))) {
    out(`note: route ${r.name} listens on a free port (listen ${r.listen}): a run binds its own route for it; give it a fixed listen to share this one`);
  }
  out(`routes ${JSON.stringify(serving.urls)}`);
  out(`control: ${serving.controlUrl}/status`);
  out('serving until SIGINT/SIGTERM: `chaosgate run` and `chaos apply` with this config fault these routes through this process');
  let signalled: NodeJS.Signals | undefined;
  let rollbackFailed = false;
  await new Promise<void>((resolve) => {
    rollbackOnSignals(serving.session, {
      afterRollback: (signal, error) => {
        signalled = signal;
        rollbackFailed = error !== undefined;
        resolve();
      },
    });
  });
  try {
    await serving.close();
  } catch (err) {
    // The handler printed why; the exit says so below.
    if (!rollbackFailed) throw err;
  }
  out('stopped: routes closed, nothing left applied');
  if (signalled) process.exitCode = 128 + (signalNumber[signalled] ?? 0);
}

async function clear(flags: ConfigFlags & { force?: boolean; forget?: string[] }): Promise<void> {
  const config = await loadConfig({ file: configFileOf(flags), set: flags.set });
  // Hook URLs are journalled redacted: the config's plans give the full ones back to undo with.
  const profileTargets = Object.values(config.profiles).flatMap((p) => p.plan.map((e) => (e as { target?: unknown }).target).filter((t): t is string => typeof t === 'string'));
  const urls = [...config.chaos.plan.map((e) => e.target), ...profileTargets, config.chaos.toxiproxy.url];
  const report = await recoverJournal(config.chaos.journal, { redisUrl: config.redis.url, eventsPath: config.chaos.events, force: flags.force, forget: flags.forget, urls });
  const reapedAny = report.reaped.reaped.length + report.reaped.removedFiles.length + report.reaped.problems.length > 0;
  if (report.undone.length + report.forgotten.length + report.live.length + report.stopped.length === 0 && !reapedAny) out(`chaos: nothing applied (${report.journalPath})`);
  for (const pid of report.stopped) out(`stopped: chaosgate pid ${pid} (SIGTERM; it rolled back its own faults)`);
  for (const entry of report.undone) {
    out(
      entry.nothingToUndo
        ? `nothing to undo: ${entry.faultId} (${entry.kind} ${entry.target}) left by pid ${entry.ownerPid}: ${entry.nothingToUndo}`
        : `undone: ${entry.faultId} (${entry.kind} ${entry.target}) left by pid ${entry.ownerPid}`,
    );
  }
  for (const entry of report.forgotten) out(`forgotten: ${entry.faultId} (${entry.kind} ${entry.target}) dropped from the journal, NOT undone`);
  for (const line of describeReap(report.reaped)) out(line);
  for (const live of report.live) {
    out(`left alone: chaosgate pid ${live.pid} still runs with ${live.entries.map((e) => `${e.faultId} (${e.kind} ${e.target})`).join(', ')} (${live.path})`);
  }
  if (report.live.length > 0) {
    throw new ChaosgateError(
      `chaos clear: ${report.live.length} running session(s) hold faults (above); stop them (SIGINT/SIGTERM rolls back) or run \`chaosgate chaos clear --force\` to stop them`,
      ExitCode.internal,
    );
  }
  if (report.reaped.problems.length > 0) {
    throw new ChaosgateError(`chaos clear: leftovers could not all be stopped (see above); the process journal keeps them`, ExitCode.internal);
  }
}

async function status(flags: ConfigFlags & { json?: boolean }): Promise<void> {
  const config = await loadConfig({ file: configFileOf(flags), set: flags.set });
  const journals = await readJournals(config.chaos.journal);
  const sessions = [];
  for (const found of journals) {
    if ('error' in found) continue;
    const ownerAlive = journalOwnerRuns(found.path, found.journal);
    let live: unknown;
    if (found.journal.controlUrl && ownerAlive) {
      live = await fetch(`${found.journal.controlUrl}/status`, { signal: AbortSignal.timeout(1000) })
        .then((r) => (r.ok ? r.json() : undefined))
        .catch(() => undefined);
    }
    sessions.push({ path: found.path, journal: found.journal, ownerAlive, live });
  }
  const served = await readServed(config.chaos.journal);
  // What killed runs left running: `chaos clear` (or the next run) stops it.
  const found = await readProcessJournals(dirname(resolve(config.chaos.journal)));
  const orphans = found.flatMap((f) =>
    'error' in f || f.ownerRuns ? [] : f.journal.processes.filter((p) => isSameProcess(p.pid, p.startTicks)).map((p) => ({ ...p, ownerPid: f.journal.owner.pid })),
  );
  const leftovers = [
    ...journals.flatMap((f) => ('error' in f ? [`unreadable chaos journal ${f.path}: ${f.error}`] : [])),
    ...found.flatMap((f) => ('error' in f ? [`unreadable process journal ${f.path}: ${f.error}`] : [])),
    ...orphans.map((p) => `leftover ${p.role} pid ${p.pid} from killed run pid ${p.ownerPid}: run \`chaosgate chaos clear\``),
  ];
  if (flags.json) {
    const applied = sessions.flatMap((s) => s.journal.entries);
    out(
      JSON.stringify(
        {
          journal: config.chaos.journal,
          applied,
          sessions: sessions.map((s) => ({ path: s.path, owner: s.journal.owner, ownerAlive: s.ownerAlive, applied: s.journal.entries, live: s.live })),
          orphans,
          served: served ?? null,
        },
        null,
        2,
      ),
    );
    return;
  }
  for (const line of leftovers) out(line);
  if (served) {
    out(`served by chaos proxy serve pid ${served.pid} (${served.controlUrl}): ${served.routes.map((r) => `${r.name} ${r.url} -> ${r.upstream}`).join(', ')}`);
  }
  if (sessions.length === 0) {
    out(`chaos: nothing applied (no journal beside ${config.chaos.journal})`);
    return;
  }
  for (const s of sessions) {
    out(`chaos journal ${s.path}: owner pid ${s.journal.owner.pid} (${s.ownerAlive ? 'running' : 'gone: run `chaosgate chaos clear`'})`);
    for (const e of s.journal.entries) out(`  ${e.state.padEnd(8)} ${e.faultId} ${e.kind} ${e.target} since ${e.since}`);
    const counts = (s.live as { counts?: Record<string, number> } | undefined)?.counts;
    if (counts) for (const [id, n] of Object.entries(counts)) out(`  injections ${id}: ${n}`);
  }
}

export function register(program: Command): void {
  const chaos = program.command('chaos').description('fault proxy and toggles: apply a plan, clear what is left, show status').exitOverride();
  withConfigFlags(chaos.command('apply'))
    .description('run chaos.plan on its timeline (proxy + toggles), then roll everything back')
    .option('--duration <duration>', 'how long to run (default: the timeline; until SIGINT/SIGTERM when an entry has no duration)')
    .option('--routes-file <path>', 'also write the routes line\'s JSON ({"route": "url"}) to this file while the proxy is up')
    .action(apply);
  withConfigFlags(chaos.command('clear'))
    .description('undo everything the chaos journals of sessions that are gone say is still applied (after a crash or SIGKILL); a running session is left alone')
    .option('--force', 'also stop running sessions (SIGTERM: each rolls back its own faults and logs it), then undo what they left')
    .option(
      '--forget <id>',
      'drop this fault id from the journals of sessions that are gone WITHOUT undoing it (after undoing it by hand; repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .action(clear);
  const proxy = chaos.command('proxy').description("the config's proxy routes on their own").exitOverride();
  withConfigFlags(proxy.command('serve'))
    .description(
      'keep chaos.proxy.routes up as pass-throughs until SIGINT/SIGTERM; a run or `chaos apply` with the same config faults a route with a fixed listen through this process instead of binding it',
    )
    .action(serve);
  withConfigFlags(chaos.command('status'))
    .description('what the chaos journal says is applied, with live injection counts from a running session')
    .option('--json', 'print JSON')
    .action(status);
}
