// `chaosgate setup`: the pinned k6 (with xk6-redis) built into the per-user cache; prints its path.
import type { Command } from 'commander';
import { setupK6 } from '../../lib/k6-setup.js';
import { findK6, pins } from '../../lib/tools.js';

export function register(program: Command): void {
  program
    .command('setup')
    .description(
      `build k6 ${pins.k6} with xk6-redis ${pins.xk6Redis} (xk6 ${pins.xk6}; needs Go) into $XDG_CACHE_HOME/chaosgate/k6-${pins.k6}/k6 (default ~/.cache); ` +
        'idempotent; prints its path. Exit 0 ready, 2 no Go, 1 the build failed',
    )
    .option('--which', 'build nothing: print the k6 chaosgate would use (and its version) or why there is none (exit 2)')
    .action(async (flags: { which?: boolean }) => {
      if (flags.which) {
        const k6 = findK6({ redis: true });
        process.stdout.write(`${k6.path}\t${k6.version}\t${k6.source}\n`);
        return;
      }
      const result = await setupK6();
      process.stdout.write(`${result.path}\n`);
    });
}
