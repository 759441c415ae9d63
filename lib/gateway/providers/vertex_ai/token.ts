// Google OAuth access tokens from a service-account key: a JWT signed RS256 with node:crypto (the key's own
// private key, no hand-written crypto) exchanged at the key's token_uri (RFC 7523 JWT bearer grant). Tokens
// are cached per key and replaced before they expire; concurrent callers share one exchange.
import { createSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { GatewayError } from "../../errors.ts";

const SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** A token is replaced when less than this is left of it. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export interface ServiceAccount { client_email: string; private_key: string; token_uri?: string; project_id?: string }

/** `vertex_credentials` as LiteLLM takes it: the key's JSON text, the parsed object, or a path to the file. */
export function serviceAccount(credentials: unknown): ServiceAccount {
  let value = credentials;
  if (typeof value === "string" && !value.trim().startsWith("{")) {
    try {
      value = readFileSync(value, "utf8");
    } catch (e) {
      throw new GatewayError(401, "AuthenticationError", `vertex_ai: cannot read the service-account key file (${(e as NodeJS.ErrnoException).code})`);
    }
  }
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      throw new GatewayError(401, "AuthenticationError", "vertex_ai: the service-account key is not JSON");
    }
  }
  const sa = value as Partial<ServiceAccount> | undefined;
  if (!sa?.client_email || !sa.private_key) throw new GatewayError(401, "AuthenticationError", "vertex_ai: the service-account key has no client_email or private_key");
  return sa as ServiceAccount;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString("base64url");

export function signedAssertion(sa: ServiceAccount, nowSeconds: number): string {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const claims = b64url(JSON.stringify({ iss: sa.client_email, scope: SCOPE, aud: sa.token_uri ?? GOOGLE_TOKEN_URI, iat: nowSeconds, exp: nowSeconds + 3600 }));
  const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(sa.private_key);
  return `${header}.${claims}.${b64url(signature)}`;
}

interface Cached { token: string; expiresAt: number }

const parsed = (text: string): { access_token?: unknown; expires_in?: number; error?: unknown; error_description?: unknown } => {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
};

export class TokenSource {
  private readonly cache = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<Cached>>();

  constructor(private readonly now: () => number = Date.now) {}

  async token(sa: ServiceAccount): Promise<string> {
    const key = `${sa.client_email}\0${sa.token_uri ?? ""}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt - this.now() > REFRESH_MARGIN_MS) return cached.token;
    let exchange = this.pending.get(key);
    if (!exchange) {
      exchange = this.exchange(sa).finally(() => this.pending.delete(key));
      this.pending.set(key, exchange);
    }
    const fresh = await exchange;
    this.cache.set(key, fresh);
    return fresh.token;
  }

  private async exchange(sa: ServiceAccount): Promise<Cached> {
    const assertion = signedAssertion(sa, Math.floor(this.now() / 1000));
    const form = new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString();
    let res;
    try {
      const { request } = await import("undici"); // loaded when a token is first needed, not with the config
      res = await request(sa.token_uri ?? GOOGLE_TOKEN_URI, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form, headersTimeout: 30_000, bodyTimeout: 30_000 });
    } catch (e) {
      throw new GatewayError(500, "APIConnectionError", `vertex_ai: could not reach the token endpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).name})`);
    }
    const text = await res.body.text();
    const body = parsed(text);
    if (res.statusCode >= 400 || typeof body.access_token !== "string") {
      const reason = [body.error, body.error_description].filter((v) => typeof v === "string").join(": ");
      throw new GatewayError(401, "AuthenticationError", `vertex_ai: the token endpoint refused the service-account key (${res.statusCode}${reason ? ` ${reason}` : ""})`);
    }
    return { token: body.access_token, expiresAt: this.now() + 1000 * (body.expires_in ?? 3600) };
  }
}
