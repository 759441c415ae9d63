// Spend: the cost of each request, and its SpendLogs row, buffered off the hot path and written in batches
// every `proxy_batch_write_at` seconds and on shutdown. A batch is one statement that inserts the rows it has
// not written yet and adds exactly those to their keys' spend, so a retried batch never counts twice. While the
// database is down rows wait in a bounded buffer and are written when it returns. With a journal (journal.ts)
// every buffered row is on local disk too, and leaves it when it leaves the buffer: a crash loses none.
import type { ResolvedDeployment } from "../config/load.ts";
import type { Pool } from "./db.ts";
import type { SpendJournal } from "./journal.ts";

/** USD per token for the reference setup's models; `input_cost_per_token`/`output_cost_per_token` override. */
const PRICES: Record<string, [number, number]> = {
  "gpt-4o-mini": [0.15e-6, 0.6e-6],
  "gpt-4o": [2.5e-6, 10e-6],
  "gemini-2.0-flash": [0.1e-6, 0.4e-6],
  "gemini-2.5-pro": [1.25e-6, 10e-6],
  "claude-sonnet-4": [3e-6, 15e-6],
  "voyage-3": [0.06e-6, 0],
  "text-embedding-3-small": [0.02e-6, 0],
};

export function costOf(d: ResolvedDeployment | undefined, promptTokens = 0, completionTokens = 0): number {
  if (!d) return 0;
  const [input, output] = PRICES[d.model.replace(/:.*$/, "")] ?? [0, 0];
  return promptTokens * (d.params.input_cost_per_token ?? input) + completionTokens * (d.params.output_cost_per_token ?? output);
}

export interface SpendRow {
  request_id: string;
  call_type: string;
  api_key: string;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  startTime: Date;
  endTime: Date;
  model: string;
  model_id: string;
  model_group: string;
  api_base: string;
  user: string;
  /** LiteLLM's status: failed requests are logged too, with their error class in metadata.error_information. */
  status?: "success" | "failure";
  errorClass?: string;
  /** Answered from the response cache (LiteLLM's cache_hit 'True'): logged like any call, at no cost. */
  cacheHit?: boolean;
}

const COLUMNS = ["request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens", "startTime", "endTime", "model", "model_id", "model_group", "api_base", "user", "status", "metadata", "cache_hit"];
const BATCH = 1000;
/** Half of Postgres' integer maximum, so prompt + completion still fits the total_tokens column. */
const MAX_TOKENS = 2 ** 30 - 1;

/** Why rows were given up on: the buffer was full, the database rejected the row, or shutdown came first. */
export type DropReason = "buffer_full" | "invalid_row" | "shutdown";

export interface SpendEvents {
  intervalMs: number;
  maxBuffered: number;
  /** Each row is appended as it is added and released as it leaves the buffer, in the same order. */
  journal?: SpendJournal;
  /** Writes began to fail in a way that may pass (database down, schema not there yet): once per outage; rows wait. */
  onError?: (e: Error) => void;
  /** A write succeeded after failures. */
  onRecovered?: () => void;
  /** Rows no longer pending: written, or set aside. */
  onSettled?: (rows: SpendRow[]) => void;
  /** Rows given up on; a rejected row comes with its request id and the database's error. */
  onDropped?: (reason: DropReason, rows: number, rejected?: { requestId: string; error: Error }) => void;
}

