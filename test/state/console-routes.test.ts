// The admin routes the console reads, against a real PostgreSQL: /key/list pages, sorts and searches in SQL;
// /spend/logs/ui filters and pages, failures included; /global/spend/* and /gatekit/overview aggregate; a
// virtual key sees its own usage only. And /ui: its security headers, and off when the spec says so.
import OpenAI from "openai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUi } from "../../scripts/build-ui.ts";
import { loadGatewayConfig } from "../../lib/gateway/config/load.ts";
import { createLogger } from "../../lib/gateway/log.ts";
import { parseGatewayArgs } from "../../lib/gateway/options.ts";
import { createGateway } from "../../lib/gateway/server.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let db: TestPostgres;
let upstream: MockUpstream;
let gw: TestGateway;
const get = async (path: string, key = MASTER_KEY) => {
  const r = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: (await r.json()) as any };
};
const post = async (path: string, body: object) =>
  (await fetch(`${gw.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json() as Promise<any>;
const chat = (key: string, model = "priced") => new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: "user", content: "x" }] });

let a: { key: string; token: string };
let b: { key: string; token: string };

beforeAll(async () => {
  process.env.GATEKIT_UI_DIR = (await buildUi(mkdtempSync(join(tmpdir(), "gatekit-ui-")))).dir;
  db = await startPostgres();
  await db.migrate();
  upstream = await startMockOpenAI();
  gw = await startGateway({
    model_list: [
      { model_name: "priced", litellm_params: { model: "openai/custom", api_base: upstream.url, input_cost_per_token: 0.01, output_cost_per_token: 0.02 } },
      { model_name: "other", litellm_params: { model: "openai/other", api_base: upstream.url, input_cost_per_token: 0.001, output_cost_per_token: 0.001 } },
    ],
    general_settings: { database_url: "os.environ/DATABASE_URL", proxy_batch_write_at: 60 },
  }, { DATABASE_URL: db.url });
  // 30 keys: aliases k-00 … k-29, budgets on the even ones.
  for (let i = 0; i < 30; i++) await post("/key/generate", { key_alias: `k-${String(i).padStart(2, "0")}`, ...(i % 2 ? {} : { max_budget: i }) });
  a = await post("/key/generate", { key_alias: "alpha" });
  b = await post("/key/generate", { key_alias: "beta", models: ["priced"] });
  await chat(a.key);
  await chat(a.key);
  await chat(a.key, "other");
  await chat(b.key);
  await expect(chat(b.key, "other")).rejects.toMatchObject({ status: 401 }); // not among b's models: a failure row
}, 120_000);

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await db?.destroy();
  delete process.env.GATEKIT_UI_DIR;
});

describe("/key/list", () => {
  it("pages with LiteLLM's page/size and counts: total_count, current_page, total_pages", async () => {
    const first = (await get("/key/list?page=1&size=10")).body;
    expect(first).toMatchObject({ total_count: 32, current_page: 1, total_pages: 4 });
    expect(first.keys).toHaveLength(10);
    expect(first.keys[0]).toBe(b.token); // newest first by default; tokens unless return_full_object
    const pages = await Promise.all([1, 2, 3, 4].map(async (p) => (await get(`/key/list?page=${p}&size=10`)).body.keys as string[]));
    expect(new Set(pages.flat()).size).toBe(32); // no key twice, none left out
  });

  it("sorts by spend, alias or budget in either order, and searches aliases by prefix", async () => {
    const bySpend = (await get("/key/list?sort_by=spend&sort_order=desc&size=2&return_full_object=true")).body.keys;
    expect(bySpend.map((k: any) => k.key_alias)).toEqual(["alpha", "beta"]);
    const byAlias = (await get("/key/list?sort_by=key_alias&sort_order=asc&size=3&return_full_object=true")).body.keys;
    expect(byAlias.map((k: any) => k.key_alias)).toEqual(["alpha", "beta", "k-00"]);
    const byBudget = (await get("/key/list?sort_by=max_budget&sort_order=asc&size=2&return_full_object=true")).body.keys;
    expect(byBudget.map((k: any) => k.max_budget)).toEqual([0, 2]);
    const search = (await get("/key/list?key_alias=K-1&size=100&return_full_object=true")).body;
    expect(search.total_count).toBe(10);
    expect(search.keys.every((k: any) => k.key_alias.startsWith("k-1"))).toBe(true);
    expect((await get("/key/list?key_alias=k_&size=100")).body.total_count).toBe(0); // _ is a character, not a wildcard
  });

  it("refuses a bad parameter with a 400 naming it", async () => {
    for (const [q, param] of [["sort_by=token", "sort_by"], ["size=1000", "size"], ["page=0", "page"], ["sort_order=up", "sort_order"]]) {
      const r = await get(`/key/list?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.error.param).toBe(param);
    }
  });

  it("reads a page through an index, not a scan of the table", async () => {
    const { default: pg } = await import("pg");
    const c = new pg.Client(db.url);
    await c.connect();
    await c.query("SET enable_seqscan = off"); // the plan a large table gets, on this small one
    const plan = (await c.query(`EXPLAIN SELECT * FROM "LiteLLM_VerificationToken" ORDER BY spend desc, token desc LIMIT 25`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
    const search = (await c.query(`EXPLAIN SELECT * FROM "LiteLLM_VerificationToken" WHERE lower(key_alias) LIKE 'k-1%' ORDER BY created_at desc, token desc LIMIT 25`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
    await c.end();
    expect(plan).toMatch(/Index Scan Backward using "LiteLLM_VerificationToken_spend_idx"/);
    expect(search).toMatch(/LiteLLM_VerificationToken_alias_search_idx|LiteLLM_VerificationToken_created_at_idx/);
  });
});

describe("usage reads", () => {
  it("/spend/logs/ui pages the logs, failures included, filtered by key, model and status", async () => {
    const all = (await get("/spend/logs/ui?page_size=2")).body;
    expect(all).toMatchObject({ total: 5, page: 1, page_size: 2, total_pages: 3 });
    const failures = (await get("/spend/logs/ui?status_filter=failure")).body.data;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ api_key: b.token, status: "failure", error_class: "AuthenticationError", model_group: "other", spend: 0 });
    expect((await get(`/spend/logs/ui?api_key=${a.token}&model=other`)).body.total).toBe(1);
    expect((await get(`/spend/logs/ui?key_alias=alpha`)).body.total).toBe(3);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await get(`/spend/logs/ui?start_date=${tomorrow}`)).body.total).toBe(0);
    expect((await get("/spend/logs/ui?start_date=yesterday")).body.error.param).toBe("start_date");
  });

  it("/global/spend/keys, /models and /logs aggregate spend by key, model and day", async () => {
    const keys = (await get("/global/spend/keys")).body;
    expect(keys.map((k: any) => k.key_alias)).toEqual(["alpha", "beta"]);
    expect(keys[0].total_spend).toBeCloseTo(2 * 0.25 + 0.018, 6); // 11 + 7 tokens at the two prices
    const models = (await get("/global/spend/models")).body;
    expect(models.map((m: any) => [m.model, m.requests])).toEqual([["priced", 3], ["other", 2]]);
    const days = (await get("/global/spend/logs")).body;
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({ date: new Date().toISOString().slice(0, 10), requests: 5 });
    expect(days[0].spend).toBeCloseTo(3 * 0.25 + 0.018, 6);
  });

  it("/gatekit/overview counts requests, errors by class, latency percentiles and spend", async () => {
    const o = (await get("/gatekit/overview")).body;
    expect(o).toMatchObject({ requests_24h: 5, failures_24h: 1, errors_by_type: [{ error_class: "AuthenticationError", count: 1 }] });
    expect(o.spend.today).toBeCloseTo(3 * 0.25 + 0.018, 6);
    expect(o.spend.last_30d).toBeCloseTo(o.spend.today, 9);
    expect(o.p95_ms).toBeGreaterThanOrEqual(o.p50_ms);
    expect(o.series.reduce((n: number, h: any) => n + h.requests, 0)).toBe(5);
  });

  it("a virtual key sees only its own usage, whatever it asks for, and no key list", async () => {
    const own = (await get(`/spend/logs/ui?api_key=${a.token}`, b.key)).body;
    expect(own.total).toBe(2);
    expect(own.data.every((l: any) => l.api_key === b.token)).toBe(true);
    expect((await get("/global/spend/keys", b.key)).body.map((k: any) => k.key_alias)).toEqual(["beta"]);
    expect((await get("/gatekit/overview", b.key)).body).toMatchObject({ requests_24h: 2, failures_24h: 1 });
    expect((await get("/key/info", b.key)).body.info).toMatchObject({ key_alias: "beta", token: b.token });
    expect((await get(`/key/info?key=${a.token}`, b.key)).status).toBe(403);
    expect((await get("/key/list", b.key)).status).toBe(403);
    expect((await get("/gatekit/models", b.key)).status).toBe(403);
  });
});

