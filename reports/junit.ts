// JUnit XML from the report model: one testsuite per gate group, one testcase per gate.
//   fail-level gate breached → <failure>; warn-level gate breached → <skipped> (every CI test
//   view shows a skipped test with its message; the run's exit code stays 0); a partial run →
//   a `chaosgate.partial` property on every suite plus a "run" suite whose testcase errors with
//   the reason; untrusted input → an "input" suite whose testcase errors with the bad lines.
// Validated in a test against the Jenkins JUnit XSD (reports/schema/junit-10.xsd).
import { approximationLabel } from '../model/input-formats.js';
import type { GateResult, ReportModel } from '../model/report.js';
import { gateSentence, gateTextContext, gateValue, type GateTextContext } from './gate-text.js';

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
const raw = (v: number | null) => (v === null ? 'none' : String(v));

/** Why the run is partial, in one line (null: it is not). */
export function partialReason(model: ReportModel): string | null {
  if (!model.partial) return null;
  return model.abort ? `run aborted: ${model.abort.reason}` : 'the run or its input ended early';
}

/** The message of a breached warn gate, as CI views show a skipped test. */
export function warnMessage(g: GateResult, ctx: GateTextContext): string {
  // A gate skipped for want of the previous report was not breached: no rollout to pause.
  if (g.skipped) return `SKIPPED (not judged): ${gateSentence(g, ctx)}`;
  return `WARN (pause the rollout): ${gateSentence(g, ctx)}`;
}

function testcase(g: GateResult, ctx: GateTextContext, indent: string): string {
  const sentence = gateSentence(g, ctx);
  const props = [
    ['observed', `${raw(g.observed)}${g.observed === null ? '' : ` (${gateValue(g, g.observed, ctx)})`}`],
    ['limit', `${raw(g.limit)}${g.limit === null ? '' : ` (${gateValue(g, g.limit, ctx)})`}`],
    ['severity', g.severity],
    ['expression', g.expression],
    ['metric', g.metric],
    ...(g.window ? [['window', g.window]] : []),
    ...(g.phase ? [['phase', g.phase]] : []),
    ...(g.baseline ? [['baseline', g.baseline]] : []),
  ];
  const lines = [`${indent}<testcase name="${xmlEscape(g.id)}" classname="chaosgate.${xmlEscape(g.group)}" time="${seconds(g.durationMs)}">`];
  if (g.verdict === 'fail') {
    lines.push(`${indent}  <failure type="gate" message="${xmlEscape(sentence)}">${xmlEscape(sentence)}</failure>`);
  } else if (g.verdict === 'warn') {
    const text = warnMessage(g, ctx);
    lines.push(`${indent}  <skipped type="warn" message="${xmlEscape(text)}">${xmlEscape(text)}</skipped>`);
  }
  // The Jenkins schema has no properties inside a testcase: the figures go in system-out.
  const out = [
    `verdict: ${g.verdict}${g.skipped ? ' (skipped: not judged)' : g.verdict === 'warn' ? ' (warn level: pause the rollout)' : ''}`,
    `result: ${sentence}`,
    ...props.map(([k, v]) => `${k}: ${v}`),
  ];
  lines.push(`${indent}  <system-out>${xmlEscape(out.join('\n'))}</system-out>`);
  lines.push(`${indent}</testcase>`);
  return lines.join('\n');
}

function property(name: string, value: string): string {
  return `      <property name="${xmlEscape(name)}" value="${xmlEscape(value)}"/>`;
}

/** A suite of one testcase that errors: for what is wrong with the run as a whole. */
function errorSuite(suite: string, test: string, type: string, message: string, detail: string, props: string[] = []): string[] {
  const out = [`  <testsuite name="${xmlEscape(suite)}" tests="1" failures="0" errors="1" skipped="0" time="0">`];
  if (props.length) out.push('    <properties>', ...props, '    </properties>');
  out.push(
    `    <testcase name="${xmlEscape(test)}" classname="chaosgate.${xmlEscape(suite)}" time="0">`,
    `      <error type="${xmlEscape(type)}" message="${xmlEscape(message)}">${xmlEscape(detail)}</error>`,
    '    </testcase>',
    '  </testsuite>',
  );
  return out;
}

export function renderJunit(model: ReportModel): string {
  const ctx = gateTextContext(model);
  const groups = new Map<string, GateResult[]>();
  for (const g of model.gates) groups.set(g.group, [...(groups.get(g.group) ?? []), g]);
  const partial = partialReason(model);
  const errors = (model.totals.trusted ? 0 : 1) + (partial ? 1 : 0);
  const failures = model.gates.filter((g) => g.verdict === 'fail').length;
  const totalMs = model.gates.reduce((s, g) => s + g.durationMs, 0);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="chaosgate" tests="${model.gates.length + errors}" failures="${failures}" errors="${errors}" time="${seconds(totalMs)}">`,
  ];
  // Every suite says whether the run is partial: some CI views show only suite properties.
  const runProps = [
    property('chaosgate.verdict', model.verdict),
    property('chaosgate.partial', String(model.partial)),
    ...(partial ? [property('chaosgate.partial.reason', partial)] : []),
  ];
  const approximation = approximationLabel(model.inputs);
  if (approximation) runProps.push(property('chaosgate.approximation', approximation));
  for (const [group, gates] of groups) {
    const f = gates.filter((g) => g.verdict === 'fail').length;
    const w = gates.filter((g) => g.verdict === 'warn').length;
    out.push(
      `  <testsuite name="${xmlEscape(group)}" tests="${gates.length}" failures="${f}" errors="0" skipped="${w}" time="${seconds(gates.reduce((s, g) => s + g.durationMs, 0))}" timestamp="${xmlEscape(model.createdAt.slice(0, 19))}">`,
    );
    out.push('    <properties>', ...runProps);
    for (const g of gates) out.push(property(`${g.id} observed`, raw(g.observed)));
    out.push('    </properties>');
    for (const g of gates) out.push(testcase(g, ctx, '    '));
    out.push('  </testsuite>');
  }
  if (partial) {
    const detail = `The run did not happen as planned: ${partial}. The gate results cover only what was measured until then.`;
    out.push(...errorSuite('run', 'run completed as planned', 'partial', `partial run: ${partial}`, detail, runProps));
  }
  if (!model.totals.trusted) {
    const why = `untrusted input: ${model.totals.malformed} of ${model.totals.pointsRead} sample lines malformed (tolerance ${model.totals.malformedTolerance})`;
    out.push(...errorSuite('input', 'input can be trusted', 'input', why, model.totals.problems.map((p) => `${p.source}:${p.line}: ${p.reason}`).join('\n')));
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
