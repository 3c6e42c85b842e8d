// `chaosgate run` as a library call, in stages: prepare → stack → chaos → load → watch → teardown
// → publish. Each stage registers the cleanup of what it acquired on one CleanupStack, unwound in
// reverse whatever happens, so nothing injected stays on. The load is always a k6 script: a
// user's (`script:`, `--script`) or a built-in scenario resolved to its script and env, on one
// path. publish hands the outcome to run/finish.ts, which maps signals, failures and incomplete runs to exit codes.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { chaosSectionSchema, type ChaosSection, type ChaosSectionInput } from '../chaos/config.js';
import type { ChaosEvent } from '../chaos/events.js';
import { openChaosSession, type ChaosSession } from '../chaos/session.js';
import { resolveProcessTargets } from '../chaos/preflight.js';
import { recoveryNotes } from '../chaos/recover.js';
import { formatIssues, type ChaosgateConfig } from '../config/index.js';
import { bucketWidthMsOf, type GateConfigInput } from '../evaluator/config.js';
import { validatedMs } from '../lib/duration.js';
import { loadPrevious } from '../evaluator/evaluate.js';
import { createEvaluation, k6ThresholdGate, type Evaluation } from '../evaluator/evaluation.js';
import { gateWindowMs, refuseNoGates } from '../evaluator/gates.js';
import { refuseUnproducibleMetrics } from '../config/known-metrics.js';
import { DRAIN_METRICS } from '../model/metric-names.js';
import { RunTimeline } from '../analysis/timeline.js';
import { SampleLog } from '../evaluator/sample-log.js';
import type { ReportModel } from '../model/report.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { ChaosgateError, ConfigError, UsageError } from '../lib/errors.js';
import { ExitCode } from '../lib/exit-codes.js';
import { journalChild } from '../lib/process-journal.js';
import { prepareOutDir } from './out-dir.js';
import { builtinScript, runK6, type K6Exit, type RunningK6 } from '../load/k6-runner.js';
import { buildScenarioConfig, type ScenarioConfig } from '../load/scenario-config.js';
import { scenarioPath, type ScenarioName } from '../load/scenarios.js';
import { startProbes, type ProbeSampler } from '../probes/index.js';
import { reportWriters, type ReportFormat } from '../reports/index.js';
import { gateSentence, liveGateTextContext } from '../reports/gate-text.js';
import { credentialsEnv, resolveCredentials, type Credentials } from '../target/credentials.js';
import { CleanupStack } from './cleanup.js';
import { finishReport } from './finish.js';
import { profilePhases, type Profile } from '../config/run.js';
import { checkDrain } from './drain.js';
import { addProbeChecks } from './probe-checks.js';
import { bucketWidthAdvice, runBucketWidth } from './bucket-width.js';
import { preflight } from './preflight.js';
import { drainQueuesAfterLoad, refuseDrainWithoutQueues } from './queue-drain.js';
import { executionShapingArgs, inspectScript, type ScriptPlan } from './inspect.js';
import { openK6Stream, threadedStreams, type SampleStream } from './k6-stream.js';
import { openShardStreams, startShards } from './shards.js';
import { openLocustStreams, planLocust, resolveLocustLoad, startLocust, type LocustLoad } from './locust-load.js';
import { resolveProfile } from './profiles.js';
import { LiveTap, progressPrinter, type ProgressPrinter } from './progress.js';
import { applyScenarioDuration, scenarioPhases } from './scenario.js';
import { planPlace, prepareServices, type RunServices } from './services.js';
import { stackShape, startStack, type RunStack, type StackKind, type StackShape } from './stacks.js';
import { processJournalDir } from './stack.js';

/** How long k6 may run past its longest possible end (k6's totalDuration) before it is stopped. */
export const OVERRUN_GRACE_MS = 90_000;

/** Abort gates without a window are judged live only after this long. */
export const LIVE_ABORT_MIN_AGE_MS = 10_000;

/** Exit code of a run stopped by SIGINT/SIGTERM: reports are written, marked partial, never a pass. */
export const INTERRUPTED_EXIT_CODE = ExitCode.interrupted;

/** A time-bound run that ends more than this much before its planned length ran short. */
export const SHORT_RUN_TOLERANCE_MS = 1000;

/** The env a user's script gets for its length (`duration` / `--duration`). */
export const DURATION_ENV = 'CHAOSGATE_DURATION';

export interface RunOptions {
  config: ChaosgateConfig;
  /** A profile (built-in or the config's); optional with `script`. */
  profile?: string;
  /** A k6 script: without a profile, a run with the config's gates and chaos.plan; with one, replaces its script. */
  script?: string;
  /** The config file's folder: a profile's `script` is relative to it. Default: the working directory. */
  configDir?: string;
  /** Extra `k6 run` arguments after the profile's k6Args (the command line's after `--`). */
  k6Args?: string[];
  /** Run even with no gate at all (no config gates, no k6 thresholds). */
  allowNoGates?: boolean;
  /** The run's folder; default <run.outDir>/<name>-<timestamp>. */
  outDir?: string;
  /** Overrides the scenario's length (soak, chaos-smoke, ocr; a script gets CHAOSGATE_DURATION). */
  duration?: string;
  /** Aborting stops the run early; reports are still written, marked partial. */
  signal?: AbortSignal;
  /** Progress and notes; default stderr. */
  progress?: ProgressPrinter;
  /** k6 processes as k6-operator runners (execution segments), all into the one evaluation (run/shards.ts). */
  shards?: number;
}

