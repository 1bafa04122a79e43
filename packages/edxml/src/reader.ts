import { SaxesParser } from 'saxes';
import type { SaxesTagNS } from 'saxes';
import { Base64StreamDecoder } from './base64.js';
import type { AttachmentMeta, AttachmentSink, AttachmentWriter } from './attachments.js';
import { EdxmlRefusedError, EdxmlSyntaxError } from './errors.js';
import { modelLimits } from './model.js';

/** The QCVN 102:2016/BTTTT namespace. */
export const EDXML_NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';

/** Parsing limits; everything outside attachment content is bounded. */
export interface EdxmlLimits {
  /** Deepest element nesting (default 64). */
  readonly maxDepth: number;
  /** Elements in the whole message (default 100,000). */
  readonly maxElements: number;
  /** Attributes on one element (default 64). */
  readonly maxAttributes: number;
  /** Characters of one element's text, outside attachment content (default 1 MiB). */
  readonly maxTextLength: number;
  /** Characters of the message outside attachment content (default 16 MiB). */
  readonly maxMarkupLength: number;
  /** Attachments in one message (default 1,000). */
  readonly maxAttachments: number;
}

export const defaultLimits: EdxmlLimits = {
  maxDepth: 64,
  maxElements: 100_000,
  maxAttributes: 64,
  maxTextLength: modelLimits.textLength,
  maxMarkupLength: 16 << 20,
  maxAttachments: modelLimits.attachments,
};

/** An element of the message, attachment content left out. */
export interface XmlElement {
  readonly local: string;
  readonly uri: string;
  readonly prefix: string;
  readonly attrs: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
  readonly line: number;
  /** For `ContentTransferEncoded`: where its decoded content went. */
  stored?: { sha256: string; size: number };
}

export interface ReadOutcome {
  readonly root: XmlElement;
  readonly prefixed: number;
  readonly unprefixed: number;
  readonly warnings: string[];
}

type Action =
  | { kind: 'open'; element: XmlElement; meta: AttachmentMeta }
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'close'; element: XmlElement };

const isContent = (tag: { local: string; uri: string }): boolean =>
  tag.local === 'ContentTransferEncoded' && tag.uri === EDXML_NS;

/**
 * Streams XML text through saxes, building a small tree of everything but attachment content,
 * which is base64-decoded on the fly into the sink. Text is fed to saxes in pieces that end at
 * `>`, so the reader regains control right after the open tag of `ContentTransferEncoded` and
 * can pass the content around saxes (saxes would otherwise buffer the whole text node).
 */
export class EdxmlReader {
  // Real senders use `edXML:` (and the manifest's `xlink:`) outside the element declaring it;
  // those two prefixes resolve to their usual namespaces when undeclared, and are noted.
  private readonly sax = new SaxesParser({
    xmlns: true,
    position: true,
    resolvePrefix: (prefix: string) => {
      const uri = prefix === 'edXML' ? EDXML_NS : prefix === 'xlink' ? 'http://www.w3.org/1999/xlink' : undefined;
      if (uri !== undefined) this.undeclared.add(prefix);
      return uri;
    },
  });
  private readonly undeclared = new Set<string>();
  private readonly stack: XmlElement[] = [];
  private root: XmlElement | undefined;
  private readonly actions: Action[] = [];
  private mode: 'markup' | 'raw' | 'entity' = 'markup';
  private writer: AttachmentWriter | undefined;
  private decoder: Base64StreamDecoder | undefined;
  private elements = 0;
  private markup = 0;
  private attachments = 0;
  private lineOffset = 0;
  private prologue: string | undefined = '';
  private prefixed = 0;
  private unprefixed = 0;
  private readonly warnings: string[] = [];

  /** `MessageHeader/From/OrganId`, once its `From` has closed. */
  private sender: string | null = null;
  private senderChecked = false;

