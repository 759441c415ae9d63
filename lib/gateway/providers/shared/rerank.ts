// LiteLLM's rerank shape (Cohere's): the request `{ model, query, documents, top_n?, return_documents? }` and
// the answer `{ id, results: [{ index, relevance_score, document? }], meta }` every rerank provider maps to.
import { randomUUID } from "node:crypto";

export type Body = Record<string, unknown>;
export interface RerankResult { index: number; relevance_score: number; document?: { text: string } }

/** Documents as text: strings, or Cohere's `{ text }` objects. */
export const documentTexts = (body: Body): string[] =>
  ((body.documents ?? []) as unknown[]).map((d) => (typeof d === "string" ? d : String((d as { text?: unknown })?.text ?? JSON.stringify(d))));

export function rerankAnswer(results: RerankResult[], body: Body, inputTokens: number, id: string = randomUUID()): Body {
  const texts = documentTexts(body);
  const top = typeof body.top_n === "number" ? body.top_n : Infinity;
  const sorted = [...results].sort((a, b) => b.relevance_score - a.relevance_score).slice(0, top);
  const withDocs = body.return_documents ? sorted.map((r) => ({ ...r, document: r.document ?? { text: texts[r.index] ?? "" } })) : sorted.map(({ index, relevance_score }) => ({ index, relevance_score }));
  return { id, results: withDocs, meta: { billed_units: { search_units: 1 }, tokens: { input_tokens: inputTokens, output_tokens: 0 } } };
}