export class SpendWriter {
  private buffer: SpendRow[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** Rows taken off the buffer for the write in progress. */
  private writing = 0;
  private failing = false;
  readonly dropped: Record<DropReason, number> = { buffer_full: 0, invalid_row: 0, shutdown: 0 };

  constructor(private readonly pool: Pool, private readonly opts: SpendEvents) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** On every request: a push onto the buffer, nothing more (the batch write makes the numbers storable). */
  add(row: SpendRow): void {
    if (this.buffer.length >= this.opts.maxBuffered) {
      this.buffer.shift();
      this.opts.journal?.release(1);
      this.drop("buffer_full", 1);
    }
    this.buffer.push(row);
    this.opts.journal?.append(row);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** The journal's rows not yet landed and the bytes it holds on disk, when there is one. */
  get journaled(): { rows: number; bytes: number } | undefined {
    const j = this.opts.journal;
    return j && { rows: j.rows, bytes: j.bytes };
  }

  /** Writes everything buffered; rows of a failed batch go back to the front and wait for the next flush. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /**
   * On shutdown: keep flushing until the buffer is empty or the deadline passes — a write that hangs does not
   * hold the exit. Rows left unwritten stay in the journal for the next start; without one they are counted
   * and reported as lost. Returns the number left unwritten.
   */
  async close(deadlineMs = 30_000): Promise<number> {
    clearInterval(this.timer);
    const until = Date.now() + deadlineMs;
    while ((this.buffer.length || this.flushing) && Date.now() < until) {
      await within(this.flush(), until - Date.now());
      if (this.buffer.length && !this.flushing) await pause(Math.min(500, until - Date.now()));
    }
    const left = this.buffer.length + this.writing;
    this.buffer = [];
    if (this.opts.journal) this.opts.journal.close();
    else if (left) this.drop("shutdown", left);
    return left;
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length) {
      const batch = this.buffer.splice(0, BATCH);
      this.writing = batch.length;
      const unwritten = await this.writeOrSplit(batch);
      this.writing = 0;
      // The rows before the unwritten ones were written (now or by an earlier try) or set aside: none is pending.
      const settled = batch.slice(0, batch.length - unwritten.length);
      this.opts.journal?.release(settled.length);
      this.opts.onSettled?.(settled);
      if (unwritten.length) {
        this.buffer.unshift(...unwritten);
        return;
      }
      if (this.failing) (this.failing = false), this.opts.onRecovered?.();
    }
  }

  /**
   * Writes the rows; when the database rejects their data, halves the batch until the bad rows stand alone and
   * sets only those aside. Returns the rows to retry after an error that may pass — always a tail of `rows`, as
   * the halves are written in order. A retried row never counts twice: the insert skips request ids already
   * written.
   */
  private async writeOrSplit(rows: SpendRow[]): Promise<SpendRow[]> {
    try {
      await this.write(rows);
      return [];
    } catch (e) {
      if (!isDataError(e)) {
        if (!this.failing) this.opts.onError?.(e as Error);
        this.failing = true;
        return rows;
      }
      if (rows.length === 1) return this.drop("invalid_row", 1, { requestId: rows[0]!.request_id, error: e as Error }), [];
      const half = rows.length >> 1;
      const left = await this.writeOrSplit(rows.slice(0, half));
      return left.length ? [...left, ...rows.slice(half)] : this.writeOrSplit(rows.slice(half));
    }
  }

  private drop(reason: DropReason, rows: number, rejected?: { requestId: string; error: Error }): void {
    this.dropped[reason] += rows;
    this.opts.onDropped?.(reason, rows, rejected);
  }

  private async write(rows: SpendRow[]): Promise<void> {
    const values: unknown[] = [];
    const tuples = rows.map(storable).map((r) => {
      const v = [r.request_id, r.call_type, r.api_key, r.spend, r.prompt_tokens + r.completion_tokens, r.prompt_tokens, r.completion_tokens, r.startTime, r.endTime, r.model, r.model_id, r.model_group, r.api_base, r.user,
        r.status ?? "success", r.errorClass ? { error_information: { error_class: r.errorClass } } : {}, r.cacheHit ? "True" : "False"];
      return `(${v.map((x) => `$${values.push(x)}`).join(", ")})`;
    });
    await this.pool.query(
      `WITH inserted AS (
         INSERT INTO "LiteLLM_SpendLogs" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${tuples.join(", ")}
         ON CONFLICT (request_id) DO NOTHING RETURNING api_key, spend)
       UPDATE "LiteLLM_VerificationToken" t SET spend = t.spend + s.total, updated_at = now()
       FROM (SELECT api_key, sum(spend) AS total FROM inserted GROUP BY api_key) s WHERE t.token = s.api_key`,
      values,
    );
  }
}

/**
 * SQLSTATE classes 22 (data exception) and 23 (integrity constraint): the rows themselves are wrong and will
 * fail every retry. Anything else — connection lost, timeout, missing table before migrations — may pass.
 */
function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && /^2[23]/.test(code);
}

const tokens = (n: number) => (Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), MAX_TOKENS) : 0);
const validDate = (d: Date) => (d instanceof Date && !Number.isNaN(d.getTime()) ? d : new Date());

/** Numbers and dates a column takes, so that one odd request (NaN tokens, a bad date) can't fail a batch. */
function storable(r: SpendRow): SpendRow {
  return {
    ...r,
    spend: Number.isFinite(r.spend) && r.spend > 0 ? r.spend : 0,
    prompt_tokens: tokens(r.prompt_tokens),
    completion_tokens: tokens(r.completion_tokens),
    startTime: validDate(r.startTime),
    endTime: validDate(r.endTime),
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Waits for `p`, or `ms` at most. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, Math.max(0, ms))))]);
  clearTimeout(timer);
}
