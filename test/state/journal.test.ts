// The journal's files: rows written at the end of the turn, segments deleted as their rows leave, a mark for a
// segment partly landed, replay from the mark on, a torn last line skipped, one owner per folder.
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adoptOrphans, claimJournal, ORPHAN_MS, queueOf, readSegments, SpendJournal } from "../../lib/gateway/state/journal.ts";
import type { SpendRow } from "../../lib/gateway/state/spend.ts";

const row = (i: number): SpendRow => ({
  request_id: `req-${i}`, call_type: "acompletion", api_key: "k", spend: 0.25, prompt_tokens: 11, completion_tokens: 7,
  startTime: new Date(1_700_000_000_000 + i), endTime: new Date(1_700_000_000_100 + i), model: "openai/custom", model_id: "d", model_group: "priced", api_base: "", user: "",
});
const turn = () => new Promise((r) => setImmediate(r));
const files = (dir: string) => readdirSync(dir).filter((f) => f.startsWith("spend-")).sort();

describe("SpendJournal", () => {
  it("writes a turn's rows at its end, marks a partly landed segment, and deletes what has all landed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatekit-journal-unit-"));
    const j = new SpendJournal(dir);
    for (let i = 0; i < 5; i++) j.append(row(i));
    expect(files(dir)).toEqual([]); // not yet: the turn is not over
    await turn();
    const [segment] = files(dir);
    expect(readFileSync(join(dir, segment!), "utf8").trim().split("\n").length).toBe(5);
    j.release(2);
    expect(readFileSync(join(dir, `${segment}.landed`), "utf8")).toBe("2");
    expect(readSegments(dir)[0]!.rows.map((r) => r.request_id)).toEqual(["req-2", "req-3", "req-4"]);
    expect(readSegments(dir)[0]!.rows[0]!.startTime).toEqual(row(2).startTime);
    expect([j.rows, j.bytes > 0]).toEqual([3, true]);
    j.release(3);
    expect(files(dir)).toEqual([]); // everything landed: nothing stays on disk
    j.append(row(5));
    await turn();
    expect(files(dir).length).toBe(1); // a new segment for the next rows
    j.close();
  });

  it("keeps a failed call's status and error class (the console's Logs), a cache hit's mark, a success row as before", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatekit-journal-unit-"));
    const j = new SpendJournal(dir);
    j.append(row(0));
    j.append({ ...row(1), spend: 0, status: "failure", errorClass: "AuthenticationError" });
    j.append({ ...row(2), spend: 0, cacheHit: true });
    j.close();
    const [ok, failed, cached] = readSegments(dir)[0]!.rows;
    expect(ok).toEqual(row(0));
    expect(failed).toMatchObject({ request_id: "req-1", spend: 0, status: "failure", errorClass: "AuthenticationError" });
    expect(cached).toEqual({ ...row(2), spend: 0, cacheHit: true });
  });

  it("replays from the mark on, skips a torn last line, and keeps marking from the mark", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatekit-journal-unit-"));
    const j = new SpendJournal(dir);
    for (let i = 0; i < 4; i++) j.append(row(i));
    j.close();
    const [segment] = files(dir);
    writeFileSync(join(dir, `${segment}.landed`), "1");
    appendFileSync(join(dir, segment!), '{"request_id":"req-torn","spe'); // a write cut short by a machine crash
    const found = readSegments(dir);
    expect(found.map((f) => [f.rows.map((r) => r.request_id), f.torn])).toEqual([[["req-1", "req-2", "req-3"], 1]]);
    const q = queueOf(found);
    q.release(1);
    expect(readFileSync(join(dir, `${segment}.landed`), "utf8")).toBe("2"); // the file's lines, counted from its start
    expect(readSegments(dir)[0]!.rows.map((r) => r.request_id)).toEqual(["req-2", "req-3"]);
    q.release(2);
    expect(files(dir)).toEqual([]);
  });

  it("one instance per folder: a live owner refuses, a dead one's folder is taken over", () => {
    const dir = mkdtempSync(join(tmpdir(), "gatekit-journal-unit-"));
    writeFileSync(join(dir, "owner.pid"), String(process.ppid)); // alive: the test runner's parent
    expect(() => claimJournal(dir)).toThrow(/another gateway .* is using the spend journal/);
    writeFileSync(join(dir, "owner.pid"), "2147483646"); // no such process
    claimJournal(dir);
    expect(readFileSync(join(dir, "owner.pid"), "utf8")).toBe(String(process.pid));
  });

  it("on a shared claim, takes over the segments (and marks) of a pod folder whose owner stopped beating, not of a live one", async () => {
    const claim = mkdtempSync(join(tmpdir(), "gatekit-journal-claim-"));
    const [mine, gone, live] = ["gateway-a", "gateway-b", "gateway-c"].map((p) => join(claim, p));
    for (const [i, dir] of [gone, live].entries()) {
      const j = new SpendJournal(dir!);
      for (let k = 0; k < 3; k++) j.append(row(i * 10 + k));
      j.close();
      writeFileSync(join(dir!, "owner.pid"), "1");
    }
    writeFileSync(join(gone!, `${files(gone!)[0]}.landed`), "1");
    const past = new Date(Date.now() - ORPHAN_MS - 1000);
    utimesSync(join(gone!, "owner.pid"), past, past);
    mkdirSync(mine!);
    const moved = adoptOrphans(mine!);
    expect(moved).toEqual(files(mine!).filter((f) => f.endsWith(".jsonl")));
    expect(readSegments(mine!).flatMap((f) => f.rows.map((r) => r.request_id))).toEqual(["req-1", "req-2"]); // from its mark on
    expect(files(gone!)).toEqual([]);
    expect(files(live!).length).toBe(1); // its owner beats: left alone
  });
});
