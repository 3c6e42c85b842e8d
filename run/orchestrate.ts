// `chaosgate run <profile>` as a library call: start (or use) the stack, the fault proxy and k6;
// stream k6's samples live into the evaluation; run the chaos plan on its timeline; label phases;
// probe the queues; abort early on abort gates; after k6: roll chaos back, check the ingestion
// drain, analyse the phases, write every report. Whatever happens, nothing injected stays on.
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { join, resolve } from 'node:path';
import { chaosSectionSchema, type ChaosSectionInput } from '../chaos/config.js';
import { openChaosSession, type ChaosSession } from '../chaos/session.js';
import type { ChaosEvent } from '../chaos/events.js';
import { formatIssues, type ChaosgateConfig } from '../config/index.js';
import { createEvaluation, overflowNote, type Evaluation } from '../evaluator/evaluation.js';
import { loadReport } from '../evaluator/evaluate.js';
import { parseDuration } from '../evaluator/duration.js';
import { analyseRun, RunTimeline } from '../evaluator/run-timeline.js';
import { SampleLog } from '../evaluator/sample-log.js';
import type { ReportModel } from '../evaluator/model.js';
import { ChaosgateError, ConfigError } from '../lib/errors.js';
import { ExitCode } from '../lib/exit-codes.js';
import { buildScenarioConfig, type ScenarioConfig } from '../load/scenario-config.js';
import { runK6, type K6Exit, type RunningK6 } from '../load/k6-runner.js';
import { startProbes, type ProbeSampler } from '../probes/index.js';
import { probeConfigSchema, type ProbeConfig } from '../probes/config.js';
import { reportWriters, writeReport, type ReportFormat } from '../reports/index.js';
import { gateLine, gateSentence, liveGateTextContext } from '../reports/gate-text.js';
import { credentialsEnv, resolveCredentials } from '../target/credentials.js';
import type { Profile } from './config.js';
import { checkDrain, DRAIN_METRICS } from './drain.js';
import { openSampleStream, type SampleStream } from './k6-stream.js';
import { LiveTap, progressPrinter, type ProgressPrinter } from './progress.js';
import { resolveProfile } from './profiles.js';
import { startReferenceStack, type ReferenceStack } from './stack.js';
import { expectedDurationMs, scenarioPhases } from './scenario.js';

/** How long k6 may run past the scenario's expected length (graceful stops, teardown) before it is stopped. */
export const OVERRUN_GRACE_MS = 90_000;

/** Abort gates without a window are judged live only after this long. */
export const LIVE_ABORT_MIN_AGE_MS = 10_000;

/** Exit code of a run stopped by SIGINT/SIGTERM: reports are written, marked partial. */
export const INTERRUPTED_EXIT_CODE = 130;

export interface RunOptions {
  config: ChaosgateConfig;
  profile: string;
  /** The run's folder; default <run.outDir>/<profile>-<timestamp>. */
  outDir?: string;
  /** Overrides the scenario's length (soak, chaos-smoke). */
  duration?: string;
  /** Aborting stops the run early; reports are still written, marked partial. */
  signal?: AbortSignal;
  /** Progress and notes; default stderr. */
  progress?: ProgressPrinter;
}

export interface RunResult {
  report: ReportModel;
  outDir: string;
  files: Record<string, string>;
  exitCode: number;
  k6: K6Exit | null;
}

const REPORT_FILES: Record<string, string> = { junit: 'junit.xml', json: 'report.json', markdown: 'summary.md', html: 'report.html' };

function timestamp(): string {
  return new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, 'Z');
}

/** The chaos section this run uses: the config's, plus the stack route and the profile's plan. */
type StackAddresses = Pick<ReferenceStack, 'targetAddress' | 'workerPidFile'>;

