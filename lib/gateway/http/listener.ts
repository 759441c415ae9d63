// The main port's HTTP server: bounded header time and size, and malformed requests answered with an
// OpenAI-style JSON error instead of Node's bare status line; and the check that a port is free to listen on.
import http from "node:http";
import net from "node:net";

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request header fields too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request timed out before it was complete"],
  HPE_HEADERS_TIMEOUT: [408, "Request headers were not received in time"],
};

export function createListener(handle: http.RequestListener): http.Server {
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 5_000, maxHeaderSize: 16_384 }, handle);
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, message] = CLIENT_ERRORS[err.code ?? ""] ?? [400, "Malformed HTTP request"];
    const body = JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: String(status) } });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return server;
}

/** Whether another process holds `port` on `host` (any other listen error is left for the real listen to report). */
export function portHeld(port: number, host: string): Promise<boolean> {
  return new Promise((done) => {
    const probe = net.createServer().once("error", (e: NodeJS.ErrnoException) => done(e.code === "EADDRINUSE"));
    probe.listen(port, host, () => probe.close(() => done(false)));
  });
}
