// A loopback server for one provider's wire format: each test gives the handler that answers as the provider
// would (and refuses what it would refuse); every request is recorded with its raw bytes for assertions.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Seen { method: string; url: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; raw: Buffer; json: any }
export type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;
export type Handler = (req: Seen, reply: Reply, res: http.ServerResponse) => void | Promise<void>;

export interface MockWire { url: string; seen: Seen[]; close(): Promise<void> }

export async function startMockWire(handler: Handler): Promise<MockWire> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks);
      const u = new URL(req.url ?? "/", "http://x");
      let json: unknown;
      try { json = raw.length ? JSON.parse(raw.toString()) : undefined; } catch { json = undefined; }
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", path: u.pathname, query: u.searchParams, headers: req.headers, raw, json };
      seen.push(s);
      const reply: Reply = (status, body, headers = {}) =>
        res.writeHead(status, { "content-type": "application/json", ...headers }).end(typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body));
      try {
        await handler(s, reply, res);
      } catch (e) {
        if (!res.headersSent) reply(500, { error: { message: `mock failed: ${(e as Error).message}` } });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

export const chatAnswer = (model: string, content: string) => ({
  id: "chatcmpl-w", object: "chat.completion", created: 1700000000, model,
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
});
