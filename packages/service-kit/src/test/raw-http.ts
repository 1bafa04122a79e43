import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 answer as read off the wire, its body exactly the bytes that followed the head. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * A plain TCP client for what `fetch` hides: exact bytes, bodies written whole before reading,
 * answers to HEAD, connections that close. `read*` wait for bytes; nothing is parsed ahead.
 */
export class RawConnection {
  private buffered = Buffer.alloc(0);
  private closed = false;
  private error: Error | undefined;
  private waiter: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiter?.();
    });
    socket.on('error', (error) => {
      this.error = error;
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes everything; resolves once the kernel took the last byte (rejects on EPIPE/reset). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  /** Reads one answer: its head, then as many body bytes as Content-Length says (none after HEAD). */
  async readResponse(options: { head?: boolean } = {}): Promise<RawResponse> {
    const end = await this.until(() => this.buffered.indexOf('\r\n\r\n'));
    const [statusLine = '', ...lines] = this.buffered.subarray(0, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const length = options.head ? 0 : Number(headers['content-length'] ?? 0);
    await this.until(() => (this.buffered.length >= end + 4 + length ? 0 : -1));
    const body = this.buffered.subarray(end + 4, end + 4 + length);
    this.buffered = this.buffered.subarray(end + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  /** Everything the server still sends until it closes the connection. */
  async rest(): Promise<Buffer> {
    await this.until(() => (this.closed ? 0 : -1));
    const rest = this.buffered;
    this.buffered = Buffer.alloc(0);
    return rest;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }

  private async until(found: () => number): Promise<number> {
    for (;;) {
      const at = found();
      if (at >= 0) return at;
      if (this.closed || this.error)
        throw new Error(
          `connection ${this.error ? `failed: ${this.error.message}` : 'closed'} before the answer was complete (got ${JSON.stringify(this.buffered.toString('latin1').slice(0, 200))})`,
        );
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }
}
