// The salt key lock: a committed per-environment record of LITELLM_SALT_KEY's SHA-256 fingerprint
// (environments/<env>.salt.json). Stored provider credentials are encrypted with a key derived from the salt
// key, so a changed salt key silently breaks them; validation refuses a mismatch unless it is recorded as a
// deliberate rotation (`gatekit salt-key rotate <env> --reason "…"`).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";

export interface SaltLock {
  environment: string;
  salt_key_sha256: string;
  recorded_at: string;
  rotations: { at: string; reason: string; previous_sha256: string }[];
}

export const fingerprint = (saltKey: string) => createHash("sha256").update(saltKey).digest("hex");

/** environments/prod.yaml → environments/prod.salt.json */
export const lockFileFor = (specFile: string) => join(dirname(specFile), `${basename(specFile).replace(/\.ya?ml$/, "")}.salt.json`);

export function readSaltLock(specFile: string): SaltLock | undefined {
  const file = lockFileFor(specFile);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as SaltLock) : undefined;
}

export type SaltCheck =
  | { status: "unrecorded" }
  | { status: "missing-key" }
  | { status: "match" }
  | { status: "mismatch"; recorded: string; actual: string };

export function checkSaltKey(specFile: string, saltKey: string | undefined): SaltCheck {
  const lock = readSaltLock(specFile);
  if (!lock) return { status: "unrecorded" };
  if (!saltKey) return { status: "missing-key" };
  const actual = fingerprint(saltKey);
  return actual === lock.salt_key_sha256 ? { status: "match" } : { status: "mismatch", recorded: lock.salt_key_sha256, actual };
}

/** Records the current salt key (first use) or a rotation to it (with the reason); returns the lock file path. */
export function recordSaltKey(environment: string, specFile: string, saltKey: string, reason?: string, now = new Date()): string {
  const file = lockFileFor(specFile);
  const previous = readSaltLock(specFile);
  const sha = fingerprint(saltKey);
  if (previous && previous.salt_key_sha256 !== sha && !reason) {
    throw new Error(`${file}: a different salt key is recorded; a rotation needs --reason "why" (re-encrypt stored credentials first)`);
  }
  const rotations = previous && previous.salt_key_sha256 !== sha
    ? [...previous.rotations, { at: now.toISOString(), reason: reason!, previous_sha256: previous.salt_key_sha256 }]
    : (previous?.rotations ?? []);
  const lock: SaltLock = { environment, salt_key_sha256: sha, recorded_at: previous?.recorded_at ?? now.toISOString(), rotations };
  writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
  return file;
}
