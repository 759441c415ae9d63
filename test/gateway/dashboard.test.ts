// The shipped Grafana dashboard queries only metrics the gateway exports: every metric name in its PromQL is
// found on /metrics after traffic that exercises each panel (cache hits and misses, errors, a cooldown,
// Postgres-backed spend). A histogram's _bucket/_sum/_count series count as its family.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { askUntil, MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startRedis, type TestRedis } from "../support/redis.ts";

interface Panel { title: string; targets?: { expr: string }[]; panels?: Panel[] }
const dashboard = JSON.parse(readFileSync("templates/grafana-dashboard.json", "utf8")) as { title: string; panels: Panel[] };
const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
const expressions = panels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** PromQL words that are not metric names. */
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

/** The metric names a PromQL expression selects: identifiers left after removing strings, label matchers, ranges, groupings, numbers and function calls. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, "")
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
    .replace(/(?<![\w:])\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, "");
  return [...bare.matchAll(/[A-Za-z_:][\w:]*/g)]
    .filter((m) => !/^\s*\(/.test(bare.slice(m.index! + m[0].length)))
    .map((m) => m[0])
    .filter((name) => !KEYWORDS.has(name.toLowerCase()));
}

/** Sample names on a /metrics page, with each histogram's family name added. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const name = /^[A-Za-z_:][\w:]*/.exec(line)![0];
    names.add(name);
    names.add(name.replace(/_(bucket|sum|count)$/, ""));
  }
  return names;
}

describe("the PromQL reader", () => {
  it("finds metric names, not functions, labels, ranges or numbers", () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, model) (rate(a_bucket{model="x"}[$__rate_interval])))')).toEqual(["a_bucket"]);
    expect(metricNames("sum(rate(hits[5m])) / clamp_min(sum(rate(hits[5m])) + sum(rate(misses[5m])), 1e-9)")).toEqual(["hits", "hits", "misses"]);
    expect(metricNames("max by (x) (state) > bool 1 and on (id) other")).toEqual(["state", "other"]);
  });
});

describe("templates", () => {
  let db: TestPostgres;
  let redis: TestRedis;
  let upstream: MockUpstream;
  let gw: TestGateway;
  const ask = (model: string, content: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
    });

  beforeAll(async () => {
    [db, redis, upstream] = await Promise.all([startPostgres(), startRedis(), startMockOpenAI()]);
    await db.migrate();
    const dep = (name: string, model: string, id: string) => ({ model_name: name, litellm_params: { model: `openai/${model}`, api_base: upstream.url }, model_info: { id } });
    gw = await startGateway({
      model_list: [dep("gpt-4o-mini", "gpt-4o-mini", "ok"), dep("down", "error-500", "down"), dep("flaky", "error-503", "flaky-bad"), dep("flaky", "good", "flaky-good")],
      router_settings: { num_retries: 0, allowed_fails: 0, cooldown_time: 30 },
      litellm_settings: { cache: true, cache_params: { type: "redis", host: "127.0.0.1", port: redis.port, password: "os.environ/REDIS_PASSWORD" } },
      general_settings: { database_url: "os.environ/DATABASE_URL", database_connection_pool_limit: 3, proxy_batch_write_at: 60 },
    }, { DATABASE_URL: db.url, REDIS_PASSWORD: redis.password });
    await new Promise((r) => setTimeout(r, 300)); // redis connects
  }, 120_000);

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await redis?.stop();
    await db?.destroy();
  });

  it("the Grafana dashboard has the operating panels", () => {
    expect(dashboard.title).toBe("gatekit gateway");
    const all = expressions.join("\n");
    for (const q of ["0.50", "0.95", "0.99"]) expect(all).toContain(`histogram_quantile(${q}, sum by (le) (rate(litellm_request_total_latency_metric_bucket`);
    for (const m of ["litellm_proxy_failed_requests_metric_total", "litellm_cache_hits_metric_total", "gatekit_db_pool_connections_in_use", "gatekit_live_workers"]) expect(all).toContain(m);
  });

  it("every metric the dashboard queries is exported by /metrics after traffic", async () => {
    expect((await ask("gpt-4o-mini", "same question")).status).toBe(200); // a cache miss
    await new Promise((r) => setTimeout(r, 100));
    expect((await ask("gpt-4o-mini", "same question")).headers.get("x-litellm-cache-key")).toBeTruthy(); // a hit
    expect((await ask("down", "fails")).status).toBe(500);
    // The router picks either "flaky" deployment: ask until it picked the failing one, which cools it down.
    const metrics = async () => (await fetch(`${gw.url}/metrics`)).text();
    await askUntil((i) => ask("flaky", `cooldown ${i}`), async () => (await metrics()).includes("litellm_deployment_cooled_down_total{"));
    const text = await metrics();
    const names = exported(text);
    const queried = [...new Set(expressions.flatMap(metricNames))];
    expect(queried.length).toBeGreaterThanOrEqual(10);
    expect(queried.filter((name) => !names.has(name))).toEqual([]);
  });

  it("the Prometheus config scrapes /metrics of the gateway", () => {
    const config = parse(readFileSync("templates/prometheus.yml", "utf8")) as { scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] };
    const job = config.scrape_configs.find((j) => j.job_name === "gatekit-gateway")!;
    expect(job.metrics_path).toBe("/metrics");
    expect(job.static_configs[0]!.targets).toEqual(["gateway:4000"]);
  });
});
