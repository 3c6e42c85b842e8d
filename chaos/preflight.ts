// Before any load, every fault target of the plan is checked once: PID files name a live process,
// Redis answers, hook URLs and route upstreams accept a connection, Toxiproxy has the named proxy.
// A plan that cannot run fails in seconds (exit 2 when the config names something that is not
// there, 1 when something named is down), not when its fault is due an hour into a soak.
import { resolve } from 'node:path';
import { ChaosgateError } from '../lib/errors.js';
import { ExitCode } from '../lib/exit-codes.js';
import { splitHostPort, type ChaosSection } from './config.js';
import { drivers, isDriverKind } from './drivers/index.js';
import { PreflightFailure, tcpAnswers } from './drivers/checks.js';
import type { DriverContext } from './drivers/types.js';
import { isProxyFaultKind } from './faults/index.js';

/** A PID-file target relative to `baseDir` (the config file's folder), as scripts are. */
export function resolveProcessTargets<T extends { kind: string; target: string }>(plan: readonly T[], baseDir: string): T[] {
  return plan.map((e) => (e.kind.startsWith('process-') && !e.target.startsWith('cmd:') ? { ...e, target: resolve(baseDir, e.target) } : e));
}

export async function preflightPlan(section: ChaosSection, ctx: DriverContext): Promise<void> {
  const checks: Array<Promise<string | PreflightFailure | undefined>> = [];
  const upstreams = new Set<string>();
  for (const entry of section.plan) {
    if (isProxyFaultKind(entry.kind)) {
      const route = section.proxy.routes.find((r) => r.name === entry.target);
      if (route) upstreams.add(route.upstream);
      continue;
    }
    if (!isDriverKind(entry.kind)) continue;
    const check = drivers[entry.kind].preflight;
    if (!check) continue;
    checks.push(
      check({ id: entry.id, target: entry.target, params: entry.params as never }, ctx).then(
        () => undefined,
        (err: Error) =>
          err instanceof PreflightFailure
            ? new PreflightFailure(`${entry.id} (${entry.kind} ${entry.target}): ${err.message}`, err.configLike)
            : `${entry.id} (${entry.kind} ${entry.target}): ${err.message}`,
      ),
    );
  }
  for (const upstream of upstreams) {
    const { host, port } = splitHostPort(upstream);
    checks.push(
      tcpAnswers(host, port).then(
        () => undefined,
        (err: Error) => `route upstream ${upstream}: does not accept a connection (${(err as NodeJS.ErrnoException).code ?? err.message})`,
      ),
    );
  }
  const failed = (await Promise.all(checks)).filter((f) => f !== undefined);
  if (failed.length === 0) return;
  const configLike = failed.some((f) => f instanceof PreflightFailure && f.configLike);
  throw new ChaosgateError(
    `the chaos plan cannot run, checked before any load:\n${failed.map((f) => `  - ${typeof f === 'string' ? f : f.message}`).join('\n')}`,
    configLike ? ExitCode.usage : ExitCode.internal,
  );
}
