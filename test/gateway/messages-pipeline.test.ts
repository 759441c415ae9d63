// Messages calls go through the same pipeline as chat: fallbacks to another group, retries on another
// deployment and cooldowns, the Redis response cache (a cached Message replayed as Anthropic's stream),
// Prometheus metrics, and /gatekit/probe for an anthropic/ deployment.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_KEYS, startAgentUpstreams, type AgentUpstreams } from "../support/mock-agents.ts";
import { askUntil, MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startRedis, type TestRedis } from "../support/redis.ts";

let up: AgentUpstreams;
let redis: TestRedis;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  [up, redis] = await Promise.all([startAgentUpstreams(), startRedis()]);
  const anthropic = (name: string, apiBase: string, id: string) => ({ model_name: name, litellm_params: { model: "anthropic/claude-sonnet-4-5", api_base: apiBase, api_key: AGENT_KEYS.anthropic }, model_info: { id } });
  gw = await startGateway({
    model_list: [
      anthropic("claude-down", "http://127.0.0.1:9", "down-1"),
      { model_name: "claude-openai", litellm_params: { model: "openai/gpt-4.1", api_base: `${up.url}/v1`, api_key: AGENT_KEYS.openai } },
      anthropic("claude-flaky", "http://127.0.0.1:9", "flaky-bad"),
      anthropic("claude-flaky", up.url, "flaky-good"),
      anthropic("claude-cached", up.url, "cached-1"),
    ],
    router_settings: { num_retries: 3, allowed_fails: 1, cooldown_time: 60, fallbacks: [{ "claude-down": ["claude-openai"] }] },
    litellm_settings: { cache: true, cache_params: { type: "redis", host: "127.0.0.1", port: redis.port, password: "os.environ/REDIS_PASSWORD", namespace: "gatekit-messages", ttl: 60 } },
  }, { REDIS_PASSWORD: redis.password });
  client = new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0 });
  await new Promise((r) => setTimeout(r, 300)); // Redis connected
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await up?.close();
  await redis?.stop();
});

const ask = (model: string, text: string) => ({ model, max_tokens: 50, messages: [{ role: "user" as const, content: text }] });
const metrics = async () => (await fetch(`${gw.url}/metrics`)).text();

it("falls back to another model group when the first can't answer", async () => {
  const { data, response } = await client.messages.create(ask("claude-down", "fall back please")).withResponse();
  expect(data.content).toEqual([{ type: "text", text: "openai upstream says: fall back please" }]);
  expect(response.headers.get("x-litellm-attempted-fallbacks")).toBe("1");
  expect(await metrics()).toMatch(/litellm_deployment_successful_fallbacks_total\{[^}]*requested_model="claude-down"[^}]*fallback_model="claude-openai"[^}]*\} 1/);
});

it("retries on another deployment of the group, and cools the failing one down", async () => {
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => client.messages.create(ask("claude-flaky", `try ${i}`))));
  expect(answers.map((a) => a.content[0])).toEqual(Array.from({ length: 6 }, (_, i) => ({ type: "text", text: `anthropic upstream says: try ${i}` })));
  const cooled = /litellm_deployment_cooled_down_total\{[^}]*model_id="flaky-bad"[^}]*\} [1-9]/;
  await askUntil((i) => client.messages.create(ask("claude-flaky", `again ${i}`)), async () => cooled.test(await metrics())); // six may all have gone to flaky-good
  expect(await metrics()).toMatch(cooled);
});

it("answers a repeated Message from the cache, whole and replayed as Anthropic's stream", async () => {
  const calls = () => up.seen.filter((s) => s.path === "/v1/messages" && JSON.stringify(s.body.messages).includes("cache this")).length;
  const first = await client.messages.create(ask("claude-cached", "cache this"));
  await new Promise((r) => setTimeout(r, 100));
  const { data: second, response } = await client.messages.create(ask("claude-cached", "cache this")).withResponse();
  expect(response.headers.get("x-litellm-cache-key")).toMatch(/^[0-9a-f]{64}$/);
  expect(second).toEqual(first);
  const replayed = await client.messages.stream({ ...ask("claude-cached", "cache this"), stream: true }).finalMessage();
  expect(replayed.content).toEqual(first.content);
  expect(replayed.usage.output_tokens).toBe(first.usage.output_tokens);
  expect(calls()).toBe(1);
  expect(await metrics()).toMatch(/litellm_cache_hits_metric_total\{[^}]*\} 2/);
});

it("counts Messages calls and their tokens in LiteLLM's metrics", async () => {
  await client.messages.create(ask("claude-cached", "metrics please"));
  const text = await metrics();
  expect(text).toMatch(/litellm_proxy_total_requests_metric_total\{[^}]*requested_model="claude-cached"[^}]*\} [2-9]/);
  expect(text).toMatch(/litellm_input_tokens_metric_total\{[^}]*model="anthropic\/claude-sonnet-4-5"[^}]*\} [1-9]/);
});

it("/gatekit/probe calls the anthropic/ deployments and reads their tokens", async () => {
  const r = (await (await fetch(`${gw.url}/gatekit/probe`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { data: { model_id: string; ok: boolean; tokens: number | null; error_class: string | null }[] };
  expect(r.data.find((d) => d.model_id === "cached-1")).toMatchObject({ ok: true, tokens: expect.any(Number) });
  expect(r.data.find((d) => d.model_id === "down-1")).toMatchObject({ ok: false, error_class: "APIConnectionError" });
});
