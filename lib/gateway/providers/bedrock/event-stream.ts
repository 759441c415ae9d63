// AWS's binary event-stream framing (application/vnd.amazon.eventstream), as ConverseStream answers:
//   total length (4) · headers length (4) · prelude CRC32 (4) · headers · payload · message CRC32 (4)
// Each header: name length (1) · name · type (1) · value (type 7, a string: length (2) · bytes). Frames are
// turned into one JSON line each, `{"<:event-type>": payload}`, or `{"exception": {...}}`, for the translator.
import { crc32 } from "node:zlib";

export interface Frame { headers: Record<string, string>; payload: Buffer }

/** Reads every complete frame in `buf` from `offset`; returns them and where the next (partial) one starts. */
export function readFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let at = 0;
  while (buf.length - at >= 12) {
    const total = buf.readUInt32BE(at);
    const headersLength = buf.readUInt32BE(at + 4);
    if (crc32(buf.subarray(at, at + 8)) !== buf.readUInt32BE(at + 8)) throw new Error("event stream: prelude checksum mismatch");
    if (total < 16 || headersLength > total - 16) throw new Error("event stream: malformed frame lengths");
    if (buf.length - at < total) break;
    if (crc32(buf.subarray(at, at + total - 4)) !== buf.readUInt32BE(at + total - 4)) throw new Error("event stream: message checksum mismatch");
    frames.push({ headers: readHeaders(buf.subarray(at + 12, at + 12 + headersLength)), payload: buf.subarray(at + 12 + headersLength, at + total - 4) });
    at += total;
  }
  return { frames, rest: buf.subarray(at) };
}

/** Header values: strings are kept, other types are skipped by their fixed sizes (Converse sends strings only). */
function readHeaders(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  const SIZES: Record<number, number> = { 0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16 };
  let at = 0;
  while (at < buf.length) {
    const nameLength = buf.readUInt8(at);
    const name = buf.toString("utf8", at + 1, at + 1 + nameLength);
    const type = buf.readUInt8(at + 1 + nameLength);
    at += 2 + nameLength;
    if (type === 6 || type === 7) {
      const length = buf.readUInt16BE(at);
      if (type === 7) out[name] = buf.toString("utf8", at + 2, at + 2 + length);
      at += 2 + length;
    } else at += SIZES[type] ?? buf.length;
  }
  return out;
}

/** One frame as the JSON line the stream translator reads. */
export function frameLine(f: Frame): string {
  const payload = f.payload.length ? f.payload.toString("utf8") : "{}";
  if (f.headers[":message-type"] === "exception" || f.headers[":message-type"] === "error") {
    const type = f.headers[":exception-type"] ?? f.headers[":error-code"] ?? "InternalServerException";
    return JSON.stringify({ exception: { type, ...(JSON.parse(payload) as object) } });
  }
  return `{${JSON.stringify(f.headers[":event-type"] ?? "unknown")}:${payload}}`;
}

/** Binary chunks in, JSON lines out: frames split across chunks are kept until whole. */
export async function* eventStreamLines(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  let pending = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const { frames, rest } = readFrames(pending.length ? Buffer.concat([pending, chunk]) : chunk);
    pending = Buffer.from(rest);
    if (frames.length) yield Buffer.from(frames.map((f) => frameLine(f) + "\n").join(""));
  }
  if (pending.length) throw new Error("event stream: the answer ended inside a frame");
}
