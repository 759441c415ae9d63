// Who is calling: the master key in each of its headers, and refusals that stay refusals after the master key
// was seen (its match is remembered per exact key).
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { createAuth } from "../../lib/gateway/auth.ts";
import { GatewayError } from "../../lib/gateway/errors.ts";

const MASTER = "sk-master-0123456789abcdef";
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (e) {
    return e instanceof GatewayError ? e.status : "not a GatewayError";
  }
  return "accepted";
};

describe("master-key auth", () => {
  it("accepts the master key again and again, refuses keys that differ from it after it was seen", () => {
    const auth = createAuth(MASTER);
    for (let i = 0; i < 3; i++) expect(auth(request({ authorization: `Bearer ${MASTER}` }))).toMatchObject({ isAdmin: true, alias: "master_key" });
    expect(auth(request({ "x-api-key": MASTER }))).toMatchObject({ isAdmin: true });
    expect(refusal(() => auth(request({ authorization: `Bearer ${MASTER.slice(0, -1)}x` })))).toBe(401);
    expect(refusal(() => auth(request({ authorization: `Bearer ${MASTER}x` })))).toBe(401);
    expect(refusal(() => auth(request({ authorization: `Bearer ${MASTER.slice(0, -1)}` })))).toBe(401);
    expect(refusal(() => auth(request({})))).toBe(401);
  });

  it("without a master key, every caller is let in as admin", () => {
    expect(createAuth(undefined)(request({}))).toMatchObject({ isAdmin: true, hashedKey: "" });
  });
});
