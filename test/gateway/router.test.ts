// LiteLLM's routing semantics: weighted shuffle, least-busy and latency-based picks, retries per error class,
// cooldowns and recovery, fallbacks in order with max_fallbacks, and timeouts that move to another deployment.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGatewayConfig, type ResolvedDeployment } from "../../lib/gateway/config/load.ts";
import { Router } from "../../lib/gateway/router/index.ts";
import { askUntil, MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";

const routerFor = (model_list: object[], router_settings: object = {}) => {
  const config = loadGatewayConfig({ config: { model_list, router_settings }, env: {} });
  return { router: new Router(config), group: config.groups.get("m")! };
};
const dep = (id: string, extra: object = {}) => ({ model_name: "m", litellm_params: { model: `openai/${id}`, api_base: "http://127.0.0.1:1/v1", ...extra }, model_info: { id } });

describe("picking a deployment", () => {
  it("simple-shuffle follows the weights (20,000 picks, each share within 0.02 of its weight)", () => {
    const { router, group } = routerFor([dep("a", { weight: 1 }), dep("b", { weight: 3 }), dep("c", { rpm: 5, weight: 6 })]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const d = router.pick("m", group, new Set());
      counts.set(d.id, (counts.get(d.id) ?? 0) + 1);
    }
    // Standard error of a share here is ≤ 0.0036; 0.02 is more than five of them.
    expect(Math.abs(counts.get("a")! / 20_000 - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(counts.get("b")! / 20_000 - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(counts.get("c")! / 20_000 - 0.6)).toBeLessThan(0.02);
  });

  it("without weights, rpm then tpm weigh the shuffle", () => {
    const { group } = routerFor([dep("a", { rpm: 100 }), dep("b", { tpm: 5000 }), dep("c")]);
    expect(group.map((d) => d.weight)).toEqual([100, 5000, 1]);
  });

  it("least-busy picks the deployment with fewest requests in flight", () => {
    const { router, group } = routerFor([dep("a"), dep("b"), dep("c")], { routing_strategy: "least-busy" });
    const [a, b] = group as [ResolvedDeployment, ResolvedDeployment];
    router.started(a);
    router.started(a);
    router.started(b);
    expect(router.pick("m", group, new Set()).id).toBe("c");
  });

  it("latency-based-routing measures every deployment, then keeps to the fastest within the buffer", () => {
    const { router, group } = routerFor([dep("a"), dep("b"), dep("c")], { routing_strategy: "latency-based-routing", routing_strategy_args: { lowest_latency_buffer: 0.5 } });
    const latency: Record<string, number> = { a: 100, b: 130, c: 400 };
    const picked = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const d = router.pick("m", group, new Set());
      picked.add(d.id);
      router.started(d);
      router.finished(d, latency[d.id]!);
    }
    expect(picked).toEqual(new Set(["a", "b", "c"])); // each measured once
    const later = new Set(Array.from({ length: 200 }, () => router.pick("m", group, new Set()).id));
    expect(later).toEqual(new Set(["a", "b"]));
  });
});

describe("through the gateway", () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  const up = (name: string, model: string, extra: object = {}, id = `${name}:${model}`) => ({ model_name: name, litellm_params: { model: `openai/${model}`, api_base: upstream.url, ...extra }, model_info: { id } });
  const seen = (model: string) => upstream.requests.filter((r) => r.body.model === model).length;
  const ask = (model: string, content = "x", extra: object = {}) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content }], ...extra }) });

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    gw = await startGateway({
      model_list: [
        up("r500", "error-500"), up("r429", "error-429"), up("r401", "error-401"),
        up("cd", "error-503", {}, "cd-bad"), up("cd", "good-cd", {}, "cd-good"),
        up("allbad", "error-502", {}, "bad-1"), up("allbad", "error-502", {}, "bad-2"),
        up("primary", "error-500"), up("fb1", "error-503"), up("fb2", "good-fb2"), up("fb3", "good-fb3"),
        up("short", "error-400"), up("long", "good-long"),
        up("t", "slow-3000", { timeout: 0.2 }, "t-slow"), up("t", "good-t", {}, "t-good"),
      ],
      router_settings: {
        num_retries: 0,
        retry_policy: { InternalServerErrorRetries: 2, RateLimitErrorRetries: 1, AuthenticationErrorRetries: 0, TimeoutErrorRetries: 1 },
        allowed_fails: 1,
        cooldown_time: 1,
        fallbacks: [{ primary: ["fb1", "fb2", "fb3"] }],
        context_window_fallbacks: [{ short: ["long"] }],
        max_fallbacks: 2,
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it("retries each error class as its retry policy says", async () => {
    for (const [model, upstreamModel, calls] of [["r500", "error-500", 3], ["r429", "error-429", 2], ["r401", "error-401", 1]] as const) {
      const before = seen(upstreamModel);
      const r = await ask(model);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(seen(upstreamModel) - before, model).toBe(calls);
    }
  });

  it("cools a failing deployment down after allowed_fails, and tries it again after cooldown_time", async () => {
    await askUntil(() => ask("cd"), () => seen("error-503") >= 2); // picked by a weighted shuffle: may take a few
    const bad = seen("error-503");
    expect(bad).toBeGreaterThanOrEqual(2); // allowed_fails 1: the second failure in a minute cools it down
    const results = await Promise.all(Array.from({ length: 20 }, () => ask("cd")));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(seen("error-503")).toBe(bad); // skipped while cooling down
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/litellm_deployment_cooled_down_total\{[^}]*model_id="cd-bad"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/litellm_deployment_state\{[^}]*model_id="cd-bad"[^}]*\} 2/);
    expect(metrics).toMatch(/litellm_deployment_state\{[^}]*model_id="cd-good"[^}]*\} 0/);
    await new Promise((r) => setTimeout(r, 1200));
    await askUntil(() => ask("cd"), () => seen("error-503") > bad); // back in rotation
    expect(seen("error-503")).toBeGreaterThan(bad);
  });

  it("answers 429 with a clear message when every deployment of the group is cooling down", async () => {
    for (let i = 0; i < 6; i++) await ask("allbad");
    const r = await ask("allbad");
    expect(r.status).toBe(429);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/No deployments available for model=allbad: all 2 are cooling down/);
  });

  it("falls back in order, up to max_fallbacks, and says which deployment answered", async () => {
    const r = await ask("primary", "fall back please");
    expect(r.status).toBe(200);
    expect(r.headers.get("x-litellm-attempted-fallbacks")).toBe("2");
    expect(r.headers.get("x-litellm-model-id")).toBe("fb2:good-fb2");
    const order = upstream.requests.filter((q) => JSON.stringify(q.body.messages).includes("fall back please")).map((q) => q.body.model);
    expect(order).toEqual(["error-500", "error-500", "error-500", "error-503", "good-fb2"]);
    expect(seen("good-fb3")).toBe(0); // max_fallbacks 2: fb3 is never reached
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/litellm_deployment_successful_fallbacks_total\{requested_model="primary",fallback_model="fb2"[^}]*\} 1/);
    expect(metrics).toMatch(/litellm_deployment_failed_fallbacks_total\{requested_model="primary",fallback_model="fb1"[^}]*\} 1/);
  });

  it("a context-window error goes to context_window_fallbacks", async () => {
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "long", messages: [{ role: "user", content: "x" }] }),
    });
    expect(r.status).toBe(200);
    // A plain 400 is the caller's mistake: no fallback. The context-window list applies to context-window errors.
    expect((await ask("short")).status).toBe(400);
    const cw = await ask("short", "x", { context: true });
    expect(cw.status).toBe(200);
    expect(cw.headers.get("x-litellm-model-id")).toBe("long:good-long");
  });

  it("a timeout moves the request to the next deployment", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => ask("t")));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(seen("slow-3000")).toBeGreaterThan(0);
  });
});