function chaosSectionFor(config: ChaosgateConfig, profile: Profile, profileName: string, stack: StackAddresses | null, outDir: string) {
  const base = config.chaos;
  const routes: ChaosSectionInput['proxy'] = { routes: [...base.proxy.routes] };
  if (stack) routes.routes!.push({ name: 'stack', protocol: 'http', listen: '127.0.0.1:0', upstream: stack.targetAddress });
  const plan = JSON.parse(
    JSON.stringify(profile.plan).replaceAll('{workerPidFile}', stack ? stack.workerPidFile.replaceAll('\\', '\\\\') : '{workerPidFile}'),
  ) as unknown[];
  const input: ChaosSectionInput = {
    allowlist: base.allowlist,
    journal: base.journal,
    events: join(outDir, 'chaos-events.jsonl'),
    proxy: routes,
    control: base.control,
    toxiproxy: base.toxiproxy,
    plan: plan as ChaosSectionInput['plan'],
  };
  const parsed = chaosSectionSchema.safeParse(input);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error).map((i) => (i.startsWith('plan.') ? `profiles.${profileName}.${i}` : `chaos.${i}`));
    throw new ConfigError(`profile ${profileName}`, issues);
  }
  return parsed.data;
}

/** A reference stack with no probes configured still has its ingestion queue probed. */
function probesFor(config: ChaosgateConfig, stack: ReferenceStack | null): ProbeConfig[] {
  if (config.probes.list.length > 0 || !stack) return config.probes.list;
  return [probeConfigSchema.parse({ kind: 'celery-redis', id: 'ingestion', queue: config.target.queue })];
}

