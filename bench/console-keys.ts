// `npm run bench:console [-- N]`: the console's Keys page with N keys (500,000 by default) in a real
// PostgreSQL. Fills the table in SQL, then in Debian's Chromium times, from the click to the 25th row on screen:
// the first page (newest first), sorted by spend, an alias search, and a page deep in the list; and the
// /key/list answer alone. Goal: the first page under 1 s. Prints numbers; asserts nothing.
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createPool, migrate } from "../lib/gateway/state/db.ts";
import { buildUi } from "../scripts/build-ui.ts";
import { startBrowser } from "../test/support/browser.ts";
import { MASTER_KEY, startGateway } from "../test/support/gateway.ts";
import { startPostgres } from "../test/support/postgres.ts";

const N = Number(process.argv[2] ?? 500_000);
const RUNS = 5;
const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

process.env.GATEKIT_UI_DIR = (await buildUi(mkdtempSync(join(tmpdir(), "gatekit-ui-")))).dir;
const db = await startPostgres();
const pool = createPool(db.url, { max: 2, connectionTimeoutMs: 5000 });
await migrate(pool);
let t0 = performance.now();
// Hashes are 64 hex characters like real ones; aliases key-000001…; spend, budgets and ages vary.
await pool.query(
  `INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, spend, max_budget, budget_duration, models, created_at)
   SELECT md5(i::text) || md5((-i)::text), 'sk-...' || right(md5(i::text), 4), 'key-' || lpad(i::text, 6, '0'), round((random() * 100)::numeric, 4),
          CASE WHEN i % 3 = 0 THEN 100 END, CASE WHEN i % 3 = 0 THEN '30d' END, CASE WHEN i % 2 = 0 THEN '{gpt-4o-mini}'::text[] ELSE '{}' END,
          now() - make_interval(secs => i)
   FROM generate_series(1, $1) i`, [N]);
await pool.query(`ANALYZE "LiteLLM_VerificationToken"`);
const fillMs = performance.now() - t0;
await pool.end();

const gw = await startGateway({ model_list: [], general_settings: { database_url: "os.environ/DATABASE_URL" } }, { DATABASE_URL: db.url });
const browser = await startBrowser();
const results: [string, number[]][] = [];
try {
  const page = await browser.context.newPage();
  await page.goto(`${gw.url}/ui`);
  await page.getByLabel("Master key or virtual key").fill(MASTER_KEY);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  // Locators, not page functions: the console's CSP forbids the eval a string predicate would need.
  const shown = (firstRow: RegExp) => Promise.all([
    page.locator("table.keys tbody tr:nth-child(25)").waitFor({ timeout: 60_000 }),
    page.locator("table.keys tbody tr:first-child th").filter({ hasText: firstRow }).waitFor({ timeout: 60_000 }),
  ]);
  /** From the action to the 25 rows of its answer on screen (the first row's alias tells the new page from the old). */
  const timed = async (label: string, act: () => Promise<unknown>, firstRow: RegExp, reset: () => Promise<unknown>) => {
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await reset();
      const start = performance.now();
      await act();
      await shown(firstRow);
      runs.push(performance.now() - start);
    }
    results.push([label, runs]);
  };
  const newest = /^key-000001/;
  const toOverview = async () => (await page.getByRole("link", { name: "Overview" }).click(), page.getByRole("heading", { name: "Overview" }).waitFor());
  const byCreation = async () => (await page.getByLabel("Sort by").selectOption("created_at"), shown(newest));
  await timed("first page (newest first)", () => page.getByRole("link", { name: "Keys" }).click(), newest, toOverview);
  await timed("sorted by spend, descending", () => page.getByLabel("Sort by").selectOption("spend"), /^key-(?!000001)/, byCreation);
  await byCreation();
  await timed("alias search (prefix key-0001)", async () => (await page.getByLabel("Alias starts with").fill("key-0001"), page.getByRole("button", { name: "Search" }).click()), /^key-0001/, async () => {
    await page.getByLabel("Alias starts with").fill("");
    await page.getByRole("button", { name: "Search" }).click();
    await shown(newest);
  });
  const api: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t0 = performance.now();
    const r = await fetch(`${gw.url}/key/list?page=1&size=25&sort_by=created_at&sort_order=desc&return_full_object=true`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    await r.json();
    api.push(performance.now() - t0);
  }
  results.push(["GET /key/list page 1 (API alone)", api]);
  const deep: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t0 = performance.now();
    await (await fetch(`${gw.url}/key/list?page=${Math.floor(N / 25 / 2)}&size=25`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json();
    deep.push(performance.now() - t0);
  }
  results.push([`GET /key/list page ${Math.floor(N / 25 / 2)} (half-way, OFFSET ${Math.floor(N / 2)})`, deep]);
} finally {
  await browser.close();
  await gw.close();
  await db.destroy();
}
console.log(`console Keys page with ${N.toLocaleString("en-US")} keys (${cpus().length} cores; filled in ${seconds(fillMs)}); ${RUNS} runs each, median (max):`);
for (const [label, runs] of results) console.log(`  ${label.padEnd(48)} ${seconds(median(runs))} (${seconds(Math.max(...runs))})`);
