import { EdxmlValidationError } from './errors.js';
import { EnvelopeDialect } from './model.js';
import { EDXML_NS } from './reader.js';
import type { XmlElement } from './reader.js';

export const SOAP_NS = ['http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope'] as const;

/**
 * One way vendors put an edXML message on the wire. A new vendor quirk of the same kind is one
 * more entry in `DIALECTS`, not a new branch in the builder.
 */
interface DialectRule {
  readonly name: EnvelopeDialect;
  /** `null`: the message is the root; otherwise the SOAP part (`Body`, `Header`) that holds it. */
  readonly soapPart: 'Body' | 'Header' | null;
  /** Local name of the element holding the message. */
  readonly element: string;
  /** The standard's element that one stands for: the whole `edXML`, or just its `edXMLHeader`. */
  readonly standsFor: 'edXML' | 'edXMLHeader';
  /**
   * Namespaces read as QCVN 102's inside the message besides QCVN 102's own: `envelope` for
   * senders that bind the `edXML:` prefix to the SOAP envelope's namespace.
   */
  readonly aliases: readonly 'envelope'[];
  /** What this dialect carries. */
  readonly kinds: readonly ('document' | 'status')[];
}

export const DIALECTS: readonly DialectRule[] = [
  { name: EnvelopeDialect.edxml, soapPart: null, element: 'edXML', standsFor: 'edXML', aliases: [], kinds: ['document', 'status'] },
  { name: EnvelopeDialect.soapBody, soapPart: 'Body', element: 'edXML', standsFor: 'edXML', aliases: [], kinds: ['document', 'status'] },
  // C#-based provincial gateways: the status in the SOAP Header, `edXML:` bound to the SOAP namespace.
  {
    name: EnvelopeDialect.soapHeaderStatus,
    soapPart: 'Header',
    element: 'Status',
    standsFor: 'edXMLHeader',
    aliases: ['envelope'],
    kinds: ['status'],
  },
];

/** The message found in what was read: where it sits and the parts the builder reads, in QCVN 102's namespace. */
export interface LocatedMessage {
  readonly dialect: DialectRule;
  readonly soapEnvelope: boolean;
  /** The element found, its namespace aliases already read as QCVN 102's. */
  readonly element: XmlElement;
  /** Its path in the message as sent (`edXML`, `Envelope/Body/edXML`, `Envelope/Header/Status`). */
  readonly path: string;
}

/** How deep under its SOAP part a message may be wrapped (e.g. in an operation element). */
const MAX_WRAPPING = 4;

/**
 * Finds the message by the table of dialects. Exactly one dialect must match, with exactly one
 * element: anything else is refused, naming what was looked for, so nothing is silently ignored.
 */
export function locateMessage(root: XmlElement): LocatedMessage {
  const soapNs = SOAP_NS.find((ns) => root.local === 'Envelope' && root.uri === ns);
  if (soapNs === undefined) {
    if (root.local === 'edXML' && root.uri === EDXML_NS)
      return { dialect: DIALECTS[0]!, soapEnvelope: false, element: root, path: 'edXML' };
    throw new EdxmlValidationError([
      {
        path: root.local,
        message: `the root element must be edXML in namespace ${EDXML_NS}, or a SOAP Envelope (found ${root.local}${root.uri ? ` in ${root.uri}` : ''})`,
      },
    ]);
  }
  const found: LocatedMessage[] = [];
  for (const dialect of DIALECTS) {
    if (dialect.soapPart === null) continue;
    const parts = root.children.filter((c) => c.local === dialect.soapPart && c.uri === soapNs);
    if (parts.length > 1) throw new EdxmlValidationError([{ path: `Envelope/${dialect.soapPart}`, message: 'only one is allowed' }]);
    const part = parts[0];
    if (part === undefined) continue;
    const namespaces = [EDXML_NS, ...dialect.aliases.map(() => soapNs)];
    const matches = descendants(part, `Envelope/${part.local}`, (el) => el.local === dialect.element && namespaces.includes(el.uri));
    if (matches.length > 1)
      throw new EdxmlValidationError(
        matches
          .slice(1)
          .map((m) => ({ path: m.path, message: `a second ${dialect.element} in the SOAP ${dialect.soapPart}: one message per envelope` })),
      );
    const match = matches[0];
    if (match === undefined) continue;
    const element = dialect.aliases.length === 0 ? match.element : aliased(match.element, soapNs);
    found.push({ dialect, soapEnvelope: true, element, path: match.path });
  }
  if (found.length > 1)
    throw new EdxmlValidationError(
      found.map((f) => ({
        path: f.path,
        message: `one message per envelope, found one in the ${f.dialect.name} dialect and another elsewhere`,
      })),
    );
  const only = found[0];
  if (only === undefined) {
    const looked = DIALECTS.filter((d) => d.soapPart !== null)
      .map((d) => `${d.element} in the SOAP ${d.soapPart}${d.aliases.length > 0 ? " (or in the envelope's namespace)" : ''}`)
      .join(', or ');
    throw new EdxmlValidationError([
      { path: 'Envelope', message: `no edXML message in the SOAP envelope: looked for ${looked}, in namespace ${EDXML_NS}` },
    ]);
  }
  return only;
}

function descendants(
  el: XmlElement,
  path: string,
  match: (el: XmlElement) => boolean,
  depth = 0,
): Array<{ element: XmlElement; path: string }> {
  const out: Array<{ element: XmlElement; path: string }> = [];
  for (const c of el.children) {
    const here = `${path}/${c.local}`;
    if (match(c)) out.push({ element: c, path: here });
    else if (depth < MAX_WRAPPING) out.push(...descendants(c, here, match, depth + 1));
  }
  return out;
}

/** A copy of the subtree with elements in `alias` moved into QCVN 102's namespace. */
function aliased(el: XmlElement, alias: string): XmlElement {
  return { ...el, uri: el.uri === alias ? EDXML_NS : el.uri, children: el.children.map((c) => aliased(c, alias)) };
}