export interface RunResult {
  report: ReportModel;
  outDir: string;
  files: Record<string, string>;
  exitCode: number;
  k6: K6Exit | null;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, 'Z');
}

/** The load of a run: one k6 script, with its arguments and env; a built-in scenario is one too. */
interface LoadScript {
  /** For progress lines: the scenario's name or the script's path. */
  label: string;
  /** Absolute path of the script (for a built-in: scenarios/<name>.ts). */
  script: string;
  builtin: ScenarioName | null;
  k6Args: string[];
  env: Record<string, string>;
  /** A built-in's length knob (soak, chaos-smoke, ocr). */
  duration: string | null;
  /** A profile's `locustfile`: Locust drives the load instead of k6 (run/locust-load.ts). */
  locust?: LocustLoad | null;
}

/**
 * What prepare resolves for the whole run, the evaluation once the load stage made it, and the
 * outcome as it accrues. What each later stage makes is its typed result (StackStage's RunStack,
 * ChaosStage, LoadStage, K6End), passed on to the stages that need it; `made` keeps them for
 * teardown and publish, which run whatever stage failed.
 */
interface RunContext {
  readonly opts: RunOptions;
  readonly config: ChaosgateConfig;
  readonly name: string;
  readonly profile: Profile;
  readonly stackKind: StackKind;
  readonly load: LoadScript;
  readonly gates: GateConfigInput[];
  readonly outDir: string;
  /** The run folder when prepare created it (removed again on a refusal). */
  readonly madeOutDir: string | undefined;
  readonly out: ProgressPrinter;
  /** Aborted to stop the run (outer signal, abort gate, overrun, plan failure). */
  readonly internal: AbortController;
  readonly cleanup: CleanupStack;
  readonly credentials: Credentials;
  readonly previous: Awaited<ReturnType<typeof loadPrevious>> | null;
  /** Chaos events and named phases of this run (also written to chaos-events.jsonl): phases, fault windows. */
  readonly timeline: RunTimeline;
  /** Samples k6 does not write (probes, drain), kept in samples.ndjson so `evaluate --events` can replay the run. */
  readonly sampleLog: SampleLog;
  readonly tap: LiveTap;
  /** The config's services: proxy routes for the faulted ones, the script's env, the `service` tag. */
  readonly services: RunServices;
  /** The stages' results, as each returns (absent: that stage did not get there). */
  readonly made: { stack?: RunStack; chaos?: ChaosStage; load?: LoadStage; end?: K6End };
  /** The live evaluation from the load stage on: phase events and probe/drain samples go in from then. */
  ev: Evaluation | null;
  // The outcome, read by publish (run/finish.ts).
  k6Log: string[];
  /** Injections per fault, counted by the chaos session at rollback. */
  counts: Record<string, number>;
  drain: Awaited<ReturnType<typeof checkDrain>> | null;
  /** The drain of the probed queues (drain on a stack without the reference drain check). */
  queueDrain?: Awaited<ReturnType<typeof drainQueuesAfterLoad>>;
  failure: unknown;
  abortReason: string | null;
  /** Why the run did not happen as planned (k6 died, ran short, a fault never ran): exit 1. */
  incomplete: string[];
  notes: string[];
  /** k6 exited 99 before its planned end (publish decides whether a k6 threshold explains it). */
  k6StoppedEarly: { ran: string; planned: number } | null;
}

/** The chaos stage's result: the run's chaos section, its open session, the proxy routes' URLs. */
interface ChaosStage {
  section: ChaosSection;
  session: ChaosSession;
  proxyUrls: Record<string, string>;
}

/** The load stage's result: what k6 said about the script, the sample stream, the probes, k6 itself. */
interface LoadStage {
  plan: ScriptPlan;
  stream: SampleStream;
  probes: ProbeSampler;
  k6: RunningK6;
  /** k6's exit and when it came (taken as it happens, not when the watch loop looks). */
  ended: Promise<K6End>;
  /** Epoch ms k6 started; the plan's offsets count from here. */
  t0: number;
  planDone: Promise<void>;
}

/** How k6 ended. */
interface K6End {
  exit: K6Exit;
  endedAt: number;
}

