// Where `--report KIND=PATH` may write (issue 19, item 5): a FIFO is written through and stays a
// FIFO; /dev/full is a write error (exit 1, a plain message), not a silent pass; a folder is refused
// (exit 2); a link keeps being a link to the file it names.
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, runCli, type CliBundle } from '../support/cli-bundle.js';

let bundle: CliBundle;
let dir: string;
let input: string;

beforeAll(async () => {
  bundle = await bundleCli('report-targets');
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-report-targets-'));
  input = join(dir, 'k6.ndjson');
  const t0 = Date.UTC(2026, 0, 1, 12);
  const lines = ['{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"http_req_duration"}'];
  for (let i = 0; i < 50; i++)
    lines.push(`{"type":"Point","data":{"time":"${new Date(t0 + i * 37).toISOString()}","value":${10 + i},"tags":{"status":"200"}},"metric":"http_req_duration"}`);
  await writeFile(input, `${lines.join('\n')}\n`);
}, 60_000);

afterAll(async () => {
  await bundle?.remove();
  await rm(dir, { recursive: true, force: true });
});

const evaluate = (...report: string[]) => runCli(bundle.cli, ['evaluate', '--allow-no-gates', input, ...report.flatMap((r) => ['--report', r])]);

describe('evaluate --report KIND=PATH', () => {
  it('writes through a FIFO, which stays a FIFO', async () => {
    const fifo = join(dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (d: Buffer) => (got += d.toString()));
    const done = new Promise((r) => reader.once('exit', r));
    const r = await evaluate(`json=${fifo}`);
    await done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(got).tool.name).toBe('chaosgate');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 30_000);

  it('/dev/full: exit 1 with the cause, the device kept', async () => {
    const r = await evaluate('json=/dev/full');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot write /dev/full: no space left on the device (ENOSPC)');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  }, 30_000);

  it('a folder: exit 2', async () => {
    await mkdir(join(dir, 'folder'));
    const r = await evaluate(`json=${join(dir, 'folder')}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*folder: it is a folder/);
  }, 30_000);

  it('a link to a file: the file is written, the link stays', async () => {
    await writeFile(join(dir, 'real.json'), '{}');
    await symlink(join(dir, 'real.json'), join(dir, 'link.json'));
    const r = await evaluate(`json=${join(dir, 'link.json')}`);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'real.json'), 'utf8')).tool.name).toBe('chaosgate');
  }, 30_000);
});
