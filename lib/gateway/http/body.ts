// Reading a JSON request body: bounded size, JSON content type, an object at the top — or a 4xx GatewayError.
import type { IncomingMessage } from "node:http";
import { GatewayError, badRequest } from "../errors.ts";

export function readJson(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"];
  if (type && !type.includes("json")) {
    return Promise.reject(new GatewayError(415, "BadRequestError", `Content-Type must be application/json, got ${type.split(";")[0]}`));
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge(maxBytes));
      } else chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (size > maxBytes) return;
      try {
        const value: unknown = JSON.parse(chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString());
        if (!value || typeof value !== "object" || Array.isArray(value)) reject(badRequest("The request body must be a JSON object"));
        else resolve(value as Record<string, unknown>);
      } catch {
        reject(badRequest("The request body is not valid JSON"));
      }
    });
  });
}

const tooLarge = (max: number) =>
  new GatewayError(413, "BadRequestError", `Request body is larger than the limit of ${(max / 1024 / 1024).toFixed(1)} MB (general_settings.max_request_size_mb)`);
