// The floor for a Node gateway (as ../shared/bench/node-passthrough.mjs): node:http in and out with a
// keep-alive agent, no logic. Usage: tsx bench/node-passthrough.ts <port> <upstream-url>
import http from "node:http";

const port = Number(process.argv[2] ?? 18082);
const upstream = new URL(process.argv[3] ?? "http://127.0.0.1:18080");
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const up = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, agent, headers: { "content-type": "application/json", "content-length": body.length } },
      (r) => {
        res.writeHead(r.statusCode ?? 502, { "content-type": r.headers["content-type"] ?? "application/json" });
        r.pipe(res);
      },
    );
    up.on("error", (e) => res.writeHead(502).end(String(e)));
    up.end(body);
  });
}).listen(port, "127.0.0.1");
