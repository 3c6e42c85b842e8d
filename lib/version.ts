// chaosgate's version: package.json is the one place it is written. Imported as JSON (as
// lib/pins.json is), so the esbuild bundle carries it and source runs (vitest, tsx) read it alike.
import packageJson from '../package.json' with { type: 'json' };

export const CHAOSGATE_VERSION: string = packageJson.version;
