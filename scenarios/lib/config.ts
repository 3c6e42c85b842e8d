// Loads the harness's config in the init context (open() works only there).
import { scenarioEnv, type ScenarioConfig } from './scenario-config.ts';

function load(): ScenarioConfig {
  const path = __ENV[scenarioEnv.configFile];
  if (!path) throw new Error(`${scenarioEnv.configFile} is not set: run scenarios through \`chaosgate load\``);
  return JSON.parse(open(path)) as ScenarioConfig;
}

export const config: ScenarioConfig = load();

export const credentials = {
  username: __ENV[scenarioEnv.username] ?? '',
  password: __ENV[scenarioEnv.password] ?? '',
};

export const redisUrl: string = __ENV[scenarioEnv.redisUrl] ?? 'redis://127.0.0.1:6379';

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
