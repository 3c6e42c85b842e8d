// Defaults more than one part of the Node side needs, written once. (The k6 scenarios cannot import
// this: chaosgate always hands them the URL in env, so they need no default of their own.)

/** The Redis of a local stack: `redis.url`'s default, and what a chaos session or the probes use without one. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
