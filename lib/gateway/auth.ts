// Who is calling: the master key (constant-time compare of SHA-256 digests) or a virtual key from the key
// store, presented as `Authorization: Bearer`, `x-litellm-api-key`, or `x-api-key` (Anthropic's header).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { GatewayError } from "./errors.ts";
import type { KeyStore, VirtualKey } from "./state/keys.ts";

export interface Caller {
  /** SHA-256 of the presented key (LiteLLM's hashed_api_key label); empty without auth. */
  hashedKey: string;
  alias: string;
  isAdmin: boolean;
  /** The virtual key, when the caller presented one. */
  key?: VirtualKey;
}

const digest = (key: string) => createHash("sha256").update(key).digest();

export function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header) return header.startsWith("Bearer ") ? header.slice(7).trim() : header.trim();
  const alt = req.headers["x-litellm-api-key"] ?? req.headers["x-api-key"];
  return typeof alt === "string" ? alt.replace(/^Bearer /, "").trim() : undefined;
}

export function createAuth(masterKey: string | undefined, keys?: KeyStore) {
  const master = masterKey ? digest(masterKey) : undefined;
  const masterHex = master?.toString("hex") ?? "";
  const open: Caller = { hashedKey: "", alias: "", isAdmin: true };
  const admin: Caller = { hashedKey: masterHex, alias: "master_key", isAdmin: true };
  // The master key once it matched, found again by a Set lookup: that hashes the presented key whole and compares
  // only a key with the same hash, so it saves the per-request digest without leaking how much of a key matched.
  const verified = new Set<string>();
  const invalid = () => new GatewayError(401, "AuthenticationError", "Authentication Error, invalid api key.");
  return function authenticate(req: IncomingMessage): Caller | Promise<Caller> {
    if (!master) return open;
    const key = presentedKey(req);
    if (!key) throw new GatewayError(401, "AuthenticationError", "No api key passed in. Pass it as 'Authorization: Bearer <key>', 'x-litellm-api-key' or 'x-api-key'.");
    if (verified.has(key)) return admin;
    if (timingSafeEqual(digest(key), master)) return verified.add(key), admin;
    // LiteLLM's refusal, before any database query; the message never echoes the key.
    if (!key.startsWith("sk-")) throw new GatewayError(401, "AuthenticationError", "Authentication Error, LiteLLM Virtual Key expected. Received=****, expected to start with 'sk-'.");
    if (!keys) throw invalid();
    return keys.lookup(key).then((found) => {
      if (!found) throw invalid();
      return { hashedKey: found.token, alias: found.key_alias ?? "", isAdmin: false, key: found };
    });
  };
}
