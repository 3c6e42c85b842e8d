// Follows HTTP/1.1 requests in a client's byte stream just far enough to know where one request
// ends and the next begins, so a raw pass-through connection can switch to the fault-injecting
// HTTP path at a request boundary when a fault is switched on.
const headEnd = Buffer.from('\r\n\r\n');
const contentLength = /\r\ncontent-length:[ \t]*(\d+)/i;
/** Bodies whose end needs more than counting bytes: such a connection stays raw until it closes. */
const unframed = /\r\n(transfer-encoding|upgrade):/i;

export class RequestBoundary {
  private head: Buffer | undefined;
  private bodyLeft = 0;
  /** False once a request could not be followed (chunked upload, upgrade): never switch then. */
  followable = true;

  get atBoundary(): boolean {
    return this.followable && this.head === undefined && this.bodyLeft === 0;
  }

  feed(chunk: Buffer): void {
    let offset = 0;
    while (this.followable && offset < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - offset);
        this.bodyLeft -= take;
        offset += take;
        continue;
      }
      const rest = offset === 0 ? chunk : chunk.subarray(offset);
      const buffered = this.head ? Buffer.concat([this.head, rest]) : rest;
      const end = buffered.indexOf(headEnd);
      if (end < 0) {
        this.head = buffered;
        if (buffered.length > 64 * 1024) this.followable = false;
        return;
      }
      const headText = buffered.toString('latin1', 0, end);
      if (unframed.test(headText)) this.followable = false;
      this.bodyLeft = Number(contentLength.exec(headText)?.[1] ?? 0);
      // Bytes of this chunk consumed up to the end of the head.
      offset += end + headEnd.length - (this.head?.length ?? 0);
      this.head = undefined;
    }
  }
}
