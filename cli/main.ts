// The entry point: the only place that calls process.exit. Errors meant for people print their
// message alone (no stack trace) and exit with their documented code.
import { CommanderError } from 'commander';
import { ChaosgateError } from '../lib/errors.js';
import { ExitCode } from '../lib/exit-codes.js';
import { redactUrlsIn } from '../lib/redact.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.pass;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return err.exitCode === 0 ? ExitCode.pass : ExitCode.usage;
    }
    if (err instanceof ChaosgateError) {
      process.stderr.write(`chaosgate: ${err.message}\n`);
      return err.exitCode;
    }
    const detail = redactUrlsIn(err instanceof Error ? err.message : String(err));
    process.stderr.write(`chaosgate: internal error: ${detail}\n`);
    if (process.env.CHAOSGATE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return ExitCode.internal;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  () => process.exit(ExitCode.internal),
);
