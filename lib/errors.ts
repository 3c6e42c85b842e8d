import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { redactUrlsIn } from './redact.js';

/**
 * An error meant for the person running chaosgate: its message names the place (file:line,
 * config field, flag) and it carries the exit code. The entry point prints the message alone,
 * never a stack trace. URLs in it lose their credentials and query values (lib/redact.ts): the
 * message reaches the console and the reports.
 */
export class ChaosgateError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(redactUrlsIn(message));
    this.name = new.target.name;
  }
}

/** Bad flags, a bad or missing config, an unknown profile: exit 2. */
export class UsageError extends ChaosgateError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** A config file that does not validate; `issues` are already formatted "field: reason" lines. */
export class ConfigError extends ChaosgateError {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid config ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`, ExitCode.usage);
  }
}

/** Input that cannot be read or cannot be trusted (malformed beyond tolerance): exit 3. */
export class InputError extends ChaosgateError {
  constructor(message: string) {
    super(message, ExitCode.unreadableInput);
  }
}

/** Refused for safety (chaos against a host off the allowlist): a usage error, exit 2. */
export class SafetyError extends ChaosgateError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}
