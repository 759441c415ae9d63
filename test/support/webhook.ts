// A stand-in Slack incoming webhook on loopback: records each post's text; `hang` never answers, `fail` answers 500.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Webhook { url: string; posts: string[]; close(): Promise<void> }

export async function startWebhook(mode: "ok" | "hang" | "fail" = "ok"): Promise<Webhook> {
  const posts: string[] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      posts.push((JSON.parse(raw) as { text: string }).text);
      if (mode === "hang") return;
      res.writeHead(mode === "fail" ? 500 : 200).end(mode === "fail" ? "no" : "ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret-token-xyz`;
  return { url, posts, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** The first post matching `pattern`, waiting for it up to `timeoutMs`. */
export async function waitForPost(webhook: Webhook, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    const post = webhook.posts.find((p) => pattern.test(p));
    if (post) return post;
  }
  throw new Error(`no webhook post matched ${pattern}; got ${JSON.stringify(webhook.posts)}`);
}
