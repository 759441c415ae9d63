// Auth, upstream errors, retries and bad input: every failure is an OpenAI-style JSON error with the right
// status, never a stack trace, and the gateway keeps serving.
import net from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { freePort } from "../support/ports.ts";

let upstream: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  const deployment = (name: string, model: string, extra = {}) => ({ model_name: name, litellm_params: { model: `openai/${model}`, api_base: upstream.url, ...extra } });
  gw = await startGateway({
    model_list: [
      deployment("ok", "good"),
      ...[400, 401, 403, 404, 422, 429, 500, 503].map((s) => deployment(`e${s}`, `error-${s}`)),
      deployment("slow", "slow-3000", { timeout: 0.3 }),
      deployment("flaky", "error-500"),
      deployment("flaky", "good"),
      { model_name: "down", litellm_params: { model: "openai/x", api_base: "http://127.0.0.1:9/v1" } },
    ],
    router_settings: { num_retries: 0, retry_policy: { InternalServerErrorRetries: 3 } },
    general_settings: { max_request_size_mb: 0.01 },
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, { method: "POST", body, headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", ...headers } });

async function expectError(r: Response, status: number, pattern: RegExp) {
  expect(r.status).toBe(status);
  const body = (await r.json()) as { error: Record<string, string> };
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(body.error.message).toMatch(pattern);
  expect(body.error.code).toBe(String(status));
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  return body;
}

describe("auth", () => {
  const chat = { model: "ok", messages: [{ role: "user" as const, content: "x" }] };

  it("accepts the master key as Bearer and as x-litellm-api-key", async () => {
    expect((await post("/v1/chat/completions", JSON.stringify(chat))).status).toBe(200);
    const r = await post("/v1/chat/completions", JSON.stringify(chat), { authorization: "", "x-litellm-api-key": MASTER_KEY });
    expect(r.status).toBe(200);
  });

  it("refuses a missing or wrong key with 401 that never echoes the key", async () => {
    await expectError(await post("/v1/chat/completions", JSON.stringify(chat), { authorization: "" }), 401, /No api key/);
    const body = await expectError(await post("/v1/chat/completions", JSON.stringify(chat), { authorization: "Bearer sk-wrong-key-1234" }), 401, /invalid api key/);
    expect(JSON.stringify(body)).not.toContain("sk-wrong-key-1234");
    await expect(gw.client("sk-wrong").chat.completions.create(chat)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe("upstream errors", () => {
  it.each([400, 401, 403, 404, 422, 429, 500, 503])("upstream %i is answered with the same status and LiteLLM's error class", async (status) => {
    const r = await post("/v1/chat/completions", JSON.stringify({ model: `e${status}`, messages: [{ role: "user", content: "x" }] }));
    const body = await expectError(r, status, /litellm\.\w+Error: mock error/);
    expect(body.error.type).toBeTruthy();
  });

  it("a 429 carries retry-after; the SDK sees a RateLimitError", async () => {
    const r = await post("/v1/chat/completions", JSON.stringify({ model: "e429", messages: [{ role: "user", content: "x" }] }));
    expect(r.headers.get("retry-after")).toBe("0");
    await expect(gw.client().chat.completions.create({ model: "e429", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("a deployment timeout is a 408 Timeout", async () => {
    await expectError(await post("/v1/chat/completions", JSON.stringify({ model: "slow", messages: [{ role: "user", content: "x" }] })), 408, /Timeout/);
  });

  it("an unreachable provider is a 500 APIConnectionError", async () => {
    await expectError(await post("/v1/chat/completions", JSON.stringify({ model: "down", messages: [{ role: "user", content: "x" }] })), 500, /APIConnectionError/);
  });

  it("retries per the retry policy on another deployment of the group", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => post("/v1/chat/completions", JSON.stringify({ model: "flaky", messages: [{ role: "user", content: "x" }] }))));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
  });
});

describe("bad input", () => {
  it.each([
    ["malformed JSON", "/v1/chat/completions", "{not json", {}, 400, /not valid JSON/],
    ["a JSON array", "/v1/chat/completions", "[1,2]", {}, 400, /JSON object/],
    ["wrong content type", "/v1/chat/completions", "model=x", { "content-type": "text/plain" }, 415, /Content-Type/],
    ["a missing model", "/v1/chat/completions", JSON.stringify({ messages: [] }), {}, 400, /'model' is required/],
    ["messages of the wrong type", "/v1/chat/completions", JSON.stringify({ model: "ok", messages: "hi" }), {}, 400, /'messages' .* array/],
    ["a missing input", "/v1/embeddings", JSON.stringify({ model: "ok" }), {}, 400, /'input' is required/],
    ["an unknown model", "/v1/chat/completions", JSON.stringify({ model: "nope", messages: [] }), {}, 400, /Invalid model name passed in model=nope/],
    ["a body over the limit", "/v1/chat/completions", JSON.stringify({ model: "ok", messages: [{ role: "user", content: "x".repeat(20_000) }] }), {}, 413, /larger than the limit/],
  ])("%s → 4xx JSON", async (_name, path, body, headers, status, pattern) => {
    await expectError(await post(path, body, headers as Record<string, string>), status, pattern);
  });

  it("an unknown route is a 404 JSON error", async () => {
    await expectError(await fetch(`${gw.url}/v1/nope`), 404, /not found/);
  });

  it("still serves after every bad request", async () => {
    const r = await gw.client().chat.completions.create({ model: "ok", messages: [{ role: "user", content: "still here" }] });
    expect(r.choices[0]!.message.content).toBe('echo: "still here"');
  });
});

describe("malformed HTTP", () => {
  it("oversized headers get a 431 JSON error", async () => {
    const port = Number(new URL(gw.url).port);
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => s.write(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`));
      let data = "";
      s.on("data", (d) => (data += d));
      s.on("close", () => resolve(data));
      s.on("error", () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 431/);
    expect(reply).toContain('"code":"431"');
  });

  it("a garbage request line gets a 4xx and the server keeps serving", async () => {
    const port = Number(new URL(gw.url).port);
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => s.write("NOT HTTP AT ALL\r\n\r\n"));
      let data = "";
      s.on("data", (d) => (data += d));
      s.on("close", () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await post("/v1/chat/completions", JSON.stringify({ model: "ok", messages: [{ role: "user", content: "x" }] }))).status).toBe(200);
  });
});

describe("a deployment whose address is the gateway itself", () => {
  // A shell set up for Claude Code or Codex exports ANTHROPIC_BASE_URL / OPENAI_BASE_URL pointing at gatekit (and
  // the key for it); a gateway started there reads them as the providers' and would call itself without end.
  let self: TestGateway;
  let a: TestGateway;
  let b: TestGateway;
  // Two gateways that point at each other (as a fleet behind a load balancer that one of its deployments names).
  const pointingAt = (port: number) => ({ model_list: [{ model_name: "gpt-4.1", litellm_params: { model: "openai/gpt-4.1", api_base: `http://127.0.0.1:${port}/v1`, api_key: MASTER_KEY } }] });
  beforeAll(async () => {
    const [port, portA, portB] = [await freePort(), await freePort(), await freePort()];
    [a, b] = await Promise.all([startGateway(pointingAt(portB), {}, portA), startGateway(pointingAt(portA), {}, portB)]);
    const url = `http://127.0.0.1:${port}`;
    self = await startGateway({
      model_list: [
        { model_name: "claude", litellm_params: { model: "anthropic/claude-sonnet-4-5" } },
        { model_name: "gpt", litellm_params: { model: "openai/gpt-4.1" } },
      ],
    }, { ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: MASTER_KEY, OPENAI_BASE_URL: `${url}/v1`, OPENAI_API_KEY: MASTER_KEY }, port);
  });
  afterAll(() => Promise.all([self.close(), a.close(), b.close()]));

  // Both shapes, Anthropic's and OpenAI's, carry the text in error.message.
  it.each([
    ["/v1/messages", "claude", { max_tokens: 10, messages: [{ role: "user", content: "hi" }] }],
    ["/v1/chat/completions", "gpt", { messages: [{ role: "user", content: "hi" }] }],
  ])("%s: the call that comes back is refused at once, and the client is told what to fix", async (path, model, body) => {
    const r = await fetch(`${self.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ model, ...body }) });
    expect(r.status).toBe(508);
    const { message } = ((await r.json()) as { error: { message: string } }).error;
    expect(message).toContain("points back at this gateway");
    expect(message).toContain("ANTHROPIC_BASE_URL");
  });

  it("two gateways that point at each other: the call that comes back to the first is refused", async () => {
    const r = await fetch(`${a.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }) });
    expect(r.status).toBe(508);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain("points back at this gateway");
  });
});
