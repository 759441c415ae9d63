// gatekit destroy <env>: see deploy.ts.
import { runStack } from "./deploy.ts";

export const run = (args: string[]) => runStack("destroy", args);
