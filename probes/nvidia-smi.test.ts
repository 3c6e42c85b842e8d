// The GPU probe on real nvidia-smi output of an NVIDIA H200 (test/fixtures/nvidia-smi/, recorded
// under a 46 GB allocation ramp): the parser on the exact bytes, and the probe running a fake
// `nvidia-smi` on PATH that replays them, fails, or hangs.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv } from './nvidia-smi.js';
import { createProbe, probeConfigSchema } from './registry.js';
import { startProbes } from './sampler.js';
import type { GaugeSample } from './types.js';
import { waitFor } from '../test/support/wait.js';

const FIXTURES = join(import.meta.dirname, '../test/fixtures/nvidia-smi');
const H200_UUID = 'GPU-005980e6-efd3-0254-f791-a39d369f7e24';
const LOOP_FIELDS = ['timestamp', 'index', 'memory.used', 'memory.total', 'utilization.gpu'];

let query: string;
let loop: string;
let dir: string;
const savedPath = process.env.PATH;

// Prints $dir/out.<n> for its n-th call (the last one again after the end), records its
// arguments; `hang` makes it wait on a child, `fail` exits 9 with nvidia-smi's driver message.
const FAKE = `#!/bin/bash
d="$FAKE_NVSMI_DIR"
printf '%s\\n' "$@" > "$d/args"
if [ -e "$d/hang" ]; then sleep 30 & echo $! > "$d/sleep.pid"; wait; fi
if [ -e "$d/fail" ]; then echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2; exit 9; fi
n=$(cat "$d/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$d/count"
f="$d/out.$n"; [ -e "$f" ] || f=$(ls "$d"/out.* | sort -t. -k2 -n | tail -1)
cat "$f"
`;

beforeAll(async () => {
  query = await readFile(join(FIXTURES, 'nvsmi-query.csv'), 'utf8');
  loop = await readFile(join(FIXTURES, 'nvsmi-loop.csv'), 'utf8');
  dir = await mkdtemp(join(tmpdir(), 'fake-nvsmi-'));
  await writeFile(join(dir, 'nvidia-smi'), FAKE);
  await chmod(join(dir, 'nvidia-smi'), 0o755);
  process.env.FAKE_NVSMI_DIR = dir;
  process.env.PATH = `${dir}:${savedPath}`;
});
afterAll(async () => {
  process.env.PATH = savedPath;
  delete process.env.FAKE_NVSMI_DIR;
  await rm(dir, { recursive: true, force: true });
});

/** Fresh outputs for the fake: out.1, out.2, … */
async function replay(outputs: string[], mode: 'hang' | 'fail' | null = null): Promise<void> {
  for (const f of ['count', 'hang', 'fail', 'args', 'sleep.pid']) await rm(join(dir, f), { force: true });
  await rm(join(dir, 'out.1'), { force: true });
  for (let i = 2; ; i++) {
    const had = await readFile(join(dir, `out.${i}`)).then(
      () => true,
      () => false,
    );
    if (!had) break;
    await rm(join(dir, `out.${i}`));
  }
  for (const [i, text] of outputs.entries()) await writeFile(join(dir, `out.${i + 1}`), text);
  if (mode) await writeFile(join(dir, mode), '');
}

const loopLines = () => loop.split('\n').filter((l) => l !== '');
const loopUsed = () => loopLines().map((l) => Number(l.split(', ')[2]));

const gpuProbe = (timeoutMs: number) => createProbe(probeConfigSchema.parse({ kind: 'nvidia-smi', id: 'gpu' }), { redisUrl: 'redis://unused', timeoutMs });

async function sample(until: (s: GaugeSample[]) => boolean, intervalMs = 100, timeoutMs = 1000): Promise<GaugeSample[]> {
  const samples: GaugeSample[] = [];
  const probe = gpuProbe(timeoutMs);
  const sampler = startProbes([], { probes: [probe], intervalMs, timeoutMs, onSample: (s) => samples.push(s) });
  try {
    await waitFor(() => until(samples), { what: 'the samples the test waits for', timeoutMs: 20_000 });
  } finally {
    await sampler.stop();
  }
  return samples;
}

