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

/**
 * A short, single-line description of an error and its causes, for logs and status. A cause whose
 * message the text already contains is left out: wrappers often quote their cause ("cannot connect
 * to H:P: connect ECONNREFUSED H:P"), and saying it again as "caused by …" only adds noise.
 */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur !== undefined && cur !== null; i++) {
    const err = coerceError(cur);
    const message = err.message.trim();
    if (message !== "" && !parts.some((p) => p.includes(message))) parts.push(message);
    cur = err.cause === err ? undefined : err.cause;
  }
  return parts.length > 0 ? parts.join(": caused by ") : coerceError(e).name;
}
