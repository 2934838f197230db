/**
 * Reads the elements of one array member of a JSON object one at a time: `{"_class":..,"jobs":[A,B,..]}`
 * gives JSON.parse(A), then JSON.parse(B), ... Each element's objects can die young, where
 * JSON.parse of the whole answer keeps every element alive until the last one is read; for the
 * job list of a 20,000-job master that was some 30 MB of short-lived heap on every refresh.
 *
 * Only the structure is scanned here (strings, nesting, commas); each element is parsed by
 * JSON.parse, so values are exactly what JSON.parse gives. Truncated input and unbalanced nesting
 * throw SyntaxError (possibly after `each` has seen the earlier elements: callers collect into a
 * list they drop on error). The grammar between the other members is not checked, and the first
 * `key` member wins; Jenkins writes neither malformed members nor duplicate keys.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** `i` is at an opening quote; returns the index just past the closing one. */
function stringEnd(text: string, i: number): number {
  let k = i + 1;
  for (;;) {
    k = text.indexOf('"', k);
    if (k < 0) throw new SyntaxError(`unterminated string at position ${i}`);
    let backslashes = 0;
    while (text.charCodeAt(k - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return k + 1;
    k++;
  }
}

/**
 * Calls `each(element, index)` for every element of the array that is the value of `key` in the
 * top-level object of `text`. Returns false when the top level is not an object holding such an
 * array (nothing is called then). Other members are skipped, not validated beyond their nesting.
 */
export function forEachArrayItem(text: string, key: string, each: (item: unknown, index: number) => void): boolean {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== LBRACE) return false;
  let depth = 0;
  let found = false;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (depth === 1 && !found) {
        const after = skipSpace(text, end);
        if (text.charCodeAt(after) === COLON && text.slice(i + 1, end - 1) === key) {
          const value = skipSpace(text, after + 1);
          if (value >= text.length) throw new SyntaxError("unexpected end of JSON input");
          if (text.charCodeAt(value) !== LBRACKET) return false;
          // The rest of the object is still scanned, so that an answer cut short after the array is not taken as whole.
          i = items(text, value, each);
          found = true;
          continue;
        }
      }
      i = end;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) depth++;
    else if (c === RBRACE || c === RBRACKET) {
      depth--;
      if (depth === 0) {
        if (c !== RBRACE || skipSpace(text, i + 1) < text.length) throw new SyntaxError(`unexpected "${text.slice(i, i + 10)}" at position ${i}`);
        return found;
      }
    }
    i++;
  }
  throw new SyntaxError("unexpected end of JSON input");
}

/** `open` is at the array's `[`; returns the index just past its `]`. */
function items(text: string, open: number, each: (item: unknown, index: number) => void): number {
  let depth = 0;
  let start = -1;
  let index = 0;
  for (let k = open + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === QUOTE) {
      if (start < 0) start = k;
      k = stringEnd(text, k) - 1;
      continue;
    }
    if (depth === 0 && (c === COMMA || c === RBRACKET)) {
      if (start >= 0) each(JSON.parse(text.slice(start, k)), index++);
      else if (c === COMMA || index > 0) throw new SyntaxError(`unexpected "${String.fromCharCode(c)}" at position ${k}`);
      if (c === RBRACKET) return k + 1;
      start = -1;
      continue;
    }
    if (start < 0 && !isSpace(c)) start = k;
    if (c === LBRACE || c === LBRACKET) depth++;
    else if (c === RBRACE || c === RBRACKET) depth--;
  }
  throw new SyntaxError("unexpected end of JSON input");
}
