// The CLI's entry (dist/cli.mjs): starts what must not wait for the commands to load, then loads
// them (dist/cli-main.mjs, from cli/main.ts). For `evaluate -` that is stdin's draining thread:
// loading the commands takes ~0.3–1 s, and a k6 writing into the pipe meanwhile buffers its
// samples in its own memory (bench:evaluator's live row: k6's peak RSS +39–45 % before this).
import { readsStdinEarly, startEarlyDrain } from '../evaluator/pipe-drain.js';

if (readsStdinEarly(process.argv.slice(2))) startEarlyDrain('-');
// A computed specifier: the bundler leaves it to run time (cli-main.mjs is its own bundle).
const main = new URL('./cli-main.mjs', import.meta.url).href;
await import(main);
