/** Request parsing (query, urlencoded and multipart forms) and replies, on node:http only. */
import type { IncomingMessage } from "node:http";

/** A reply a route returns; the server writes it. */
export interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** A parsed request handed to the routes. */
export interface SimReq {
  readonly method: string;
  /** Decoded path segments below the context path, without empty ones. */
  readonly segs: readonly string[];
  readonly query: URLSearchParams;
  /** Form fields (urlencoded or multipart text parts). */
  readonly form: Map<string, string[]>;
  readonly rawBody: string;
  /** The Content-Type header, or null. */
  readonly contentType: string | null;
  /** Authenticated user name, or null for anonymous. */
  readonly user: string | null;
  readonly referer: string | null;
}

export const JSON_TYPE = "application/json;charset=utf-8";
const HTML_TYPE = "text/html;charset=utf-8";

export function json(body: string, status = 200): Reply {
  return { status, headers: { "Content-Type": JSON_TYPE }, body };
}

export function html(status: number, message: string): Reply {
  const esc = message.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return { status, headers: { "Content-Type": HTML_TYPE }, body: `<html><head><title>Error ${status}</title></head><body><h2>HTTP ERROR ${status}</h2><p>${esc}</p></body></html>` };
}

export const notFound = (): Reply => html(404, "Not Found");

export function redirect(status: number, location: string): Reply {
  return { status, headers: { Location: location } };
}

/** A @RequirePOST method reached by another verb. */
export function requirePost(allowHeader = false): Reply {
  const r = html(405, "This URL requires POST");
  return allowHeader ? { ...r, headers: { ...r.headers, Allow: "POST" } } : r;
}

const MAX_BODY = 4 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function add(map: Map<string, string[]>, k: string, v: string): void {
  const list = map.get(k);
  if (list === undefined) map.set(k, [v]);
  else list.push(v);
}

/** Parses an urlencoded or multipart/form-data body into fields (file parts are kept as text). */
export function parseForm(body: Buffer, contentType: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const ct = (contentType ?? "").toLowerCase();
  if (ct.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) add(out, k, v);
  } else if (ct.startsWith("multipart/form-data")) {
    const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
    const boundary = m?.[1] ?? m?.[2];
    if (boundary === undefined) return out;
    const text = body.toString("latin1");
    for (const part of text.split(`--${boundary}`)) {
      const sep = part.indexOf("\r\n\r\n");
      if (sep < 0) continue;
      const head = part.slice(0, sep);
      const name = /name="([^"]*)"/i.exec(head)?.[1];
      if (name === undefined) continue;
      let value = part.slice(sep + 4);
      if (value.endsWith("\r\n")) value = value.slice(0, -2);
      add(out, name, Buffer.from(value, "latin1").toString("utf8"));
    }
  }
  return out;
}

/** Every value given for a name, query string first, then the form. */
export function values(req: SimReq, name: string): string[] {
  return [...req.query.getAll(name), ...(req.form.get(name) ?? [])];
}

export function first(req: SimReq, name: string): string | null {
  return values(req, name)[0] ?? null;
}
