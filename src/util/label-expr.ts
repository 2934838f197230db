/**
 * Jenkins label expressions (hudson.model.labels): atoms, `!`, `&&`, `||`, `->`, `<->`,
 * parentheses, and double-quoted atoms. Pure, shared by the bridge (function names) and the
 * simulator (scheduling), so both read an expression the same way.
 *
 * Precedence, loosest first: `<->`, `->`, `||`, `&&`, `!`.
 */
export type LabelExpr =
  | { readonly kind: "atom"; readonly name: string }
  | { readonly kind: "not"; readonly expr: LabelExpr }
  | { readonly kind: "and" | "or" | "implies" | "iff"; readonly left: LabelExpr; readonly right: LabelExpr };

export class LabelExpressionError extends Error {
  constructor(expression: string, detail: string) {
    super(`invalid label expression ${JSON.stringify(expression)}: ${detail}`);
    this.name = "LabelExpressionError";
  }
}

type Token = { t: "atom"; v: string } | { t: "op"; v: "!" | "&&" | "||" | "->" | "<->" | "(" | ")" };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const three = src.slice(i, i + 3);
    const two = src.slice(i, i + 2);
    if (three === "<->") {
      out.push({ t: "op", v: "<->" });
      i += 3;
    } else if (two === "&&" || two === "||" || two === "->") {
      out.push({ t: "op", v: two });
      i += 2;
    } else if (c === "!" || c === "(" || c === ")") {
      out.push({ t: "op", v: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let v = "";
      while (j < src.length && src[j] !== '"') {
        if (src[j] === "\\" && j + 1 < src.length) j++;
        v += src[j];
        j++;
      }
      if (j >= src.length) throw new LabelExpressionError(src, "unterminated quote");
      out.push({ t: "atom", v });
      i = j + 1;
    } else {
      let j = i;
      while (j < src.length && !/[\s!()&|"]/.test(src[j]!) && src.slice(j, j + 2) !== "->" && src.slice(j, j + 3) !== "<->") j++;
      if (j === i) throw new LabelExpressionError(src, `unexpected ${JSON.stringify(c)} at ${i}`);
      out.push({ t: "atom", v: src.slice(i, j) });
      i = j;
    }
  }
  return out;
}

const cache = new Map<string, LabelExpr>();

/** Parses an expression; results are cached (a master has few distinct expressions). */
export function parseLabelExpression(src: string): LabelExpr {
  const hit = cache.get(src);
  if (hit) return hit;
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (v: string): boolean => {
    const t = peek();
    return t !== undefined && t.t === "op" && t.v === v;
  };
  const binary = (next: () => LabelExpr, op: string, kind: "and" | "or" | "implies" | "iff"): (() => LabelExpr) => {
    return () => {
      let left = next();
      while (isOp(op)) {
        pos++;
        left = { kind, left, right: next() };
      }
      return left;
    };
  };
  const primary = (): LabelExpr => {
    const t = peek();
    if (t === undefined) throw new LabelExpressionError(src, "unexpected end");
    if (t.t === "atom") {
      pos++;
      return { kind: "atom", name: t.v };
    }
    if (t.v === "!") {
      pos++;
      return { kind: "not", expr: primary() };
    }
    if (t.v === "(") {
      pos++;
      const e = iff();
      if (!isOp(")")) throw new LabelExpressionError(src, "missing )");
      pos++;
      return e;
    }
    throw new LabelExpressionError(src, `unexpected ${t.v}`);
  };
  const and = binary(primary, "&&", "and");
  const or = binary(and, "||", "or");
  const implies = binary(or, "->", "implies");
  const iff = binary(implies, "<->", "iff");
  if (tokens.length === 0) throw new LabelExpressionError(src, "empty");
  const expr = iff();
  if (pos !== tokens.length) throw new LabelExpressionError(src, `unexpected ${JSON.stringify(tokens[pos]?.v)}`);
  if (cache.size > 10_000) cache.clear();
  cache.set(src, expr);
  return expr;
}

/** Does a node with these labels satisfy the expression? */
export function labelMatches(expr: LabelExpr, labels: ReadonlySet<string>): boolean {
  switch (expr.kind) {
    case "atom":
      return labels.has(expr.name);
    case "not":
      return !labelMatches(expr.expr, labels);
    case "and":
      return labelMatches(expr.left, labels) && labelMatches(expr.right, labels);
    case "or":
      return labelMatches(expr.left, labels) || labelMatches(expr.right, labels);
    case "implies":
      return !labelMatches(expr.left, labels) || labelMatches(expr.right, labels);
    case "iff":
      return labelMatches(expr.left, labels) === labelMatches(expr.right, labels);
  }
}

/** Every atom named in the expression, in order of first appearance. */
export function labelAtoms(expr: LabelExpr): string[] {
  const out: string[] = [];
  const walk = (e: LabelExpr): void => {
    if (e.kind === "atom") {
      if (!out.includes(e.name)) out.push(e.name);
    } else if (e.kind === "not") walk(e.expr);
    else {
      walk(e.left);
      walk(e.right);
    }
  };
  walk(expr);
  return out;
}
