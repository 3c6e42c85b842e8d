// Ambient declarations for the scenarios: the Redis module of this k6 build, and console.
// @types/k6 types the Redis client as k6/experimental/redis; xk6-redis serves the same API as
// k6/x/redis (the name k6 v2 uses), which this k6 build is made with.
declare module 'k6/x/redis' {
  export * from 'k6/experimental/redis';
  import redis from 'k6/experimental/redis';
  export default redis;
}

// k6 provides console in every VU; @types/k6 leaves it to the DOM lib, which k6 does not have.
declare const console: {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};
