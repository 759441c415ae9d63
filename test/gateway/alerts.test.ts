// Slack alerts against a local webhook receiver: a provider outage makes a bounded number of posts, slow
// responses and cooldowns alert, a dead or hanging webhook never fails or slows a request, and the webhook
// URL (a secret) shows up in no log line, warning or metric.
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Alerter, type Alert } from "../../lib/gateway/alerts/alerter.ts";
import { slackSender } from "../../lib/gateway/alerts/slack.ts";
import { loadGatewayConfig } from "../../lib/gateway/config/load.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { freePort } from "../support/ports.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startWebhook, waitForPost, type Webhook } from "../support/webhook.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ask = (gw: TestGateway, model: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockOpenAI();
});
afterAll(async () => {
  await upstream.close();
});

const deployment = (name: string, model: string, id = `${name}:${model}`) => ({ model_name: name, litellm_params: { model: `openai/${model}`, api_base: upstream.url }, model_info: { id } });
const alertingConfig = (model_list: object[], general: object = {}) => ({
  model_list,
  router_settings: { num_retries: 0, allowed_fails: 0, cooldown_time: 30 },
  general_settings: { alerting: ["slack"], alerting_threshold: 0.2, alerting_args: { flush_interval: 0.5, outage_alert_ttl: 60 }, ...general },
});

describe("slack alerts through the gateway", () => {
  let webhook: Webhook;
  let gw: TestGateway;
  beforeAll(async () => {
    webhook = await startWebhook();
    gw = await startGateway(
      alertingConfig([deployment("down", "error-500"), deployment("slow", "slow-400"), deployment("cd", "error-503", "cd-bad"), deployment("cd", "good", "cd-good"), deployment("fine", "good")]),
      { SLACK_WEBHOOK_URL: webhook.url },
    );
  });
  afterAll(async () => {
    await gw.close();
    await webhook.close();
  });

  it("a provider outage (300 failing requests) makes one post, with the failures collapsed into a count", async () => {
    const statuses = await Promise.all(Array.from({ length: 300 }, () => ask(gw, "down").then((r) => r.status)));
    expect(statuses).toEqual(Array(300).fill(500));
    const post = await waitForPost(webhook, /model down/);
    expect(post).toMatch(/\*LLM exception\* ×\d+ — model down \(InternalServerError\): 500 from deployment down:error-500/);
    // The outage goes on: the same alert stays quiet for outage_alert_ttl, whatever the number of failures.
    for (let i = 0; i < 4; i++) {
      await Promise.all(Array.from({ length: 50 }, () => ask(gw, "down")));
      await sleep(300);
    }
    expect(webhook.posts.filter((p) => /model down/.test(p))).toHaveLength(1);
    expect(webhook.posts.length).toBeLessThanOrEqual(2);
  });

  it("a response slower than alerting_threshold alerts", async () => {
    expect((await ask(gw, "slow")).status).toBe(200);
    expect((await ask(gw, "fine")).status).toBe(200);
    const post = await waitForPost(webhook, /Slow response/);
    expect(post).toMatch(/\*Slow response\* — model slow: 0\.\d+ s, over alerting_threshold 0\.2 s/);
    expect(post).not.toMatch(/model fine/);
  });

  it("a deployment entering cooldown alerts, naming the deployment", async () => {
    for (let i = 0; i < 20; i++) await ask(gw, "cd"); // allowed_fails 0: the first failure of cd-bad cools it down
    const post = await waitForPost(webhook, /Deployment in cooldown/);
    expect(post).toMatch(/\*Deployment in cooldown\* — model cd \(ServiceUnavailableError\): deployment cd-bad \(openai\/error-503\)/);
  });

  it("never exposes the webhook URL in /metrics", async () => {
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).not.toContain("secret-token-xyz");
  });
});

describe("budget alerts", () => {
  let db: TestPostgres;
  let webhook: Webhook;
  let gw: TestGateway;
  beforeAll(async () => {
    [db, webhook] = await Promise.all([startPostgres(), startWebhook()]);
    await db.migrate();
    // 11 prompt and 7 completion tokens per mock answer: 0.25 USD a request at these prices.
    const priced = { model_name: "priced", litellm_params: { model: "openai/custom", api_base: upstream.url, input_cost_per_token: 0.01, output_cost_per_token: 0.02 } };
    gw = await startGateway({ ...alertingConfig([priced]), general_settings: { ...alertingConfig([]).general_settings, database_url: "os.environ/DATABASE_URL" } }, { DATABASE_URL: db.url, SLACK_WEBHOOK_URL: webhook.url });
  }, 120_000);
  afterAll(async () => {
    await gw?.close();
    await webhook?.close();
    await db?.destroy();
  });

  it("a virtual key crossing its max_budget alerts once, naming the key by alias", async () => {
    const generated = await fetch(`${gw.url}/key/generate`, {
      method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ key_alias: "team-red", max_budget: 0.5 }),
    });
    const { key } = (await generated.json()) as { key: string };
    const askWith = () => fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "priced", messages: [{ role: "user", content: "hi" }] }),
    });
    expect((await askWith()).status).toBe(200);
    expect((await askWith()).status).toBe(200); // 0.50 of 0.50: crossed
    await new Promise((r) => setTimeout(r, 50));
    expect((await askWith()).status).toBe(400); // refused: over budget
    const post = await waitForPost(webhook, /Budget exceeded/);
    expect(post).toMatch(/\*Budget exceeded\* (×2 )?— key team-red: spend 0\.5000 USD of max_budget 0\.5 USD/);
    expect(post).not.toContain(key);
    expect(webhook.posts.filter((p) => /Budget exceeded/.test(p))).toHaveLength(1);
  });
});

