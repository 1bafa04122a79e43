import t from 'tap';
import { textFrame } from './live-board.js';

/** Reads a server frame back by RFC 6455 §5.2: FIN, opcode, no mask, length, payload. */
function readFrame(frame: Buffer): { fin: boolean; opcode: number; masked: boolean; text: string } {
  let length = frame[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    length = frame.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    length = Number(frame.readBigUInt64BE(2));
    offset = 10;
  }
  t.equal(frame.length, offset + length, 'the frame is the header and the payload, nothing more');
  return {
    fin: (frame[0]! & 0x80) !== 0,
    opcode: frame[0]! & 0x0f,
    masked: (frame[1]! & 0x80) !== 0,
    text: frame.subarray(offset).toString(),
  };
}

t.test('textFrame: one final, unmasked text frame, with each of the three length forms', async (t) => {
  for (const [size, headerBytes] of [
    [0, 2],
    [125, 2],
    [126, 4],
    [65_535, 4],
    [65_536, 10],
    [200_000, 10],
  ] as const) {
    const text = 'a'.repeat(size);
    const frame = textFrame(text);
    t.equal(frame.length - size, headerBytes, `${size} bytes: a header of ${headerBytes}`);
    t.same(readFrame(frame), { fin: true, opcode: 0x1, masked: false, text }, `${size} bytes read back`);
  }
});

t.test('textFrame counts bytes, not characters', async (t) => {
  const text = 'Hồ sơ đã tiếp nhận'.repeat(6); // 108 characters, 162 bytes of UTF-8
  const frame = textFrame(text);
  t.ok(Buffer.byteLength(text) > 125 && text.length < 126, 'more bytes than characters');
  t.equal(frame[1], 126);
  t.equal(readFrame(frame).text, text);
});
