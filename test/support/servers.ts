// Tests start real servers through the same code the run uses for its own stack.
export { startNats, startRedis, waitForPort, type RunningServer } from '../../lib/local-servers.js';
