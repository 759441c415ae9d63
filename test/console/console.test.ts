// The admin console in a real browser (Debian's Chromium, headless, through playwright-core) against an
// in-process gateway on a real PostgreSQL: sign in, create a key and see it listed, call the chat API with it
// (the openai SDK), see its spend on the Spend page and the Overview, block it and see the next call refused,
// sign out; a virtual key sees its own usage only; axe-core finds no serious or critical violation on any
// page; the keyboard alone reaches everything. Code run in the page is given as strings, so this file compiles
// without the DOM library. Each page's screenshot goes to docs/console/ (docs/console.md).
import axe from "axe-core";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUi } from "../../scripts/build-ui.ts";
import { startBrowser, type TestBrowser } from "../support/browser.ts";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockOpenAI, type MockUpstream } from "../support/mock-openai.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

const SHOTS = "docs/console";
let db: TestPostgres;
let upstream: MockUpstream;
let gw: TestGateway;
let browser: TestBrowser;
let page: Page;
let created: string; // the key made in the browser
let other: { key: string; token: string }; // a second key, with traffic of its own
const requested: string[] = [];
const cspViolations: string[] = [];

const chat = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: "priced", messages: [{ role: "user", content: "hello" }] });
const stat = (name: string) => page.locator(`[data-stat="${name}"] .stat-value`);
const go = async (title: string) => {
  await page.getByRole("link", { name: title, exact: true }).click();
  await expect.poll(() => page.locator("h1").textContent()).toBe(title);
};
const shot = (name: string, mask = [] as ReturnType<Page["locator"]>[]) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, mask, animations: "disabled" });