/** The chaos section this run uses: the config's, plus the stack's routes and the profile's plan. */
function chaosSectionFor(ctx: Pick<RunContext, 'config' | 'profile' | 'name' | 'outDir' | 'opts' | 'services'>, shape: StackShape): ChaosSection {
  const base = ctx.config.chaos;
  const routes: ChaosSectionInput['proxy'] = { routes: [...base.proxy.routes, ...shape.routes, ...ctx.services.routes] };
  const rawPlan = planOf(ctx);
  let planText = JSON.stringify(rawPlan);
  for (const [name, value] of Object.entries(shape.planVars)) planText = planText.replaceAll(`{${name}}`, JSON.stringify(value).slice(1, -1));
  const input: ChaosSectionInput = {
    allowlist: base.allowlist,
    allowNonLoopbackListen: base.allowNonLoopbackListen,
    journal: base.journal,
    events: join(ctx.outDir, 'chaos-events.jsonl'),
    proxy: routes,
    control: base.control,
    toxiproxy: base.toxiproxy,
    // PID files resolve from the config file's folder, as scripts do.
    plan: resolveProcessTargets(JSON.parse(planText) as Array<{ kind: string; target: string }>, ctx.opts.configDir ?? '.') as ChaosSectionInput['plan'],
  };
  const parsed = chaosSectionSchema.safeParse(input);
  if (!parsed.success) {
    const where = ctx.opts.profile === undefined ? 'chaos.' : `profiles.${ctx.name}.`;
    const issues = formatIssues(parsed.error).map((i) => (i.startsWith('plan.') ? `${where}${i}` : `chaos.${i}`));
    throw new ConfigError(ctx.opts.profile === undefined ? 'config' : `profile ${ctx.name}`, issues);
  }
  return parsed.data;
}

/** A profile-less script run uses chaos.plan; a profile its own plan. */
function planOf(ctx: Pick<RunContext, 'config' | 'profile' | 'opts'>): unknown[] {
  return ctx.opts.profile === undefined ? ctx.config.chaos.plan : ctx.profile.plan;
}

function resolveLoad(profile: Profile, opts: RunOptions): LoadScript {
  const k6Args = [...profile.k6Args, ...(opts.k6Args ?? [])];
  const env: Record<string, string> = { ...profile.env };
  const duration = opts.duration ?? profile.duration ?? null;
  const locust = resolveLocustLoad(profile, opts);
  if (locust)
    return { label: locust.file, script: locust.file, builtin: null, k6Args: [], env: duration !== null ? { ...env, [DURATION_ENV]: duration } : env, duration: null, locust };
  const scriptFile = opts.script !== undefined ? resolve(opts.script) : profile.script !== undefined ? resolve(opts.configDir ?? '.', profile.script) : null;
  if (scriptFile !== null) {
    if (duration !== null) env[DURATION_ENV] = duration;
    return { label: scriptFile, script: scriptFile, builtin: null, k6Args, env, duration: null };
  }
  const scenario = profile.scenario;
  // The profile schema asks for a script or a scenario: this is the scenario.
  if (scenario === undefined) throw new UsageError('run: the profile names neither a script nor a scenario');
  if (duration !== null && !['soak', 'chaos-smoke', 'ocr'].includes(scenario)) {
    throw new UsageError(`--duration/duration ${duration}: the ${scenario} scenario has no length to set (only soak, chaos-smoke and ocr do)`);
  }
  return { label: scenario, script: '', builtin: scenario, k6Args, env, duration };
}

// ---- stages ---------------------------------------------------------------------------------

/** prepare: resolve the profile and its script, check the plan, open the run folder. Starts nothing. */
async function prepare(opts: RunOptions): Promise<RunContext> {
  const { config } = opts;
  let profile: Profile;
  let name: string;
  if (opts.profile !== undefined) {
    profile = resolveProfile(config, opts.profile);
    name = opts.profile;
  } else if (opts.script !== undefined) {
    profile = { description: '', script: opts.script, k6Args: [], env: {}, plan: config.chaos.plan, phases: [], drain: false, drift: false };
    name =
      basename(opts.script, extname(opts.script))
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-') || 'script';
  } else throw new UsageError('run: name a profile or give --script FILE');
  const load = resolveLoad(profile, opts);
  // A profile written for a built-in scenario keeps the reference stack even when --script replaces its load.
  const stackKind: StackKind = profile.stack ?? (profile.scenario !== undefined ? 'reference' : 'external');
  const outDir = resolve(opts.outDir ?? join(config.run.outDir, `${name}-${timestamp()}`));
  const gates = profile.gates ?? config.gates;
  // k6's thresholds are known only after `k6 inspect` (the load stage checks again then).
  refuseNoGates(gates.length + (config.run.k6Thresholds ? 1 : 0), { allowNoGates: opts.allowNoGates === true, where: noGatesWhere(name) });
  // A gate on a metric nothing in this run produces (a misspelt built-in, a chaosgate-made one without its probe) is a config error now, not a FAIL at the end.
  const scripts = await scriptTexts(load.builtin !== null ? scenarioPath(load.builtin) : load.script);
  refuseUnproducibleMetrics(gates, {
    probes: config.probes.list.length > 0 ? config.probes.list : stackKind === 'reference' ? [{ kind: 'celery-redis' }] : [],
    drain: profile.drain && (stackKind === 'reference' || 'queues'),
    scripts,
    typed: Object.keys(config.evaluate.metricTypes),
    strict: scripts.length > 0,
  });
  refuseDrainWithoutQueues(name, profile.drain, stackKind, config.probes.list);
  const previousSource = config.evaluate.baselineReport;
  const otherRoutes = [...config.chaos.proxy.routes, ...stackShape(stackKind, outDir).routes].map((r) => r.name);
  const services = prepareServices(config, planOf({ config, profile, opts }), planPlace(opts.profile), otherRoutes);
  // Check the plan before anything starts: a config error must not cost a stack start.
  chaosSectionFor({ config, profile, name, outDir, opts, services }, stackShape(stackKind, outDir));
  const previous = previousSource ? await loadPrevious(previousSource) : null;
  const madeOutDir = await mkdir(outDir, { recursive: true });
  const ctx: RunContext = {
    opts,
    config,
    name,
    profile,
    stackKind,
    load,
    gates,
    outDir,
    madeOutDir,
    out: opts.progress ?? progressPrinter(process.stderr, validatedMs(config.run.progressEvery)),
    internal: new AbortController(),
    cleanup: new CleanupStack(),
    credentials: resolveCredentials(),
    previous,
    timeline: new RunTimeline((e) => ctx.ev?.addPhaseEvent(e), join(outDir, 'chaos-events.jsonl')),
    sampleLog: new SampleLog(join(outDir, 'samples.ndjson')),
    tap: new LiveTap(),
    services,
    made: {},
    ev: null,
    k6Log: [],
    counts: {},
    drain: null,
    failure: null,
    abortReason: null,
    incomplete: [],
    notes: [],
    k6StoppedEarly: null,
  };
  if (await prepareOutDir(outDir)) ctx.out.line(`${outDir} held an earlier run: its files are replaced`);
  const onOuterAbort = () => ctx.internal.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) ctx.internal.abort();
  ctx.cleanup.push('signal', () => opts.signal?.removeEventListener('abort', onOuterAbort));
  return ctx;
}

