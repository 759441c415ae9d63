// Spend: the cost of each request, and its SpendLogs row, buffered off the hot path and written in batches
// every `proxy_batch_write_at` seconds and on shutdown. A batch is one statement that inserts the rows it has
// not written yet and adds exactly those to their keys' spend, so a retried batch never counts twice. While the
// database is down rows wait in a bounded buffer and are written when it returns.
import type { ResolvedDeployment } from "../config/load.ts";
import type { Pool } from "./db.ts";

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
}

const COLUMNS = ["request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens", "startTime", "endTime", "model", "model_id", "model_group", "api_base", "user"];
const BATCH = 1000;

export class SpendWriter {
  private buffer: SpendRow[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  dropped = 0;

  constructor(
    private readonly pool: Pool,
    private readonly opts: { intervalMs: number; maxBuffered: number; onError?: (e: Error) => void; onWritten?: (rows: SpendRow[]) => void },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Off the hot path: a push onto the buffer. */
  add(row: SpendRow): void {
    if (this.buffer.length >= this.opts.maxBuffered) {
      this.buffer.shift();
      this.dropped++;
    }
    this.buffer.push(row);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Writes everything buffered; rows of a failed batch go back to the front and wait for the next flush. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** On shutdown: keep flushing until the buffer is empty or the deadline passes. */
  async close(deadlineMs = 30_000): Promise<void> {
    clearInterval(this.timer);
    const until = Date.now() + deadlineMs;
    while (this.buffer.length && Date.now() < until) {
      await this.flush();
      if (this.buffer.length) await new Promise((r) => setTimeout(r, 500));
    }
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length) {
      const batch = this.buffer.splice(0, BATCH);
      try {
        await this.write(batch);
      } catch (e) {
        this.buffer.unshift(...batch);
        this.opts.onError?.(e as Error);
        return;
      }
      this.opts.onWritten?.(batch); // every row of the batch is in the database now, written by this try or an earlier one
    }
  }

  private async write(rows: SpendRow[]): Promise<void> {
    const values: unknown[] = [];
    const tuples = rows.map((r) => {
      const v = [r.request_id, r.call_type, r.api_key, r.spend, r.prompt_tokens + r.completion_tokens, r.prompt_tokens, r.completion_tokens, r.startTime, r.endTime, r.model, r.model_id, r.model_group, r.api_base, r.user];
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