/** axe-core in the page; the serious and critical violations, by rule and element. */
async function accessibilityProblems(): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)`)) as axe.Result[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function signIn(key: string) {
  await page.getByLabel("Master key or virtual key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator("h1").textContent()).toBe("Overview");
}

beforeAll(async () => {
  process.env.GATEKIT_UI_DIR = (await buildUi(mkdtempSync(join(tmpdir(), "gatekit-ui-")))).dir;
  db = await startPostgres();
  await db.migrate();
  upstream = await startMockOpenAI();
  gw = await startGateway({
    model_list: [
      { model_name: "priced", litellm_params: { model: "openai/custom", api_base: upstream.url, input_cost_per_token: 0.01, output_cost_per_token: 0.02 } },
      { model_name: "embed", litellm_params: { model: "openai/text-embedding-3-small", api_base: upstream.url, mode: "embedding" } },
    ],
    general_settings: { database_url: "os.environ/DATABASE_URL", proxy_batch_write_at: 60 },
  }, { DATABASE_URL: db.url });
  const generated = await fetch(`${gw.url}/key/generate`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ key_alias: "own-usage", max_budget: 20, budget_duration: "30d" }) });
  other = (await generated.json()) as { key: string; token: string };
  await chat(other.key);
  browser = await startBrowser();
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gw.url });
  page = await browser.context.newPage();
  page.on("request", (r) => requested.push(r.url()));
  page.on("console", (m) => /Content.Security.Policy/i.test(m.text()) && cspViolations.push(m.text()));
  await page.goto(`${gw.url}/ui`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await upstream?.close();
  await db?.destroy();
  delete process.env.GATEKIT_UI_DIR;
});

describe("the console, signed in with the master key", () => {
  it("refuses a wrong key with the API's own refusal, in a password field", async () => {
    expect(await page.getByLabel("Master key or virtual key").getAttribute("type")).toBe("password");
    expect(await accessibilityProblems()).toEqual([]);
    await shot("sign-in");
    await page.getByLabel("Master key or virtual key").fill("sk-not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("AuthenticationError: Authentication Error, invalid api key.");
  });

  it("signs in, creates a key (shown once, copied) and lists it", async () => {
    await signIn(MASTER_KEY);
    await go("Keys");
    await page.getByRole("button", { name: "Create key" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Alias").fill("browser-key");
    await dialog.getByLabel("Models (comma-separated; empty = all)").fill("priced");
    await dialog.getByLabel("Max budget (USD)").fill("10");
    await dialog.getByLabel("Budget period (e.g. 30d)").fill("30d");
    await dialog.getByLabel("Requests per minute").fill("100");
    await dialog.getByLabel("Metadata (JSON)").fill('{"team":"docs"}');
    expect(await accessibilityProblems()).toEqual([]);
    await dialog.getByRole("button", { name: "Create" }).click();
    const secret = page.getByLabel("New key", { exact: true });
    await expect.poll(() => secret.inputValue()).toMatch(/^sk-/);
    created = await secret.inputValue();
    await page.getByRole("button", { name: "Copy" }).click();
    await expect.poll(() => page.evaluate("navigator.clipboard.readText()")).toBe(created);
    expect(await accessibilityProblems()).toEqual([]);
    await shot("new-key", [secret]);
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByLabel("Alias starts with").fill("browser");
    await page.getByRole("button", { name: "Search" }).click();
    const row = page.getByRole("row").filter({ hasText: "browser-key" });
    await expect.poll(() => row.textContent()).toContain("$0.00 of $10.00 per 30d");
    expect(await row.textContent()).toContain("100 rpm");
    // The search answer replaces the unfiltered list a moment later: wait for it.
    await expect.poll(() => page.locator(".count").textContent()).toBe("1 keys");
  });

  it("edits the key's limits", async () => {
    await page.getByRole("button", { name: "Edit browser-key" }).click();
    await page.getByRole("dialog").getByLabel("Tokens per minute").fill("5000");
    await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("row").filter({ hasText: "browser-key" }).textContent()).toContain("5,000 tpm");
  });

  it("shows the key's calls on the Spend chart and table, and on the Overview", async () => {
    await chat(created);
    await chat(created);
    await go("Spend");
    await expect.poll(() => page.locator("#spend-total").textContent()).toMatch(/^Total \$0\.75 /); // 3 calls × 0.25
    await expect.poll(() => page.locator(".chart canvas").count()).toBeGreaterThan(0); // drawn after its own fetch
    await page.getByLabel("Key").check();
    const row = page.getByRole("row").filter({ hasText: "browser-key" });
    await expect.poll(() => row.textContent()).toContain("$0.50");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
    const csv = readFileSync((await download.path())!, "utf8");
    expect(csv.split("\n")[0]).toBe("key,spend_usd,requests,tokens");
    expect(csv).toContain("browser-key,0.5,2,36\n"); // 2 calls × (11 + 7) tokens
    expect(await accessibilityProblems()).toEqual([]);
    await shot("spend");
    await go("Overview");
    await expect.poll(() => stat("requests").textContent()).toBe("3");
    expect(await stat("spend-today").textContent()).toBe("$0.75");
    await expect.poll(() => stat("database").textContent()).toMatch(/^connected/); // health is its own fetch
    expect(await stat("workers").textContent()).toBe("1"); // in-process: one worker, no --num_workers
    await expect.poll(() => page.locator(".chart canvas").count()).toBeGreaterThan(0); // drawn after its own fetch
    expect(await accessibilityProblems()).toEqual([]);
    await shot("overview");
  });

  it("blocks the key, and its next call is refused; the refusal shows in the Logs and the Overview", async () => {
    await go("Keys");
    await page.getByRole("button", { name: "Block browser-key" }).click();
    await expect.poll(() => page.getByRole("row").filter({ hasText: "browser-key" }).textContent()).toContain("blocked");
    expect(await accessibilityProblems()).toEqual([]);
    await shot("keys");
    await expect(chat(created)).rejects.toMatchObject({ status: 401, message: expect.stringContaining("This key has been blocked") });
    await go("Logs");
    await page.getByLabel("Status").selectOption("failure");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => page.locator(".count").textContent()).toBe("1 requests");
    expect(await page.locator("table.logs tbody").textContent()).toContain("AuthenticationError");
    await page.getByLabel("Status").selectOption("");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => page.locator(".count").textContent()).toBe("4 requests");
    expect(await accessibilityProblems()).toEqual([]);
    await shot("logs");
    await go("Overview");
    await expect.poll(() => stat("errors").textContent()).toBe("1");
    expect(await page.locator("section", { hasText: "Errors by type" }).textContent()).toContain("AuthenticationError");
  });

  it("lists the deployments and probes one", async () => {
    await go("Models");
    const row = page.getByRole("row").filter({ hasText: "priced" });
    expect(await row.textContent()).toContain("healthy");
    await row.getByRole("button", { name: /^Probe priced/ }).click();
    await expect.poll(() => row.locator(".probe-result").textContent()).toMatch(/ok in \d+ ms/);
    expect(await accessibilityProblems()).toEqual([]);
    await shot("models");
  });

  it("deletes a key only after confirmation", async () => {
    await go("Keys");
    await page.getByRole("button", { name: "Delete browser-key" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    expect(await page.getByRole("row").filter({ hasText: "browser-key" }).count()).toBe(1);
    await page.getByRole("button", { name: "Delete browser-key" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
    await expect.poll(() => page.getByRole("row").filter({ hasText: "browser-key" }).count()).toBe(0);
  });

  it("signs out: the key is gone from the tab, and the pages need a sign-in again", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.getByLabel("Master key or virtual key").isVisible()).toBe(true);
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    await page.goto(`${gw.url}/ui/#/keys`);
    await expect.poll(() => page.getByLabel("Master key or virtual key").isVisible()).toBe(true);
  });
});

