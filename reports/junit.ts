// JUnit XML from the report model: one testsuite per gate group, one testcase per gate, the
// observed value in the message and in properties, <failure> for a breached fail-level gate
// (warn-level breaches stay green but say so in system-out). Validated in a test against the
// Jenkins JUnit XSD (reports/schema/junit-10.xsd).
import type { GateResult, ReportModel } from '../evaluator/model.js';

/** XML-escapes text for attributes and content; drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);
const value = (v: number | null) => (v === null ? 'none' : String(v));

function testcase(g: GateResult, indent: string): string {
  const props = [
    ['observed', value(g.observed)],
    ['limit', value(g.limit)],
    ['severity', g.severity],
    ['expression', g.expression],
    ['metric', g.metric],
    ...(g.window ? [['window', g.window]] : []),
    ...(g.phase ? [['phase', g.phase]] : []),
    ...(g.baseline ? [['baseline', g.baseline]] : []),
  ];
  const lines = [`${indent}<testcase name="${xmlEscape(g.id)}" classname="chaosgate.${xmlEscape(g.group)}" time="${seconds(g.durationMs)}">`];
  // JUnit has no properties inside a testcase in the Jenkins schema: the values go in system-out.
  if (g.verdict === 'fail') {
    lines.push(`${indent}  <failure type="gate" message="${xmlEscape(g.message)}">${xmlEscape(g.message)}</failure>`);
  }
  const out = [`verdict: ${g.verdict}${g.verdict === 'warn' ? ' (warn level: pause the rollout)' : ''}`, ...props.map(([k, v]) => `${k}: ${v}`)];
  lines.push(`${indent}  <system-out>${xmlEscape(out.join('\n'))}</system-out>`);
  lines.push(`${indent}</testcase>`);
  return lines.join('\n');
}

export function renderJunit(model: ReportModel): string {
  const groups = new Map<string, GateResult[]>();
  for (const g of model.gates) groups.set(g.group, [...(groups.get(g.group) ?? []), g]);
  const failures = model.gates.filter((g) => g.verdict === 'fail').length;
  const totalMs = model.gates.reduce((s, g) => s + g.durationMs, 0);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="chaosgate" tests="${model.gates.length}" failures="${failures}" errors="${model.totals.trusted ? 0 : 1}" time="${seconds(totalMs)}">`,
  ];
  for (const [group, gates] of groups) {
    const f = gates.filter((g) => g.verdict === 'fail').length;
    out.push(
      `  <testsuite name="${xmlEscape(group)}" tests="${gates.length}" failures="${f}" errors="0" skipped="0" time="${seconds(gates.reduce((s, g) => s + g.durationMs, 0))}" timestamp="${xmlEscape(model.createdAt.slice(0, 19))}">`,
    );
    out.push('    <properties>');
    for (const g of gates) {
      out.push(`      <property name="${xmlEscape(`${g.id} observed`)}" value="${xmlEscape(value(g.observed))}"/>`);
    }
    out.push('    </properties>');
    for (const g of gates) out.push(testcase(g, '    '));
    out.push('  </testsuite>');
  }
  if (!model.totals.trusted) {
    const why = `untrusted input: ${model.totals.malformed} of ${model.totals.pointsRead} sample lines malformed (tolerance ${model.totals.malformedTolerance})`;
    out.push(`  <testsuite name="input" tests="1" failures="0" errors="1" skipped="0" time="0">`);
    out.push(`    <testcase name="input can be trusted" classname="chaosgate.input" time="0">`);
    out.push(`      <error type="input" message="${xmlEscape(why)}">${xmlEscape(model.totals.problems.map((p) => `${p.source}:${p.line}: ${p.reason}`).join('\n'))}</error>`);
    out.push('    </testcase>');
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
