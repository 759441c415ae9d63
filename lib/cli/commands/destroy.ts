// gatekit destroy <env>: see deploy.ts.
import { help, runStack } from "./deploy.ts";

export const HELP = help("destroy");

export const run = (args: string[]) => runStack("destroy", args);
