// Alerts from a real process tree: workers relay their batches to the primary, which holds the instance's one
// Slack sender, so an outage served by several workers still makes one post; the URL is in no log line.
import { expect, it } from "vitest";
import { MASTER_KEY } from "../support/gateway.ts";
import { startGatewayProcess } from "../support/gateway-process.ts";
import { startMockOpenAI } from "../support/mock-openai.ts";
import { startWebhook, waitForPost } from "../support/webhook.ts";

const chat = (gw: { url: string }, model: string) => fetch(`${gw.url}/v1/chat/completions`, {
  method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", connection: "close" },
  body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }),
});

it("an outage served by three workers makes one post for the instance", async () => {
  const [upstream, webhook] = await Promise.all([startMockOpenAI(), startWebhook()]);
  const gw = await startGatewayProcess({
    model_list: [{ model_name: "down", litellm_params: { model: "openai/error-500", api_base: upstream.url } }],
    router_settings: { num_retries: 0 },
    general_settings: { alerting: ["slack"], alerting_args: { flush_interval: 1, outage_alert_ttl: 60 } },
  }, { workers: 3, env: { SLACK_WEBHOOK_URL: webhook.url, LITELLM_LOG: "INFO" } });
  try {
    const workers = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(Array.from({ length: 60 }, () => chat(gw, "down")));
      for (const a of answers) workers.add(a.headers.get("x-gatekit-worker")!);
      expect(answers.map((a) => a.status)).toEqual(Array(60).fill(500));
    }
    expect(workers.size).toBeGreaterThan(1);
    const post = await waitForPost(webhook, /model down/);
    expect(post).toMatch(/\*LLM exception\* ×\d+ — model down \(InternalServerError\)/);
    await new Promise((r) => setTimeout(r, 2500)); // every worker's relay and the primary's next window
    expect(webhook.posts).toHaveLength(1);
  } finally {
    await gw.stop();
    await upstream.close();
    await webhook.close();
  }
  expect(gw.proc.all ?? "").not.toContain("secret-token-xyz");
});

it("alerts still held when the instance is stopped are posted before it exits", async () => {
  const [upstream, webhook] = await Promise.all([startMockOpenAI(), startWebhook()]);
  const gw = await startGatewayProcess({
    model_list: [{ model_name: "down", litellm_params: { model: "openai/error-500", api_base: upstream.url } }],
    router_settings: { num_retries: 0 },
    // A flush interval far longer than the test: only the shutdown's last delivery can post.
    general_settings: { alerting: ["slack"], alerting_args: { flush_interval: 600 } },
  }, { workers: 2, env: { SLACK_WEBHOOK_URL: webhook.url, GATEKIT_DRAIN_DELAY_SECONDS: "0" } });
  try {
    const answers = await Promise.all(Array.from({ length: 20 }, () => chat(gw, "down")));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(500));
    await new Promise((r) => setTimeout(r, 1500)); // the workers' relay to the primary
    expect(webhook.posts).toHaveLength(0);
    await gw.stop();
    expect(gw.proc.exitCode).toBe(0);
    expect(webhook.posts).toHaveLength(1);
    expect(webhook.posts[0]).toMatch(/\*LLM exception\* ×20 — model down \(InternalServerError\)/);
  } finally {
    await gw.stop();
    await upstream.close();
    await webhook.close();
  }
});
