// The Responses API under virtual keys against a real PostgreSQL: a key's budget and rpm limit refuse a
// Responses call exactly as they refuse a chat call, spend rows land with LiteLLM's call_type `aresponses`,
// and stored answers live in Postgres per key — another key gets 404s, another gateway instance continues them.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../lib/gateway/state/keys.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { RESPONSES_KEY, startMockResponses, type MockResponses } from "../support/mock-openai-responses.ts";
import { KEYS, startMockProviders, type MockProviders } from "../support/mock-providers.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let db: TestPostgres;
let native: MockResponses;
let providers: MockProviders;
let gw: TestGateway;
let second: TestGateway;

const PRICE = { input_cost_per_token: 0.01, output_cost_per_token: 0.02 };
const config = () => ({
  model_list: [
    { model_name: "gpt", litellm_params: { model: "openai/gpt-4.1-mini", api_base: native.url, api_key: RESPONSES_KEY, ...PRICE } },
    { model_name: "claude", litellm_params: { model: "anthropic/claude-sonnet-4", api_base: providers.url, api_key: KEYS.anthropic, ...PRICE } },
  ],
  general_settings: { database_url: "os.environ/DATABASE_URL", proxy_batch_write_at: 1 },
});
const admin = async (path: string, body?: object) =>
  (await fetch(`${gw.url}${path}`, { method: body ? "POST" : "GET", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: body && JSON.stringify(body) })).json();
const newKey = async (body: object = {}) => ((await admin("/key/generate", body)) as { key: string }).key;
const query = (sql: string, params: unknown[] = []) => db.query(sql, params);
/** The refusal as the client sees it: status, error type and param. */
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: InstanceType<typeof OpenAI.APIError>) => ({ status: e.status, type: e.type, code: e.code }));

beforeAll(async () => {
  db = await startPostgres();
  await db.migrate(); // as `gatekit gateway` does before its workers start
  native = await startMockResponses();
  providers = await startMockProviders();
  gw = await startGateway(config(), { DATABASE_URL: db.url });
  second = await startGateway(config(), { DATABASE_URL: db.url });
}, 120_000);
afterAll(async () => {
  await gw?.close();
  await second?.close();
  await native?.close();
  await providers?.close();
  await db?.destroy();
});

describe("a virtual key on /v1/responses", () => {
  it("its budget refuses a Responses call as it refuses a chat call", async () => {
    const client = gw.client(await newKey({ max_budget: 0.5 }));
    await client.responses.create({ model: "gpt", input: "x" }); // 13 × 0.01 + 6 × 0.02 = 0.25
    await client.responses.create({ model: "gpt", input: "x" });
    const responses = await refusal(client.responses.create({ model: "gpt", input: "x" }));
    const chat = await refusal(client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }] }));
    expect(responses).toBeDefined();
    expect(responses).toEqual(chat);
    expect(responses!.status).toBe(400);
  });

  it("its rpm limit refuses a Responses call as it refuses a chat call (429)", async () => {
    const client = gw.client(await newKey({ rpm_limit: 2 }));
    await client.responses.create({ model: "claude", input: "x" });
    await client.responses.create({ model: "gpt", input: "x", stream: true }).then(async (s) => { for await (const _ of s); });
    const responses = await refusal(client.responses.create({ model: "gpt", input: "x" }));
    const chat = await refusal(client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }] }));
    expect(responses?.status).toBe(429);
    expect(responses).toEqual(chat);
  });

  it("its spend rows land with call_type aresponses, cost from usage, native and bridged, whole and streamed", async () => {
    const key = await newKey();
    const client = gw.client(key);
    await client.responses.create({ model: "gpt", input: "x" });
    for await (const _ of await client.responses.create({ model: "gpt", input: "x", stream: true }));
    await client.responses.create({ model: "claude", input: "x" });
    for await (const _ of await client.responses.create({ model: "claude", input: "x", stream: true }));
    await admin("/spend/logs"); // flushes the batch
    const rows = await query(`SELECT call_type, model, spend, prompt_tokens, completion_tokens FROM "LiteLLM_SpendLogs" WHERE api_key = $1 ORDER BY "startTime"`, [hashKey(key)]);
    expect(rows.map((r) => [r.call_type, r.model, r.prompt_tokens, r.completion_tokens])).toEqual([
      ["aresponses", "openai/gpt-4.1-mini", 13, 6],
      ["aresponses", "openai/gpt-4.1-mini", 13, 6],
      ["aresponses", "anthropic/claude-sonnet-4", 12, 5],
      ["aresponses", "anthropic/claude-sonnet-4", 12, 2],
    ]);
    expect(rows.map((r) => Number(r.spend.toFixed(6)))).toEqual([0.25, 0.25, 0.22, 0.16]);
    const [token] = await query(`SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = $1`, [hashKey(key)]);
    expect(Number(token.spend)).toBeCloseTo(0.88, 8);
  });
});

describe("stored responses in Postgres", () => {
  it("belong to the key that made them: another key gets 404s; another gateway instance continues them", async () => {
    const mine = await newKey();
    const theirs = gw.client(await newKey());
    const first = await gw.client(mine).responses.create({ model: "claude", input: "remember: blue" });
    // The row is written beside the answer, not before it (a follow-up on this worker waits for the write).
    const row = async () => (await query("SELECT owner, expires_at > now() + interval '29 days' AS kept FROM gatekit_responses WHERE id = $1", [first.id]))[0];
    await expect.poll(row, { timeout: 5000 }).toEqual({ owner: hashKey(mine), kept: true });
    await expect(theirs.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
    await expect(theirs.responses.delete(first.id)).rejects.toMatchObject({ status: 404 });
    await expect(theirs.responses.create({ model: "claude", input: "x", previous_response_id: first.id })).rejects.toMatchObject({ status: 404, param: "previous_response_id" });
    const next = await second.client(mine).responses.create({ model: "gpt", input: "what colour?", previous_response_id: first.id });
    expect(JSON.stringify(native.requests.at(-1)!.body.input)).toContain("remember: blue");
    expect((await second.client(mine).responses.retrieve(next.id)).id).toBe(next.id);
    await gw.client(mine).responses.delete(first.id);
    expect(await query("SELECT id FROM gatekit_responses WHERE id = $1", [first.id])).toEqual([]);
  });

  it("store: false keeps nothing", async () => {
    const r = await gw.client().responses.create({ model: "gpt", input: "forget me", store: false });
    expect(await query("SELECT id FROM gatekit_responses WHERE id = $1", [r.id])).toEqual([]);
  });
});
