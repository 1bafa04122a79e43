import t from 'tap';
import { TextDecoder } from 'node:util';
import { XmlBytesDecoder } from './decode.js';
import { EdxmlEncodingError } from './errors.js';

const xml = `<?xml version="1.0" encoding="UTF-8"?><edXML><Subject>${'Về việc liên thông văn bản điện tử '.repeat(60)}</Subject></edXML>`;

/** Decodes `bytes` cut at `cuts` (byte offsets), as a streamed body arrives. */
function decodeInSlices(bytes: Buffer, cuts: number[]): string {
  const d = new XmlBytesDecoder();
  let out = '';
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    out += d.push(bytes.subarray(at, cut));
    at = cut;
  }
  return out + d.end();
}

t.test('UTF-8 read whole or in slices gives the TextDecoder text, however it is cut', async (t) => {
  const bytes = Buffer.from(xml);
  const expected = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  t.equal(decodeInSlices(bytes, []), expected, 'whole');
  // 'ề' is three bytes: cuts inside it fall back to the TextDecoder for the rest
  const inside = Buffer.from(xml.slice(0, xml.indexOf('ề', 1200))).length + 1;
  t.equal(decodeInSlices(bytes, [1100, inside, inside + 700]), expected, 'a character cut between slices');
  for (let cut = 1024; cut < 1100; cut++) t.equal(decodeInSlices(bytes, [cut]), expected, `cut at ${cut}`);
});

t.test('a BOM is dropped at the start only; a U+FEFF later is text', async (t) => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const body = Buffer.concat([bom, Buffer.from(xml)]);
  t.equal(decodeInSlices(body, []), xml);
  const mid = Buffer.concat([Buffer.from(xml.slice(0, 1500)), bom, Buffer.from(xml.slice(1500))]);
  const expected = `${xml.slice(0, 1500)}\ufeff${xml.slice(1500)}`;
  t.equal(decodeInSlices(mid, []), expected, 'whole');
  const at = Buffer.from(xml.slice(0, 1500)).length;
  t.equal(decodeInSlices(mid, [at]), expected, 'a slice taken by the fast path begins with the U+FEFF');
  // the slice that begins with it ends inside a character: the TextDecoder takes it from its start
  const cutInside = at + 3 + Buffer.from(xml.slice(1500, xml.indexOf('ệ', 1500))).length + 1;
  t.equal(decodeInSlices(mid, [at, cutInside]), expected, "the TextDecoder's first slice begins with the U+FEFF");
});

t.test('invalid UTF-8 is refused whole or in slices, naming the bytes', async (t) => {
  const bad = Buffer.concat([Buffer.from(xml.slice(0, 1500)), Buffer.from([0xc3, 0x28]), Buffer.from(xml.slice(1500))]);
  t.throws(() => decodeInSlices(bad, []), { name: 'EdxmlEncodingError', message: /invalid utf-8 byte sequence in bytes 0\.\./ });
  t.throws(() => decodeInSlices(bad, [1100, 1400]), { name: 'EdxmlEncodingError', message: /in bytes 1400\.\./ });
  // an encoded surrogate (CESU) is not UTF-8 either
  const surrogate = Buffer.concat([Buffer.from(xml.slice(0, 1500)), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(xml.slice(1500))]);
  t.throws(() => decodeInSlices(surrogate, []), EdxmlEncodingError);
  // a body ending inside a character
  t.throws(() => decodeInSlices(Buffer.concat([Buffer.from(xml), Buffer.from([0xe1, 0xbb])]), []), EdxmlEncodingError);
});