  constructor(
    private readonly sink: AttachmentSink,
    private readonly limits: EdxmlLimits = defaultLimits,
    private readonly beforeAttachments?: (sender: string | null) => void | Promise<void>,
  ) {
    const sax = this.sax;
    sax.on('error', (err) => {
      const message = err.message.replace(/^\d+:\d+: /, '');
      throw new EdxmlSyntaxError(message, sax.line + this.lineOffset, sax.column + 1);
    });
    sax.on('doctype', () => {
      throw new EdxmlRefusedError('doctype', 'DOCTYPE declarations are not accepted (no DTD, no entity declarations)');
    });
    sax.on('opentag', (tag) => this.onOpen(tag));
    sax.on('closetag', (tag) => this.onClose(tag));
    sax.on('text', (t) => this.onText(t));
    sax.on('cdata', (t) => this.onText(t));
  }

  private onOpen(tag: SaxesTagNS): void {
    const limits = this.limits;
    if (++this.elements > limits.maxElements) {
      throw new EdxmlRefusedError('elements', `more than ${limits.maxElements} elements`);
    }
    if (this.stack.length + 1 > limits.maxDepth) {
      throw new EdxmlRefusedError('depth', `elements nested deeper than ${limits.maxDepth}`);
    }
    const attrs: Record<string, string> = {};
    let n = 0;
    for (const [name, attr] of Object.entries(tag.attributes)) {
      if (++n > limits.maxAttributes) {
        throw new EdxmlRefusedError('attributes', `more than ${limits.maxAttributes} attributes on <${tag.name}>`);
      }
      attrs[name] = attr.value;
    }
    const uri = tag.uri ?? '';
    if (uri === EDXML_NS) {
      if (tag.prefix === '') this.unprefixed++;
      else this.prefixed++;
    }
    const element: XmlElement = { local: tag.local, uri, prefix: tag.prefix, attrs, children: [], text: '', line: this.sax.line + this.lineOffset };
    const parent = this.stack.at(-1);
    if (parent) parent.children.push(element);
    else this.root = element;
    this.stack.push(element);
    if (isContent(element)) {
      if (++this.attachments > limits.maxAttachments) {
        throw new EdxmlRefusedError('attachments', `more than ${limits.maxAttachments} attachments`);
      }
      this.actions.push({ kind: 'open', element, meta: metaOf(parent) });
    }
  }

  private onClose(tag: SaxesTagNS): void {
    const element = this.stack.pop();
    if (element && isContent(element)) this.actions.push({ kind: 'close', element });
    else if (element && this.sender === null && this.isHeaderFrom(element))
      this.sender = element.children.find((c) => c.local === 'OrganId' && c.uri === EDXML_NS)?.text.trim() || null;
    void tag;
  }

  /**
   * `edXMLEnvelope/edXMLHeader/MessageHeader/From`, every step in the edXML namespace (the stack
   * holds the parents): the sender the built message will have, and no decoy of it. The first
   * one wins, as in the built message.
   */
  private isHeaderFrom(element: XmlElement): boolean {
    const path = ['MessageHeader', 'edXMLHeader', 'edXMLEnvelope'];
    if (element.local !== 'From' || element.uri !== EDXML_NS) return false;
    return path.every((local, i) => {
      const parent = this.stack[this.stack.length - 1 - i];
      return parent?.local === local && parent.uri === EDXML_NS;
    });
  }

  private onText(text: string): void {
    const current = this.stack.at(-1);
    if (current === undefined) return; // whitespace around the root
    if (isContent(current)) {
      this.actions.push({ kind: 'bytes', bytes: this.decoder!.push(text) });
      return;
    }
    if (current.text.length + text.length > this.limits.maxTextLength) {
      throw new EdxmlRefusedError('text', `text of <${current.local}> longer than ${this.limits.maxTextLength} characters`);
    }
    current.text += text;
  }

  /** Feeds decoded text; awaits attachment writes, so a caller reading a stream gets backpressure. */
  async write(text: string): Promise<void> {
    if (this.prologue !== undefined) {
      text = this.skipPrologue(this.prologue + text, false);
      if (text === '') return;
    }
    let i = 0;
    while (i < text.length) {
      if (this.mode === 'raw') {
        let stop = i;
        while (stop < text.length && text.charCodeAt(stop) !== 0x3c && text.charCodeAt(stop) !== 0x26) stop++;
        if (stop > i) await this.content(text.slice(i, stop));
        if (stop === text.length) return;
        this.mode = text.charCodeAt(stop) === 0x26 ? 'entity' : 'markup';
        i = stop;
        continue;
      }
      const stopChar = this.mode === 'entity' ? ';' : '>';
      const found = text.indexOf(stopChar, i);
      const end = found === -1 ? text.length : found + 1;
      this.markup += end - i;
      if (this.markup > this.limits.maxMarkupLength) {
        throw new EdxmlRefusedError('markup', `more than ${this.limits.maxMarkupLength} characters outside attachment content`);
      }
      this.sax.write(text.slice(i, end));
      i = end;
      if (found !== -1 && this.mode === 'entity') this.mode = 'raw';
      await this.runActions();
    }
  }

