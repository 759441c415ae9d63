// The client APIs the main port serves, each a module of the same shape (surface.ts).
import { chat } from "./chat.ts";
import { completions } from "./completions.ts";
import { embeddings } from "./embeddings.ts";
import { messages } from "./messages.ts";
import type { Surface } from "./surface.ts";

export const SURFACES: readonly Surface[] = [chat, completions, embeddings, messages];