const noGatesWhere = (name: string) => `run ${name}: none in the profile or the config's \`gates\`, no thresholds in the k6 script`;

/** stack: start ours (reference) or take the configured one (external). */
async function stackStage(ctx: RunContext): Promise<RunStack> {
  const stack = await startStack(ctx.stackKind, ctx.config, ctx.outDir, ctx.credentials, (l) => ctx.out.line(l));
  ctx.cleanup.push('stack', () => stack.stop());
  return stack;
}

/** chaos: undo an earlier run's leftovers, open the session, start the proxy routes. */
async function chaosStage(ctx: RunContext, stack: RunStack): Promise<ChaosStage> {
  const section = chaosSectionFor(ctx, stack);
  const onChaosEvent = (e: ChaosEvent) => {
    ctx.timeline.chaos(e);
    ctx.out.line(`chaos: ${e.faultId} ${e.action} (${e.kind} -> ${e.target})`);
    // A fault through `chaos proxy serve` that ended without this run (the serving process stopped,
    // and with it the route): the timeline cannot say when, and the dependency was cut. Not a pass.
    const early = e.action === 'off' ? e.params.endedEarlier : undefined;
    if (typeof early === 'string')
      ctx.incomplete.push(
        `fault ${e.faultId} (${e.kind} ${e.target}) went through \`chaos proxy serve\` and ended before this run took it off (${early}): when it ended and whether the route was up are unknown`,
      );
  };
  const session = await openChaosSession(section, { redisUrl: stack.redisUrl, onEvent: onChaosEvent });
  ctx.cleanup.push('chaos rollback', async () => {
    ctx.counts = session.counts();
    await session.close();
    ctx.out.line('chaos: rolled back, nothing left applied');
  });
  for (const note of recoveryNotes(session.recovered)) {
    ctx.out.line(`chaos: ${note}`);
    ctx.notes.push(note);
  }
  await session.preflight();
  const proxyUrls = await session.startProxy();
  for (const [route, control] of session.servedRoutes) {
    const note = `route ${route}: served by \`chaos proxy serve\` (${control}); this run's faults on it went through that process`;
    ctx.out.line(`chaos: ${note}`);
    ctx.notes.push(note);
  }
  return { section, session, proxyUrls };
}

