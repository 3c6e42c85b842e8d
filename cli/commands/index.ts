import type { Command } from 'commander';

/** Each command file exports one `register(program)`; adding a command adds one line here. */
export type RegisterCommand = (program: Command) => void;

export const commands: Record<string, RegisterCommand> = {};
