// A chaos session: the proxy routes, the drivers, the journal and the event log behind one API that
// the CLI and the run orchestrator call. Every change goes through one queue, so the journal always
// says what is applied, written before the change itself.
import { ChaosgateError } from '../lib/errors.js';
import { ExitCode } from '../lib/exit-codes.js';
import { checkAllowlist } from './allowlist.js';
import { splitHostPort, type ChaosSection, type PlanEntry } from './config.js';
import { startControl, type ControlHandler } from './control.js';
import { driverContext, type OwnedDriverContext } from './drivers/context.js';
import { drivers, isDriverKind } from './drivers/index.js';
import { EventLog, type ChaosEvent } from './events.js';
import { redactUrl } from '../lib/redact.js';
import { proxyFaults, isProxyFaultKind } from './faults/index.js';
import type { HttpFault, TcpFault } from './faults/types.js';
import { journalOwnerRuns, openSessionJournals, readJournals, sessionJournalPath, writeJournal, type JournalEntry, type JournalFile } from './journal.js';
import { processStartTicks } from '../lib/proc.js';
import { HttpRoute } from './proxy/http-route.js';
import { compileMatch, type ActiveFault } from './proxy/roll.js';
import { TcpRoute } from './proxy/tcp-route.js';
import { applyServed, readServed, removeServed, servedRouteFor, type FaultOwner } from './proxy/served.js';
import { recoverJournal, type RecoveryReport } from './recover.js';
import { preflightPlan } from './preflight.js';
import { DEFAULT_REDIS_URL } from '../lib/defaults.js';

export interface ChaosSessionOptions {
  /** Redis for toggles; default the config's `redis.url` is passed by the caller. */
  redisUrl?: string;
  journalPath?: string;
  eventsPath?: string;
  onEvent?: (event: ChaosEvent) => void;
  env?: NodeJS.ProcessEnv;
}

export interface ActiveFaultInfo {
  id: string;
  kind: string;
  target: string;
  since: string;
}

export interface RunPlanOptions {
  /** Epoch ms the offsets count from; default now. */
  startedAt?: number;
  signal?: AbortSignal;
}

interface Applied {
  entry: PlanEntry;
  journal: JournalEntry;
  proxyFault?: ActiveFault;
  /** The driver's shared-target key (a Redis key, a process): faults with the same one compose. */
  shareKey?: string;
  /** A proxy fault on a route another process serves (`chaos proxy serve`): its control URL. */
  servedBy?: string;
}

/** Opens a session after undoing anything a previous (SIGKILLed) run left in the journal. */
export async function openChaosSession(section: ChaosSection, opts: ChaosSessionOptions = {}): Promise<ChaosSession> {
  const env = opts.env ?? process.env;
  const redisUrl = opts.redisUrl ?? DEFAULT_REDIS_URL;
  const ctx = driverContext(redisUrl, section.toxiproxy, env);
  checkAllowlist(section, ctx);
  const journalPath = opts.journalPath ?? section.journal;
  const eventsPath = opts.eventsPath ?? section.events;
  // Undoing an earlier run's leftovers is not part of this session's timeline: its "off" events
  // stay out of this event log (they would label this run's start as a recovery); the returned
  // report says what was undone.
  // Sessions still running keep their journals; a target one of them holds is refused at apply.
  const recovered = await recoverJournal(journalPath, { redisUrl, env, urls: [...section.plan.map((e) => e.target), section.toxiproxy.url] });
  const startedMs = Date.now();
  let own = sessionJournalPath(journalPath, process.pid, startedMs);
  for (let seq = 1; openSessionJournals.has(own); seq++) own = sessionJournalPath(journalPath, process.pid, startedMs, seq);
  openSessionJournals.add(own);
  return new ChaosSession(section, ctx, own, new EventLog(eventsPath, opts.onEvent), recovered);
}

export class ChaosSession {
  private readonly routes = new Map<string, HttpRoute | TcpRoute>();
  /** Routes `chaos proxy serve` keeps up: route name -> the serving process's control URL. */
  private readonly served = new Map<string, string>();
  private readonly applied = new Map<string, Applied>();
  private readonly injections = new Map<string, number>();
  private readonly journal: JournalFile;
  private readonly configuredJournal: string;
  private queue: Promise<unknown> = Promise.resolve();
  private control: { url: string; close(): Promise<void> } | undefined;
  private started = false;

