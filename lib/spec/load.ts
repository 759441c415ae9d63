// Loading environment specs: YAML → zod, with every problem reported as `file:line path: message`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { litellmConfig, unknownKeys } from "../gateway/config/schema.ts";
import { closest } from "./suggest.ts";
import { specSchema, TARGETS, type Environment, type Target } from "./schema.ts";

export interface SpecIssue {
  file: string;
  path: string;
  message: string;
  line?: number;
}

export class SpecError extends Error {
  constructor(readonly issues: SpecIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "SpecError";
  }
}

export const formatIssue = (i: SpecIssue) => `${i.file}${i.line ? `:${i.line}` : ""} ${i.path || "(file)"}: ${i.message}`;

export const DEFAULT_DIR = "environments";

/** A name (`prod`) is looked up in the environments folder; anything with a slash or .yaml is a path. */
export function resolveSpecFile(fileOrName: string, dir = DEFAULT_DIR): string {
  return /[/\\]|\.ya?ml$/.test(fileOrName) ? fileOrName : join(dir, `${fileOrName}.yaml`);
}

export function loadEnvironment(fileOrName: string, opts: { dir?: string } = {}): Environment {
  const file = resolveSpecFile(fileOrName, opts.dir);
  if (!existsSync(file)) {
    const known = listEnvironmentFiles(opts.dir).map((f) => basename(f, ".yaml"));
    throw new SpecError([{ file, path: "", message: `no such environment spec (known: ${known.join(", ") || "none"})` }]);
  }
  const text = readFileSync(file, "utf8");
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) throw new SpecError([yamlIssue(file, text, doc.errors)]);
  const raw = doc.toJS() as unknown;
  const lineOf = (path: PropertyKey[]) => lineAt(doc, lines, path);
  const issues: SpecIssue[] = [];
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) issues.push(...withoutTypoEchoes(parsed.error.issues, raw).flatMap((i) => zodIssues(file, i, lineOf, targetOf(raw), raw)));
  const litellm = (raw as { litellm?: unknown } | null)?.litellm;
  for (const path of unknownKeys(litellmConfig, litellm)) {
    const full = ["litellm", ...path];
    issues.push({ file, path: dotted(full), line: lineOf(full), message: `unknown LiteLLM setting${suggest(litellmConfig, path)}` });
  }
  if (issues.length > 0) throw new SpecError(dedupe(issues));
  return { name: basename(file).replace(/\.ya?ml$/, ""), file, spec: parsed.data! };
}

/** Every spec given (default: every environments/*.yaml); all problems of all files in one SpecError. */
export function loadEnvironments(namesOrFiles?: string[], opts: { dir?: string } = {}): Environment[] {
  const files = namesOrFiles?.length ? namesOrFiles : listEnvironmentFiles(opts.dir);
  const envs: Environment[] = [];
  const issues: SpecIssue[] = [];
  for (const f of files) {
    try {
      envs.push(loadEnvironment(f, opts));
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      issues.push(...e.issues);
    }
  }
  if (issues.length > 0) throw new SpecError(issues);
  return envs;
}

export function listEnvironmentFiles(dir = DEFAULT_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort().map((f) => join(dir, f));
}

/** The spec's target as written (docker when absent); an unknown one falls back to docker for key hints. */
function targetOf(raw: unknown): Target {
  const t = (raw as { target?: unknown } | null)?.target;
  return t === "kubernetes" ? "kubernetes" : "docker";
}

function zodIssues(file: string, issue: z.core.$ZodIssue, lineOf: (p: PropertyKey[]) => number | undefined, target: Target, raw: unknown): SpecIssue[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => {
      const path = [...issue.path, k];
      return { file, path: dotted(path), line: lineOf(path), message: unknownKeyMessage(k, issue.path, target, raw) };
    });
  }
  if (issue.code === "invalid_union") {
    const union = schemaAt(issue.path, TARGETS[target], raw, false);
    const forms = union && branchesOf(union);
    if (forms) {
      const text = forms.map(describe).join(" or ");
      return [{ file, path: dotted(issue.path), line: lineOf(issue.path), message: `matches none of the allowed forms: ${text}` }];
    }
    // A discriminator outside its values (`mode: foo`): zod names the values; the forms are the parent's union's.
    const parent = issue.path.length > 0 ? schemaAt(issue.path.slice(0, -1), TARGETS[target], raw, false) : undefined;
    const parentForms = parent && branchesOf(parent);
    if (issue.errors.length === 0) {
      const tail = parentForms ? `; allowed forms: ${parentForms.map(describe).join(" or ")}` : "";
      return [{ file, path: dotted(issue.path), line: lineOf(issue.path), message: `${issue.message}${tail}` }];
    }
    const allowed = issue.errors.map((branch) => branch.map((i) => i.message).join(", ")).join("; or ");
    return [{ file, path: dotted(issue.path), line: lineOf(issue.path), message: `${issue.message}: ${allowed}` }];
  }
  if (issue.code === "invalid_type") {
    return [{ file, path: dotted(issue.path), line: lineOf(issue.path), message: typeMessage(issue, target, raw) }];
  }
  return [{ file, path: dotted(issue.path), line: lineOf(issue.path), message: issue.message }];
}

