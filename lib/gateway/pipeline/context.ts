// What the request pipeline works with: the gateway's long-lived parts (built once in server.ts) and one
// request's state, threaded through the steps.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Alerts } from "../alerts/index.ts";
import type { Parsed, Surface, TokenCounts } from "../api/surface.ts";
import type { Caller } from "../auth.ts";
import type { GatewayConfig, ResolvedDeployment } from "../config/load.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { UpstreamTarget } from "../providers/types.ts";
import type { Router } from "../router/index.ts";
import type { CacheControl, ResponseCache } from "../state/cache.ts";
import type { State } from "../state/index.ts";
import type { RateLimiter } from "../state/limits.ts";
import type { ResponseStore } from "../state/responses.ts";
import type { Upstreams } from "../upstream.ts";

export interface Services {
  config: GatewayConfig;
  logger: Logger;
  metrics: Metrics;
  state?: State;
  authenticate(req: IncomingMessage): Caller | Promise<Caller>;
  router: Router;
  limiter: RateLimiter;
  cache?: ResponseCache;
  alerts?: Alerts;
  upstreams: Upstreams;
  /** Stored Responses API answers (Postgres with a database, else this worker's memory). */
  responses?: ResponseStore;
  /** The deployment as providers see it, made once per deployment. */
  targetOf(d: ResolvedDeployment): UpstreamTarget;
  /** litellm_deployment_state last written per deployment, so the hot path writes it only when it changes. */
  deploymentStates: Map<ResolvedDeployment, number>;
}

/** One request's state. */
export interface Call extends TokenCounts {
  req: IncomingMessage;
  res: ServerResponse;
  /** LiteLLM's call id (x-litellm-call-id, the spend log's request_id). */
  id: string;
  /** The gateway's own headers on every answer (a worker's pid), as [name, value, …]: one list for all calls. */
  headers: readonly string[];
  started: number;
  /** The client API it came in on, once routed to one. */
  surface?: Surface;
  parsed?: Parsed;
  caller?: Caller;
  requestedModel: string;
  deployment?: ResolvedDeployment;
  llmMs?: number;
  errorClass?: string;
  cacheKey?: string;
  cacheControl?: CacheControl;
  /** Answered from the response cache: no deployment was called. */
  cacheHit?: boolean;
  /** The answer is our event stream: its head is sent, and an error can still end it as an event. */
  streaming?: boolean;
  /** A relayed stream's last bytes stopped inside an event (an error then can't be sent as one). */
  midEvent?: boolean;
}
