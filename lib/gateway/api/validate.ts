// Type checks for the known fields of a client API's body: each surface lists its fields with a check, and a
// wrong value is a 400 naming the field and what is allowed. Fields no list knows pass through untouched (both
// OpenAI and Anthropic add fields often); `null` counts as absent, as the APIs themselves treat it.
import { badRequest } from "../errors.ts";
import type { Body } from "./surface.ts";

/** Returns what the field must be when `v` is wrong, else undefined. */
export type Check = (v: unknown) => string | undefined;

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : typeof v === "string" ? "a string" : typeof v);

export const is = {
  string: ((v) => (typeof v === "string" ? undefined : "a string")) as Check,
  boolean: ((v) => (typeof v === "boolean" ? undefined : "a boolean (true or false)")) as Check,
  number: ((v) => (typeof v === "number" ? undefined : "a number")) as Check,
  integer: ((v) => (Number.isInteger(v) ? undefined : "an integer")) as Check,
  positiveInteger: ((v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : "a positive integer")) as Check,
  nonNegativeInteger: ((v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : "an integer of 0 or more")) as Check,
  object: ((v) => (v && typeof v === "object" && !Array.isArray(v) ? undefined : "an object")) as Check,
  array: ((v) => (Array.isArray(v) ? undefined : "an array")) as Check,
  stringOrArray: ((v) => (typeof v === "string" || Array.isArray(v) ? undefined : "a string or an array")) as Check,
  stringOrObject: ((v) => (typeof v === "string" || (v && typeof v === "object" && !Array.isArray(v)) ? undefined : "a string or an object")) as Check,
  oneOf: (...allowed: string[]): Check => (v) => (typeof v === "string" && allowed.includes(v) ? undefined : `one of ${allowed.map((a) => `"${a}"`).join(", ")}`),
  stringOrStrings: ((v) => (typeof v === "string" || (Array.isArray(v) && v.every((s) => typeof s === "string")) ? undefined : "a string or an array of strings")) as Check,
};

export type Fields = Readonly<Record<string, Check>>;

/** Every present, non-null field of `body` that `fields` knows is checked; the first wrong one is a 400. */
export function checkFields(body: Body, fields: Fields, prefix = ""): void {
  for (const name in body) {
    const check = fields[name];
    if (!check) continue;
    const value = body[name];
    if (value === null) continue;
    const wanted = check(value);
    if (wanted) throw invalid(prefix + name, wanted, value);
  }
}

/** A required field: present, not null, and passing its check. */
export function required(body: Body, name: string, check: Check, prefix = ""): void {
  const value = body[name];
  if (value === undefined || value === null) throw badRequest(`'${prefix}${name}' is required`, prefix + name);
  const wanted = check(value);
  if (wanted) throw invalid(prefix + name, wanted, value);
}

/** Each item of an array field is an object passing `each` (which names the item's own fields under `name[i].`). */
export function checkItems(items: unknown[], name: string, each: (item: Body, prefix: string) => void): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const prefix = `${name}[${i}]`;
    if (!item || typeof item !== "object" || Array.isArray(item)) throw invalid(prefix, "an object", item);
    each(item as Body, `${prefix}.`);
  }
}

export const invalid = (field: string, wanted: string, value: unknown) => badRequest(`'${field}' must be ${wanted}, got ${kind(value)}${typeof value === "number" ? ` (${value})` : ""}`, field);
