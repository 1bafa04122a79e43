/** One problem found while validating an edXML message; `path` names the element by local names. */
export interface EdxmlIssue {
  readonly path: string;
  readonly message: string;
}

/** Base of every error this package throws on purpose; `code` is stable and maps to an HTTP status upstream. */
export abstract class EdxmlError extends Error {
  abstract readonly code: string;
}

/** Well-formed XML that is not a valid edXML message; lists every problem found, not just the first. */
export class EdxmlValidationError extends EdxmlError {
  readonly code = 'LT_EDXML_INVALID';
  constructor(readonly issues: readonly EdxmlIssue[]) {
    super(
      `invalid edXML: ${issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`,
    );
    this.name = 'EdxmlValidationError';
  }
}

/** The input is not well-formed XML (or not XML at all); line and column are 1-based. */
export class EdxmlSyntaxError extends EdxmlError {
  readonly code = 'LT_EDXML_SYNTAX';
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? message : `${message} (line ${line}, column ${column ?? 0})`);
    this.name = 'EdxmlSyntaxError';
  }
}

/** The bytes are not in a supported encoding, or do not decode in the declared one. */
export class EdxmlEncodingError extends EdxmlError {
  readonly code = 'LT_EDXML_ENCODING';
  constructor(message: string) {
    super(message);
    this.name = 'EdxmlEncodingError';
  }
}

/** Why a message was refused before being understood: unsafe constructs or a limit exceeded. */
export const EdxmlRefusal = {
  doctype: 'doctype',
  depth: 'depth',
  elements: 'elements',
  attributes: 'attributes',
  text: 'text',
  markup: 'markup',
  attachments: 'attachments',
} as const;
export type EdxmlRefusal = (typeof EdxmlRefusal)[keyof typeof EdxmlRefusal];

/** The message uses a construct the hub never accepts (DOCTYPE) or exceeds a parsing limit. */
export class EdxmlRefusedError extends EdxmlError {
  readonly code = 'LT_EDXML_REFUSED';
  constructor(
    readonly reason: EdxmlRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'EdxmlRefusedError';
  }
}
