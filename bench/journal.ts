// `npx tsx bench/journal.ts [DIR]`: the spend journal on this machine's disk — what one row costs the worker
// (serialise + queue + its share of the turn's write), and how long one fdatasync takes (the extra window a
// machine crash can lose, over a process crash). DIR defaults to a temporary folder (use the volume's folder).
import { closeSync, fdatasync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpendJournal } from "../lib/gateway/state/journal.ts";
import type { SpendRow } from "../lib/gateway/state/spend.ts";

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "gatekit-journal-bench-"));
const row = (i: number): SpendRow => ({
  request_id: `chatcmpl-${i.toString(16).padStart(32, "0")}`, call_type: "acompletion", api_key: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  spend: 0.000123, prompt_tokens: 11, completion_tokens: 7, startTime: new Date(), endTime: new Date(), model: "openai/gpt-4o-mini", model_id: "0f3c", model_group: "gpt-4o-mini", api_base: "", user: "",
});
const turn = () => new Promise((r) => setImmediate(r));

// Rows appended 32 a turn (a busy worker's turn), as the request path does, until 200,000 are written.
const journal = new SpendJournal(dir);
const rows = 200_000;
const made = Array.from({ length: 1024 }, (_, i) => row(i)); // the request path's rows exist already: made once
const idle = process.cpuUsage();
for (let i = 0; i < rows; i += 32) await turn();
const turnsUs = process.cpuUsage(idle);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < rows; ) {
  for (let k = 0; k < 32; k++) journal.append(made[i++ % 1024]!);
  await turn();
}
const cpu = process.cpuUsage(cpu0);
const wallUs = ((performance.now() - t0) * 1000) / rows;
// CPU time, less that of the empty turns: the journal's own cost, honest on a busy machine too.
const perRowUs = (cpu.user + cpu.system - turnsUs.user - turnsUs.system) / rows;
const bytesPerRow = journal.bytes / rows;
journal.release(rows);
journal.close();

// fdatasync of a small append, as the journal issues it: 200 samples.
const fd = openSync(join(dir, "sync-probe"), "a");
const samples: number[] = [];
for (let i = 0; i < 200; i++) {
  writeSync(fd, `${JSON.stringify(row(i))}\n`);
  const s = performance.now();
  await new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
  samples.push(performance.now() - s);
}
closeSync(fd);
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(2);
console.log(`spend journal in ${dir}`);
console.log(`append: ${perRowUs.toFixed(2)} µs of CPU per row (${wallUs.toFixed(2)} µs wall; 32 rows a turn, ${rows} rows, ${bytesPerRow.toFixed(0)} bytes a row)`);
console.log(`fdatasync: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${samples.at(-1)!.toFixed(2)} ms (200 samples)`);
