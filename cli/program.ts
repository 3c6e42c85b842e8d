import { Command } from 'commander';
import { CHAOSGATE_VERSION } from '../lib/version.js';
import { commands } from './commands/index.js';

/** The commander program: every command is a thin wrapper around a library call. */
export function buildProgram(): Command {
  const program = new Command('chaosgate')
    .description('Load-and-chaos release gate: k6 load, fault injection, gate evaluation, reports')
    .version(CHAOSGATE_VERSION)
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of Object.values(commands)) register(program);
  // Sub-commands inherit exitOverride so a bad flag is a usage error (exit 2), not process.exit.
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}
