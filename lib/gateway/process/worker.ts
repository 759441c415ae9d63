// A worker: serves the main port until its request budget is spent, then drains at the primary's word —
// no new connections, `Connection: close` on every further response, exit when the last socket closes.
import cluster from "node:cluster";
import net from "node:net";
import type { GatewayConfig } from "../config/load.ts";
import { createListener } from "../http/listener.ts";
import type { Logger } from "../log.ts";
import type { GatewayOptions } from "../options.ts";
import { createGateway } from "../server.ts";
import { MSG, type Message } from "./messages.ts";

export function runWorker(opts: GatewayOptions, config: GatewayConfig, logger: Logger): void {
  const gateway = createGateway(config, { logger, options: opts, headers: ["x-gatekit-worker", String(process.pid)] });
  const budget = Number(process.env.GATEKIT_REQUEST_BUDGET ?? 0);
  const sockets = new Set<net.Socket>();
  let served = 0;
  let draining = false;

  const server = createListener((req, res) => {
    if (draining) res.shouldKeepAlive = false;
    else if (budget > 0 && ++served === budget) send({ type: MSG.retire });
    gateway.handle(req, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      if (draining) exitWhenIdle();
    });
  });
  server.listen(opts.port, opts.host);

  // Signals reach the whole process group (Ctrl-C); the primary decides when a worker drains.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => {});
  process.on("message", async (m: Message) => {
    if (m?.type === MSG.drain) drain();
    if (m?.type === MSG.readiness) send({ type: MSG.readinessReply, id: m.id, value: await gateway.readiness() });
  });

  function drain(): void {
    if (draining) return;
    draining = true;
    // net.Server's close stops accepting without http.Server's closeIdleConnections(), which would race with a
    // client just sending its next request on an idle keep-alive socket. Idle sockets end via keepAliveTimeout,
    // which clients honour from the Keep-Alive hint; busy ones after their response (Connection: close).
    net.Server.prototype.close.call(server);
    // The replacement opens its own pool now; this one keeps a single connection, so the total stays put.
    void gateway.retire();
    setTimeout(() => finish(1), opts.gracefulShutdownSeconds * 1000).unref();
    exitWhenIdle();
  }

  function exitWhenIdle(): void {
    if (sockets.size === 0) void finish(0);
  }

  async function finish(code: number): Promise<void> {
    if (code !== 0) logger.error({ open: sockets.size }, "graceful shutdown timeout reached; closing open connections");
    await gateway.close().catch((e: Error) => logger.error({ error: e.message }, "closing the gateway failed"));
    process.exit(code);
  }
}

function send(message: Message): void {
  if (cluster.isWorker && process.connected) process.send!(message);
}