/** load: the script's env, what k6 says about it (length, thresholds), the evaluation, the sample stream, probes, k6. */
async function loadStage(ctx: RunContext, stack: RunStack, chaos: ChaosStage): Promise<LoadStage> {
  const { config, load } = ctx;
  const target = stack.loadTarget(chaos.proxyUrls);
  let script = load.script;
  const env: Record<string, string> = { ...credentialsEnv(ctx.credentials), ...target.env, ...ctx.services.start(chaos.proxyUrls), ...load.env };
  for (const line of ctx.services.describe()) ctx.out.line(line);
  ctx.timeline.services(Date.now(), ctx.services.recorded());
  let scenarioConfig: ScenarioConfig | null = null;
  if (load.builtin) {
    const sc = buildScenarioConfig(config.load, { baseUrl: target.baseUrl });
    if (load.duration !== null) applyScenarioDuration(load.builtin, sc, load.duration);
    scenarioConfig = sc;
    const b = await builtinScript(load.builtin, sc, ctx.outDir, stack.redisUrl);
    script = b.script;
    Object.assign(env, b.env);
  }

  // The branch point of the drivers: Locust's check and length, or what `k6 inspect` says.
  let plan = load.locust ? await planLocust(load.locust, env, ctx.name, (l) => ctx.out.line(l)) : await inspectScript(script, env, ctx.outDir, load.k6Args);
  const reshaping = executionShapingArgs(load.k6Args);
  if (reshaping.length) {
    // k6 inspect cannot see these: no planned length, no overrun guard from it, no short-run check.
    plan = { ...plan, plannedMs: null, maxMs: null };
    ctx.out.line(`k6 arguments ${reshaping.join(' ')} change the test's length: its planned length is unknown (no short-run check, no overrun guard)`);
  }
  // `auto`: the width that fits, recorded in the events file for `evaluate --events`.
  const width = runBucketWidth(
    config.evaluate.bucketWidth,
    plan.plannedMs,
    chaos.section.plan,
    ctx.gates.map(gateWindowMs).filter((w): w is number => w !== null),
  );
  if (width.picked) {
    ctx.timeline.bucketWidth(Date.now(), width.ms, width.picked);
    ctx.out.line(`time buckets: ${width.picked}`);
  }
  ctx.notes.push(...[width.note ?? null, bucketWidthAdvice(width.ms, plan.plannedMs, chaos.section.plan)].filter((n): n is string => n !== null));
  const k6Gates = config.run.k6Thresholds ? plan.thresholds.map((t) => k6ThresholdGate(t.metric, t.expression)) : [];
  const gates = [...ctx.gates, ...k6Gates];
  refuseNoGates(gates.length, { allowNoGates: ctx.opts.allowNoGates === true, where: noGatesWhere(ctx.name) });
  const ev = createEvaluation({ ...ctx.services.evaluateConfig(config), bucketWidth: `${width.ms}ms` }, gates, {
    bucketWidthPicked: width.picked,
    phaseLabels: true,
    baselineReport: ctx.previous?.all ?? null,
    deriveTags: ctx.services.deriveTags,
  });
  ctx.ev = ev;
  if (k6Gates.length) ctx.out.line(`k6 thresholds judged as gates: ${k6Gates.map((g) => g.id).join('; ')}`);

  const shards = ctx.opts.shards ?? 1;
  let shardStreams: SampleStream[] = [];
  let stream: SampleStream;
  if (load.locust) {
    ({ stream, streams: shardStreams } = await openLocustStreams(load.locust, ctx.outDir, (source, text, start, end, firstLineNo) => {
      ctx.tap.text(text, start, end);
      return ev.ingestText(text, start, end, source, firstLineNo);
    }));
  } else if (shards > 1) {
    ({ stream, shards: shardStreams } = await openShardStreams({
      shards,
      outDir: ctx.outDir,
      open: threadedStreams(ev, ctx.tap, shards),
      onText: (source, text, start, end, firstLineNo) => {
        ctx.tap.text(text, start, end);
        return ev.ingestText(text, start, end, source, firstLineNo);
      },
    }));
  } else {
    stream = await openK6Stream(ctx.outDir, ev, ctx.tap);
  }
  ctx.cleanup.push('sample stream', async () => {
    stream.release();
    await stream.done.catch(() => {});
    await stream.remove();
  });
  const probes = startProbes(config.probes.list.length > 0 ? config.probes.list : stack.defaultProbes, {
    intervalMs: config.probes.intervalMs,
    timeoutMs: config.probes.timeoutMs,
    redisUrl: stack.redisUrl,
    onSample: (s) => ingestOwnSample(ctx, s),
    onError: (e) => ctx.out.line(`probe ${e.probe}: ${e.message}`),
    signal: ctx.internal.signal,
  });
  ctx.cleanup.push('probes', () => probes.stop());

  const lengthText = plan.plannedMs !== null ? ` for ~${Math.round(plan.plannedMs / 1000)} s` : '';
  const against = ctx.services.any ? `services ${Object.keys(config.services).join(', ')}` : target.baseUrl;
  ctx.out.line(`${driverName(ctx)}: ${load.label} against ${against}${lengthText}${shards > 1 ? ` as ${shards} shards` : ''}; reports in ${ctx.outDir}`);
  // Each k6 is journalled with its start time: after a SIGKILL of this run, the next run or `chaos clear` stops it.
  const journalK6 = (k6: RunningK6) => journalChild(processJournalDir(config), k6.child, 'k6');
  const k6 = load.locust
    ? await startLocust(load.locust, shardStreams, {
        outDir: ctx.outDir,
        env,
        signal: ctx.internal.signal,
        onLog: (t) => ctx.k6Log.push(t),
        onStarted: (child) => journalChild(processJournalDir(config), child, 'locust'),
      })
    : shards > 1
      ? await startShards(
          { shards, outDir: ctx.outDir, script, k6Args: load.k6Args, env, signal: ctx.internal.signal, onLog: (t) => ctx.k6Log.push(t), onStarted: journalK6 },
          shardStreams,
        )
      : await runK6({
          script,
          k6Args: load.k6Args,
          outDir: ctx.outDir,
          ndjsonPath: stream.fifoPath,
          summaryPath: join(ctx.outDir, 'k6-summary.json'),
          env,
          stdio: 'pipe',
          signal: ctx.internal.signal,
        });
  if (shards <= 1 && !load.locust) await journalK6(k6);
  const t0 = k6.startedAt ?? Date.now();
  ctx.cleanup.push('k6', async () => {
    await k6.stop();
    await writeFileAtomic(join(ctx.outDir, logFile(ctx)), ctx.k6Log.join(''));
  });
  if (!load.locust) {
    k6.child.stderr?.on('data', (d: Buffer) => ctx.k6Log.push(d.toString()));
    k6.child.stdout?.on('data', (d: Buffer) => ctx.k6Log.push(d.toString()));
  }
  const ended = k6.done.then((exit) => ({ exit, endedAt: Date.now() }));

  for (const p of profilePhases(ctx.profile)) ctx.timeline.phase(t0 + validatedMs(p.at), p.phase);
  if (scenarioConfig) for (const p of scenarioPhases(load.builtin, scenarioConfig)) ctx.timeline.phase(t0 + p.atMs, p.phase);
  const planDone = chaos.session.runPlan(chaos.section.plan, { startedAt: t0, signal: ctx.internal.signal }).catch((err: Error) => {
    stopRun(ctx, `chaos plan failed: ${err.message}`);
    ctx.failure ??= err;
  });
  return { plan, stream, probes, k6, ended, t0, planDone };
}

