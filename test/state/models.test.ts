// Stored deployments (`store_model_in_db`) against a real PostgreSQL: /model/new seals the api_key with a key
// derived from LITELLM_SALT_KEY, every instance serves the new model, /model/delete removes it everywhere, and
// a gateway started with another salt key stops with an error instead of serving broken credentials.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor, startGatewayProcess } from "../support/gateway-process.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { execa } from "execa";
import { BIN } from "../support/cli.ts";
import { freePort } from "../support/ports.ts";

const SALT = "salt-key-for-the-models-test-0123456789";
const PROVIDER_KEY = "sk-provider-secret-value-4242";
let db: TestPostgres;
let upstream: MockUpstream;
let a: TestGateway;
let b: TestGateway;

const config = { model_list: [], general_settings: { database_url: "os.environ/DATABASE_URL", store_model_in_db: true } };
const admin = (gw: TestGateway, path: string, body?: object) =>
  fetch(`${gw.url}${path}`, { method: body ? "POST" : "GET", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: body && JSON.stringify(body) });
const chat = (gw: TestGateway, model: string) => gw.client().chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
const rows = async (sql: string) => {
  const c = new pg.Client(db.url);
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
};

beforeAll(async () => {
  [db, upstream] = await Promise.all([startPostgres(), startMockOpenAI()]);
  // A real gateway process migrates the schema and records the salt key's probe, then stops.
  const first = await startGatewayProcess(config, { env: { DATABASE_URL: db.url, LITELLM_SALT_KEY: SALT } });
  await first.stop();
  const env = { DATABASE_URL: db.url, LITELLM_SALT_KEY: SALT };
  [a, b] = await Promise.all([startGateway(config, env), startGateway(config, env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await upstream?.close();
  await db?.destroy();
});

describe("stored models", () => {
  it("/model/new seals the api_key at rest, and every instance serves the model", async () => {
    const res = await admin(a, "/model/new", { model_name: "stored-chat", litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: PROVIDER_KEY }, model_info: { id: "stored-1" } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).not.toContain(PROVIDER_KEY);
    const [row] = await rows(`SELECT litellm_params FROM "LiteLLM_ProxyModelTable" WHERE model_id = 'stored-1'`);
    expect(row.litellm_params.api_key).toMatch(/^gk1:/);
    expect(JSON.stringify(await rows(`SELECT * FROM "LiteLLM_ProxyModelTable"`))).not.toContain(PROVIDER_KEY);

    expect((await chat(a, "stored-chat")).choices[0]?.message.content).toContain("echo");
    expect(upstream.requests.at(-1)?.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    await waitFor(async () => !!(await chat(b, "stored-chat").catch(() => undefined)), 10_000);

    const info = (await (await admin(b, "/model/info")).json()) as { data: { model_name: string; litellm_params: Record<string, unknown>; model_info: { db_model: boolean } }[] };
    const listed = info.data.find((m) => m.model_name === "stored-chat")!;
    expect(listed.model_info.db_model).toBe(true);
    expect(listed.litellm_params.api_key).toBeUndefined();
  });

  it("/model/delete removes it on every instance; unknown ids and bad bodies are clear 4xx", async () => {
    expect((await admin(b, "/model/delete", { id: "stored-1" })).status).toBe(200);
    await expect(chat(b, "stored-chat")).rejects.toMatchObject({ status: 400 });
    await waitFor(async () => (await chat(a, "stored-chat").then(() => 200, (e: { status: number }) => e.status)) === 400, 10_000);
    const missing = await admin(a, "/model/delete", { id: "no-such-model" });
    expect(missing.status).toBe(404);
    const bad = await admin(a, "/model/new", { model_name: "x", litellm_params: {} });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("litellm_params.model");
  });

  it("refuses /model/new without store_model_in_db", async () => {
    const plain = await startGateway({ model_list: [], general_settings: { database_url: "os.environ/DATABASE_URL" } }, { DATABASE_URL: db.url, LITELLM_SALT_KEY: SALT });
    try {
      const res = await admin(plain, "/model/new", { model_name: "x", litellm_params: { model: "openai/x" } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain("store_model_in_db");
    } finally {
      await plain.close();
    }
  });

  it("a gateway started with a different salt key stops with an error that says so", async () => {
    await admin(a, "/model/new", { model_name: "kept", litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: PROVIDER_KEY } });
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const dir = mkdtempSync("/tmp/gatekit-salt-");
    writeFileSync(`${dir}/config.yaml`, JSON.stringify(config));
    const other = await execa("node", [BIN, "gateway", "--config", `${dir}/config.yaml`, "--port", String(await freePort())], {
      reject: false, all: true, timeout: 30_000, env: { DATABASE_URL: db.url, LITELLM_SALT_KEY: "a-different-salt-key-0123456789", LITELLM_MASTER_KEY: MASTER_KEY, LITELLM_MODE: "PRODUCTION" },
    });
    expect(other.exitCode).toBe(1);
    expect(other.all).toContain("LITELLM_SALT_KEY is not the salt key the stored credentials were encrypted with");
    expect(other.all).not.toContain("a-different-salt-key");
    expect(other.all).not.toContain(SALT);
    // The right key still starts and serves the stored model.
    const again = await startGatewayProcess(config, { env: { DATABASE_URL: db.url, LITELLM_SALT_KEY: SALT } });
    try {
      const res = await fetch(`${again.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ model: "kept", messages: [{ role: "user", content: "x" }] }) });
      expect(res.status).toBe(200);
    } finally {
      await again.stop();
    }
  }, 60_000);
});
