// Secret values for CLI commands: the process environment, plus a `.env` in the working directory when present
// (variables already set win). `.env.example` is never read here: its values are examples, not secrets.
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";

export function cliVars(cwd = process.cwd()): Record<string, string | undefined> {
  const file = `${cwd}/.env`;
  const fromFile = existsSync(file) ? (parseEnv(readFileSync(file, "utf8")) as Record<string, string>) : {};
  return { ...fromFile, ...process.env };
}

/** `.env.example`'s values: what a DEV-mode local run (npm start) fills unset variables from. */
export function exampleVars(cwd = process.cwd()): Record<string, string> {
  const file = `${cwd}/.env.example`;
  return existsSync(file) ? (parseEnv(readFileSync(file, "utf8")) as Record<string, string>) : {};
}