  constructor(
    private readonly section: ChaosSection,
    private readonly ctx: OwnedDriverContext,
    /** This session's own journal file. */
    readonly journalPath: string,
    private readonly events: EventLog,
    /** What the start undid from a previous run's journal. */
    readonly recovered: RecoveryReport,
  ) {
    this.configuredJournal = recovered.journalPath;
    for (const route of section.proxy.routes) {
      const upstream = splitHostPort(route.upstream);
      this.routes.set(route.name, route.protocol === 'http' ? new HttpRoute(route.name, { ...upstream, tls: route.tls }) : new TcpRoute(route.name, upstream));
    }
    this.journal = {
      version: 1,
      owner: { pid: process.pid, startedAt: new Date().toISOString(), startTicks: processStartTicks(process.pid) },
      redisUrl: redactUrl(ctx.redisUrl),
      entries: [],
    };
  }

  /** Checks every fault target of the plan once, before any load (chaos/preflight.ts); changes nothing. */
  preflight(plan: readonly PlanEntry[] = this.section.plan): Promise<void> {
    return preflightPlan({ ...this.section, plan: [...plan] }, this.ctx);
  }

  /**
   * Starts every proxy route and the control endpoint; returns route name -> URL. A route with a
   * fixed `listen` that `chaos proxy serve` already serves (same name, upstream and protocol) is
   * used through that process instead of bound here. `extra`: the serving process's fault handler.
   */
  async startProxy(extra?: ControlHandler): Promise<Record<string, string>> {
    const urls: Record<string, string> = {};
    if (this.started) {
      throw new ChaosgateError('the chaos proxy is already started', ExitCode.internal);
    }
    this.started = true;
    const state = extra ? undefined : await readServed(this.configuredJournal);
    for (const route of this.section.proxy.routes) {
      const served = servedRouteFor(state, route);
      if (served) {
        urls[route.name] = served.url;
        this.served.set(route.name, state!.controlUrl);
        continue;
      }
      const clash = route.listen.endsWith(':0') ? undefined : state?.routes.find((r) => r.listen === route.listen);
      if (clash) {
        throw new ChaosgateError(
          `chaos.proxy.routes ${route.name}: ${route.listen} is served by \`chaosgate chaos proxy serve\` (pid ${state!.pid}) as route ${clash.name} -> ${clash.upstream} (${clash.protocol}); a run uses a served route only when name, protocol, upstream and listen are the same`,
          ExitCode.usage,
        );
      }
      const { host, port } = splitHostPort(route.listen);
      try {
        urls[route.name] = await this.routes.get(route.name)!.listen(host, port);
      } catch (err) {
        throw new ChaosgateError(`chaos.proxy.routes ${route.name}: cannot listen on ${route.listen}: ${(err as Error).message}`, ExitCode.usage);
      }
    }
    const { host, port } = splitHostPort(this.section.control.listen);
    this.control = await startControl(
      host,
      port,
      this.section.control.tokenEnv,
      this.ctx.env,
      () => ({
        pid: process.pid,
        active: this.activeFaults(),
        counts: this.counts(),
      }),
      extra,
    );
    this.journal.controlUrl = this.control.url;
    return urls;
  }

  get controlUrl(): string | undefined {
    return this.control?.url;
  }

  /** Routes this session uses through a serving process: route name -> its control URL. */
  get servedRoutes(): ReadonlyMap<string, string> {
    return this.served;
  }

  /** Switches one plan entry on now (no-op when it already is). */
  apply(entry: PlanEntry): Promise<void> {
    return this.serial(() => this.applyNow(entry));
  }

  /** Switches one entry off (no-op when it is not on); resolves with this application's injections. */
  remove(id: string): Promise<number | undefined> {
    return this.serial(() => this.removeNow(id));
  }

