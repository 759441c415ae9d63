// Provider credentials at rest: AES-256-GCM under a key derived (HKDF-SHA256) from LITELLM_SALT_KEY — LiteLLM
// falls back to the master key when no salt key is set. The database also keeps a sealed probe value, so a
// gateway started with another salt key stops at once instead of serving with credentials it can't open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { Pool } from "./db.ts";

const PREFIX = "gk1:";
const PROBE = "gatekit salt key check";

export class SaltKeyMismatch extends Error {
  constructor() {
    super(
      "LITELLM_SALT_KEY is not the salt key the stored credentials were encrypted with. Start with the original " +
        "salt key (the salt key cannot be changed once credentials are stored; see `gatekit salt-key`).",
    );
    this.name = "SaltKeyMismatch";
  }
}

export class Sealer {
  private readonly key: Buffer;

  constructor(saltKey: string) {
    this.key = Buffer.from(hkdfSync("sha256", saltKey, "gatekit", "litellm credentials v1", 32));
  }

  seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  /** Throws SaltKeyMismatch when the value was sealed under another key (GCM authenticates it). */
  open(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error("not a sealed value");
    const raw = Buffer.from(sealed.slice(PREFIX.length), "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      throw new SaltKeyMismatch();
    }
  }
}

export const isSealed = (v: unknown): v is string => typeof v === "string" && v.startsWith(PREFIX);

/**
 * At start-up, before serving: throws SaltKeyMismatch when the database's probe was sealed under another key
 * (or there is no key to open it with); records the probe on first use when credentials are to be stored.
 */
export async function checkSaltKey(pool: Pool, saltKey: string | undefined, record: boolean): Promise<"none" | "recorded" | "matches"> {
  const { rows } = await pool.query<{ probe: string }>(`SELECT probe FROM gatekit_salt_check WHERE id = 1`);
  const probe = rows[0]?.probe;
  if (probe) {
    if (!saltKey || new Sealer(saltKey).open(probe) !== PROBE) throw new SaltKeyMismatch();
    return "matches";
  }
  if (!record || !saltKey) return "none";
  await pool.query(`INSERT INTO gatekit_salt_check (id, probe) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [new Sealer(saltKey).seal(PROBE)]);
  await checkSaltKey(pool, saltKey, false);
  return "recorded";
}