describe('parseNvidiaSmiCsv on real H200 output', () => {
  it('reads the CSV with header and units by column name (extra columns ignored)', () => {
    const [header, row] = query.split('\n');
    expect(parseNvidiaSmiCsv(`${header}\n${row}\n`)).toEqual([{ index: '0', uuid: H200_UUID, memoryUsedMiB: 0, memoryTotalMiB: 143771, utilizationPercent: 0 }]);
  });

  it('reads the noheader,nounits loop of the allocation ramp: 0 -> 46755 MiB -> 0', () => {
    const rows = parseNvidiaSmiCsv(loop, LOOP_FIELDS);
    expect(rows).toHaveLength(62);
    expect(rows.every((r) => r.index === '0' && r.memoryTotalMiB === 143771 && r.uuid === null)).toBe(true);
    const used = rows.map((r) => r.memoryUsedMiB);
    expect(used).toEqual(loopUsed());
    expect(Math.max(...used)).toBe(46755);
    expect(used[0]).toBe(0);
    expect(used.at(-1)).toBe(0);
    // It rises before it falls: the peak is neither the first nor the last line.
    const peak = used.indexOf(46755);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(used.length - 1);
  });

  it('refuses the memory-only query (no index column) and a malformed line, naming it', () => {
    const memoryOnly = query.split('\n')[2]!;
    expect(() => parseNvidiaSmiCsv(memoryOnly, ['memory.used', 'memory.total'])).toThrow('no index column');
    expect(() => parseNvidiaSmiCsv(`0, ${H200_UUID}, 12, 143771, 3\n1, ${H200_UUID}, 12 MiB\n`)).toThrow(/line 2 .*3 fields/);
    expect(() => parseNvidiaSmiCsv(`0, ${H200_UUID}, lots, 143771, 3\n`)).toThrow('memory.used or memory.total is no number');
    expect(() => parseNvidiaSmiCsv('')).toThrow('listed no GPU');
  });

  it('keeps memory when utilization is [N/A] (a MIG instance) and leaves utilization out', () => {
    expect(parseNvidiaSmiCsv(`0, ${H200_UUID}, 100, 1000, [N/A]\n`)[0]!.utilizationPercent).toBeNull();
  });
});

describe('nvidia-smi probe with a fake nvidia-smi on PATH', () => {
  it('runs nvidia-smi with the documented query and tags each gauge by GPU index and uuid', async () => {
    const [header, row] = query.split('\n');
    await replay([`${header}\n${row}\n`]);
    const samples = await sample((s) => s.some((x) => x.metric === 'gpu_utilization_percent'));
    expect((await readFile(join(dir, 'args'), 'utf8')).trim().split('\n')).toEqual([...NVIDIA_SMI_ARGS]);
    const first = (m: string) => samples.find((s) => s.metric === m)!;
    expect(first('gpu_memory_used_mib')).toMatchObject({ value: 0, tags: { probe: 'gpu', kind: 'nvidia-smi', gpu: '0', gpu_uuid: H200_UUID } });
    expect(first('gpu_memory_used_percent').value).toBe(0);
    expect(first('gpu_utilization_percent').value).toBe(0);
    expect(first('gpu_memory_used_mib').tags.queue).toBeUndefined();
  });

  it('follows the ramp line by line: MiB as recorded, percent of 143771 MiB', async () => {
    const header = 'timestamp, index, memory.used [MiB], memory.total [MiB], utilization.gpu [%]';
    const lines = loopLines();
    await replay(lines.map((l) => `${header}\n${l}\n`));
    const samples = await sample((s) => s.filter((x) => x.metric === 'gpu_memory_used_mib').length >= lines.length, 100);
    const mib = samples.filter((s) => s.metric === 'gpu_memory_used_mib').map((s) => s.value);
    expect(mib.slice(0, lines.length)).toEqual(loopUsed());
    const pct = samples.filter((s) => s.metric === 'gpu_memory_used_percent').map((s) => s.value);
    expect(Math.max(...pct)).toBeCloseTo((100 * 46755) / 143771, 6);
    expect(samples.filter((s) => s.metric === 'probe_errors').every((s) => s.value === 0)).toBe(true);
  });

  it('a malformed line is a probe error, never a zero', async () => {
    await replay([`0, ${H200_UUID}, 12 MiB\n`]);
    const samples = await sample((s) => s.some((x) => x.metric === 'probe_errors' && x.value >= 2));
    expect(samples.filter((s) => s.metric.startsWith('gpu_'))).toEqual([]);
  });

  it('a non-zero exit is a probe error carrying nvidia-smi’s message', async () => {
    await replay(['unused'], 'fail');
    const errors: string[] = [];
    const probe = gpuProbe(2000);
    await expect(probe.read()).rejects.toThrow(/exited with code 9: NVIDIA-SMI has failed/);
    await probe.close();
    const samples = await sample((s) => s.some((x) => x.metric === 'probe_errors' && x.value >= 1));
    errors.push(...samples.filter((s) => s.metric.startsWith('gpu_')).map((s) => s.metric));
    expect(errors).toEqual([]);
  });

  it('a hanging nvidia-smi is killed with its children at the timeout: a probe error, nothing left running', async () => {
    await replay(['unused'], 'hang');
    const samples = await sample((s) => s.some((x) => x.metric === 'probe_errors' && x.value >= 1), 400, 300);
    expect(samples.filter((s) => s.metric.startsWith('gpu_'))).toEqual([]);
    const sleepPid = Number(await readFile(join(dir, 'sleep.pid'), 'utf8'));
    await waitFor(
      () => {
        try {
          process.kill(sleepPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { what: "the fake's sleeping child to be gone" },
    );
  });
});
