// The real Codex CLI (`codex exec`, non-interactive) pointed at the gateway through a config.toml provider with
// `wire_api = "responses"`, in an isolated CODEX_HOME: once with an OpenAI-format upstream (the Responses API
// relayed natively) and once with an Anthropic-format one (bridged through the chat form, Codex's tools that
// Anthropic can't run dropped).
import { execa } from "execa";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { RESPONSES_KEY, startMockResponses, type MockResponses } from "../support/mock-openai-responses.ts";
import { KEYS, startMockProviders, type MockProviders } from "../support/mock-providers.ts";

const CODEX = join(import.meta.dirname, "../../node_modules/.bin/codex");

let native: MockResponses;
let providers: MockProviders;
let gw: TestGateway;
let home: string;

beforeAll(async () => {
  native = await startMockResponses();
  providers = await startMockProviders();
  gw = await startGateway({
    model_list: [
      { model_name: "gpt", litellm_params: { model: "openai/gpt-4.1-mini", api_base: native.url, api_key: RESPONSES_KEY } },
      { model_name: "claude", litellm_params: { model: "anthropic/claude-sonnet-4", api_base: providers.url, api_key: KEYS.anthropic } },
    ],
  });
  home = mkdtempSync(join(tmpdir(), "gatekit-codex-"));
  writeFileSync(join(home, "config.toml"), [
    'model_provider = "gatekit"',
    "",
    "[model_providers.gatekit]",
    'name = "gatekit"',
    `base_url = "${gw.url}/v1"`,
    'env_key = "GATEKIT_API_KEY"',
    'wire_api = "responses"',
    "",
  ].join("\n"));
});
afterAll(async () => {
  await gw.close();
  await native.close();
  await providers.close();
  rmSync(home, { recursive: true, force: true });
});

const codex = (model: string, prompt: string) =>
  execa(CODEX, ["exec", "--skip-git-repo-check", "-m", model, prompt], {
    cwd: home, input: "", timeout: 120_000, reject: false,
    env: { CODEX_HOME: home, GATEKIT_API_KEY: MASTER_KEY, OPENAI_API_KEY: "", HOME: home },
  });

it("codex exec completes a prompt through an OpenAI-format upstream (native Responses relay)", async () => {
  const run = await codex("gpt", "Reply with one word");
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.stdout).toContain("said=Reply with one word");
  const seen = native.requests.at(-1)!;
  expect(seen.path).toBe("/v1/responses");
  expect(seen.body).toMatchObject({ model: "gpt-4.1-mini", stream: true });
  expect((seen.body.tools as { type: string }[]).length).toBeGreaterThan(0); // Codex's own tools went through as they were
}, 150_000);

it("codex exec completes a prompt through an Anthropic-format upstream (bridged)", async () => {
  const run = await codex("claude", "Reply with one word");
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.stdout).toContain("Hello world"); // the Anthropic mock's streamed text, as Codex printed it
  const seen = providers.seen.at(-1)!;
  expect(seen.path).toBe("/v1/messages");
  expect(seen.body.stream).toBe(true);
  const tools = (seen.body.tools as { name: string }[]).map((t) => t.name);
  expect(tools.length).toBeGreaterThan(0);
  expect(tools).not.toContain("web_search"); // a tool only OpenAI runs was dropped, not refused
}, 150_000);