describe("a client that stops reading a stream, then leaves", () => {
  it("ends the call: the deployment counts as free again and is not blamed", async () => {
    const upstream = await startMockOpenAI();
    const flood = (id: string) => ({ model_name: "lb", litellm_params: { model: "openai/stream-flood", api_base: upstream.url }, model_info: { id } });
    const gw = await startGateway({ model_list: [flood("lb-a"), flood("lb-b")], router_settings: { routing_strategy: "least-busy", num_retries: 0 } });
    try {
      const stalled = await new Promise<http.ClientRequest>((resolve, reject) => {
        const req = http.request(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" } });
        req.on("response", (res) => (res.pause(), resolve(req))).on("error", reject);
        req.end(JSON.stringify({ model: "lb", stream: true, messages: [{ role: "user", content: "x" }] }));
      });
      await new Promise((r) => setTimeout(r, 500)); // the gateway's writes back up behind the unread socket
      stalled.destroy();
      await new Promise((r) => setTimeout(r, 300));
      // least-busy: were the left call still counted in flight, every later call would go to the other deployment.
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ model: "lb", messages: [{ role: "user", content: "x" }] }) });
        expect(r.status).toBe(200);
        ids.add(r.headers.get("x-litellm-model-id")!);
      }
      expect(ids).toEqual(new Set(["lb-a", "lb-b"]));
      expect(upstream.aborted).toBe(1);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).not.toMatch(/litellm_deployment_state\{[^}]*model_id="lb-[ab]"[^}]*\} [12]/);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
