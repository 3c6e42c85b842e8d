// `chaosgate probe [id...]`: reads the configured probes (probes.list) now, outside a run, and
// prints each gauge as a run would record it: is the GPU host, the endpoint or the queue key what
// the config thinks it is. Exit 1 when any reading failed.
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { ChaosgateError, UsageError } from '../../lib/errors.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { openProbeReader, sampleLine } from '../../probes/index.js';
import { configFileOf, DEFAULT_CONFIG_FILE, numberFlag, withConfigFlags, type ConfigFlags } from '../config-flags.js';

const out = (line: string) => process.stdout.write(`${line}\n`);

async function probe(ids: string[], flags: ConfigFlags & { count: number }): Promise<void> {
  const config = await loadConfig({ file: configFileOf(flags), set: flags.set });
  const list = config.probes.list;
  const unknown = ids.filter((id) => !list.some((p) => p.id === id));
  if (unknown.length) throw new UsageError(`probe ${unknown.join(', ')}: no such id in probes.list (${list.map((p) => p.id).join(', ') || 'it is empty'})`);
  const chosen = ids.length ? list.filter((p) => ids.includes(p.id)) : list;
  if (chosen.length === 0) throw new UsageError('probe: probes.list is empty: nothing to read');
  if (!Number.isInteger(flags.count) || flags.count < 1 || flags.count > 3600) throw new UsageError('--count: a whole number from 1 to 3600');
  let failed = 0;
  // Opened once for every reading: a probe's memory between readings (a task's first sighting,
  // for the Celery queue's oldest age) works as in a run.
  const reader = openProbeReader(chosen, { redisUrl: config.redis.url, timeoutMs: config.probes.timeoutMs });
  try {
    for (let i = 0; i < flags.count; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, config.probes.intervalMs));
      for (const r of await reader.read()) {
        const at = new Date().toISOString();
        if (r.error !== null) {
          failed++;
          out(`${at} ${r.id} (${r.kind}) error: ${r.error}`);
        }
        for (const s of r.samples) out(`${at} ${r.id} (${r.kind}) ${sampleLine(s)}`);
        for (const f of r.findings) out(`${at} ${r.id} (${r.kind}) warning: ${f.replace(' during the run', ' yet')}`);
      }
    }
  } finally {
    await reader.close();
  }
  if (failed) throw new ChaosgateError(`probe: ${failed} reading(s) failed`, ExitCode.internal);
}

export function register(program: Command): void {
  withConfigFlags(program.command('probe'))
    .description(`read the configured probes (probes.list; without -c: ./${DEFAULT_CONFIG_FILE} if present) now and print what a run would record`)
    .argument('[id...]', 'probe ids (default: every probe of probes.list)')
    .option('--count <n>', 'readings, one probes.intervalMs apart', numberFlag, 1)
    .action(probe);
}