describe("the console, signed in with a virtual key", () => {
  it("shows only that key's own usage, and no admin pages", async () => {
    await signIn(other.key);
    const links = await page.getByRole("navigation", { name: "Console pages" }).getByRole("link").allTextContents();
    expect(links).toEqual(["Overview", "Spend", "Logs"]);
    await expect.poll(() => stat("requests").textContent()).toBe("1"); // its one call, not the other key's four
    expect(await stat("spend-today").textContent()).toBe("$0.25");
    expect(await page.locator('[data-stat="database"]').count()).toBe(0);
    expect(await accessibilityProblems()).toEqual([]);
    await shot("virtual-key-overview");
    await go("Logs");
    await expect.poll(() => page.locator(".count").textContent()).toBe("1 requests");
    await go("Spend");
    await page.getByLabel("Key").check();
    await expect.poll(() => page.locator("table.spend tbody").textContent()).toContain("own-usage");
    expect(await page.locator("table.spend tbody tr").count()).toBe(1);
    await page.getByRole("button", { name: "Sign out" }).click();
  });
});

describe("the console with the keyboard only", () => {
  it("signs in, moves between pages and opens and closes a dialog without a mouse", async () => {
    await page.evaluate("sessionStorage.clear()");
    await page.goto(`${gw.url}/ui/`);
    const focused = () => page.evaluate(`document.activeElement?.id || document.activeElement?.textContent || ""`);
    const tabTo = async (target: string) => {
      for (let i = 0; i < 40 && (await focused()) !== target; i++) await page.keyboard.press("Tab");
      expect(await focused()).toBe(target);
    };
    await tabTo("key");
    await page.keyboard.type(MASTER_KEY);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("h1").textContent()).toBe("Overview");
    await tabTo("Keys");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("h1").textContent()).toBe("Keys");
    await tabTo("Create key");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("dialog").isVisible()).toBe(true);
    expect(await focused()).toBe("f-key_alias"); // focus moved into the dialog
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
  });
});

describe("what the browser sent and ran", () => {
  it("never put a key in a URL, and the page ran under its CSP without a violation", () => {
    expect(requested.length).toBeGreaterThan(10);
    for (const url of requested) for (const key of [MASTER_KEY, created, other.key]) expect(url).not.toContain(key);
    expect(requested.every((u) => u.startsWith(gw.url))).toBe(true); // nothing from another origin
    expect(cspViolations).toEqual([]);
  });
});
