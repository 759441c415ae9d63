// Loading environment specs: YAML → zod, with every problem reported as `file:line path: message`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { litellmConfig, unknownKeys } from "../gateway/config/schema.ts";
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
  if (doc.errors.length > 0) {
    throw new SpecError(doc.errors.map((e) => ({ file, path: "", line: e.linePos?.[0]?.line, message: `YAML: ${e.message.split("\n")[0]}` })));
  }
  const raw = doc.toJS() as unknown;
  const lineOf = (path: PropertyKey[]) => lineAt(doc, lines, path);
  const issues: SpecIssue[] = [];
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) issues.push(...parsed.error.issues.flatMap((i) => zodIssues(file, i, lineOf, targetOf(raw), raw)));
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
  return [{ file, path: dotted(issue.path), line: lineOf(issue.path), message: issue.message }];
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
  const close = allowed.filter((a) => distance(a, key) <= Math.max(2, Math.floor(a.length / 4)));
  return close.length > 0 ? ` (did you mean ${close.join(" or ")}?)` : ` (allowed: ${allowed.join(", ")})`;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
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
