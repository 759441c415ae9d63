// The main port through the official openai SDK: chat (both modes), completions, embeddings, models, health,
// metrics, and the headers every response carries.
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
      { model_name: "gpt-4o-mini", litellm_params: { model: "openai/gpt-4o-mini-2024", api_base: upstream.url, api_key: "os.environ/UPSTREAM_KEY" } },
      { model_name: "embedder", litellm_params: { model: "openai/text-embedding-3-small", api_base: upstream.url }, model_info: { mode: "embedding", id: "embed-1" } },
      { model_name: "instruct", litellm_params: { model: "openai/gpt-3.5-turbo-instruct", api_base: upstream.url }, model_info: { mode: "completion" } },
      { model_name: "mocked", litellm_params: { model: "openai/anything", mock_response: "mocked answer here" } },
      { model_name: "broken", litellm_params: { model: "openai/error-500", api_base: upstream.url } },
    ],
  }, { UPSTREAM_KEY: "upstream-secret-key" });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

describe("chat completions", () => {
  it("answers a chat with content and usage, calling the deployment's model with its key", async () => {
    const { data, response } = await gw.client().chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe('echo: "hello"');
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
    const seen = upstream.requests.at(-1)!;
    expect(seen.body.model).toBe("gpt-4o-mini-2024");
    expect(seen.authorization).toBe("Bearer upstream-secret-key");
    expect(response.headers.get("x-litellm-call-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-litellm-model-id")).toMatch(/^[0-9a-f]{16}$/);
    expect(Number(response.headers.get("x-litellm-overhead-duration-ms"))).toBeGreaterThanOrEqual(0);
  });

  it("streams chunk by chunk, ending with [DONE]", async () => {
    const stream = await gw.client().chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true });
    const pieces: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      pieces.push(chunk.choices[0]?.delta.content ?? "");
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(pieces.join("")).toBe("one two three four");
    expect(finish).toBe("stop");
    const raw = await fetch(`${gw.url}/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], stream: true }),
    });
    expect(raw.headers.get("content-type")).toBe("text/event-stream");
    expect(raw.headers.get("cache-control")).toBe("no-cache");
    expect(raw.headers.get("x-accel-buffering")).toBe("no");
    expect(raw.headers.get("x-litellm-call-id")).toMatch(/^[0-9a-f-]{36}$/); // once: a second would join it with ", "
    expect(raw.headers.get("x-litellm-model-id")).toMatch(/^[0-9a-f]{16}$/);
    expect((await raw.text()).trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("answers mock_response deployments in-process, whole and streamed", async () => {
    const whole = await gw.client().chat.completions.create({ model: "mocked", messages: [{ role: "user", content: "x" }] });
    expect(whole.choices[0]!.message.content).toBe("mocked answer here");
    const chunks: string[] = [];
    for await (const c of await gw.client().chat.completions.create({ model: "mocked", messages: [{ role: "user", content: "x" }], stream: true })) {
      chunks.push(c.choices[0]?.delta.content ?? "");
    }
    expect(chunks.join("")).toBe("mocked answer here");
  });

  it("aborts the upstream request when the client disconnects mid-stream", async () => {
    const before = upstream.aborted;
    const controller = new AbortController();
    const stream = await gw.client().chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], stream: true }, { signal: controller.signal });
    let received = 0;
    try {
      for await (const _ of stream) {
        received++;
        controller.abort();
      }
    } catch {
      // the SDK may surface the abort as an error; either way the client is gone
    }
    expect(received).toBe(1);
    await expect.poll(() => upstream.aborted, { timeout: 3000 }).toBeGreaterThan(before);
  });
});

describe("other endpoints", () => {
  it("completions", async () => {
    const r = await gw.client().completions.create({ model: "instruct", prompt: "say" });
    expect(r.choices[0]!.text).toBe("mock text");
  });

  it("embeddings, from the provider and from a mock", async () => {
    const r = await gw.client().embeddings.create({ model: "embedder", input: ["a", "b"] });
    expect(r.data.map((d) => d.index)).toEqual([0, 1]);
    expect(Array.from(r.data[0]!.embedding).map((x) => Math.round(x * 10) / 10)).toEqual([0.1, 0.2, 0.3]);
    const mock = await gw.client().embeddings.create({ model: "mocked", input: "same text" });
    const again = await gw.client().embeddings.create({ model: "mocked", input: "same text", encoding_format: "float" });
    expect(mock.data[0]!.embedding.length).toBe(16);
    expect(Array.from(mock.data[0]!.embedding).map((x) => x.toFixed(5))).toEqual(again.data[0]!.embedding.map((x) => x.toFixed(5)));
  });

  it("models lists the model names", async () => {
    const ids: string[] = [];
    for await (const m of gw.client().models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual(["broken", "embedder", "gpt-4o-mini", "instruct", "mocked"]);
  });

  it("models.retrieve answers one model and 404s an unknown one in OpenAI's error shape", async () => {
    const m = await gw.client().models.retrieve("gpt-4o-mini");
    expect(m).toMatchObject({ id: "gpt-4o-mini", object: "model", owned_by: "openai" });
    const error = await gw.client().models.retrieve("no-such-model").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ type: "not_found_error", param: "model", code: "404" });
    expect((error as Error).message).toMatch(/The model 'no-such-model' does not exist/);
    expect((await fetch(`${gw.url}/v1/models/gpt-4o-mini`)).status).toBe(401);
  });

  it("/health needs the key and checks every deployment", async () => {
    expect((await fetch(`${gw.url}/health`)).status).toBe(401);
    const r = (await (await fetch(`${gw.url}/health`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as Record<string, unknown>;
    expect(r.healthy_count).toBe(4);
    expect(r.unhealthy_endpoints).toEqual([expect.objectContaining({ model_name: "broken", error: "InternalServerError" })]);
  });

  it("/metrics exports LiteLLM's metric names with counts", async () => {
    const before = await metric("litellm_proxy_total_requests_metric_total", 'requested_model="mocked"');
    await gw.client().chat.completions.create({ model: "mocked", messages: [{ role: "user", content: "x" }] });
    await gw.client().chat.completions.create({ model: "broken", messages: [{ role: "user", content: "x" }] }).catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    expect(await metric("litellm_proxy_total_requests_metric_total", 'requested_model="mocked"')).toBe(before + 1);
    expect(await metric("litellm_proxy_failed_requests_metric_total", 'requested_model="broken"')).toBeGreaterThanOrEqual(1);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    for (const name of ["litellm_request_total_latency_metric_bucket", "litellm_llm_api_latency_metric_bucket", "litellm_overhead_latency_metric_bucket", "litellm_input_tokens_metric_total", "litellm_output_tokens_metric_total", "litellm_total_tokens_metric_total", "litellm_deployment_success_responses_total"]) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain("upstream-secret-key");
    expect(text).not.toContain(MASTER_KEY);
  });

  it("/metrics counts the process's garbage-collection pauses by kind, as prom-client names them", async () => {
    const before = await metric("nodejs_gc_duration_seconds_count", 'kind="minor"');
    let garbage: object[] = []; // about 60 MB, short-lived: scavenges
    for (let i = 0; i < 500_000; i++) garbage.push({ i, text: `${i}`.padEnd(64) }), garbage.length === 1000 && (garbage = []);
    await new Promise((r) => setTimeout(r, 100)); // GC entries reach the observer asynchronously
    expect(await metric("nodejs_gc_duration_seconds_count", 'kind="minor"')).toBeGreaterThan(before);
    expect(await metric("nodejs_gc_duration_seconds_sum", 'kind="minor"')).toBeGreaterThan(0);
  });
});

async function metric(name: string, label: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith(name + "{") && l.includes(label)).reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
}
