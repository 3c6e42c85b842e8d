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

/** k6 durations of the spike, summed, e.g. for the samplers that run alongside. */
export function durationSeconds(d: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  for (let m = re.exec(d); m; m = re.exec(d)) {
    const unit = m[2] === 'ms' ? 0.001 : m[2] === 's' ? 1 : m[2] === 'm' ? 60 : 3600;
    total += Number(m[1]) * unit;
  }
  return total;
}
