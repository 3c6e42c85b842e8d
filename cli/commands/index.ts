import type { Command } from 'commander';
import { register as evaluate } from './evaluate.js';
import { register as chaos } from './chaos.js';
import { register as target } from './target.js';
import { register as load } from './load.js';
import { register as run } from './run.js';
import { register as setup } from './setup.js';
import { register as init } from './init.js';
import { register as merge } from './merge.js';
import { register as k8s } from './k8s.js';
import { register as probe } from './probe.js';

/** Each command file exports one `register(program)`; adding a command adds one line here. */
export type RegisterCommand = (program: Command) => void;

export const commands: Record<string, RegisterCommand> = {
  chaos,
  evaluate,
  target,
  load,
  run,
  setup,
  init,
  merge,
  k8s,
  probe,
};
