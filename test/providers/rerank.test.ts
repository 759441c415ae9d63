// /v1/rerank (LiteLLM's Cohere-shaped rerank) through the gateway for Cohere v2, Voyage and Jina, each against a
// mock of its own rerank API that checks what arrives (Jina's answer is already Cohere's shape: relayed as bytes),
// plus a mock_response deployment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASTER_KEY, startGateway, type TestGateway } from "../support/gateway.ts";
import { startMockWire, type MockWire } from "../support/mock-wire.ts";

let mock: MockWire;
let gw: TestGateway;

beforeAll(async () => {
  mock = await startMockWire((req, reply) => {
    const scores = (docs: string[]) => docs.map((d, index) => ({ index, relevance_score: d.includes("Paris") ? 0.9 : 0.1 }));
    if (req.path === "/cohere/v2/rerank") {
      if (req.headers.authorization !== "Bearer co-key" || typeof req.json.query !== "string" || !req.json.documents.every((d: unknown) => typeof d === "string")) return reply(400, { message: "invalid request" });
      return reply(200, { id: "co-rr", results: scores(req.json.documents).sort((a, b) => b.relevance_score - a.relevance_score).slice(0, req.json.top_n), meta: { billed_units: { search_units: 1 } } });
    }
    if (req.path === "/voyage/v1/rerank") {
      if (req.headers.authorization !== "Bearer voy-key" || req.json.top_n !== undefined) return reply(400, { detail: "bad request" });
      return reply(200, { object: "list", data: scores(req.json.documents).slice(0, req.json.top_k), model: req.json.model, usage: { total_tokens: 12 } });
    }
    if (req.path === "/jina/v1/rerank") {
      if (req.headers.authorization !== "Bearer jina-key") return reply(401, { detail: "unauthorized" });
      return reply(200, { model: req.json.model, usage: { total_tokens: 9 }, results: scores(req.json.documents).sort((a, b) => b.relevance_score - a.relevance_score).slice(0, req.json.top_n).map((r) => ({ ...r, document: { text: req.json.documents[r.index] } })) });
    }
    reply(404, { error: { message: `unknown ${req.path}` } });
  });
  gw = await startGateway({
    model_list: [
      { model_name: "co-rerank", litellm_params: { model: "cohere/rerank-english-v3.0", api_base: `${mock.url}/cohere`, api_key: "co-key" }, model_info: { mode: "rerank" } },
      { model_name: "voyage-rerank", litellm_params: { model: "voyage/rerank-2", api_base: `${mock.url}/voyage`, api_key: "voy-key" } },
      { model_name: "jina-rerank", litellm_params: { model: "jina_ai/jina-reranker-v2-base-multilingual", api_base: `${mock.url}/jina/v1`, api_key: "jina-key" } },
      { model_name: "mock-rerank", litellm_params: { model: "cohere/rerank-v3.5", mock_response: "x" } },
    ],
  });
});
afterAll(async () => {
  await gw.close();
  await mock.close();
});

const rerank = async (body: object, path = "/v1/rerank") => {
  const r = await fetch(`${gw.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as { results?: { index: number; relevance_score: number; document?: { text: string } }[]; error?: { message: string; type: string } } };
};
const DOCS = ["Berlin is in Germany", "Paris is the capital of France", "Rome has the Colosseum"];

describe("/v1/rerank", () => {
  it.each(["co-rerank", "voyage-rerank", "jina-rerank"])("%s: Cohere-shaped results, best first, top_n applied", async (model) => {
    const r = await rerank({ model, query: "capital of France", documents: DOCS, top_n: 2, return_documents: true });
    expect(r.status).toBe(200);
    expect(r.body.results![0]).toMatchObject({ index: 1, relevance_score: 0.9, document: { text: DOCS[1] } });
    expect(r.body.results!.length).toBe(2);
  });

  it("voyage gets top_k, not top_n; cohere gets its v2 body", async () => {
    await rerank({ model: "voyage-rerank", query: "q", documents: DOCS, top_n: 1 });
    expect(mock.seen.at(-1)!.json).toEqual({ model: "rerank-2", query: "q", documents: DOCS, top_k: 1 });
    await rerank({ model: "co-rerank", query: "q", documents: DOCS.map((text) => ({ text })) }, "/v2/rerank");
    expect(mock.seen.at(-1)!.json).toEqual({ model: "rerank-english-v3.0", query: "q", documents: DOCS });
  });

  it("mock_response deployments rerank in-process; a bad body is a 400 naming the field", async () => {
    const r = await rerank({ model: "mock-rerank", query: "q", documents: ["a", "b"], top_n: 1 });
    expect(r.body.results).toEqual([{ index: 0, relevance_score: 1 }]);
    const bad = await rerank({ model: "co-rerank", query: "q" });
    expect(bad.status).toBe(400);
    expect(bad.body.error!.message).toMatch(/documents/);
  });
});