/** The load driver's name in lines and notes, and its log file. */
const driverName = (ctx: Pick<RunContext, 'load'>) => (ctx.load.locust ? 'Locust' : 'k6');
const logFile = (ctx: Pick<RunContext, 'load'>) => (ctx.load.locust ? 'locust.log' : 'k6.log');

function stopRun(ctx: RunContext, reason: string): void {
  ctx.abortReason ??= reason;
  ctx.ev?.abort(reason);
  ctx.out.line(reason);
  ctx.internal.abort();
}

/** watch: progress every second, the overrun guard and the live abort gates, until k6 ends. */
async function watchStage(ctx: RunContext, chaos: ChaosStage, run: LoadStage): Promise<K6End> {
  const { k6, plan, t0 } = run;
  const { session } = chaos;
  const progressTotal = plan.plannedMs;
  const windowMs = (w: string | number) => (typeof w === 'number' ? w : validatedMs(w));
  const abortAges = ctx.gates.filter((g) => g.abortOnFail).map((g) => (g.window !== undefined ? windowMs(g.window) : LIVE_ABORT_MIN_AGE_MS));
  const liveFromMs = abortAges.length ? Math.min(...abortAges) : null;
  let ended = false;
  void k6.done.finally(() => (ended = true));
  while (!ended) {
    await Promise.race([k6.done, new Promise((r) => setTimeout(r, 1000))]);
    if (ended) break;
    const active = session.activeFaults().map((f) => f.id);
    const phase = active.length ? `fault:${active.join('+')}` : ctx.timeline.hasFaults ? 'recovery' : 'baseline';
    const elapsed = Date.now() - t0;
    ctx.out.tick({ elapsedMs: elapsed, totalMs: progressTotal, phase, activeFaults: active }, ctx.tap.snapshot());
    if (ctx.internal.signal.aborted) continue;
    // Every run is bounded in time: k6 past its longest possible end (plus a grace) is stopped.
    const longest = plan.maxMs;
    if (longest !== null && elapsed > longest + OVERRUN_GRACE_MS) {
      const why = `k6 ran ${Math.round(OVERRUN_GRACE_MS / 1000)} s past its expected end (${Math.round(longest / 1000)} s): stopped`;
      ctx.incomplete.push(why);
      stopRun(ctx, why);
      continue;
    }
    // Like k6's delayAbortEval: a gate is judged live only once the run is as old as its window
    // (10 s for one without), so the first few requests cannot abort a run on their own. Before
    // the youngest abort gate is due nothing is judged at all (no gate work while k6 warms up).
    if (liveFromMs === null || elapsed < liveFromMs) continue;
    const breached = (ctx.ev?.checkGates({ liveOnly: true }) ?? []).filter((g) => g.verdict === 'fail' && elapsed >= (g.window ? validatedMs(g.window) : LIVE_ABORT_MIN_AGE_MS));
    if (breached.length) {
      const text = liveGateTextContext(t0, ctx.ev?.bucketWidthMs ?? bucketWidthMsOf(ctx.config.evaluate));
      stopRun(ctx, `abort gate breached: ${breached.map((g) => `${g.id} (${gateSentence(g, text)})`).join('; ')}`);
    }
  }
  ctx.out.end();
  const end = await run.ended;
  await run.stream.done;
  ctx.internal.abort(); // ends the plan's pending steps and the probes
  await run.planDone;
  return end;
}

