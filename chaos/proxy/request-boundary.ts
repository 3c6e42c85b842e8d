// Where a raw pass-through connection may move to the fault-injecting HTTP path: at a chunk that
// starts a new request. Clients that do not pipeline (browsers, k6, wrk, Node's agent) send the next
// request only after the whole previous response, and a body chunk that happens to begin with a
// complete request line is not a practical worry. Checking only while a fault is on keeps the
// pass-through free of per-chunk parsing.
const requestLine = /^[A-Z]{3,10} \S+ HTTP\/1\.[01]\r\n/;

export function startsRequest(chunk: Buffer): boolean {
  return requestLine.test(chunk.toString('latin1', 0, Math.min(chunk.length, 2048)));
}
