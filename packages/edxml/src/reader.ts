import { SaxesParser } from 'saxes';
import type { SaxesTagNS } from 'saxes';
import type { AttachmentMeta, AttachmentSink, AttachmentWriter } from './attachments.js';
import { describeChar } from './base64.js';
import { ContentError, ContentReader } from './content.js';
import { EdxmlRefusedError, EdxmlSyntaxError, EdxmlValidationError } from './errors.js';
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
  /** For `ContentTransferEncoded`: the content was not base64, its text was stored (as UTF-8). */
  notBase64?: true;
}

/**
 * Something the reader tolerated, in one sentence (`message`), under a stable `code`:
 * `text-before-xml-declaration`, `undeclared-prefix`, `attachment-not-base64` (with `attachment`,
 * its ContentId, or its name when it has none).
 */
export interface EdxmlWarning {
  readonly code: string;
  readonly message: string;
  readonly attachment?: string;
}

/** An attachment's content as stored, and where it sat (so the builder can check none is left out). */
export interface StoredContent {
  readonly element: XmlElement;
  readonly path: string;
}

export interface ReadOutcome {
  readonly root: XmlElement;
  /** Every `ContentTransferEncoded` whose content reached the sink, in document order. */
  readonly contents: readonly StoredContent[];
  readonly prefixed: number;
  readonly unprefixed: number;
  readonly warnings: EdxmlWarning[];
}

type Action =
  { kind: 'open'; element: XmlElement; meta: AttachmentMeta; path: string; label: string } | { kind: 'close'; element: XmlElement };

/**
 * The attachment being read: its content's reader, the one writer its bytes go to (decoded while
 * the content may be base64; replaced by a writer of its text once it is known not to be), and
 * how errors name it.
 */
interface OpenContent {
  readonly reader: ContentReader;
  writer: AttachmentWriter | undefined;
  /** Whether `writer` takes the content's text (it is not base64). */
  asText: boolean;
  readonly path: string;
  readonly label: string;
  readonly meta: AttachmentMeta;
}

const isContent = (tag: { local: string; uri: string }): boolean => tag.local === 'ContentTransferEncoded' && tag.uri === EDXML_NS;

