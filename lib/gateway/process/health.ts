// The separate health app, served by the primary: busy workers can never make a liveness probe fail.
import http from "node:http";
import { VERSION } from "../version.ts";

export interface HealthState {
  draining(): boolean;
  liveWorkers(): number;
  numWorkers: number;
  /** db/cache status from a worker; undefined when none answered. */
  dependencies(): Promise<{ db: string; cache: string } | undefined>;
}

const ALIVE = JSON.stringify("I'm alive!");

export function startHealthApp(port: number, host: string, state: HealthState): http.Server {
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const json = (status: number, body: string) => res.writeHead(status, { "content-type": "application/json" }).end(body);
    if (path === "/health/liveliness" || path === "/health/liveness") {
      return state.draining() ? json(503, JSON.stringify({ status: "shutting_down" })) : json(200, ALIVE);
    }
    if (path === "/health/readiness") {
      const live = state.liveWorkers();
      const deps = live > 0 && !state.draining() ? await state.dependencies() : undefined;
      const ready = !state.draining() && live > 0 && deps !== undefined && deps.db !== "disconnected";
      const status = state.draining() ? "shutting_down" : ready ? "healthy" : "unhealthy";
      return json(ready ? 200 : 503, JSON.stringify({
        status, db: deps?.db ?? "unknown", cache: deps?.cache ?? "unknown", litellm_version: VERSION, version: VERSION,
        live_workers: live, num_workers: state.numWorkers,
      }));
    }
    json(404, JSON.stringify({ error: { message: `Route ${req.method} ${path} not found`, type: "not_found_error", param: null, code: "404" } }));
  });
  server.listen(port, host);
  return server;
}
