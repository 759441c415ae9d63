// Reading a JSON request body: bounded size, JSON content type, an object at the top, a sane shape — or a 4xx
// GatewayError. The shape check is what keeps a pathological body from reaching code that would choke on it
// (JSON.stringify overflows its stack on deep nesting; `1e999` parses to Infinity).
import type { IncomingMessage } from "node:http";
import { GatewayError, badRequest } from "../errors.ts";

/** Deeper than any real request (tool JSON schemas nest a dozen levels at most). */
export const MAX_DEPTH = 64;
/** Longer than any real array (embedding batches are 2,048 inputs, token arrays a context window). */
export const MAX_ARRAY = 200_000;

export function readJson(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"];
  if (type && !type.includes("json")) {
    return Promise.reject(new GatewayError(415, "BadRequestError", `Content-Type must be application/json, got ${type.split(";")[0]}`));
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge(maxBytes));
      } else chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (size > maxBytes) return;
      let value: unknown;
      try {
        value = JSON.parse(chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString());
      } catch {
        return reject(badRequest("The request body is not valid JSON"));
      }
      if (!value || typeof value !== "object" || Array.isArray(value)) return reject(badRequest("The request body must be a JSON object"));
      const problem = checkShape(value, 1, "");
      if (problem) reject(problem);
      else resolve(value as Record<string, unknown>);
    });
  });
}

/** Depth, array lengths and numbers of a parsed body; the first problem found, naming its path. */
function checkShape(value: object, depth: number, path: string): GatewayError | undefined {
  if (depth > MAX_DEPTH) return badRequest(`The request body nests deeper than ${MAX_DEPTH} levels (at ${path || "the top"})`, path.split(/[.[]/)[0] || null);
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY) return new GatewayError(413, "BadRequestError", `${path || "An array"} has ${value.length} items; the limit is ${MAX_ARRAY}`, path.split(/[.[]/)[0] || null);
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const p = typeof v === "number" ? finite(v, `${path}[${i}]`) : v && typeof v === "object" ? checkShape(v, depth + 1, `${path}[${i}]`) : undefined;
      if (p) return p;
    }
    return undefined;
  }
  for (const k in value) {
    const v: unknown = (value as Record<string, unknown>)[k];
    const child = path ? `${path}.${k}` : k;
    const p = typeof v === "number" ? finite(v, child) : v && typeof v === "object" ? checkShape(v, depth + 1, child) : undefined;
    if (p) return p;
  }
  return undefined;
}

const finite = (n: number, path: string) =>
  Number.isFinite(n) ? undefined : badRequest(`${path} is not a finite number (JSON numbers such as 1e999 overflow to Infinity)`, path.split(/[.[]/)[0] || null);

const tooLarge = (max: number) =>
  new GatewayError(413, "BadRequestError", `Request body is larger than the limit of ${(max / 1024 / 1024).toFixed(1)} MB (general_settings.max_request_size_mb)`);
