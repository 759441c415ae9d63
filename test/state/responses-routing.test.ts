// /v1/responses through the pipeline's routing and cache, like chat: a fallback from an unreachable openai/
// deployment (native) to an anthropic/ one (bridged), and the Redis response cache answering a repeat — whole,
// and replayed as the Responses event stream.
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../support/gateway.ts";
import { KEYS, startMockProviders, type MockProviders } from "../support/mock-providers.ts";
import { freePort } from "../support/ports.ts";
import { startRedis, type TestRedis } from "../support/redis.ts";

let redis: TestRedis;
let providers: MockProviders;
let gw: TestGateway;
let oai: OpenAI;

beforeAll(async () => {
  redis = await startRedis();
  providers = await startMockProviders();
  const closed = await freePort(); // nothing listens there
  gw = await startGateway({
    model_list: [
      { model_name: "gone", litellm_params: { model: "openai/gpt-4.1", api_base: `http://127.0.0.1:${closed}/v1`, api_key: "sk-x" } },
      { model_name: "claude", litellm_params: { model: "anthropic/claude-sonnet-4", api_base: providers.url, api_key: KEYS.anthropic } },
    ],
    router_settings: { num_retries: 0, fallbacks: [{ gone: ["claude"] }] },
    litellm_settings: { cache: true, cache_params: { type: "redis", host: "127.0.0.1", port: redis.port, password: "os.environ/REDIS_PASSWORD", namespace: "gatekit-responses", ttl: 60 } },
  }, { REDIS_PASSWORD: redis.password });
  oai = gw.client();
  await new Promise((r) => setTimeout(r, 300));
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await providers?.close();
  await redis?.stop();
});

it("falls back from a native openai/ deployment to a bridged one, answering a Response", async () => {
  const { data, response } = await oai.responses.create({ model: "gone", input: "fall back please", store: false }).withResponse();
  expect(response.headers.get("x-litellm-attempted-fallbacks")).toBe("1");
  expect(data.object).toBe("response");
  expect(data.output_text).toMatch(/said=fall back please/);
});

it("answers a repeat from the cache, whole and as a replayed event stream", async () => {
  const before = providers.seen.length;
  const first = await oai.responses.create({ model: "claude", input: "cache me", store: false });
  await new Promise((r) => setTimeout(r, 50));
  const { data: second, response } = await oai.responses.create({ model: "claude", input: "cache me", store: false }).withResponse();
  expect(response.headers.get("x-litellm-cache-key")).toMatch(/^[0-9a-f]{64}$/);
  expect(second).toEqual(first);
  const { data: stream, response: replay } = await oai.responses.create({ model: "claude", input: "cache me", store: false, stream: true }).withResponse();
  expect(replay.headers.get("x-litellm-cache-key")).toMatch(/^[0-9a-f]{64}$/);
  const types: string[] = [];
  let text = "";
  for await (const e of stream) {
    types.push(e.type);
    if (e.type === "response.output_text.delta") text += e.delta;
  }
  expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
  expect(types.at(-1)).toBe("response.completed");
  expect(text).toBe(first.output_text);
  expect(providers.seen.length - before).toBe(1); // the provider answered once
});
