// config.yaml as LiteLLM reads it: PyYAML's YAML 1.1 (`20_000` and `1:20` are integers, yes/no/on/off are
// booleans, `0755` is octal), but only PyYAML's booleans (`y`/`n` stay strings) and no timestamps (LiteLLM
// passes `api_version: 2024-02-01` on as the text it was).
import { parse, type Tags } from "yaml";

const BOOL = "tag:yaml.org,2002:bool";
const TIMESTAMP = "tag:yaml.org,2002:timestamp";

const pyBool = (value: boolean, test: RegExp) => ({
  identify: (v: unknown) => v === value, default: true, tag: BOOL, test, resolve: () => value,
});

const tags = (defaults: Tags): Tags => [
  ...defaults.filter((t) => typeof t === "string" || (t.tag !== BOOL && t.tag !== TIMESTAMP)),
  pyBool(true, /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/),
  pyBool(false, /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/),
];

export const parseLitellmYaml = (text: string): unknown => parse(text, { version: "1.1", customTags: tags });

/** LiteLLM reads a null as "not set": such keys are dropped, at any depth. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}
