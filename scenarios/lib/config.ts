// Loads the harness's config in the init context (open() works only there).
import { scenarioEnv, type ScenarioConfig } from './scenario-config.ts';

function required(name: string): string {
  const value = __ENV[name];
  if (!value) throw new Error(`${name} is not set: run scenarios through \`chaosgate load\``);
  return value;
}

function load(): ScenarioConfig {
  return JSON.parse(open(required(scenarioEnv.configFile))) as ScenarioConfig;
}

export const config: ScenarioConfig = load();

export const credentials = {
  username: __ENV[scenarioEnv.username] ?? '',
  password: __ENV[scenarioEnv.password] ?? '',
};

/** Always set by chaosgate (load/k6-runner.ts builtinScript), from redis.url: no default here. */
export const redisUrl: string = required(scenarioEnv.redisUrl);

/** Seconds of a duration text of the config (the harness parsed it: `seconds` in the config file). */
export function durationSeconds(d: string): number {
  const s = config.seconds[d];
  if (s === undefined) throw new Error(`duration "${d}" is not one the harness parsed (ScenarioConfig.seconds)`);
  return s;
}
