// Ids for the objects the gateway makes up (msg_…, resp_…, call_…): hex from a pool of random bytes filled
// 4 KiB at a time, cheaper than formatting a UUID and stripping its dashes for each.
import { randomFillSync } from "node:crypto";

const pool = Buffer.alloc(4096);
let used = pool.length;

/** `bytes` random bytes as hex (twice as many digits). */
export function randomHex(bytes: number): string {
  if (used + bytes > pool.length) randomFillSync(pool), (used = 0);
  return pool.toString("hex", used, (used += bytes));
}