/**
 * The first YAML error, with its line and a caret under the column. Only the first: a tab or a bad indent makes
 * the parser report every line after it too, and those go away with the first fix.
 */
function yamlIssue(file: string, text: string, errors: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }[]): SpecIssue {
  const [first] = errors;
  const pos = first!.linePos?.[0];
  const reason = first!.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  const hint = /Tabs are not allowed/.test(reason) ? " (indent with spaces)"
    : /Nested mappings|Implicit keys|same column|Bad indentation/.test(reason) ? " (check the indentation of this line and the next)" : "";
  const more = errors.length > 1 ? `\n  (${errors.length - 1} more YAML error(s) after it, most likely caused by this one)` : "";
  if (!pos) return { file, path: "", message: `YAML: ${reason}${hint}${more}` };
  const source = (text.split("\n")[pos.line - 1] ?? "").replace(/\t/g, "→");
  const gutter = `${pos.line} | `;
  const caret = `${" ".repeat(gutter.length - 2)}| ${" ".repeat(Math.max(0, pos.col - 1))}^`;
  return { file, path: "", line: pos.line, message: `YAML: ${reason}${hint}, column ${pos.col}:\n    ${gutter}${source}\n    ${caret}${more}` };
}

/** A typo (`num_worker`) is one problem: the key it meant is not also reported as missing. */
function withoutTypoEchoes(issues: z.core.$ZodIssue[], raw: unknown): z.core.$ZodIssue[] {
  const unknown = issues.flatMap((i) => (i.code === "unrecognized_keys" ? i.keys.map((k) => ({ parent: dotted(i.path), key: k })) : []));
  return issues.filter((i) => {
    if (i.code !== "invalid_type" || valueAt(raw, i.path) !== undefined) return true;
    const [parent, name] = [dotted(i.path.slice(0, -1)), String(i.path.at(-1))];
    return !unknown.some((u) => u.parent === parent && closest(u.key, [name]).length > 0);
  });
}

