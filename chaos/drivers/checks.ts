// What a driver's preflight uses: a TCP connect with a bound, and the failure that says whether
// the config named something that is not there (exit 2) or a target is down (exit 1).
import { connect } from 'node:net';

/** Resolves once host:port accepts a TCP connection; rejects after `timeoutMs`. */
export function tcpAnswers(host: string, port: number, timeoutMs = 3000): Promise<void> {
  return new Promise((ok, fail) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      fail(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      ok();
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
  });
}

/** A failed check's exit: 2 when the plan names what is not there, else 1 (it is down). */
export class PreflightFailure extends Error {
  constructor(
    message: string,
    readonly configLike: boolean,
  ) {
    super(message);
  }
}