export async function runProfile(opts: RunOptions): Promise<RunResult> {
  const { config } = opts;
  const profile = resolveProfile(config, opts.profile);
  const outDir = resolve(opts.outDir ?? join(config.run.outDir, `${opts.profile}-${timestamp()}`));
  // Check the profile's plan before anything starts: a config error must not cost a stack start.
  chaosSectionFor(config, profile, opts.profile, profile.stack === 'reference' ? { targetAddress: '127.0.0.1:1', workerPidFile: join(outDir, 'worker.pid') } : null, outDir);
  await mkdir(outDir, { recursive: true });
  const out = opts.progress ?? progressPrinter(process.stderr, parseDuration(config.run.progressEvery)!);
  const internal = new AbortController();
  const onOuterAbort = () => internal.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const previous = config.run.previousReport
    ? { source: config.run.previousReport, report: await loadReport(config.run.previousReport) }
    : config.evaluate.baselineReport
      ? { source: config.evaluate.baselineReport, report: await loadReport(config.evaluate.baselineReport) }
      : null;
  const ev: Evaluation = createEvaluation(config.evaluate, profile.gates ?? config.gates, {
    phaseLabels: true,
    baselineReport: previous?.report ?? null,
  });

  // The run's timeline (chaos events + named phases, also written to the events file) and the
  // samples k6 does not write (probes, drain): `evaluate --events` replays both.
  const timeline = new RunTimeline((e) => ev.addPhaseEvent(e), join(outDir, 'chaos-events.jsonl'));
  const sampleLog = new SampleLog(join(outDir, 'samples.ndjson'));
  const ingestOwnSample = (s: Parameters<Evaluation['ingestSample']>[0]) => {
    ev.ingestSample(s);
    sampleLog.write(s);
  };
  const onChaosEvent = (e: ChaosEvent) => {
    timeline.chaos(e);
    out.line(`chaos: ${e.faultId} ${e.action} (${e.kind} -> ${e.target})`);
  };

  const credentials = resolveCredentials();
  let stack: ReferenceStack | null = null;
  let session: ChaosSession | null = null;
  let k6: RunningK6 | null = null;
  let stream: SampleStream | null = null;
  let probes: ProbeSampler | null = null;
  let k6Exit: K6Exit | null = null;
  let failure: unknown = null;
  let abortReason: string | null = null;
  let drain: Awaited<ReturnType<typeof checkDrain>> | null = null;
  const tap = new LiveTap();
  let counts: Record<string, number> = {};

  try {
    if (profile.stack === 'reference') {
      out.line('starting the reference stack (redis-server, target, ingestion worker)');
      stack = await startReferenceStack(config, outDir, credentials);
    }
    const redisUrl = stack?.redisUrl ?? config.redis.url;
    const chaos = chaosSectionFor(config, profile, opts.profile, stack, outDir);
    session = await openChaosSession(chaos, { redisUrl, onEvent: onChaosEvent });
    for (const undone of session.recovered.undone) out.line(`chaos: undid ${undone.faultId} (${undone.kind}) left applied by an earlier run`);
    const proxyUrls = await session.startProxy();
    const baseUrl = proxyUrls.stack ?? (stack ? stack.baseUrl : config.load.baseUrl);

    const scenario = profile.scenario;
    const scenarioConfig: ScenarioConfig = buildScenarioConfig(config.load, { baseUrl });
    applyDuration(scenarioConfig, profile, opts.duration);
    const totalMs = expectedDurationMs(profile.scenario, scenarioConfig);

    stream = await openSampleStream(join(outDir, 'k6.fifo'), join(outDir, 'k6.ndjson.gz'), (text, start, end, firstLineNo) => {
      tap.text(text, start, end);
      return ev.ingestText(text, start, end, 'k6', firstLineNo);
    });
    probes = startProbes(probesFor(config, stack), {
      intervalMs: config.probes.intervalMs,
      timeoutMs: config.probes.timeoutMs,
      redisUrl,
      onSample: (s) => ingestOwnSample(s),
      onError: (e) => out.line(`probe ${e.probe}: ${e.message}`),
      signal: internal.signal,
    });

    out.line(`k6: ${scenario} against ${baseUrl}${totalMs ? ` for ~${Math.round(totalMs / 1000)} s` : ''}; reports in ${outDir}`);
    k6 = await runK6({
      scenario,
      config: scenarioConfig,
      outDir,
      ndjsonPath: stream.fifoPath,
      summaryPath: join(outDir, 'k6-summary.json'),
      redisUrl,
      env: credentialsEnv(credentials),
      stdio: 'pipe',
      signal: internal.signal,
    });
    const k6Log: string[] = [];
    k6.child.stderr?.on('data', (d: Buffer) => k6Log.push(d.toString()));
    k6.child.stdout?.on('data', (d: Buffer) => k6Log.push(d.toString()));
    const t0 = Date.now();
    for (const p of profile.phases) timeline.phase(t0 + parseDuration(p.at)!, p.phase);
    for (const p of scenarioPhases(scenario, scenarioConfig)) timeline.phase(t0 + p.atMs, p.phase);
    const planDone = session.runPlan(chaos.plan, { startedAt: t0, signal: internal.signal }).catch((err: Error) => {
      abortReason ??= `chaos plan failed: ${err.message}`;
      failure ??= err;
      internal.abort();
    });

    // Watch: progress every second, abort gates, until k6 ends.
    const k6Done = k6.done;
    let ended = false;
    void k6Done.finally(() => (ended = true));
    while (!ended) {
      await Promise.race([k6Done, new Promise((r) => setTimeout(r, 1000))]);
      if (ended) break;
      const active = session.activeFaults().map((f) => f.id);
      const phase = active.length ? `fault:${active.join('+')}` : timeline.hasFaults ? 'recovery' : 'baseline';
      out.tick({ elapsedMs: Date.now() - t0, totalMs, phase, activeFaults: active }, tap.snapshot());
      // Every run is bounded in time: k6 past its expected end (plus its graceful stops) is stopped.
      if (totalMs !== null && !internal.signal.aborted && Date.now() - t0 > totalMs + OVERRUN_GRACE_MS) {
        abortReason = `k6 ran ${Math.round(OVERRUN_GRACE_MS / 1000)} s past its expected end (${Math.round(totalMs / 1000)} s): stopped`;
        ev.abort(abortReason);
        out.line(abortReason);
        internal.abort();
      }
      if (!internal.signal.aborted) {
        // Like k6's delayAbortEval: a gate is judged live only once the run is as old as its window
        // (10 s for one without), so the first few requests cannot abort a run on their own.
        const elapsed = Date.now() - t0;
        const breached = ev
          .checkGates({ liveOnly: true })
          .filter((g) => g.verdict === 'fail' && elapsed >= (g.window ? parseDuration(g.window)! : LIVE_ABORT_MIN_AGE_MS));
        if (breached.length) {
          const text = liveGateTextContext(t0, parseDuration(config.evaluate.bucketWidth)!);
          abortReason = `abort gate breached: ${breached.map((g) => gateSentence(g, text)).join('; ')}`;
          ev.abort(abortReason);
          out.line(abortReason);
          internal.abort();
        }
      }
    }
    out.end();
    k6Exit = await k6Done;
    stream.release();
    await stream.done;
    internal.abort(); // ends the plan's pending steps and the probes
    await planDone;
    await writeK6Log(outDir, k6Log);
    if (k6Exit.exitCode !== null && ![0, 99, 105].includes(k6Exit.exitCode) && !opts.signal?.aborted && !abortReason) {
      failure ??= new ChaosgateError(`k6 exited with code ${k6Exit.exitCode}: see ${join(outDir, 'k6.log')}`, ExitCode.internal);
    }
  } catch (err) {
    failure ??= err;
  } finally {
    internal.abort();
    opts.signal?.removeEventListener('abort', onOuterAbort);
    if (k6) await k6.stop().catch(() => {});
    stream?.release();
    if (stream) await stream.done.catch(() => {});
    if (probes) await probes.stop().catch(() => {});
    if (session) {
      counts = session.counts();
      try {
        await session.close();
        out.line('chaos: rolled back, nothing left applied');
      } catch (err) {
        failure ??= err;
      }
    }
  }

  try {
    if (profile.drain && stack && !failure && !opts.signal?.aborted && !abortReason) {
      out.line(`drain: waiting up to ${config.run.drain.timeout} for queue ${config.run.drain.queue}`);
      drain = await checkDrain({ baseUrl: stack.baseUrl, queue: config.run.drain.queue, timeoutMs: parseDuration(config.run.drain.timeout)! });
      const now = Date.now();
      ingestOwnSample({ metric: DRAIN_METRICS.depth, type: 'gauge', time: now, value: drain.depthAtEnd, tags: { queue: drain.queue } });
      ingestOwnSample({ metric: DRAIN_METRICS.retrying, type: 'gauge', time: now, value: drain.retriesLeft, tags: { queue: drain.queue } });
      if (drain.retrievalResults !== null) {
        ingestOwnSample({ metric: DRAIN_METRICS.retrieval, type: 'gauge', time: now, value: drain.retrievalResults, tags: { queue: drain.queue } });
      }
    }
  } finally {
    await stack?.stop();
    await stream?.remove();
  }

  const interrupted = opts.signal?.aborted === true;
  if (interrupted) ev.abort('interrupted (SIGINT/SIGTERM)');
  else if (failure && !abortReason) ev.abort(`run failed: ${(failure as Error).message}`);
  const report = ev.finish();
  report.partial ||= interrupted || abortReason !== null || failure !== null;
  report.analysis = analyseRun(report, { profile: opts.profile, faults: timeline.faults(counts), config, drift: profile.drift, previous, drain });

  const files: Record<string, string> = {};
  for (const format of Object.keys(reportWriters) as ReportFormat[]) {
    const path = join(outDir, REPORT_FILES[format] ?? `report.${format}`);
    await writeReport(format, report, path);
    files[format] = path;
  }
  for (const g of report.gates) out.line(gateLine(g, report));
  const overflow = overflowNote(report);
  if (overflow) out.line(overflow);
  out.line(`verdict ${report.verdict}${report.partial ? ' (partial)' : ''}; reports in ${outDir}`);

  if (failure instanceof ChaosgateError && failure.exitCode !== ExitCode.internal) throw failure;
  if (failure && !interrupted) {
    throw failure instanceof ChaosgateError ? failure : new ChaosgateError(`run failed: ${(failure as Error).message}; partial reports in ${outDir}`, ExitCode.internal);
  }
  const exitCode = interrupted
    ? INTERRUPTED_EXIT_CODE
    : !report.totals.trusted
      ? ExitCode.unreadableInput
      : report.verdict === 'fail'
        ? ExitCode.gateFailed
        : ExitCode.pass;
  return { report, outDir, files, exitCode, k6: k6Exit };
}

function applyDuration(sc: ScenarioConfig, profile: Profile, override: string | undefined): void {
  const d = override ?? profile.duration;
  if (!d) return;
  if (profile.scenario === 'soak') sc.soak.duration = d;
  else if (profile.scenario === 'ocr') sc.ocr.duration = d;
  else if (profile.scenario === 'chaos-smoke') sc.chaosSmoke.duration = d;
}

async function writeK6Log(outDir: string, chunks: string[]): Promise<void> {
  await writeFileAtomic(join(outDir, 'k6.log'), chunks.join(''));
}
