/** Rewrites of the real fixtures into the other variants vendors send. */

/** Every `edXML:` element unprefixed, relying on the root's default namespace. */
export function toDefaultNamespace(xml: string): string {
  return xml.replace(/<(\/?)edXML:/g, '<$1').replace(/ xmlns:edXML="[^"]*"/g, '');
}

/** Dates and timestamps written day first (element text that starts with a date). */
export function toDayFirst(xml: string): string {
  return xml.replace(/>(\d{4})\/(\d{2})\/(\d{2})/g, '>$3/$2/$1');
}

/** Wrapped in a SOAP 1.1 envelope, as some vendors post status messages. */
export function toSoap(xml: string): string {
  const body = xml.replace(/^[^<]*<\?xml[^>]*\?>\s*/, '');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

/** UTF-16LE with a byte order mark and a matching declaration. */
export function toUtf16(xml: string): Buffer {
  const text = xml.replace(/encoding="UTF-8"/, 'encoding="UTF-16"');
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}
