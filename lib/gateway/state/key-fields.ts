// The bodies of /key/generate and /key/update, checked before they reach SQL: a wrong type is a 400 that names
// the field and what it takes, never a Postgres error (500). Fields LiteLLM has and gatekit does not use are
// dropped, as before.
import { z } from "zod";
import { GatewayError } from "../errors.ts";

const expected = (what: string) => ({ error: what });
const DURATION = expected('a duration such as "30s", "10m", "24h" or "30d"');
const LIMIT = expected("a whole number ≥ 0, or null");
const USD = expected("a number of USD ≥ 0, or null");
const SK = expected('a string starting with "sk-"');
const DURATION_FORM = /^\s*(\d+)\s*([smhd])\s*$/;
const duration = z.string(DURATION).regex(DURATION_FORM, DURATION);
const limit = z.number(LIMIT).int(LIMIT).nonnegative(LIMIT);

const fields = z.object({
  key_alias: z.string(expected("a string, or null")).nullable(),
  max_budget: z.number(USD).nonnegative(USD).nullable(),
  budget_duration: duration.nullable(),
  duration: duration.nullable(),
  models: z.array(z.string(), expected('a list of model names, such as ["gpt-4o"]')),
  tpm_limit: limit.nullable(),
  rpm_limit: limit.nullable(),
  max_parallel_requests: limit.nullable(),
  metadata: z.record(z.string(), z.unknown(), expected("a JSON object")),
  blocked: z.boolean(expected("true or false")),
}).partial();

const generateBody = fields.extend({ key: z.string(SK).startsWith("sk-", SK).optional() });
const updateBody = fields.extend({ key: z.string(expected("the key to update, or its hash")).min(1, expected("the key to update, or its hash")) });

export type KeyFields = z.infer<typeof fields>;

export const parseGenerate = (body: unknown) => parse(generateBody, body);
export const parseUpdate = (body: unknown) => parse(updateBody, body);

const UNIT_MS = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 } as const;

/** LiteLLM's durations ("30s", "10m", "24h", "30d") in ms, for a duration the body check let through. */
export function durationMs(text: string): number {
  const [, count, unit] = DURATION_FORM.exec(text)!;
  return Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
}

/** The first problem as a 400 that names the field (also as `param`) and what it takes. */
function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".") || "body";
  throw new GatewayError(400, "BadRequestError", `${field}: expected ${issue.message}`, field);
}
