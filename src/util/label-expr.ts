/**
 * Jenkins label expressions, after `hudson/model/labels/LabelExpressionLexer.g4` and `LabelExpressionParser.g4`:
 * atoms (bare or "quoted"), `!`, `&&`, `||`, `->`, `<->` and parentheses. Precedence, loosest first:
 * `<->`, `->`, `||`, `&&`, `!`. Pure functions, shared by the bridge (function names) and the simulator
 * (scheduling), so both read an expression the same way.
 */

export type LabelExpr =
  | { readonly op: "atom"; readonly name: string }
  | { readonly op: "not"; readonly arg: LabelExpr }
  | { readonly op: "and" | "or" | "implies" | "iff"; readonly lhs: LabelExpr; readonly rhs: LabelExpr };

/** A label expression that does not parse; the message says where. */
export class LabelSyntaxError extends Error {
  override readonly name = "LabelSyntaxError";
  readonly expression: string;
  constructor(expression: string, detail: string) {
    super(`invalid label expression "${expression}": ${detail}`);
    this.expression = expression;
  }
}

type Token = { readonly t: "atom"; readonly v: string } | { readonly t: "op"; readonly v: string };

// Characters that end an unquoted atom (IDENTIFIER_PART excludes these, and '-' is only allowed between parts).
const STOP = new Set(["&", "|", "!", "(", ")", " ", "\t", "\n", "\r", '"', "'"]);

function isPart(c: string | undefined): boolean {
  return c !== undefined && !STOP.has(c) && c !== "-";
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (src.startsWith("&&", i) || src.startsWith("||", i) || src.startsWith("->", i)) {
      out.push({ t: "op", v: src.slice(i, i + 2) });
      i += 2;
    } else if (src.startsWith("<->", i)) {
      out.push({ t: "op", v: "<->" });
      i += 3;
    } else if (c === "!" || c === "(" || c === ")") {
      out.push({ t: "op", v: c });
      i++;
    } else if (c === '"') {
      let v = "";
      i++;
      for (;;) {
        const d = src[i];
        if (d === undefined) throw new LabelSyntaxError(src, "unterminated quoted atom");
        if (d === '"') break;
        if (d === "\\" && i + 1 < src.length) {
          v += src[i + 1] as string;
          i += 2;
        } else {
          v += d;
          i++;
        }
      }
      i++;
      out.push({ t: "atom", v });
    } else if (isPart(c)) {
      const start = i;
      while (i < src.length) {
        if (isPart(src[i])) i++;
        else if (src[i] === "-" && src[i + 1] !== ">" && isPart(src[i + 1])) i += 2;
        else break;
      }
      out.push({ t: "atom", v: src.slice(start, i) });
    } else {
      throw new LabelSyntaxError(src, `unexpected character '${c}' at ${i}`);
    }
  }
  return out;
}

const BINARY = [
  ["<->", "iff"],
  ["->", "implies"],
  ["||", "or"],
  ["&&", "and"],
] as const;

/** Parses a label expression; throws LabelSyntaxError for an empty or malformed one. */
const parsed = new Map<string, LabelExpr>();

/** Parses an expression; results are cached (a master has few distinct expressions, and the bridge recompiles every job on each job-list refresh). */
export function parseLabelExpression(expr: string): LabelExpr {
  const hit = parsed.get(expr);
  if (hit !== undefined) return hit;
  const result = parseUncached(expr);
  if (parsed.size >= 10_000) parsed.clear();
  parsed.set(expr, result);
  return result;
}

function parseUncached(expr: string): LabelExpr {
  const toks = tokenize(expr);
  if (toks.length === 0) throw new LabelSyntaxError(expr, "empty expression");
  let pos = 0;
  const peekOp = (v: string): boolean => {
    const t = toks[pos];
    return t !== undefined && t.t === "op" && t.v === v;
  };
  const binary = (level: number): LabelExpr => {
    const entry = BINARY[level];
    if (entry === undefined) return unary();
    let lhs = binary(level + 1);
    while (peekOp(entry[0])) {
      pos++;
      // `->` is right-associative in Jenkins; the others associate left. Evaluation is the same for && and ||.
      const rhs = entry[1] === "implies" ? binary(level) : binary(level + 1);
      lhs = { op: entry[1], lhs, rhs };
    }
    return lhs;
  };
  const unary = (): LabelExpr => {
    const t = toks[pos];
    if (t === undefined) throw new LabelSyntaxError(expr, "unexpected end");
    if (t.t === "atom") {
      pos++;
      return { op: "atom", name: t.v };
    }
    if (t.v === "!") {
      pos++;
      return { op: "not", arg: unary() };
    }
    if (t.v === "(") {
      pos++;
      const inner = binary(0);
      if (!peekOp(")")) throw new LabelSyntaxError(expr, "missing ')'");
      pos++;
      return inner;
    }
    throw new LabelSyntaxError(expr, `unexpected '${t.v}'`);
  };
  const result = binary(0);
  if (pos !== toks.length) {
    const t = toks[pos] as Token;
    throw new LabelSyntaxError(expr, `unexpected '${t.v}' after the expression`);
  }
  return result;
}

/** True if a node with these labels (self-label included) satisfies the expression. */
export function matches(expr: LabelExpr, labels: ReadonlySet<string>): boolean {
  switch (expr.op) {
    case "atom":
      return labels.has(expr.name);
    case "not":
      return !matches(expr.arg, labels);
    case "and":
      return matches(expr.lhs, labels) && matches(expr.rhs, labels);
    case "or":
      return matches(expr.lhs, labels) || matches(expr.rhs, labels);
    case "implies":
      return !matches(expr.lhs, labels) || matches(expr.rhs, labels);
    case "iff":
      return matches(expr.lhs, labels) === matches(expr.rhs, labels);
  }
}

/** The distinct atoms of an expression, in order of first appearance. */
export function atoms(expr: LabelExpr): string[] {
  const seen = new Set<string>();
  const walk = (e: LabelExpr): void => {
    if (e.op === "atom") seen.add(e.name);
    else if (e.op === "not") walk(e.arg);
    else {
      walk(e.lhs);
      walk(e.rhs);
    }
  };
  walk(expr);
  return [...seen];
}

const PRECEDENCE = { iff: 0, implies: 1, or: 2, and: 3, not: 4, atom: 5 } as const;
const SYMBOL = { iff: "<->", implies: "->", or: "||", and: "&&" } as const;

/** Quotes an atom the way `LabelAtom.escape` does when it is not a plain identifier. */
export function escapeAtom(name: string): string {
  let plain = name.length > 0;
  for (const c of name) if (STOP.has(c) || c === "\\" || c === "<" || c === ">") plain = false;
  if (plain && (name.startsWith("-") || name.endsWith("-") || name.includes("--"))) plain = false;
  return plain ? name : `"${name.replace(/(["\\])/g, "\\$1")}"`;
}

/** The normalised form Jenkins prints for a label (`Label.getName()`): `linux&&docker`, `!a||(b&&c)`. */
export function formatLabelExpression(expr: LabelExpr): string {
  const paren = (parent: number, e: LabelExpr): string => {
    const s = formatLabelExpression(e);
    return PRECEDENCE[e.op] < parent ? `(${s})` : s;
  };
  switch (expr.op) {
    case "atom":
      return escapeAtom(expr.name);
    case "not":
      return `!${paren(PRECEDENCE.not, expr.arg)}`;
    default: {
      const p = PRECEDENCE[expr.op];
      return `${paren(p, expr.lhs)}${SYMBOL[expr.op]}${paren(p + 1, expr.rhs)}`;
    }
  }
}
