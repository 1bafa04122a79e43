import type WebSocket from 'ws';

/** A frame a careless or hostile client may send, and what the server's `ws` does about it. */
export interface HostileFrame {
  readonly name: string;
  send(socket: WebSocket): void;
  /** The close code `ws` answers with before any handler sees the frame, if it refuses it. */
  readonly closeCode?: number;
}

/** A data frame of `bytes`, text unless told, final unless told (`ws` masks it, as a client must). */
const frame =
  (bytes: Buffer | string, options: { binary?: boolean; fin?: boolean } = {}) =>
  (socket: WebSocket) =>
    socket.send(bytes, { binary: options.binary ?? false, fin: options.fin ?? true, compress: false });

/**
 * Bytes written under `ws`, for frames it would never send (RFC 6455 §5.2): `mask` as a client
 * must, or not. The socket under a client is `ws`'s own, reached through its private field.
 */
const raw = (options: { fin?: boolean; opcode: number; payload: Buffer; mask: boolean }) => (socket: WebSocket) => {
  const { payload } = options;
  if (payload.length > 125) throw new Error('raw frames here are short');
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const head = Buffer.from([((options.fin ?? true) ? 0x80 : 0) | options.opcode, (options.mask ? 0x80 : 0) | payload.length]);
  const body = options.mask ? Buffer.concat([key, payload.map((b, i) => b ^ key[i % 4]!)]) : payload;
  (socket as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.concat([head, body]));
};

/**
 * Every kind of frame an endpoint's message handler must survive: each JSON type, JSON that is
 * not JSON, invalid UTF-8, binary, fragmented, and frames over `maxPayload` (whole or in parts).
 * Add the wrong-shaped objects of the endpoint's own protocol beside these.
 */
export function hostileFrames(maxPayload: number): HostileFrame[] {
  const json = [
    'null',
    '42',
    '-0.5e308',
    '"x"',
    'true',
    'false',
    '[]',
    '[1]',
    '[null]',
    '{}',
    '{"type":null}',
    '{"type":42}',
    '{"__proto__":{"type":"x"}}',
    '"\\u0000"',
  ];
  const depth = Math.min(100_000, Math.floor(maxPayload / 2));
  const fragments = (text: string, parts: number) => (socket: WebSocket) => {
    const size = Math.ceil(text.length / parts);
    for (let i = 0; i < parts; i++) frame(text.slice(i * size, (i + 1) * size), { fin: i === parts - 1 })(socket);
  };
  return [
    ...json.map((text) => ({ name: `JSON ${text}`, send: frame(text) })),
    { name: 'empty text', send: frame('') },
    { name: 'not JSON', send: frame('{"type":') },
    { name: 'a JSON value then garbage', send: frame('{} x') },
    { name: 'deeply nested JSON', send: frame(`${'['.repeat(depth)}${']'.repeat(depth)}`) },
    { name: 'invalid UTF-8 text', send: frame(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), closeCode: 1007 },
    { name: 'binary null', send: frame('null', { binary: true }) },
    { name: 'binary bytes', send: frame(Buffer.from([0, 1, 2, 0xff]), { binary: true }) },
    { name: 'text in 3 fragments', send: fragments('[null, 1, "x"]', 3) },
    { name: 'null in 4 one-byte fragments', send: fragments('null', 4) },
    { name: 'unmasked text', send: raw({ opcode: 0x1, payload: Buffer.from('null'), mask: false }), closeCode: 1002 },
    { name: 'reserved opcode', send: raw({ opcode: 0x3, payload: Buffer.from('null'), mask: true }), closeCode: 1002 },
    {
      name: 'continuation with nothing to continue',
      send: raw({ opcode: 0x0, payload: Buffer.from('null'), mask: true }),
      closeCode: 1002,
    },
    { name: 'fragmented ping', send: raw({ fin: false, opcode: 0x9, payload: Buffer.alloc(0), mask: true }), closeCode: 1002 },
    { name: 'oversized text', send: frame(Buffer.alloc(maxPayload + 1, 0x20)), closeCode: 1009 },
    { name: 'oversized binary', send: frame(Buffer.alloc(maxPayload + 1), { binary: true }), closeCode: 1009 },
    { name: 'oversized in 2 fragments', send: fragments(' '.repeat(maxPayload + 2), 2), closeCode: 1009 },
  ];
}
