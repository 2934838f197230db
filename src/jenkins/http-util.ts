/** Small pure helpers of the request core. */

/** errno codes that mean the request never reached the server, so even a POST may be retried. */
const CONNECT_PHASE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export function isConnectPhaseCode(code: string | null): boolean {
  return code !== null && CONNECT_PHASE.has(code);
}

/** The errno code of a fetch failure: fetch throws TypeError("fetch failed") with the socket error as cause. */
export function errnoCode(e: unknown): string | null {
  let cur: unknown = e;
  for (let i = 0; i < 5 && typeof cur === "object" && cur !== null; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = errnoCode(errors[0]);
      if (inner !== null) return inner;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

/** The readable start of a body: HTML tags stripped, whitespace collapsed, at most `max` characters. */
export function bodySnippet(text: string, max = 200): string {
  const plain = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > max ? `${plain.slice(0, max)}…` : plain;
}

/** Replaces every occurrence of the secrets (3+ characters) with "[redacted]". */
export function makeRedactor(secrets: readonly string[]): (s: string) => string {
  const list = secrets.filter((s) => s.length >= 3);
  return (s) => list.reduce((acc, secret) => acc.split(secret).join("[redacted]"), s);
}

/** The URL for messages: a long query (tree=...) is cut, so errors stay readable. */
export function shortUrl(url: string, maxQuery = 80): string {
  const q = url.indexOf("?");
  if (q < 0 || url.length - q <= maxQuery) return url;
  return `${url.slice(0, q + maxQuery)}…`;
}
