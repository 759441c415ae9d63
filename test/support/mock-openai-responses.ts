// A stand-in for OpenAI's Responses API (`POST /v1/responses`) on loopback, in its real wire format: a
// Response object, or its event stream (`event:` + `data:` lines, response.created … response.completed).
// Asked about the weather with function tools offered (and no function_call_output yet), it calls the first tool; otherwise it answers
// `said=<the last input text>`. It refuses a request without the key, as OpenAI would.
import http from "node:http";
import type { AddressInfo } from "node:net";

export const RESPONSES_KEY = "sk-upstream-responses-key";

type Json = Record<string, any>;
export interface MockResponses { url: string; requests: { path: string; body: Json }[]; close(): Promise<void> }

export async function startMockResponses(): Promise<MockResponses> {
  const requests: MockResponses["requests"] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as Json;
      requests.push({ path: req.url ?? "", body });
      const send = (status: number, payload: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
      if (req.headers.authorization !== `Bearer ${RESPONSES_KEY}`) return send(401, { error: { message: "Incorrect API key provided", type: "invalid_request_error", param: null, code: "invalid_api_key" } });
      if (req.url !== "/v1/responses") return send(404, { error: { message: "not found", type: "invalid_request_error", param: null, code: null } });
      if (body.input === undefined) return send(400, { error: { message: "Missing required parameter: 'input'.", type: "invalid_request_error", param: "input", code: "missing_required_parameter" } });
      const items: Json[] = typeof body.input === "string" ? [{ type: "message", role: "user", content: body.input }] : body.input;
      const functions = (body.tools ?? []).filter((t: Json) => t.type === "function");
      const call = functions.length && /weather/i.test(lastText(items)) && !items.some((i) => i.type === "function_call_output");
      const id = `resp_mock${++n}`;
      const output = call
        ? [{ id: `fc_mock${n}`, type: "function_call", status: "completed", call_id: `call_mock${n}`, name: functions[0].name, arguments: '{"city":"Paris"}' }]
        : [{ id: `msg_mock${n}`, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: `said=${lastText(items)}`, annotations: [] }] }];
      const usage = { input_tokens: 13, input_tokens_details: { cached_tokens: 0 }, output_tokens: 6, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 19 };
      const response = { id, object: "response", created_at: 1700000000, status: "completed", model: body.model, output, usage, error: null, incomplete_details: null, store: body.store !== false, previous_response_id: body.previous_response_id ?? null };
      if (!body.stream) return send(200, response);
      stream(res, response);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

function lastText(items: Json[]): string {
  const last = items.at(-1) ?? {};
  if (last.type === "function_call_output") return String(last.output);
  return typeof last.content === "string" ? last.content : (last.content ?? []).map((p: Json) => p.text ?? "").join("");
}

/** The event sequence OpenAI streams, split into small writes so that events cross chunk boundaries. */
function stream(res: http.ServerResponse, response: Json) {
  res.writeHead(200, { "content-type": "text/event-stream" });
  let seq = 0;
  const ev = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const pending = { ...response, status: "in_progress", output: [], usage: null };
  const events = [ev("response.created", { response: pending }), ev("response.in_progress", { response: pending })];
  response.output.forEach((item: Json, output_index: number) => {
    if (item.type === "message") {
      const text: string = item.content[0].text;
      events.push(ev("response.output_item.added", { output_index, item: { ...item, status: "in_progress", content: [] } }));
      events.push(ev("response.content_part.added", { item_id: item.id, output_index, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }));
      for (const piece of text.match(/.{1,4}/gs) ?? []) events.push(ev("response.output_text.delta", { item_id: item.id, output_index, content_index: 0, delta: piece }));
      events.push(ev("response.output_text.done", { item_id: item.id, output_index, content_index: 0, text }));
      events.push(ev("response.content_part.done", { item_id: item.id, output_index, content_index: 0, part: item.content[0] }));
    } else {
      events.push(ev("response.output_item.added", { output_index, item: { ...item, status: "in_progress", arguments: "" } }));
      events.push(ev("response.function_call_arguments.delta", { item_id: item.id, output_index, delta: item.arguments }));
      events.push(ev("response.function_call_arguments.done", { item_id: item.id, output_index, arguments: item.arguments }));
    }
    events.push(ev("response.output_item.done", { output_index, item }));
  });
  events.push(ev("response.completed", { response }));
  const text = events.join("");
  let i = 0;
  const next = () => (i < text.length ? (res.write(text.slice(i, (i += 97))), setImmediate(next)) : res.end());
  next();
}
