// Request validation on every OpenAI-format surface: known fields type-checked (a 400 naming the field, in
// OpenAI's error shape), pathological bodies refused with a 400/413 — never a 500, a hang or a crash — and
// unknown fields passed through to the provider.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";

let upstream: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gw = await startGateway({
    model_list: [
      { model_name: "ok", litellm_params: { model: "openai/good", api_base: upstream.url } },
      { model_name: "instruct", litellm_params: { model: "openai/instruct", api_base: upstream.url }, model_info: { mode: "completion" } },
      { model_name: "embedder", litellm_params: { model: "openai/embed", api_base: upstream.url }, model_info: { mode: "embedding" } },
    ],
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const post = (path: string, body: string) => fetch(`${gw.url}${path}`, { method: "POST", body, headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" } });
const chat = (extra: Record<string, unknown>) => JSON.stringify({ model: "ok", messages: [{ role: "user", content: "x" }], ...extra });

async function expectRefusal(r: Response, status: number, param: string | null, pattern: RegExp) {
  const body = (await r.json()) as { error: { message: string; type: string; param: string | null; code: string } };
  expect({ status: r.status, param: body.error.param }).toEqual({ status, param });
  expect(body.error.message).toMatch(pattern);
  expect(body.error.type).toBe("invalid_request_error");
}

describe("known fields are type-checked", () => {
  it.each([
    ["/v1/chat/completions", chat({ stream: "yes" }), "stream", /'stream' must be a boolean/],
    ["/v1/chat/completions", chat({ max_tokens: -5 }), "max_tokens", /'max_tokens' must be a positive integer, got number \(-5\)/],
    ["/v1/chat/completions", chat({ max_tokens: 1.5 }), "max_tokens", /positive integer/],
    ["/v1/chat/completions", chat({ temperature: "hot" }), "temperature", /'temperature' must be a number/],
    ["/v1/chat/completions", chat({ stop: [1, 2] }), "stop", /a string or an array of strings/],
    ["/v1/chat/completions", chat({ tools: {} }), "tools", /'tools' must be an array/],
    ["/v1/chat/completions", JSON.stringify({ model: "ok", messages: ["hi"] }), "messages[0]", /'messages\[0\]' must be an object, got a string/],
    ["/v1/chat/completions", JSON.stringify({ model: "ok", messages: [{ content: "hi" }] }), "messages[0].role", /'messages\[0\]\.role' is required/],
    ["/v1/chat/completions", JSON.stringify({ model: 42, messages: [] }), "model", /'model' must be a string/],
    ["/v1/completions", JSON.stringify({ model: "instruct", prompt: 7 }), "prompt", /'prompt' must be a string or an array/],
    ["/v1/completions", JSON.stringify({ model: "instruct", prompt: "x", echo: 1 }), "echo", /'echo' must be a boolean/],
    ["/v1/embeddings", JSON.stringify({ model: "embedder", input: "x", encoding_format: "hex" }), "encoding_format", /one of "float", "base64"/],
    ["/v1/embeddings", JSON.stringify({ model: "embedder", input: "x", dimensions: 0 }), "dimensions", /positive integer/],
  ])("%s %s → 400 naming the field", async (path, body, param, pattern) => {
    await expectRefusal(await post(path, body), 400, param, pattern);
  });

  it("the SDK sees a BadRequestError", async () => {
    await expect(gw.client().chat.completions.create({ model: "ok", messages: [{ role: "user", content: "x" }], n: 0 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("null counts as absent, and unknown fields pass through to the provider", async () => {
    const r = await post("/v1/chat/completions", chat({ max_tokens: null, temperature: null, brand_new_field: { nested: [1, 2] } }));
    expect(r.status).toBe(200);
    expect(upstream.requests.at(-1)!.body).toMatchObject({ brand_new_field: { nested: [1, 2] }, max_tokens: null });
  });
});

describe("pathological bodies", () => {
  it("deep nesting is a 400 (JSON.stringify would overflow its stack on it)", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    await expectRefusal(await post("/v1/chat/completions", `{"model":"ok","messages":[],"extra":${deep}}`), 400, "extra", /nests deeper than 64 levels/);
  });

  it("a huge array is a 413", async () => {
    const body = `{"model":"embedder","input":[${Array(250_000).fill("0").join(",")}]}`;
    await expectRefusal(await post("/v1/embeddings", body), 413, "input", /input has 250000 items; the limit is 200000/);
  });

  it("a number that overflows to Infinity is a 400", async () => {
    await expectRefusal(await post("/v1/chat/completions", '{"model":"ok","messages":[{"role":"user","content":"x"}],"temperature":1e999}'), 400, "temperature", /temperature is not a finite number/);
    await expectRefusal(await post("/v1/chat/completions", '{"model":"ok","messages":[{"role":"user","content":"x"}],"logit_bias":{"5":-1e400}}'), 400, "logit_bias", /logit_bias\.5 is not a finite number/);
  });

  it("the gateway still serves after all of them", async () => {
    const r = await gw.client().chat.completions.create({ model: "ok", messages: [{ role: "user", content: "still here" }] });
    expect(r.choices[0]!.message.content).toBe('echo: "still here"');
  });
});
