// The config flags every command that reads the config file shares, and flag value parsers that
// make a bad value a usage error naming the flag.
import { existsSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';

export interface ConfigFlags {
  config?: string;
  set: string[];
}

/** The config a command uses without --config: ./chaosgate.config.json when there is one. */
export const DEFAULT_CONFIG_FILE = 'chaosgate.config.json';

/** The config file of a command: -c, else ./chaosgate.config.json when present (as `run` reads it). */
export function configFileOf(flags: Pick<ConfigFlags, 'config'>): string | undefined {
  return flags.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function withConfigFlags(cmd: Command): Command {
  return cmd.option('-c, --config <file>', 'the chaosgate config (JSON)').option('--set <path=value>', 'override one config field (repeatable)', collect, []).exitOverride();
}

export function numberFlag(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
}

/** `--threads N` (evaluate, run): a whole number ≥ 1, which overrides evaluate.threads. */
export function threadsFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('not a whole number of threads from 1 to 256');
  return n;
}

export const THREADS_FLAG_HELP = 'threads the evaluator may use (overrides evaluate.threads; default one per core: os.availableParallelism())';