/**
 * Streams XML text through saxes, building a small tree of everything but attachment content,
 * which is base64-decoded on the fly into the sink. Text is fed to saxes in pieces that end at
 * `>`, so the reader regains control right after the open tag of `ContentTransferEncoded` and
 * passes the content around saxes (saxes would otherwise buffer the whole text node) to a
 * `ContentReader`, until the closing tag, which goes to saxes again.
 *
 * Attachment content is either stored exactly or refused: a `ContentTransferEncoded` is content
 * only as the one child of an `AttachmentEncoded/Attachment` and holds text only. Base64 text is
 * stored decoded; content that is not base64 at all (a character outside the alphabet, `=` and
 * whitespace, e.g. an unfilled template placeholder) is stored as its text, UTF-8, with an
 * `attachment-not-base64` warning; malformed base64 and characters that are no XML characters
 * are an `EdxmlValidationError` naming the attachment's path.
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
  /** Set from the open tag of an attachment's content to its closing tag: text goes around saxes. */
  private content: OpenContent | undefined;
  /** Writers begun and not yet ended or aborted. */
  private readonly writers = new Set<AttachmentWriter>();
  /** Content whose closing tag was handed to saxes and not yet seen closing. */
  private contentEnding: OpenContent | undefined;
  private readonly contents: StoredContent[] = [];
  private elements = 0;
  private markup = 0;
  private attachments = 0;
  private lineOffset = 0;
  private prologue: string | undefined = '';
  private prefixed = 0;
  private unprefixed = 0;
  private readonly warnings: EdxmlWarning[] = [];

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
    const element: XmlElement = {
      local: tag.local,
      uri,
      prefix: tag.prefix,
      attrs,
      children: [],
      text: '',
      line: this.sax.line + this.lineOffset,
    };
    const parent = this.stack.at(-1);
    if (parent) parent.children.push(element);
    else this.root = element;
    this.stack.push(element);
    if (isContent(element)) {
      if (++this.attachments > limits.maxAttachments) {
        throw new EdxmlRefusedError('attachments', `more than ${limits.maxAttachments} attachments`);
      }
      const path = this.path();
      const meta = metaOf(parent);
      const label = labelOf(meta);
      const grandparent = this.stack.at(-3);
      if (!isEdxml(parent, 'Attachment') || !isEdxml(grandparent, 'AttachmentEncoded'))
        throw new EdxmlValidationError([
          { path, message: 'ContentTransferEncoded is attachment content: it belongs only in AttachmentEncoded/Attachment' },
        ]);
      if (parent!.children.some((c) => c !== element && isContent(c)))
        throw new EdxmlValidationError([{ path, message: `${label}: only one ContentTransferEncoded is allowed` }]);
      this.actions.push({ kind: 'open', element, meta, path, label });
    }
  }

  /** The open element's path by local names, `[n]` on an element with earlier siblings of its name. */
  private path(): string {
    return this.stack
      .map((el, i) => {
        const siblings = this.stack[i - 1]?.children.filter((c) => c.local === el.local && c.uri === el.uri) ?? [];
        const n = siblings.indexOf(el) + 1;
        return n > 1 ? `${el.local}[${n}]` : el.local;
      })
      .join('/');
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
      const content = this.content;
      if (content !== undefined) {
        const lines = content.reader.lines;
        const slice = this.guard(content, () => content.reader.read(i === 0 ? text : text.slice(i)));
        this.lineOffset += content.reader.lines - lines;
        if (content.reader.isText) {
          // Not base64 at all: its text is the attachment, in a writer of its own from the start.
          if (!content.asText) {
            await this.drop(content.writer, () => (content.writer = undefined));
            content.writer = await this.sink.begin(content.meta);
            this.writers.add(content.writer);
            content.asText = true;
          }
          if (slice.text.length > 0) await content.writer!.write(slice.text);
        } else if (content.reader.decoding) {
          if (slice.bytes.length > 0) await content.writer!.write(slice.bytes);
        } else if (content.writer !== undefined) {
          // Base64 that will be refused unless it turns out to be text: the decoded bytes will never be kept.
          await this.drop(content.writer, () => (content.writer = undefined));
        }
        if (slice.rest === undefined) return;
        // The closing tag: markup again, through saxes, which checks it closes this element.
        this.content = undefined;
        this.contentEnding = content;
        text = slice.rest;
        i = 0;
        continue;
      }
      const found = text.indexOf('>', i);
      const end = found === -1 ? text.length : found + 1;
      this.markup += end - i;
      if (this.markup > this.limits.maxMarkupLength) {
        throw new EdxmlRefusedError('markup', `more than ${this.limits.maxMarkupLength} characters outside attachment content`);
      }
      this.sax.write(text.slice(i, end));
      i = end;
      // most tags queue nothing: no turn of the microtask queue for them
      if (this.actions.length > 0) await this.runActions();
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
    for (const prefix of this.undeclared)
      this.warnings.push({ code: 'undeclared-prefix', message: `the namespace prefix "${prefix}" is used where it is not declared` });
    return { root: this.root, contents: this.contents, prefixed: this.prefixed, unprefixed: this.unprefixed, warnings: this.warnings };
  }

  /** Releases half-written attachments after a failure. */
  async abort(): Promise<void> {
    const writers = [...this.writers];
    this.writers.clear();
    this.content = undefined;
    await Promise.all(writers.map((w) => (w.abort ? w.abort().catch(() => undefined) : Promise.resolve())));
  }

  /** Aborts a writer whose bytes will not be kept. */
  private async drop(writer: AttachmentWriter | undefined, forget?: () => void): Promise<void> {
    forget?.();
    if (writer === undefined) return;
    this.writers.delete(writer);
    await writer.abort?.().catch(() => undefined);
  }

  /** Content errors name the attachment by path; anything else passes unchanged. */
  private guard<T>(content: OpenContent, f: () => T): T {
    try {
      return f();
    } catch (error) {
      if (error instanceof ContentError)
        throw new EdxmlValidationError([{ path: content.path, message: `${content.label}: ${error.message}` }]);
      throw error;
    }
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
      this.warnings.push({ code: 'text-before-xml-declaration', message: `ignored ${junk.length} characters before the XML declaration` });
      return text.slice(lt);
    }
    throw new EdxmlSyntaxError('not XML: text before the first element', 1, 1);
  }

  private async runActions(): Promise<void> {
    while (this.actions.length > 0) {
      const action = this.actions.shift()!;
      if (action.kind === 'open') {
        if (!this.senderChecked) {
          this.senderChecked = true;
          await this.beforeAttachments?.(this.sender);
        }
        const writer = await this.sink.begin(action.meta);
        this.writers.add(writer);
        this.content = { reader: new ContentReader(), writer, asText: false, path: action.path, label: action.label, meta: action.meta };
      } else {
        // Closed by saxes: after `</` from the content reader, or at once (`<ContentTransferEncoded/>`).
        const content = this.content ?? this.contentEnding;
        this.content = undefined;
        this.contentEnding = undefined;
        if (content === undefined) throw new Error('edXML reader: an attachment closed that was never opened');
        const ended = this.guard(content, () => content.reader.end());
        // The writer is there: base64 kept decoding, text was given its writer when it became text.
        const writer = content.writer!;
        if (ended.kind === 'base64') {
          if (ended.bytes.length > 0) await writer.write(ended.bytes);
          action.element.stored = await writer.end();
          this.writers.delete(writer);
        } else {
          const stored = await writer.end();
          this.writers.delete(writer);
          action.element.stored = stored;
          action.element.notBase64 = true;
          this.warnings.push({
            code: 'attachment-not-base64',
            message: `${content.label}: the content is not base64 (character ${describeChar(ended.char)} at position ${ended.position}); stored as sent, its text as UTF-8 (${stored.size} bytes)`,
            attachment: content.meta.contentId ?? content.meta.name ?? content.path,
          });
        }
        this.contents.push({ element: action.element, path: content.path });
      }
    }
  }
}

const isEdxml = (el: XmlElement | undefined, local: string): boolean => el?.local === local && el.uri === EDXML_NS;

/** How messages name an attachment: by name, content id, or position. */
function labelOf(meta: AttachmentMeta): string {
  if (meta.name !== undefined) return `attachment "${meta.name}"${meta.contentId !== undefined ? ` (${meta.contentId})` : ''}`;
  return meta.contentId !== undefined ? `attachment ${meta.contentId}` : 'the attachment';
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