  /** Ends the input and returns the tree. */
  async end(): Promise<ReadOutcome> {
    if (this.prologue !== undefined) {
      const rest = this.skipPrologue(this.prologue, true);
      if (rest !== '') {
        this.prologue = undefined;
        await this.write(rest);
      }
    }
    this.sax.close();
    await this.runActions();
    if (this.root === undefined) throw new EdxmlSyntaxError('no root element');
    for (const prefix of this.undeclared) this.warnings.push(`the namespace prefix "${prefix}" is used where it is not declared`);
    return { root: this.root, prefixed: this.prefixed, unprefixed: this.unprefixed, warnings: this.warnings };
  }

  /** Releases a half-written attachment after a failure. */
  async abort(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.abort?.().catch(() => undefined);
  }

  /**
   * Real traffic has bytes before the XML declaration (e.g. `1212<?xml …`): dropped with a
   * warning when an XML declaration follows; anything else before the first `<` is not XML.
   */
  private skipPrologue(text: string, final: boolean): string {
    const lt = text.indexOf('<');
    if (lt === -1 || text.length - lt < 5) {
      if (!final && text.length < 1024) {
        this.prologue = text;
        return '';
      }
      if (lt === -1) throw new EdxmlSyntaxError(text.trim() === '' ? 'empty input' : 'not XML: no element found', 1, 1);
    }
    this.prologue = undefined;
    const junk = text.slice(0, lt);
    if (junk.trim() === '') return text.slice(lt);
    if (text.startsWith('<?xml', lt)) {
      this.warnings.push(`ignored ${junk.length} characters before the XML declaration`);
      return text.slice(lt);
    }
    throw new EdxmlSyntaxError('not XML: text before the first element', 1, 1);
  }

  private async content(text: string): Promise<void> {
    for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) this.lineOffset++;
    const bytes = this.decoder!.push(text);
    if (bytes.length > 0) await this.writer!.write(bytes);
  }

  private async runActions(): Promise<void> {
    while (this.actions.length > 0) {
      const action = this.actions.shift()!;
      if (action.kind === 'open') {
        if (!this.senderChecked) {
          this.senderChecked = true;
          await this.beforeAttachments?.(this.sender);
        }
        this.decoder = new Base64StreamDecoder();
        this.writer = await this.sink.begin(action.meta);
        this.mode = 'raw';
      } else if (action.kind === 'bytes') {
        if (action.bytes.length > 0) await this.writer!.write(action.bytes);
      } else {
        const tail = this.decoder!.end();
        if (tail.length > 0) await this.writer!.write(tail);
        if (this.decoder!.invalidChars > 0) {
          this.warnings.push(`ignored ${this.decoder!.invalidChars} non-base64 characters in an attachment's ContentTransferEncoded`);
        }
        action.element.stored = await this.writer!.end();
        this.writer = undefined;
        this.decoder = undefined;
        this.mode = 'markup';
      }
    }
  }
}

function metaOf(attachment: XmlElement | undefined): AttachmentMeta {
  const find = (local: string): string | undefined =>
    attachment?.children.find((c) => c.local === local && c.uri === EDXML_NS)?.text.trim() || undefined;
  const meta: { contentId?: string; name?: string; contentType?: string } = {};
  const contentId = find('ContentId');
  const name = find('AttachmentName');
  const contentType = find('ContentType');
  if (contentId !== undefined) meta.contentId = contentId;
  if (name !== undefined) meta.name = name;
  if (contentType !== undefined) meta.contentType = contentType;
  return meta;
}
