/** Normalises anything thrown into an Error, keeping the original as `cause`. */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  if (typeof e === "string") return new Error(e);
  let text: string;
  try {
    text = JSON.stringify(e) ?? String(e);
  } catch {
    text = String(e);
  }
  return new Error(`non-error thrown: ${text}`, { cause: e });
}

/** A short, single-line description of an error and its causes, for logs and status. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur !== undefined && cur !== null; i++) {
    const err = coerceError(cur);
    parts.push(err.message);
    cur = err.cause;
  }
  return parts.join(": caused by ");
}
