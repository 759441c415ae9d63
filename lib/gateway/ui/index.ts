// The admin console at /ui: the files scripts/build-ui.ts made from ui/, read once at start and served from
// memory with a strict Content-Security-Policy (no inline script, nothing from another origin). The page holds
// no secret: the key typed at sign-in lives in the tab's sessionStorage and goes out as the Authorization header
// of the console's API calls, the same refusals as any client's. Cross-site pages can't read it, and a
// cross-site request carries no credential (there is no cookie), so it can do nothing.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GatewayError } from "../errors.ts";

export type UiHandler = (req: IncomingMessage, res: ServerResponse) => void;

export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".json": "application/json",
};

/**
 * Where the built console is: GATEKIT_UI_DIR, else `ui/` beside the running bundle (the image: /app/ui next to
 * /app/gateway.mjs), else the checkout's dist/ui — seen from dist/lib/gateway/ui (compiled) or lib/gateway/ui
 * (source; ui/ there holds the sources, with no index.html).
 */
export function uiDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const near = (path: string) => fileURLToPath(new URL(path, import.meta.url));
  const candidates = [env.GATEKIT_UI_DIR, near("./ui/"), near("../../../ui/"), near("../../../dist/ui/")];
  return candidates.find((d): d is string => !!d && existsSync(join(d, "index.html")));
}

/** GET routes for the console: /ui, /ui/ and each built file. Without a build, /ui says how to make one. */
export function uiRoutes(dir = uiDir()): Record<string, UiHandler> {
  if (!dir) {
    const missing = new GatewayError(503, "ServiceUnavailableError", "The console is not built: run `npm run build:ui` (the image and `npm ci` build it)");
    const answer: UiHandler = (_req, res) => send(res, 503, "application/json", missing.body(), "no-store");
    return { "GET /ui": answer, "GET /ui/": answer };
  }
  const routes: Record<string, UiHandler> = {};
  for (const name of readdirSync(dir)) {
    const body = readFileSync(join(dir, name));
    const type = TYPES[extname(name)] ?? "application/octet-stream";
    // Built files carry a content hash in their name and never change; the page is asked for anew each time.
    const cache = name === "index.html" ? "no-store" : "public, max-age=31536000, immutable";
    routes[`GET /ui/${name}`] = (_req, res) => send(res, 200, type, body, cache);
  }
  const page = routes["GET /ui/index.html"]!;
  return { ...routes, "GET /ui": page, "GET /ui/": page };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, cache: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": cache });
  res.end(body);
}
