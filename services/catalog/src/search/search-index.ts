import type { AgencyLevel, OnlineLevel, ProcedureRecord } from '../events.js';
import { foldText, searchTerms } from './fold.js';

/** One procedure in force, as the search sees it. */
export interface IndexedProcedure {
  readonly code: string;
  readonly version: number;
  readonly publishedAt: string;
  readonly record: ProcedureRecord;
  /** Folded name. */
  readonly name: string;
  /** ` <folded name> ` (whole-word phrase checks). */
  readonly paddedName: string;
  /** ` <folded name> <folded field>`: a term matches a word start when ` term` is inside. */
  readonly words: string;
  readonly field: string;
}

/** One hit of a search: the latest version of a procedure in force. */
export type ProcedureSummary = ProcedureRecord & { readonly code: string; readonly version: number; readonly publishedAt: string };

export interface SearchQuery {
  readonly q?: string | undefined;
  readonly field?: string | undefined;
  readonly level?: AgencyLevel | undefined;
  readonly onlineLevel?: OnlineLevel | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface SearchResult {
  readonly items: ProcedureSummary[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

export function indexed(code: string, version: number, publishedAt: string, record: ProcedureRecord): IndexedProcedure {
  const name = foldText(record.name);
  const field = foldText(record.field);
  return { code, version, publishedAt, record, name, paddedName: ` ${name} `, field, words: ` ${name} ${field}` };
}

const CODE_PREFIX = /^[0-9](?:\.[0-9A-Z]*)*$/;

/** What the query compares names with, computed once per search. */
interface Phrase {
  readonly text: string;
  readonly asWords: string;
  readonly padded: string;
}

/**
 * Score of a hit, higher first: the exact code (1000), a code prefix (500); the whole folded
 * name (300), the name starting with the query as whole words (200) or as a prefix (150), the
 * query as a phrase of whole words (100) or as text (50) inside the name.
 */
function score(p: IndexedProcedure, code: string, phrase: Phrase): number {
  let s = 0;
  if (code !== '') s += p.code === code ? 1000 : p.code.startsWith(code) ? 500 : 0;
  if (phrase.text !== '') {
    if (p.name === phrase.text) s += 300;
    else if (p.name.startsWith(phrase.asWords)) s += 200;
    else if (p.name.startsWith(phrase.text)) s += 150;
    else if (p.paddedName.includes(phrase.padded)) s += 100;
    else if (p.name.includes(phrase.text)) s += 50;
  }
  return s;
}

interface Hit {
  readonly p: IndexedProcedure;
  /** Score, then the shorter name: higher is better. */
  readonly key: number;
}

const better = (a: Hit, b: Hit) => a.key > b.key || (a.key === b.key && a.p.code < b.p.code);
const compare = (a: Hit, b: Hit) => (better(a, b) ? -1 : better(b, a) ? 1 : 0);
/** Up to this many results kept (offset + limit), the best are selected as they come instead of sorting every hit. */
const SELECT_LIMIT = 500;

/**
 * Searches procedures in force: every folded term of `q` must start a word of the name or the
 * field, or `q` must be a code or a code prefix. Ranked by score, then the shorter name (more
 * specific), then the code; without `q`, by code. Filters: folded field equality, level, online level.
 */
export function searchProcedures(entries: Iterable<IndexedProcedure>, query: SearchQuery): SearchResult {
  const q = query.q?.trim() ?? '';
  const terms = searchTerms(q).map((t) => ` ${t}`);
  const code = CODE_PREFIX.test(q.toUpperCase()) ? q.toUpperCase() : '';
  const text = terms.map((t) => t.slice(1)).join(' ');
  const phrase: Phrase = { text, asWords: `${text} `, padded: ` ${text} ` };
  const field = query.field === undefined ? null : foldText(query.field);
  const { level, onlineLevel } = query;
  const wanted = query.offset + query.limit;
  const result = (hits: readonly Hit[], total: number): SearchResult => ({
    items: hits.slice(query.offset, wanted).map(({ p }) => ({ code: p.code, version: p.version, publishedAt: p.publishedAt, ...p.record })),
    total,
    limit: query.limit,
    offset: query.offset,
  });
  if (q !== '' && terms.length === 0 && code === '') return result([], 0);

  // Best hits first: a short list kept in order while scanning, or every hit sorted at the end for deep pages.
  const select = wanted <= SELECT_LIMIT;
  const hits: Hit[] = [];
  let total = 0;
  for (const p of entries) {
    if (field !== null && p.field !== field) continue;
    if (level !== undefined && !p.record.agencyLevels.includes(level)) continue;
    if (onlineLevel !== undefined && p.record.onlineLevel !== onlineLevel) continue;
    if (q !== '') {
      const textMatch = terms.length > 0 && terms.every((t) => p.words.includes(t));
      if (!textMatch && !(code !== '' && p.code.startsWith(code))) continue;
    }
    total++;
    const hit: Hit = { p, key: q === '' ? 0 : score(p, code, phrase) * 10_000 - Math.min(p.name.length, 9_999) };
    if (!select) hits.push(hit);
    else if (hits.length < wanted || better(hit, hits[hits.length - 1]!)) {
      let i = hits.length;
      while (i > 0 && better(hit, hits[i - 1]!)) i--;
      hits.splice(i, 0, hit);
      if (hits.length > wanted) hits.pop();
    }
  }
  if (!select) hits.sort(compare);
  return result(hits, total);
}
