// The run folder never costs a user a file: an existing folder holding report.json or a plain file
// named k6.fifo is refused (exit 2) with the file untouched; an earlier run's folder is reused with
// only that run's files replaced; the sample stream never deletes a k6.fifo that is not a FIFO.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSampleStream } from './k6-stream.js';
import { prepareOutDir, RUN_MARKER } from './out-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-outdir-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prepareOutDir', () => {
  it('creates a new folder with its marker', async () => {
    const out = join(dir, 'run');
    expect(await prepareOutDir(out)).toBe(false);
    expect(existsSync(join(out, RUN_MARKER))).toBe(true);
  });

  it.each(['report.json', 'k6.fifo', 'junit.xml'])('refuses an existing folder holding a user file %s, leaving it', async (name) => {
    await writeFile(join(dir, name), 'mine');
    await writeFile(join(dir, 'notes.txt'), 'mine too');
    await expect(prepareOutDir(dir)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`--out-dir ${dir}: already holds ${name}, not made by a chaosgate run there: refused`),
    });
    expect(readFileSync(join(dir, name), 'utf8')).toBe('mine');
  });

  it('uses an existing folder without run files (a config beside it), marking it', async () => {
    await writeFile(join(dir, 'chaosgate.config.json'), '{}');
    expect(await prepareOutDir(dir)).toBe(false);
    expect(await readFile(join(dir, 'chaosgate.config.json'), 'utf8')).toBe('{}');
  });

  it("reuses an earlier run's folder: its run files go, anything else stays", async () => {
    const out = join(dir, 'run');
    await prepareOutDir(out);
    await writeFile(join(out, 'report.json'), '{"old":true}');
    await writeFile(join(out, 'chaos-events.jsonl'), '{"old":true}\n');
    await writeFile(join(out, 'notes.txt'), 'mine');
    expect(await prepareOutDir(out)).toBe(true);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    expect(existsSync(join(out, 'chaos-events.jsonl'))).toBe(false);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses a folder under a run file name even in a run folder', async () => {
    await prepareOutDir(dir);
    await mkdir(join(dir, 'report.json'));
    await expect(prepareOutDir(dir)).rejects.toThrow(/report\.json is not a regular file \(a folder\): refused/);
  });
});

describe('openSampleStream', () => {
  it('never deletes a k6.fifo that is not a FIFO', async () => {
    const fifo = join(dir, 'k6.fifo');
    await writeFile(fifo, 'a user file');
    await expect(openSampleStream(fifo, join(dir, 'k6.ndjson.gz'), () => 0)).rejects.toThrow(/exists and is not a FIFO chaosgate made: refused/);
    expect(await readFile(fifo, 'utf8')).toBe('a user file');
  });
});