describe("a dead webhook", () => {
  for (const mode of ["hang", "fail", "refused"] as const) {
    it(`(${mode}) neither fails nor holds up requests`, async () => {
      const webhook = mode === "refused" ? undefined : await startWebhook(mode);
      const url = webhook?.url ?? `http://127.0.0.1:${await freePort()}/services/T/B/secret`;
      const gw = await startGateway(alertingConfig([deployment("down", "error-500"), deployment("fine", "good")], { alerting_args: { flush_interval: 0.1, outage_alert_ttl: 0.1 } }), { SLACK_WEBHOOK_URL: url });
      try {
        for (let round = 0; round < 5; round++) {
          const [down, fine] = await Promise.all([Promise.all(Array.from({ length: 20 }, () => ask(gw, "down"))), ask(gw, "fine")]);
          expect(down.map((r) => r.status)).toEqual(Array(20).fill(500));
          expect(fine.status).toBe(200);
          await sleep(150);
        }
        if (webhook) expect(webhook.posts.length).toBeGreaterThanOrEqual(1);
        if (mode === "hang") expect(webhook!.posts).toHaveLength(1); // one post in flight at a time, never a pile-up
      } finally {
        await gw.close();
        await webhook?.close();
      }
    });
  }
});

describe("the alerter", () => {
  const alert = (subject: string, reason = "InternalServerError"): Alert => ({ kind: "llm_exceptions", subject, reason, detail: "d", count: 1 });

  it("collapses repeats, keeps a delivered alert quiet for its repeat interval, and bounds what it holds", async () => {
    let now = 0;
    const batches: { alerts: Alert[]; dropped: number }[] = [];
    const alerter = new Alerter({ flushMs: 60_000, repeatMs: () => 1000, maxPending: 3, deliver: (alerts, dropped) => void batches.push({ alerts, dropped }), now: () => now });
    for (let i = 0; i < 1000; i++) alerter.add(alert("model a"));
    for (const m of ["b", "c", "d", "e"]) alerter.add(alert(`model ${m}`));
    await alerter.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.alerts.map((a) => [a.subject, a.count])).toEqual([["model a", 1000], ["model b", 1], ["model c", 1]]);
    expect(batches[0]!.dropped).toBe(2);
    alerter.add(alert("model a"));
    now = 500;
    await alerter.flush();
    expect(batches).toHaveLength(1); // still quiet
    now = 1000;
    alerter.add(alert("model a"));
    await alerter.flush();
    expect(batches[1]!.alerts.map((a) => [a.subject, a.count])).toEqual([["model a", 2]]);
    alerter.close();
  });

  it("a failing webhook is logged once, by reason, never by URL", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    const url = `http://127.0.0.1:${await freePort()}/services/T/B/secret-token-abc`;
    const sender = slackSender(url, logger, 1000);
    for (let i = 0; i < 3; i++) await sender.deliver([alert("model a")], 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/slack alerts could not be posted.*ECONNREFUSED|ECONNREFUSED.*slack alerts could not be posted/);
    expect(lines.join("")).not.toContain("secret-token-abc");
  });

  it("a webhook URL that is not a URL is reported without its value, and alerting stays off", () => {
    const cfg = loadGatewayConfig({ config: { general_settings: { alerting: ["slack"] } }, env: { SLACK_WEBHOOK_URL: "secret-but-not-a-url" } });
    expect(cfg.alerting).toBeUndefined();
    expect(cfg.warnings.join("\n")).toMatch(/SLACK_WEBHOOK_URL.*it is not one/);
    expect(cfg.warnings.join("\n")).not.toContain("secret-but-not-a-url");
  });

  it("failure_callback: [slack] alerts on exceptions only; alerting: [slack] on every type, or alert_types", () => {
    const env = { SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" };
    expect(loadGatewayConfig({ config: { litellm_settings: { failure_callback: ["slack"] } }, env }).alerting?.types).toEqual(["llm_exceptions"]);
    expect(loadGatewayConfig({ config: { general_settings: { alerting: ["slack"] } }, env }).alerting).toMatchObject({
      types: ["llm_exceptions", "llm_too_slow", "budget_alerts", "cooldown_deployment", "db_exceptions"], slowSeconds: 300, flushMs: 10_000, repeatMs: 60_000,
    });
    const some = loadGatewayConfig({ config: { general_settings: { alerting: ["slack"], alert_types: ["budget_alerts", "daily_reports"] } }, env });
    expect(some.alerting?.types).toEqual(["budget_alerts"]);
    expect(some.warnings.join("\n")).toMatch(/alert_types: daily_reports is not implemented/);
  });
});
