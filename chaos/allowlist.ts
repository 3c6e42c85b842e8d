// Chaos only touches loopback and the hosts the config lists by name.
import { SafetyError } from '../lib/errors.js';
import { isLoopbackHost } from '../lib/net.js';
import { splitHostPort, type ChaosSection } from './config.js';
import { drivers, isDriverKind } from './drivers/index.js';
import type { DriverContext } from './drivers/types.js';

export function isAllowed(host: string, allowlist: readonly string[]): boolean {
  return isLoopbackHost(host) || allowlist.some((h) => h.toLowerCase() === host.toLowerCase());
}

/** Throws a SafetyError naming every config field that aims chaos off the allowlist. */
export function checkAllowlist(section: ChaosSection, ctx: DriverContext): void {
  const refused: string[] = [];
  section.proxy.routes.forEach((route, i) => {
    const { host } = splitHostPort(route.upstream);
    if (!isAllowed(host, section.allowlist)) refused.push(`chaos.proxy.routes.${i}.upstream: host "${host}"`);
  });
  section.plan.forEach((entry, i) => {
    if (!isDriverKind(entry.kind)) return;
    for (const host of drivers[entry.kind].hosts(entry as never, ctx)) {
      if (!isAllowed(host, section.allowlist)) refused.push(`chaos.plan.${i} (${entry.id}, ${entry.kind}): host "${host}"`);
    }
  });
  if (refused.length > 0) {
    const listed = section.allowlist.length ? `loopback, ${section.allowlist.join(', ')}` : 'loopback only';
    throw new SafetyError(
      `chaos refused: not on the allowlist (chaos.allowlist: ${listed}):\n${refused.map((r) => `  - ${r}`).join('\n')}\n` +
        'add a host by name to chaos.allowlist only if that environment is meant for chaos',
    );
  }
}
