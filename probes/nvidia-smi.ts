// GPU memory and utilization from `nvidia-smi --query-gpu` (local, or a configured command such as
// `ssh gpu-host nvidia-smi`), one gauge set per GPU tagged by its index and uuid. Device-wide
// figures only: inside a VM or container nvidia-smi's process list is often empty, so per-process
// memory is never read.
import { z } from 'zod';
import { commandRunner } from './command.js';
import { defineProbe, type ProbeReading } from './types.js';

/** The fields queried, in this order (the arguments the probe appends to its command). */
export const NVIDIA_SMI_FIELDS = ['index', 'uuid', 'memory.used', 'memory.total', 'utilization.gpu'] as const;
export const NVIDIA_SMI_ARGS = [`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`, '--format=csv,noheader,nounits'] as const;

export interface GpuRow {
  index: string;
  uuid: string | null;
  memoryUsedMiB: number;
  memoryTotalMiB: number;
  /** null where nvidia-smi says `[N/A]` / `[Not Supported]` (e.g. a MIG instance). */
  utilizationPercent: number | null;
}

const NOT_AVAILABLE = /^\[(N\/A|Not Supported|Unknown Error|Insufficient Permissions)\]$/i;

/** A value with or without its unit (`46755 MiB`, `0 %`, `46755`); null for nvidia-smi's `[N/A]`-like words; undefined when it is no number. */
function value(text: string): number | null | undefined {
  if (NOT_AVAILABLE.test(text)) return null;
  const m = /^(\d+(?:\.\d+)?)(?: ?(?:MiB|%))?$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Parses `--query-gpu` CSV: without a header the columns are `fields` in order; with one (a
 * command that prints it, or `--format=csv`) they are found by name, units in brackets ignored.
 * Any line that does not fit throws, naming it: a reading is all GPUs or none, never a made-up zero.
 */
export function parseNvidiaSmiCsv(text: string, fields: readonly string[] = NVIDIA_SMI_FIELDS): GpuRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  let columns = [...fields];
  if (lines.length && /(^|,\s*)memory\.used\b/.test(lines[0]!) && !/^\s*\d/.test(lines[0]!)) {
    columns = lines
      .shift()!
      .split(',')
      .map((h) => h.trim().replace(/\s*\[[^\]]*\]$/, ''));
  }
  const at = (name: string) => columns.indexOf(name);
  for (const required of ['index', 'memory.used', 'memory.total']) {
    if (at(required) < 0) throw new Error(`nvidia-smi output has no ${required} column (columns: ${columns.join(', ')})`);
  }
  if (lines.length === 0) throw new Error('nvidia-smi listed no GPU');
  return lines.map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    const bad = (why: string) => new Error(`nvidia-smi line ${i + 1} ${JSON.stringify(line.slice(0, 200))}: ${why} (expected ${columns.join(', ')})`);
    if (cells.length !== columns.length) throw bad(`${cells.length} fields`);
    const index = cells[at('index')]!;
    if (!/^\d+$/.test(index)) throw bad('index is no number');
    const used = value(cells[at('memory.used')]!);
    const total = value(cells[at('memory.total')]!);
    if (typeof used !== 'number' || typeof total !== 'number') throw bad('memory.used or memory.total is no number');
    if (total <= 0 || used > total) throw bad(`memory.used ${used} of memory.total ${total}`);
    let utilization: number | null = null;
    if (at('utilization.gpu') >= 0) {
      const u = value(cells[at('utilization.gpu')]!);
      if (u === undefined || (u !== null && u > 100)) throw bad('utilization.gpu is no percentage');
      utilization = u;
    }
    const uuid = at('uuid') >= 0 ? cells[at('uuid')]! : null;
    return { index, uuid: uuid && !NOT_AVAILABLE.test(uuid) ? uuid : null, memoryUsedMiB: used, memoryTotalMiB: total, utilizationPercent: utilization };
  });
}

/** The gauges of one reading, tagged `gpu` (index) and `gpu_uuid`. */
export function gpuReadings(rows: readonly GpuRow[]): ProbeReading[] {
  return rows.flatMap((r) => {
    const tags = { gpu: r.index, ...(r.uuid ? { gpu_uuid: r.uuid } : {}) };
    const out: ProbeReading[] = [
      { metric: 'gpu_memory_used_mib', value: r.memoryUsedMiB, tags },
      { metric: 'gpu_memory_used_percent', value: (100 * r.memoryUsedMiB) / r.memoryTotalMiB, tags },
    ];
    if (r.utilizationPercent !== null) out.push({ metric: 'gpu_utilization_percent', value: r.utilizationPercent, tags });
    return out;
  });
}

const schema = z
  .object({
    command: z
      .array(z.string().min(1))
      .min(1)
      .default(['nvidia-smi'])
      .describe('argv (no shell) the query arguments are appended to, e.g. `["ssh", "gpu-host", "nvidia-smi"]` for a GPU host elsewhere'),
  })
  .strict();

export const nvidiaSmiProbe = defineProbe({
  kind: 'nvidia-smi',
  schema,
  reads: `\`nvidia-smi ${NVIDIA_SMI_ARGS.join(' ')}\` (or the configured \`command\` with those arguments), device-wide per GPU, tagged \`gpu\` (index) and \`gpu_uuid\`; never per-process memory`,
  metrics: {
    gpu_memory_used_percent: 'memory.used / memory.total × 100',
    gpu_memory_used_mib: 'memory.used in MiB',
    gpu_utilization_percent: 'utilization.gpu: % of the last sample period a kernel ran (absent where nvidia-smi says [N/A])',
  },
  create(config, ctx) {
    const runner = commandRunner(config.command, ctx.timeoutMs);
    return {
      id: config.id,
      kind: config.kind,
      async read() {
        return gpuReadings(parseNvidiaSmiCsv(await runner.run(NVIDIA_SMI_ARGS)));
      },
      async close() {
        runner.close();
      },
    };
  },
});
