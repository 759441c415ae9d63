// Messages between the primary and its workers over cluster IPC.
export const MSG = {
  /** worker → primary: my request budget is spent, start my replacement. */
  retire: "gatekit:retire",
  /** primary → worker: stop accepting, finish in-flight requests, exit. */
  drain: "gatekit:drain",
  readiness: "gatekit:readiness",
  readinessReply: "gatekit:readiness-reply",
} as const;

export interface Message {
  type: (typeof MSG)[keyof typeof MSG];
  id?: string;
  value?: { db: string; cache: string };
}