/** teardown: unwind every stage's cleanup (k6, probes, stream, chaos rollback); the drain check before the stack goes. */
async function teardown(ctx: RunContext): Promise<void> {
  ctx.internal.abort();
  // The stack stays up for the drain check; everything registered after it unwinds first.
  for (const e of await ctx.cleanup.unwindAbove('stack')) ctx.failure ??= e;
  try {
    const drainBaseUrl = ctx.made.stack?.drainBaseUrl;
    if (ctx.profile.drain && drainBaseUrl && ctx.ev && !ctx.failure && !interrupted(ctx) && !ctx.abortReason && ctx.incomplete.length === 0) {
      const { config } = ctx;
      ctx.out.line(`drain: waiting up to ${config.run.drain.timeout} for queue ${config.run.drain.queue}`);
      const drain = await checkDrain({ baseUrl: drainBaseUrl, queue: config.run.drain.queue, timeoutMs: validatedMs(config.run.drain.timeout) });
      ctx.drain = drain;
      const now = Date.now();
      ingestOwnSample(ctx, { metric: DRAIN_METRICS.depth, type: 'gauge', time: now, value: drain.depthAtEnd, tags: { queue: drain.queue } });
      ingestOwnSample(ctx, { metric: DRAIN_METRICS.retrying, type: 'gauge', time: now, value: drain.retriesLeft, tags: { queue: drain.queue } });
      if (drain.retrievalResults !== null) {
        ingestOwnSample(ctx, { metric: DRAIN_METRICS.retrieval, type: 'gauge', time: now, value: drain.retrievalResults, tags: { queue: drain.queue } });
      }
    } else if (ctx.profile.drain && ctx.ev && !ctx.failure && !interrupted(ctx) && !ctx.abortReason && ctx.incomplete.length === 0) {
      ctx.queueDrain = await drainQueuesAfterLoad(
        ctx.config,
        ctx.made.stack?.redisUrl,
        ctx.made.end?.endedAt ?? Date.now(),
        (l) => ctx.out.line(l),
        (s) => ingestOwnSample(ctx, s),
      );
    }
  } finally {
    for (const e of await ctx.cleanup.unwind()) ctx.failure ??= e;
  }
}

const interrupted = (ctx: RunContext) => ctx.opts.signal?.aborted === true;

/** The texts of the script and of the local modules it imports (at most 100 files): where its custom metrics are named. */
async function scriptTexts(script: string): Promise<string[]> {
  const texts: string[] = [];
  const seen = new Set<string>();
  const queue = [resolve(script)];
  for (let file = queue.shift(); file !== undefined && seen.size < 100; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) continue;
    texts.push(text);
    for (const m of text.matchAll(/from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) queue.push(resolve(dirname(file), m[1]!));
  }
  return texts;
}

/** A probe or drain sample: into the evaluation, and into samples.ndjson for a later `evaluate --events`. */
function ingestOwnSample(ctx: RunContext, s: Parameters<Evaluation['ingestSample']>[0]): void {
  ctx.ev?.ingestSample(s);
  ctx.sampleLog.write(s);
}

/**
 * What k6's end says about the run: a k6 that was killed, exited with anything but 0/99, ran
 * shorter than planned, or a fault of the plan that never ran make the run incomplete (exit 1).
 * A run chaosgate itself stopped (abort gate, overrun, signal) is explained by its abort reason.
 */
function judgeK6End(ctx: RunContext, chaos: ChaosStage, run: LoadStage, end: K6End): void {
  const { exit } = end;
  if (ctx.abortReason || interrupted(ctx) || ctx.failure) return;
  const ranMs = end.endedAt - run.t0;
  const ran = `${Math.round(ranMs / 100) / 10} s`;
  const tool = driverName(ctx);
  if (exit.exitCode === null) ctx.incomplete.push(`${tool} was killed by ${exit.signal ?? 'a signal'} after ${ran}`);
  else if (exit.exitCode !== 0 && (exit.exitCode !== 99 || ctx.load.locust))
    ctx.incomplete.push(`${tool} exited with code ${exit.exitCode} after ${ran} (see ${join(ctx.outDir, logFile(ctx))})`);
  const planned = run.plan.plannedMs;
  const short = planned !== null && ranMs < planned - SHORT_RUN_TOLERANCE_MS;
  // k6 stops early with 99 itself when a threshold with abortOnFail is breached: a fail (exit 99)
  // that explains the short run and the faults it never reached.
  if (exit.exitCode === 99 && short && !ctx.load.locust) {
    ctx.k6StoppedEarly = { ran, planned: Math.round(planned / 1000) };
    return;
  }
  if (exit.exitCode === 0 && short) ctx.incomplete.push(`${tool} ended after ${ran}, shorter than its planned ${Math.round(planned / 1000)} s`);
  for (const entry of chaos.section.plan) {
    if (!ctx.timeline.faults().some((f) => f.id === entry.id))
      ctx.incomplete.push(`fault ${entry.id} of the plan never ran (due at ${Math.round(Number(entry.at) / 100) / 10} s, the load ended after ${ran})`);
  }
}

/** publish: the report (partial with the reason when the run stopped early or was incomplete), the analysis, every writer. */
async function publish(ctx: RunContext): Promise<RunResult> {
  const { config } = ctx;
  const ev = ctx.ev ?? createEvaluation(config.evaluate, ctx.gates, { phaseLabels: true, baselineReport: ctx.previous?.all ?? null });
  const report = ev.finish();
  k6StoppedItself(ctx, report);
  k6ThresholdAgreement(ctx, report);
  // Findings of the configured probes only: a stack's own default probe may watch a queue this load never uses.
  ctx.notes.push(...addProbeChecks(report, config.probes.list.length ? (ctx.made.load?.probes.findings() ?? []) : [], ctx.queueDrain));
  const files: Record<string, string> = {};
  for (const format of Object.keys(reportWriters) as ReportFormat[]) files[format] = join(ctx.outDir, reportWriters[format].fileName);
  const finished = await finishReport(report, {
    happened: { interrupted: interrupted(ctx), stopped: ctx.abortReason, failure: ctx.failure, incomplete: ctx.incomplete, notes: ctx.notes },
    analysis: {
      profile: ctx.name,
      faults: ctx.timeline.faults(ctx.counts),
      settings: config.run,
      drift: ctx.profile.drift,
      previous: ctx.previous,
      drain: ctx.drain,
      identity: runIdentityInput(ctx),
    },
    services: ctx.services,
    reports: Object.entries(files).map(([format, path]) => ({ format: format as ReportFormat, path })),
    reportsIn: ctx.outDir,
  });
  for (const line of finished.lines) ctx.out.line(line);
  if (finished.error) throw finished.error;
  return { report: finished.report, outDir: ctx.outDir, files, exitCode: finished.exitCode, k6: ctx.made.end?.exit ?? null };
}