  /** Undoes everything applied, newest first; tries every one before reporting failures. Idempotent. */
  clearAll(): Promise<void> {
    return this.serial(async () => {
      const failures: string[] = [];
      for (const id of [...this.applied.keys()].reverse()) {
        await this.removeNow(id).catch((err: Error) => failures.push(`${id}: ${err.message}`));
      }
      if (failures.length > 0) {
        throw new ChaosgateError(
          `chaos rollback incomplete (the journal ${this.journalPath} keeps the rest for \`chaosgate chaos clear\`):\n${failures.map((f) => `  - ${f}`).join('\n')}`,
          ExitCode.internal,
        );
      }
    });
  }

  /**
   * Applies and removes the plan's entries at their offsets. Resolves when the last scheduled change
   * is done (entries without a duration stay on: the caller ends with clearAll); rejects on the
   * first change that fails. An aborted signal cancels what has not happened yet.
   */
  runPlan(plan: readonly PlanEntry[] = this.section.plan, opts: RunPlanOptions = {}): Promise<void> {
    const startedAt = opts.startedAt ?? Date.now();
    const steps: { at: number; run: () => Promise<unknown> }[] = [];
    for (const entry of plan) {
      steps.push({ at: startedAt + entry.at, run: () => this.apply(entry) });
      if (entry.duration !== undefined) steps.push({ at: startedAt + entry.at + entry.duration, run: () => this.remove(entry.id) });
    }
    return new Promise<void>((resolve, reject) => {
      const timers = new Set<NodeJS.Timeout>();
      let left = steps.length;
      let settled = false;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish();
      if (opts.signal?.aborted || left === 0) return finish();
      opts.signal?.addEventListener('abort', onAbort);
      for (const step of steps) {
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            if (settled) return;
            step.run().then(() => {
              if (--left === 0) finish();
            }, finish);
          },
          Math.max(0, step.at - Date.now()),
        );
        timers.add(timer);
      }
    });
  }

  activeFaults(): ActiveFaultInfo[] {
    return [...this.applied.values()].map(({ entry, journal }) => ({ id: entry.id, kind: entry.kind, target: journal.target, since: journal.since }));
  }

  /** Injections per fault id: requests or connections hit by proxy faults, applications of toggles. */
  counts(): Record<string, number> {
    const counts = Object.fromEntries(this.injections);
    for (const { entry, proxyFault } of this.applied.values()) {
      if (proxyFault) counts[entry.id] = (this.injections.get(entry.id) ?? 0) + proxyFault.injections;
    }
    return counts;
  }

  /** Rolls everything back, stops the proxy and the control endpoint. */
  async close(): Promise<void> {
    try {
      await this.clearAll();
    } finally {
      await Promise.all([...this.routes.values()].filter((r) => !this.served.has(r.name)).map((r) => r.close()));
      await this.control?.close();
      await this.ctx.close();
      // A journal still listing something is the next start's or `chaos clear`'s to undo.
      openSessionJournals.delete(this.journalPath);
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  private async saveJournal(): Promise<void> {
    this.journal.entries = [...this.applied.values()].map((a) => a.journal);
    await writeJournal(this.journalPath, this.journal);
  }

  private event(entry: PlanEntry, action: 'on' | 'off', injections?: number, targetStillFaultedBy?: string[], extra: Record<string, unknown> = {}, epochMs?: number): void {
    const params: Record<string, unknown> = { ...entry.params, ...extra };
    // On `off`, how often this application injected: the evaluator reconciles it with the errors seen.
    if (injections !== undefined) params.injections = injections;
    if (targetStillFaultedBy) params.targetStillFaultedBy = targetStillFaultedBy;
    if (isProxyFaultKind(entry.kind)) {
      params.probability = entry.probability;
      if (entry.match) params.match = entry.match;
    }
    this.events.write({ faultId: entry.id, kind: entry.kind, target: entry.target, action, params, epochMs });
  }

  private async applyNow(entry: PlanEntry): Promise<void> {
    if (this.applied.has(entry.id)) return;
    const journal: JournalEntry = { faultId: entry.id, kind: entry.kind, target: entry.target, state: 'applying', since: new Date().toISOString(), undo: null };
    const servedBy = this.served.get(entry.target);
    if (isProxyFaultKind(entry.kind) && servedBy !== undefined) {
      // The serving process holds the route: the journal names it, so `chaos clear` (or the serving
      // process itself, once this process is gone) takes the fault off after a SIGKILL.
      journal.undo = { servedBy };
      this.applied.set(entry.id, { entry, journal, servedBy });
      await this.saveJournal();
      let onAt: number;
      try {
        onAt = await applyServed(servedBy, {
          id: entry.id,
          kind: entry.kind,
          target: entry.target,
          probability: entry.probability,
          match: entry.match,
          params: entry.params,
          owner: this.owner,
        });
      } catch (err) {
        this.applied.delete(entry.id);
        await this.saveJournal();
        throw new ChaosgateError(`chaos ${entry.id} (${entry.kind} ${entry.target}) not applied: ${(err as Error).message}`, ExitCode.internal);
      }
      journal.state = 'applied';
      await this.saveJournal();
      // When it went on in the serving process, not when its answer arrived here.
      this.event(entry, 'on', undefined, undefined, { servedBy }, Number.isFinite(onAt) ? onAt : undefined);
      return;
    }
    if (isProxyFaultKind(entry.kind)) {
      const route = this.routes.get(entry.target);
      if (!route) throw new ChaosgateError(`${entry.id}: no proxy route "${entry.target}"`, ExitCode.usage);
      if (!this.started) throw new ChaosgateError(`${entry.id}: the chaos proxy is not started (startProxy first)`, ExitCode.internal);
      const proxyFault: ActiveFault = {
        id: entry.id,
        kind: entry.kind,
        fault: proxyFaults[entry.kind],
        params: entry.params,
        probability: entry.probability,
        match: compileMatch(entry.match),
        injections: 0,
      };
      journal.state = 'applied';
      this.applied.set(entry.id, { entry, journal, proxyFault });
      await this.saveJournal();
      // A new array, so a request being routed keeps the list it started with.
      if (route instanceof HttpRoute) route.active = [...route.active, proxyFault as ActiveFault<HttpFault>];
      else route.active = [...route.active, proxyFault as ActiveFault<TcpFault>];
      this.event(entry, 'on');
      return;
    }
    if (!isDriverKind(entry.kind)) throw new ChaosgateError(`${entry.id}: unknown kind ${entry.kind}`, ExitCode.usage);
    const driver = drivers[entry.kind];
    const driverEntry = { id: entry.id, target: entry.target, params: entry.params as never };
    try {
      journal.undo = await driver.prepare(driverEntry, this.ctx);
    } catch (err) {
      // A refusal (a safety check) keeps its exit code; anything else is the environment's failure.
      const code = err instanceof ChaosgateError ? err.exitCode : ExitCode.internal;
      throw new ChaosgateError(`chaos ${entry.id} (${entry.kind} ${entry.target}) not applied: ${(err as Error).message}`, code);
    }
    const shareKey = driver.shared?.key(journal.undo as never);
    const sharing = this.sharing(shareKey);
    const clash = sharing.find((a) => a.entry.kind !== entry.kind);
    const held = shareKey === undefined ? undefined : await this.heldElsewhere(shareKey);
    if (held) {
      throw new ChaosgateError(`chaos ${entry.id} (${entry.kind} ${entry.target}) refused: ${held}; two sessions faulting one target cannot restore it in order`, ExitCode.usage);
    }
    if (clash) {
      throw new ChaosgateError(
        `chaos ${entry.id} (${entry.kind} ${entry.target}) refused: ${clash.entry.id} (${clash.entry.kind}) is on for the same target (${shareKey}); faults of different kinds on one target cannot be undone in order`,
        ExitCode.usage,
      );
    }
    this.applied.set(entry.id, { entry, journal, shareKey });
    await this.saveJournal();
    try {
      await driver.apply(driverEntry, journal.undo as never, this.ctx);
    } catch (err) {
      // Half-applied is still applied as far as safety goes: undo, and keep the journal entry if that fails too.
      await driver.undo(journal.undo as never, this.ctx).then(
        () => {
          this.applied.delete(entry.id);
          return this.saveJournal();
        },
        () => {},
      );
      const code = err instanceof ChaosgateError ? err.exitCode : ExitCode.internal;
      throw new ChaosgateError(`chaos ${entry.id} (${entry.kind} ${entry.target}) failed: ${(err as Error).message}`, code);
    }
    journal.state = 'applied';
    await this.saveJournal();
    this.injections.set(entry.id, (this.injections.get(entry.id) ?? 0) + 1);
    this.event(entry, 'on');
  }

  private get owner(): FaultOwner {
    return { pid: this.journal.owner.pid, startTicks: this.journal.owner.startTicks };
  }

  private async removeNow(id: string): Promise<number | undefined> {
    const applied = this.applied.get(id);
    if (!applied) return undefined;
    const { entry, journal, proxyFault, servedBy } = applied;
    if (servedBy !== undefined) {
      const answer = await removeServed(servedBy, id, this.owner).catch((err: Error) => {
        throw new Error(`${entry.kind} ${journal.target}: ${err.message}`);
      });
      const injections = 'injections' in answer ? answer.injections : 0;
      this.injections.set(id, (this.injections.get(id) ?? 0) + injections);
      this.applied.delete(id);
      // Gone already: the off event is late by as much; it says so.
      const offAt = 'epochMs' in answer && Number.isFinite(answer.epochMs) ? answer.epochMs : undefined;
      this.event(entry, 'off', injections, undefined, 'gone' in answer ? { servedBy, endedEarlier: answer.gone } : { servedBy }, offAt);
      await this.saveJournal();
      return injections;
    }
    if (proxyFault) {
      const route = this.routes.get(entry.target)!;
      if (route instanceof HttpRoute) route.active = route.active.filter((f) => f !== proxyFault);
      else route.active = route.active.filter((f) => f !== proxyFault);
      this.injections.set(id, (this.injections.get(id) ?? 0) + proxyFault.injections);
    } else if (isDriverKind(entry.kind)) {
      const shared = drivers[entry.kind].shared;
      const others = this.sharing(applied.shareKey).filter((a) => a !== applied);
      const above = others.find((a) => this.appliedAfter(a, applied));
      if (shared?.mode === 'stack' && above) {
        // Ends beneath a later fault: the target keeps the later one's state; that fault now
        // restores what this one found (written before this one leaves the journal).
        above.journal.undo = shared.inherit!(above.journal.undo as never, journal.undo as never);
      } else if (!(shared?.mode === 'count' && others.length > 0)) {
        try {
          await drivers[entry.kind].undo(journal.undo as never, this.ctx);
        } catch (err) {
          throw new Error(`${entry.kind} ${journal.target}: ${(err as Error).message}`);
        }
      }
      this.applied.delete(id);
      // The off event says when this fault ended and, when it shares its target, which still hold it.
      this.event(entry, 'off', 1, others.length > 0 ? others.map((a) => a.entry.id) : undefined);
      await this.saveJournal();
      return 1;
    }
    this.applied.delete(id);
    const injections = proxyFault ? proxyFault.injections : 1;
    this.event(entry, 'off', injections);
    await this.saveJournal();
    return injections;
  }

  /** Which other session's journal lists a fault on this shared target, if any. */
  private async heldElsewhere(shareKey: string): Promise<string | undefined> {
    for (const found of await readJournals(this.configuredJournal)) {
      if (found.path === this.journalPath || 'error' in found) continue;
      for (const e of found.journal.entries) {
        if (!isDriverKind(e.kind) || drivers[e.kind].shared?.key(e.undo as never) !== shareKey) continue;
        const runs = journalOwnerRuns(found.path, found.journal);
        return `${e.faultId} of ${runs ? 'running' : 'killed'} chaosgate pid ${found.journal.owner.pid} holds ${shareKey} (${found.path}${runs ? '' : '; run `chaosgate chaos clear`'})`;
      }
    }
    return undefined;
  }

  /** The applied faults on one shared target, in the order they were applied. */
  private sharing(key: string | undefined): Applied[] {
    return key === undefined ? [] : [...this.applied.values()].filter((a) => a.shareKey === key);
  }

  private appliedAfter(a: Applied, b: Applied): boolean {
    const order = [...this.applied.values()];
    return order.indexOf(a) > order.indexOf(b);
  }
}
