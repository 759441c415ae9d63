// Wire-format cases of the Responses ↔ chat bridge, without a server: items to messages, tools, and the
// event stream made from chat chunks.
import { describe, expect, it } from "vitest";
import { chatRequest, fromChatCompletion, ResponsesEvents } from "../../lib/gateway/api/responses-bridge.ts";

const events = (text: string) => text.split("\n\n").filter(Boolean).map((e) => JSON.parse(e.split("\ndata: ")[1]!) as Record<string, any>);

describe("request", () => {
  it("turns items into chat messages: calls join the assistant turn, outputs become tool messages, reasoning is dropped", () => {
    const dropped: string[] = [];
    const chat = chatRequest({
      model: "m", instructions: "be kind", max_output_tokens: 9, reasoning: { effort: "high" }, tool_choice: { type: "function", name: "f" },
      text: { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true } },
      tools: [{ type: "function", name: "f", parameters: { type: "object" } }, { type: "web_search" }, { type: "namespace", name: "agents" }],
    }, [
      { type: "message", role: "developer", content: "dev" },
      { type: "message", role: "user", content: [{ type: "input_text", text: "a" }, { type: "input_text", text: "b" }] },
      { type: "reasoning", id: "rs_1", summary: [] },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "calling" }] },
      { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
      { type: "function_call", call_id: "c2", name: "f", arguments: "{\"x\":1}" },
      { type: "function_call_output", call_id: "c1", output: "one" },
      { type: "function_call_output", call_id: "c2", output: "two" },
    ], dropped);
    expect(chat.messages).toEqual([
      { role: "system", content: "be kind" },
      { role: "system", content: "dev" },
      { role: "user", content: "ab" },
      { role: "assistant", content: "calling", tool_calls: [
        { id: "c1", type: "function", function: { name: "f", arguments: "{}" } },
        { id: "c2", type: "function", function: { name: "f", arguments: "{\"x\":1}" } },
      ] },
      { role: "tool", tool_call_id: "c1", content: "one" },
      { role: "tool", tool_call_id: "c2", content: "two" },
    ]);
    expect(chat).toMatchObject({ max_tokens: 9, reasoning_effort: "high", tool_choice: { type: "function", function: { name: "f" } }, response_format: { type: "json_schema", json_schema: { name: "out", strict: true } } });
    expect(chat.tools).toEqual([{ type: "function", function: { name: "f", description: undefined, parameters: { type: "object" } } }]);
    expect(dropped).toEqual(["web_search", "namespace agents"]);
  });
});

describe("answer", () => {
  it("a chat completion cut at max tokens is an incomplete Response", () => {
    const r = fromChatCompletion({ model: "m", choices: [{ message: { content: "par" }, finish_reason: "length" }], usage: { prompt_tokens: 3, completion_tokens: 1 } }, { model: "m" }, "resp_1");
    expect(r).toMatchObject({ id: "resp_1", object: "response", status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 } });
  });

  it("chunks become numbered events: text, then a call that closes the text item, then response.completed", () => {
    const e = new ResponsesEvents("resp_1", { model: "m" });
    const out = events(
      e.push([{ choices: [{ delta: { role: "assistant", content: "Hi" } }] }]) +
      e.push([{ choices: [{ delta: { tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: "{\"a\"" } }] } }] }]) +
      e.end([{ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }, finish_reason: "tool_calls" }] }, { choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } }]),
    );
    expect(out.map((x) => x.type)).toEqual([
      "response.created", "response.in_progress",
      "response.output_item.added", "response.content_part.added", "response.output_text.delta",
      "response.output_text.done", "response.content_part.done", "response.output_item.done",
      "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
      "response.function_call_arguments.done", "response.output_item.done", "response.completed",
    ]);
    expect(out.map((x) => x.sequence_number)).toEqual(out.map((_, i) => i));
    const completed = out.at(-1)!.response;
    expect(completed.output.map((o: { type: string }) => o.type)).toEqual(["message", "function_call"]);
    expect(completed.output[1]).toMatchObject({ call_id: "call_1", name: "f", arguments: "{\"a\":1}", status: "completed" });
    expect(completed.usage).toMatchObject({ input_tokens: 5, output_tokens: 2 });
    expect(out[8]!.output_index).toBe(1);
  });

  it("a stream's final Response is the whole answer's: the same settings echoed, defaults and all, and the same output", () => {
    const tool = { type: "function", name: "f", description: "d", parameters: { type: "object", properties: {} }, strict: true };
    const bodies = [
      { model: "m", input: "hi" },
      {
        model: "m", input: "hi", instructions: "Be brief", max_output_tokens: 64, parallel_tool_calls: false, previous_response_id: "resp_0",
        reasoning: { effort: "low" }, store: false, temperature: 0.2, text: { format: { type: "json_object" } }, tool_choice: "required",
        tools: [tool], top_p: 0.9, truncation: "auto", user: "u \"quoted\"", metadata: { team: "platform" },
      },
    ];
    const echoed = [
      { instructions: null, max_output_tokens: null, parallel_tool_calls: true, previous_response_id: null, reasoning: { effort: null, summary: null }, store: true, temperature: 1, text: { format: { type: "text" } }, tool_choice: "auto", tools: [], top_p: 1, truncation: "disabled", user: null, metadata: {} },
      { ...bodies[1], input: undefined, model: "m", reasoning: { effort: "low", summary: null } },
    ];
    for (const [i, body] of bodies.entries()) {
      const e = new ResponsesEvents("resp_1", body);
      const completed = events(e.push([{ choices: [{ delta: { role: "assistant", content: "Hi \"there\"" } }] }]) + e.end([{ choices: [{ delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 2 } }])).at(-1)!.response;
      const whole = fromChatCompletion({ model: "m", choices: [{ message: { content: "Hi \"there\"" }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 2 } }, body, "resp_1");
      const same = (r: Record<string, any>) => ({ ...r, created_at: 0, output: r.output.map((o: Record<string, unknown>) => ({ ...o, id: "msg" })) });
      expect(same(completed)).toEqual(same(whole));
      expect(whole).toMatchObject(JSON.parse(JSON.stringify(echoed[i])));
    }
  });
});
