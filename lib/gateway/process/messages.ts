// Messages between the primary and its workers over cluster IPC.
import type { RunExtras } from "../cli.ts";

export const MSG = {
  /** worker → primary: what do I run? primary → worker: the gateway's arguments (`start`). */
  start: "gatekit:start",
  /** worker → primary: my request budget is spent, start my replacement. */
  retire: "gatekit:retire",
  /** primary → worker: stop accepting, finish in-flight requests, exit. */
  drain: "gatekit:drain",
  readiness: "gatekit:readiness",
  readinessReply: "gatekit:readiness-reply",
} as const;

/** What a worker runs: the primary's gateway arguments and the inline config it was given (`--env`). */
export interface WorkerStart {
  argv: string[];
  extras: Pick<RunExtras, "config" | "source">;
}

export interface Message {
  type: (typeof MSG)[keyof typeof MSG];
  id?: string;
  value?: { db: string; cache: string };
  start?: WorkerStart;
}