describe("/gatekit/models and the probe of one deployment", () => {
  it("lists every deployment with provider, health and latency; probes one by model_id", async () => {
    const models = (await get("/gatekit/models")).body.data;
    expect(models.map((m: any) => m.model_name)).toEqual(["priced", "other"]);
    expect(models[0]).toMatchObject({ provider: "openai", cooldown_until: null, last_error: null });
    expect(models[0].latency_ms).toBeGreaterThanOrEqual(0);
    const probe = (await get(`/gatekit/probe?model_id=${models[1].model_id}`)).body.data;
    expect(probe).toHaveLength(1);
    expect(probe[0]).toMatchObject({ model_name: "other", ok: true });
    expect((await get("/gatekit/probe?model_id=nope")).status).toBe(404);
  });
});

describe("/ui", () => {
  it("serves the built console with CSP, frame, sniffing and referrer headers; a key is nowhere in it", async () => {
    for (const path of ["/ui", "/ui/"]) {
      const r = await fetch(`${gw.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(r.headers.get("content-security-policy")).not.toContain("unsafe-inline");
      expect(r.headers.get("x-frame-options")).toBe("DENY");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("referrer-policy")).toBe("no-referrer");
      expect(r.headers.get("x-litellm-call-id")).toMatch(/^[0-9a-f-]{36}$/); // the call's headers, as on every answer
      const html = await r.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
      expect(html).not.toContain(MASTER_KEY);
      for (const asset of html.match(/\/ui\/main-[\w-]+\.(js|css)/g)!) expect((await fetch(`${gw.url}${asset}`)).status).toBe(200);
    }
    expect((await fetch(`${gw.url}/ui/nope.js`)).status).toBe(404);
  });

  it("is off with GATEKIT_UI=0 (gateway.ui: false in the spec)", async () => {
    const config = loadGatewayConfig({ config: { model_list: [] }, env: {} });
    const off = createGateway(config, { logger: createLogger("CRITICAL"), options: parseGatewayArgs([], { GATEKIT_UI: "0" }) });
    const on = createGateway(config, { logger: createLogger("CRITICAL"), options: parseGatewayArgs([], {}) });
    const status = (g: typeof off) => new Promise<number>((resolve) => {
      const res = { statusCode: 0, headersSent: false, setHeader() {}, getHeader() {}, once() { return res; }, writeHead(s: number) { res.statusCode = s; return res; }, end() { resolve(res.statusCode); } };
      g.handle({ method: "GET", url: "/ui", headers: {} } as never, res as never);
    });
    expect(await status(off)).toBe(404);
    expect(await status(on)).toBe(200);
    await off.close();
    await on.close();
  });
});