const valueAt = (raw: unknown, path: PropertyKey[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);

const KINDS: Record<string, string> = { number: "a number", string: "text", boolean: "true or false", array: "a list", object: "a mapping (key: value lines)" };
const SAMPLES: Record<string, unknown> = { number: 2, string: "text", boolean: true };

/** `expected number, received string` in plain words, with a value that would be accepted. */
function typeMessage(issue: z.core.$ZodIssue & { code: "invalid_type" }, target: Target, raw: unknown): string {
  const name = String(issue.path.at(-1) ?? "value");
  const value = valueAt(raw, issue.path);
  const kind = KINDS[issue.expected] ?? issue.expected;
  const example = exampleValue(issue, target, raw);
  const eg = example === undefined ? "" : ` — for example ${name}: ${example}`;
  if (value === undefined || value === null) return `${name} is missing: it must be ${kind}${eg}`;
  if (issue.expected === "number" && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return `must be a number, but "${value}" is quoted text: write it without quotes (${name}: ${Number(value)})`;
  }
  if (issue.expected === "string" && (typeof value === "number" || typeof value === "boolean")) {
    return `must be text: quote it (${name}: "${String(value)}")`;
  }
  const found = typeof value === "string" ? `the text "${value}"` : Array.isArray(value) ? "a list" : typeof value === "object" ? "a mapping" : `${typeof value} ${JSON.stringify(value)}`;
  return `must be ${kind}, not ${found}${eg}`;
}

/** The field's default when the schema has one, else a plain value of the expected type (nothing for lists and mappings). */
function exampleValue(issue: z.core.$ZodIssue & { code: "invalid_type" }, target: Target, raw: unknown): string | undefined {
  const parent = issue.path.length ? schemaAt(issue.path.slice(0, -1), TARGETS[target], raw, true) : undefined;
  let field = parent && internals(parent).shape?.[String(issue.path.at(-1))];
  while (field) {
    const def = internals(field).def as { type: string; defaultValue?: unknown; innerType?: z.ZodType };
    if (def.type === "default" && def.defaultValue !== undefined && typeof def.defaultValue !== "object") return JSON.stringify(def.defaultValue);
    field = def.innerType;
  }
  const sample = SAMPLES[issue.expected];
  return sample === undefined ? undefined : typeof sample === "string" ? `"${sample}"` : String(sample);
}

/** A key of the other target says so (`host` on a kubernetes spec); any other gets a "did you mean". */
function unknownKeyMessage(key: string, parent: PropertyKey[], target: Target, raw: unknown): string {
  const other: Target = target === "docker" ? "kubernetes" : "docker";
  const mine = allowedKeys(parent, TARGETS[target], raw);
  if (allowedKeys(parent, TARGETS[other], raw).includes(key) && !mine.includes(key)) {
    return `unknown key: ${key} applies to target: ${other} only (this spec has target: ${target}); remove it` +
      (target === "kubernetes" ? " — a kubernetes spec sizes and places pods under kubernetes:" : "");
  }
  return `unknown key${suggestFrom(key, mine)}`;
}

type AnySchema = z.ZodType & { shape?: Record<string, z.ZodType>; element?: z.ZodType; def: { type: string; options?: z.ZodType[]; values?: unknown[]; innerType?: z.ZodType } };
const internals = (s: z.ZodType) => s as AnySchema;

/** The keys a target's schema allows at a path, for "did you mean" hints; under a union, the written branch's. */
function allowedKeys(path: PropertyKey[], root: z.ZodType, raw: unknown): string[] {
  const s = schemaAt(path, root, raw, true);
  return s ? keysOf(s) : [];
}

/**
 * The schema at a path of a spec. Under a union (gateway.image, kubernetes.postgres) it follows the branch the
 * written value chooses by its literal fields (`build: bundled`, `mode: managed`); when none or several do, it
 * stays on the union. `pickLast: false` returns the union at the path itself.
 */
function schemaAt(path: PropertyKey[], root: z.ZodType, raw: unknown, pickLast: boolean): z.ZodType | undefined {
  let s: z.ZodType = root;
  let value = raw;
  for (const k of path) {
    s = pick(unwrap(s), value);
    const next = typeof k === "number" ? internals(s).element : internals(s).shape?.[k as string];
    if (!next) return undefined;
    s = next;
    value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[k] : undefined;
  }
  return pickLast ? pick(unwrap(s), value) : unwrap(s);
}

const branchesOf = (s: z.ZodType): z.ZodType[] | undefined =>
  internals(s).def.type === "union" ? internals(s).def.options!.map(unwrap) : undefined;

/** The one branch of a union whose literal fields the value matches (at least one written), else the union. */
function pick(s: z.ZodType, value: unknown): z.ZodType {
  const branches = branchesOf(s);
  if (!branches || !value || typeof value !== "object") return s;
  const written = value as Record<string, unknown>;
  const chosen = branches.filter((b) => {
    const literals = Object.entries(internals(b).shape ?? {}).filter(([, f]) => internals(unwrap(f)).def.type === "literal");
    return literals.some(([k]) => k in written) && literals.every(([k, f]) => !(k in written) || internals(unwrap(f)).def.values!.includes(written[k]));
  });
  return chosen.length === 1 ? chosen[0]! : s;
}

/** An object's keys; a union's, every branch's. */
function keysOf(s: z.ZodType): string[] {
  const branches = branchesOf(s);
  return branches ? [...new Set(branches.flatMap(keysOf))] : Object.keys(internals(s).shape ?? {});
}

/** One allowed form, as a reader writes it: `{ build: "bundled", tag? }`, `{ name }`, `number`. */
function describe(s: z.ZodType): string {
  const shape = internals(s).shape;
  if (!shape) return internals(s).def.type === "literal" ? internals(s).def.values!.map((v) => JSON.stringify(v)).join(" | ") : internals(s).def.type;
  const fields = Object.entries(shape).map(([k, f]) => {
    const inner = unwrap(f);
    if (internals(inner).def.type === "literal") return `${k}: ${internals(inner).def.values!.map((v) => JSON.stringify(v)).join(" | ")}`;
    return ["optional", "default"].includes(internals(f).def.type) ? `${k}?` : k;
  });
  return `{ ${fields.join(", ")} }`;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s as unknown as { def: { innerType?: z.ZodType } };
  while (cur.def.innerType) cur = cur.def.innerType as unknown as typeof cur;
  return cur as unknown as z.ZodType;
}

function suggest(schema: z.ZodType, path: (string | number)[]): string {
  let s: z.ZodType = schema;
  for (const k of path.slice(0, -1)) {
    s = unwrap(s);
    const next = typeof k === "number" ? (s as unknown as { element?: z.ZodType }).element : (s as unknown as { shape?: Record<string, z.ZodType> }).shape?.[k];
    if (!next) return "";
    s = next;
  }
  return suggestFrom(String(path.at(-1)), Object.keys((unwrap(s) as unknown as { shape?: object }).shape ?? {}));
}

function suggestFrom(key: string, allowed: string[]): string {
  if (allowed.length === 0) return "";
  const close = closest(key, allowed);
  return close.length > 0 ? ` (did you mean ${close.join(" or ")}?)` : ` (allowed: ${allowed.join(", ")})`;
}

function lineAt(doc: Document, lines: LineCounter, path: PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

const dotted = (path: PropertyKey[]) =>
  path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "");

const dedupe = (issues: SpecIssue[]) => [...new Map(issues.map((i) => [formatIssue(i), i])).values()];

export const specPath = (file: string) => resolve(file);
