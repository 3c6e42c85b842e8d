// The CLI reference (docs/reference/cli.md) rendered from the commander program itself, so every
// flag, default and choice in the docs is the one the code parses: a test compares the file.
import type { Command, Option, Argument } from 'commander';
import { buildProgram } from './program.js';

function optionLine(o: Option): string {
  const extras: string[] = [];
  if (o.argChoices) extras.push(`one of ${o.argChoices.map((c) => `\`${c}\``).join(', ')}`);
  if (o.defaultValue !== undefined && o.defaultValue !== false) extras.push(`default \`${JSON.stringify(o.defaultValue)}\``);
  if (o.envVar) extras.push(`env \`${o.envVar}\``);
  const tail = extras.length ? ` (${extras.join('; ')})` : '';
  return `| \`${o.flags.replaceAll('|', '\\|')}\` | ${o.description.replaceAll('|', '\\|')}${tail} |`;
}

function argumentText(a: Argument): string {
  const name = `${a.name()}${a.variadic ? '…' : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
}

function renderCommand(cmd: Command, parents: string[], out: string[]): void {
  const name = [...parents, cmd.name()].join(' ');
  const args = (cmd.registeredArguments ?? []).map(argumentText).join(' ');
  out.push(`## \`${name}${args ? ` ${args}` : ''}\``, '', cmd.description(), '');
  for (const a of cmd.registeredArguments ?? []) if (a.description) out.push(`- \`${argumentText(a)}\`: ${a.description}`);
  if ((cmd.registeredArguments ?? []).some((a) => a.description)) out.push('');
  const options = cmd.options.filter((o) => !o.hidden);
  if (options.length) {
    out.push('| option | meaning |', '| --- | --- |');
    for (const o of options) out.push(optionLine(o));
    out.push('');
  }
  for (const sub of cmd.commands) renderCommand(sub, [...parents, cmd.name()], out);
}

/** Every command of `chaosgate`, its arguments and options, as Markdown. */
export function renderCliReference(): string {
  const program = buildProgram();
  const out: string[] = [
    '# CLI reference',
    '',
    '<!-- Generated from the commander program by `npm run docs`; a test fails when this file is stale. -->',
    '',
    '`npx chaosgate --help` and `npx chaosgate <command> --help` print the same. Exit codes: see',
    '[exit codes](../exit-codes.md).',
    '',
  ];
  for (const cmd of program.commands) renderCommand(cmd, ['chaosgate'], out);
  return out.join('\n');
}
