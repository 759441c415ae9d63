// Vertex AI through the gateway: a service-account key generated for the test, a mock Google token endpoint
// that verifies the signed JWT with the key's public half, and mock Gemini / Claude publisher endpoints that
// accept only the token it issued. The token cache is checked on its own clock: reused, then refreshed early.
import { generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFRESH_MARGIN_MS, TokenSource, type ServiceAccount } from "../../lib/gateway/providers/vertex_ai/token.ts";
import { startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockWire, type MockWire } from "../support/mock-wire.ts";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const issued: string[] = [];
let mock: MockWire;
let gw: TestGateway;
let oai: OpenAI;
let sa: ServiceAccount;

function checkAssertion(assertion: string): string | undefined {
  const [h, c, s] = assertion.split(".");
  if (!h || !c || !s) return "not a JWT";
  if (!verify("RSA-SHA256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, "base64url"))) return "bad signature";
  const header = JSON.parse(Buffer.from(h, "base64url").toString());
  const claims = JSON.parse(Buffer.from(c, "base64url").toString());
  if (header.alg !== "RS256") return "alg";
  if (claims.iss !== sa.client_email || claims.aud !== sa.token_uri || claims.scope !== "https://www.googleapis.com/auth/cloud-platform") return "claims";
  if (claims.exp - claims.iat !== 3600) return "lifetime";
  return undefined;
}

beforeAll(async () => {
  mock = await startMockWire((req, reply) => {
    if (req.path === "/token") {
      const form = new URLSearchParams(req.raw.toString());
      if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return reply(400, { error: "unsupported_grant_type" });
      const problem = checkAssertion(form.get("assertion") ?? "");
      if (problem) return reply(400, { error: "invalid_grant", error_description: problem });
      issued.push(`ya29.test-${issued.length + 1}`);
      return reply(200, { access_token: issued.at(-1), expires_in: 3599, token_type: "Bearer" });
    }
    if (req.headers.authorization !== `Bearer ${issued.at(-1)}`) return reply(401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
    const m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^:]+):(\w+)$/.exec(req.path);
    if (!m) return reply(404, { error: { message: `no such path ${req.path}` } });
    const [, project, location, publisher, model, method] = m;
    const where = `${project}/${location}/${model}`;
    if (publisher === "anthropic") {
      const b = req.json;
      if (method !== "rawPredict" || b.anthropic_version !== "vertex-2023-10-16" || b.model !== undefined) return reply(400, { error: { message: "bad claude request" } });
      return reply(200, { id: "msg_1", type: "message", role: "assistant", content: [{ type: "text", text: `claude@${where}: ${b.system ?? ""}|${b.messages[0].content[0].text}` }], stop_reason: "end_turn", usage: { input_tokens: 4, output_tokens: 6 } });
    }
    if (method === "predict") return reply(200, { predictions: req.json.instances.map((i: { content: string }) => ({ embeddings: { values: [i.content.length, 2], statistics: { token_count: 2 } } })) });
    if (method !== "generateContent") return reply(400, { error: { message: `unexpected ${method}` } });
    const text = req.json.contents[0].parts[0].text;
    return reply(200, { candidates: [{ content: { role: "model", parts: [{ text: `gemini@${where}: ${req.json.systemInstruction?.parts[0].text ?? ""}|${text}` }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 5 } });
  });
  sa = { client_email: "gatekit-test@proj-1.iam.gserviceaccount.com", private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), token_uri: `${mock.url}/token`, project_id: "proj-from-key" };
  const dir = mkdtempSync(join(tmpdir(), "gatekit-vertex-"));
  const keyFile = join(dir, "sa.json");
  writeFileSync(keyFile, JSON.stringify({ type: "service_account", ...sa }));
  gw = await startGateway({
    model_list: [
      { model_name: "gemini", litellm_params: { model: "vertex_ai/gemini-2.0-flash", api_base: mock.url, vertex_project: "proj-1", vertex_location: "europe-west4", vertex_credentials: JSON.stringify(sa) } },
      { model_name: "claude", litellm_params: { model: "vertex_ai/claude-3-5-sonnet-v2@20241022", api_base: mock.url, vertex_location: "us-east5" } },
      { model_name: "embed", litellm_params: { model: "vertex_ai/text-embedding-005", api_base: mock.url } },
    ],
  }, { GOOGLE_APPLICATION_CREDENTIALS: keyFile, VERTEXAI_LOCATION: "us-central1" });
  oai = gw.client();
});
afterAll(async () => {
  await gw.close();
  await mock.close();
});

describe("vertex_ai", () => {
  it("Gemini: project and location in the path, a token minted from vertex_credentials", async () => {
    const r = await oai.chat.completions.create({ model: "gemini", messages: [{ role: "system", content: "sys" }, { role: "user", content: "hi" }] });
    expect(r.choices[0]!.message.content).toBe("gemini@proj-1/europe-west4/gemini-2.0-flash: sys|hi");
    expect(r.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5 });
    expect(issued.length).toBe(1);
  });

  it("Claude on Vertex: rawPredict with anthropic_version, the key from GOOGLE_APPLICATION_CREDENTIALS, its project_id", async () => {
    const r = await oai.chat.completions.create({ model: "claude", messages: [{ role: "system", content: "s" }, { role: "user", content: "hello" }] });
    expect(r.choices[0]!.message.content).toBe("claude@proj-from-key/us-east5/claude-3-5-sonnet-v2@20241022: s|hello");
    // The same key (same client_email and token_uri): the cached token is reused.
    expect(issued.length).toBe(1);
  });

  it("embeddings through predict", async () => {
    const r = await oai.embeddings.create({ model: "embed", input: ["abc", "de"], encoding_format: "float" });
    expect(r.data.map((d) => d.embedding)).toEqual([[3, 2], [2, 2]]);
    expect(mock.seen.at(-1)!.path).toBe("/v1/projects/proj-from-key/locations/us-central1/publishers/google/models/text-embedding-005:predict");
  });

  it("a token is reused while fresh and replaced before it expires", async () => {
    let now = 1_000_000_000_000;
    const source = new TokenSource(() => now);
    const before = issued.length;
    const first = await source.token(sa);
    expect(await source.token(sa)).toBe(first);
    now += 3599_000 - REFRESH_MARGIN_MS - 1000; // still more than the margin left
    expect(await source.token(sa)).toBe(first);
    now += 2000; // now inside the margin: refreshed although not yet expired
    const second = await source.token(sa);
    expect(second).not.toBe(first);
    expect(issued.length - before).toBe(2);
    const [a, b] = await Promise.all([source.token(sa), source.token(sa)]);
    expect(a).toBe(second);
    expect(b).toBe(second);
  });

  it("a key the token endpoint refuses is a 401 that names the endpoint's reason, not the key", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const bad = await startGateway({ model_list: [{ model_name: "g", litellm_params: { model: "vertex_ai/gemini-2.0-flash", api_base: mock.url, vertex_project: "p", vertex_credentials: { ...sa, client_email: "other@p.iam.gserviceaccount.com", private_key: other } } }] });
    try {
      const e = await bad.client().chat.completions.create({ model: "g", messages: [{ role: "user", content: "x" }] }).catch((x: unknown) => x);
      expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
      expect((e as InstanceType<typeof OpenAI.APIError>).message).toMatch(/token endpoint refused.*invalid_grant/);
      expect((e as InstanceType<typeof OpenAI.APIError>).message).not.toContain("PRIVATE KEY");
    } finally {
      await bad.close();
    }
  });
});
