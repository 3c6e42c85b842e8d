import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import type { ReportModel } from '../model/report.js';
import { renderJunit, xmlEscape } from './junit.js';
import { renderMarkdown } from './markdown.js';

const XSD = new URL('./schema/junit-10.xsd', import.meta.url).pathname;
const T0 = Date.UTC(2026, 0, 1);

function report(): ReportModel {
  const ev = createEvaluation({ malformedTolerance: 0 }, [
    { group: 'chaos smoke', metric: 'http_req_duration{name:GET /<&"\'>}', expression: 'p(95)<20' },
    { group: 'chaos smoke', metric: 'http_req_failed', expression: 'rate<0.5', severity: 'warn' },
    { group: 'release', id: 'ctrl \u0001\u001b chars', metric: 'http_req_failed', expression: 'rate<0.01', severity: 'warn' },
  ]);
  for (let i = 0; i < 100; i++) {
    ev.ingestSample({ metric: 'http_req_duration', time: T0 + i, value: i, tags: { name: 'GET /<&"\'>' } });
    ev.ingestSample({ metric: 'http_req_failed', time: T0 + i, value: i % 10 === 0 ? 1 : 0, tags: {} });
  }
  ev.ingestLine('garbage', 'k6.json', 7);
  return ev.finish();
}

function validate(xml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'junit-'));
  const file = join(dir, 'junit.xml');
  try {
    writeFileSync(file, xml);
    return execFileSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('JUnit writer', () => {
  it('validates against the Jenkins JUnit XSD, one suite per group, failure for breached fail gates', () => {
    const xml = renderJunit(report());
    expect(() => validate(xml)).not.toThrow();
    expect(xml).toMatch(/<testsuite name="chaos smoke" tests="2" failures="1"/);
    expect(xml).toMatch(/<testsuite name="release" tests="1" failures="0"/);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain('classname="chaosgate.chaos smoke"');
    expect(xml).toMatch(/message="http_req_duration\{name:GET \/&lt;&amp;&quot;&apos;&gt;\}: p\(95\)&lt;20 breached \(observed 94\.05, limit 20\)/);
    expect(xml).toMatch(/<property name="[^"]+ observed" value="94.05"\/>/);
    expect(xml).not.toMatch(/[\u0001\u001b]/);
    // The malformed line shows as an error testcase naming the place.
    expect(xml).toContain('k6.json:7: neither k6 NDJSON nor k6 CSV');
  });

  it('renders a breached warn gate as <skipped> with its message, counted per suite, and validates', () => {
    const xml = renderJunit(report());
    expect(() => validate(xml)).not.toThrow();
    // One warn gate held (rate 10 % < 50 %): no skipped element; the breached one (10 % >= 1 %) is skipped.
    expect(xml).toMatch(/<testsuite name="chaos smoke" tests="2" failures="1" errors="0" skipped="0"/);
    expect(xml).toMatch(/<testsuite name="release" tests="1" failures="0" errors="0" skipped="1"/);
    expect(xml.match(/<skipped /g)).toHaveLength(1);
    const skipped = /<testcase name="ctrl  chars"[^>]*>\s*<skipped type="warn" message="([^"]+)">/.exec(xml);
    expect(skipped?.[1]).toBe('WARN (pause the rollout): http_req_failed: rate&lt;0.01 breached (observed 10 %, limit 1 %)');
  });

  it('marks a partial run: a property on every suite and an error testcase naming the reason', () => {
    const whole = renderJunit(report());
    expect(whole).toContain('<property name="chaosgate.partial" value="false"/>');
    expect(whole).not.toContain('name="run completed as planned"');

    const ev = createEvaluation({ malformedTolerance: 0 }, [{ group: 'chaos smoke', metric: 'http_req_failed', expression: 'rate<0.5' }]);
    for (let i = 0; i < 10; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + i, value: 0, tags: {} });
    ev.abort('interrupted (SIGINT)', T0 + 10);
    const model = ev.finish();
    expect(model.partial).toBe(true);
    const xml = renderJunit(model);
    expect(() => validate(xml)).not.toThrow();
    expect(xml).toMatch(/<testsuites name="chaosgate" tests="2" failures="0" errors="1"/);
    expect(xml).toMatch(
      /<testsuite name="chaos smoke"[^>]*>\s*<properties>\s*<property name="chaosgate.verdict" value="pass"\/>\s*<property name="chaosgate.partial" value="true"\/>\s*<property name="chaosgate.partial.reason" value="run aborted: interrupted \(SIGINT\)"\/>/,
    );
    expect(xml).toMatch(
      /<testsuite name="run" tests="1" failures="0" errors="1"[^>]*>[\s\S]*<testcase name="run completed as planned" classname="chaosgate.run" time="0">\s*<error type="partial" message="partial run: run aborted: interrupted \(SIGINT\)">/,
    );
  });

  it('a broken document fails the same XSD check (the check can fail)', () => {
    expect(() => validate('<testsuites><testsuite name="x"></testsuite></testsuites>')).toThrow();
  });

  it('escapes what XML cannot carry', () => {
    expect(xmlEscape('a<b>&"\'\u0000\u0007c')).toBe('a&lt;b&gt;&amp;&quot;&apos;c');
  });
});

describe('Markdown writer', () => {
  it('shows the verdict, each gate with its observed value, and escapes table cells', () => {
    const md = renderMarkdown(report());
    expect(md).toMatch(/^## chaosgate: ❌ FAIL/);
    expect(md).toMatch(/\| ❌ \| http_req_duration\{name:GET \/&lt;&"'&gt;\}: p\(95\)&lt;20 \| 94\.05 \| 20 \| fail \|/);
    expect(md).toMatch(/\| ✅ \| http_req_failed: rate&lt;0\.5 \| 10 % \| 50 % \| warn \|/);
    expect(md).toMatch(/\| ⚠️ \| ctrl  chars \| 10 % \| 1 % \| warn \|/);
    expect(md).toContain('> - `k6.json:7` neither k6 NDJSON nor k6 CSV');
  });
});
