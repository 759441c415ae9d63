// The real Claude Code CLI (`claude -p`, headless) through the gateway with a virtual key — once with an
// Anthropic-format upstream (native passthrough), once with an OpenAI-format one (translated) — and the key's
// rules on Messages calls as on chat: its spend rows land in Postgres with LiteLLM's call_type, its budget and
// rpm limit refuse with Anthropic's error types.
import Anthropic from "@anthropic-ai/sdk";
import { execa } from "execa";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_KEYS, startAgentUpstreams, type AgentUpstreams } from "../support/mock-agents.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

const CLAUDE = new URL("../../node_modules/.bin/claude", import.meta.url).pathname;
let db: TestPostgres;
let up: AgentUpstreams;
let gw: TestGateway;

beforeAll(async () => {
  [db, up] = await Promise.all([startPostgres(), startAgentUpstreams()]);
  await db.migrate(); // the primary's job in a deployed gateway
  gw = await startGateway({
    model_list: [
      { model_name: "gk-anthropic", litellm_params: { model: "anthropic/claude-sonnet-4-5", api_base: up.url, api_key: "os.environ/ANT_KEY" } },
      { model_name: "gk-openai", litellm_params: { model: "openai/gpt-4.1", api_base: `${up.url}/v1`, api_key: "os.environ/OAI_KEY", input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
    ],
    general_settings: { database_url: "os.environ/DATABASE_URL", proxy_batch_write_at: 1 },
  }, { ANT_KEY: AGENT_KEYS.anthropic, OAI_KEY: AGENT_KEYS.openai, DATABASE_URL: db.url });
}, 120_000);
afterAll(async () => {
  await gw?.close();
  await up?.close();
  await db?.destroy();
});

async function generate(body: object): Promise<{ key: string; token: string }> {
  const r = await fetch(`${gw.url}/key/generate`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
  return (await r.json()) as { key: string; token: string };
}

async function spendRows(token: string): Promise<{ call_type: string; model_group: string; spend: number; prompt_tokens: number; completion_tokens: number }[]> {
  const c = new pg.Client(db.url);
  await c.connect();
  try {
    return (await c.query(`SELECT call_type, model_group, spend, prompt_tokens, completion_tokens FROM "LiteLLM_SpendLogs" WHERE api_key = $1 AND status = 'success'`, [token])).rows;
  } finally {
    await c.end();
  }
}

/** `claude -p` in an isolated HOME, every model variable pointing at one gateway model group. */
function claude(prompt: string, model: string, token: string) {
  const home = mkdtempSync(join(tmpdir(), "gatekit-claude-home-"));
  return execa(CLAUDE, ["-p", prompt], {
    cwd: home, input: "", reject: false, timeout: 150_000, extendEnv: false,
    env: {
      PATH: process.env.PATH, HOME: home, ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: token, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", DISABLE_AUTOUPDATER: "1",
      ANTHROPIC_MODEL: model, ANTHROPIC_DEFAULT_SONNET_MODEL: model, ANTHROPIC_DEFAULT_OPUS_MODEL: model, ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
    },
  });
}

describe("Claude Code (claude -p) through the gateway", () => {
  it.each([
    ["gk-anthropic", "anthropic upstream", "/v1/messages"],
    ["gk-openai", "openai upstream", "/v1/chat/completions"],
  ])("completes a prompt on %s, and the key's spend rows land as anthropic_messages", async (model, who, upstreamPath) => {
    const { key, token } = await generate({ models: [model], key_alias: `claude-code-${model}` });
    const before = up.seen.length;
    const r = await claude("Reply with the word PONG", model, key);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`${who} says: Reply with the word PONG`);
    const calls = up.seen.slice(before).filter((s) => s.path === upstreamPath);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.body.stream === true)).toBe(true);
    if (model === "gk-anthropic") expect(calls[0]!.headers["anthropic-beta"]).toContain("claude-code-20250219");
    else expect(calls[0]!.body.tools.length).toBeGreaterThan(5); // Claude Code's own tools, as OpenAI functions
    await expect.poll(() => spendRows(token), { timeout: 10_000 }).toContainEqual(expect.objectContaining({ call_type: "anthropic_messages", model_group: model }));
    const rows = await spendRows(token);
    expect(rows.every((row) => row.prompt_tokens > 0 && row.completion_tokens > 0)).toBe(true);
    if (model === "gk-openai") expect(rows[0]!.spend).toBeGreaterThan(0);
  }, 180_000);
});

describe("a virtual key's rules on Messages calls", () => {
  const sdk = (key: string) => new Anthropic({ apiKey: key, baseURL: gw.url, maxRetries: 0 });
  const ask = (model = "gk-openai") => ({ model, max_tokens: 50, messages: [{ role: "user" as const, content: "x" }] });

  it("its budget refuses once spent (400 invalid_request_error), streamed or not", async () => {
    const { key, token } = await generate({ max_budget: 0.01 });
    await sdk(key).messages.create(ask()); // costs more than 0.01 at these prices
    const e = await sdk(key).messages.create(ask()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Anthropic.BadRequestError);
    expect((e as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringMatching(/Budget has been exceeded/) } });
    await expect(sdk(key).messages.stream(ask()).finalMessage()).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect.poll(async () => (await spendRows(token)).length, { timeout: 10_000 }).toBe(1);
  });

  it("a model outside its list is an authentication_error", async () => {
    const { key } = await generate({ models: ["gk-openai"] });
    const e = await sdk(key).messages.create(ask("gk-anthropic")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((e as Error).message).toMatch(/key not allowed to access model/);
  });

  it("its rpm limit refuses the next call in the minute (429 rate_limit_error)", async () => {
    const { key } = await generate({ rpm_limit: 1 });
    await sdk(key).messages.create(ask("gk-anthropic"));
    const e = await sdk(key).messages.create(ask("gk-anthropic")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Anthropic.RateLimitError);
    expect((e as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: "rate_limit_error" } });
  });
});