/**
 * k6 stopped the test itself (exit 99, shorter than planned: a threshold with abortOnFail). That
 * explains the short run only when the run judged one of k6's thresholds as failed; otherwise (no
 * k6 threshold judged, run.k6Thresholds off, or every one held on chaosgate's samples) the gates
 * saw a shorter run than planned and nothing failed: incomplete (exit 1), never a pass.
 */
function k6StoppedItself(ctx: RunContext, report: ReportModel): void {
  const stop = ctx.k6StoppedEarly;
  if (!stop) return;
  const failedK6 = report.gates.some((g) => g.group === 'k6 thresholds' && g.verdict === 'fail');
  const what = `k6 stopped the test itself after ${stop.ran} of ${stop.planned} s (a threshold with abortOnFail)`;
  if (failedK6) ctx.notes.push(what);
  else {
    const why = ctx.config.run.k6Thresholds
      ? 'chaosgate found every k6 threshold held on the samples it received'
      : "run.k6Thresholds is off, so the run judged none of k6's thresholds";
    ctx.incomplete.push(`${what}, and ${why}: the gates saw ${stop.ran} of a planned ${stop.planned} s`);
  }
}

/** What the next night checks it compares like with like: the script (or built-in scenario), the configured services, the planned length. */
function runIdentityInput(ctx: RunContext): { script: string | null; services: Record<string, string>; plannedMs: number | null } {
  const services = Object.fromEntries(Object.entries(ctx.config.services).map(([name, s]) => [name, s.url ?? s.tcp ?? '']));
  return { script: ctx.load.builtin ?? relative(process.cwd(), ctx.load.label), services, plannedMs: ctx.made.load?.plan.plannedMs ?? null };
}

/** k6's exit code 99 must agree with chaosgate's judgement of k6's own thresholds, or the report says why not. */
function k6ThresholdAgreement(ctx: RunContext, report: ReportModel): void {
  const exit = ctx.made.end?.exit.exitCode;
  if (exit !== 0 && exit !== 99) return;
  const k6Gates = report.gates.filter((g) => g.group === 'k6 thresholds');
  if (k6Gates.length === 0) {
    if (exit === 99 && !ctx.k6StoppedEarly) ctx.notes.push("k6 exited 99 (thresholds breached) but the run judged none of k6's thresholds (run.k6Thresholds is off): see k6.log");
    return;
  }
  const failed = k6Gates.filter((g) => g.verdict === 'fail');
  if (exit === 99 && failed.length === 0) {
    ctx.notes.push(
      `k6 exited 99 (a threshold breached by k6's own count) while chaosgate found every k6 threshold held (${k6Gates.map((g) => g.id).join('; ')}); k6 also counts samples chaosgate did not receive (e.g. after an early stop)`,
    );
  } else if (exit === 0 && failed.length > 0) {
    ctx.notes.push(
      `chaosgate found k6 thresholds breached (${failed.map((g) => g.id).join('; ')}) while k6 exited 0: chaosgate judges the samples k6 wrote (k6 ignores thresholds on metrics without samples)`,
    );
  }
}

/**
 * A refusal (a config, safety or setup error before k6 started: an allowlist refusal, a missing
 * k6) is the reason alone: no gate results, no verdict, no report folder.
 */
function isRefusal(ctx: RunContext): boolean {
  return ctx.failure instanceof ChaosgateError && ctx.failure.exitCode !== ExitCode.internal && ctx.made.load === undefined && !interrupted(ctx);
}

export async function runProfile(opts: RunOptions): Promise<RunResult> {
  const ctx = await prepare(opts);
  const { made } = ctx;
  try {
    const stack = (made.stack = await stackStage(ctx));
    await preflight(ctx.config, ctx.config.probes.list.length ? ctx.config.probes.list : stack.defaultProbes, stack.redisUrl, (l) => ctx.out.line(l), ctx.internal.signal);
    const chaos = (made.chaos = await chaosStage(ctx, stack));
    const run = (made.load = await loadStage(ctx, stack, chaos));
    const end = (made.end = await watchStage(ctx, chaos, run));
    judgeK6End(ctx, chaos, run, end);
  } catch (err) {
    ctx.failure ??= err;
  } finally {
    await teardown(ctx);
  }
  if (isRefusal(ctx)) {
    if (ctx.madeOutDir) await rm(ctx.madeOutDir, { recursive: true, force: true });
    throw ctx.failure;
  }
  return publish(ctx);
}

/** The folder of a config file, for a profile's relative `script`. */
export function configDirOf(file: string | undefined): string {
  return file ? dirname(resolve(file)) : process.cwd();
}
