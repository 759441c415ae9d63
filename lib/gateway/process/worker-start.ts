// A worker process's entry (the CLI's and the image's): it asks the primary what to run — the primary's
// arguments and inline config — instead of running the CLI's command again, with no environment spec to read.
import { runGateway } from "../cli.ts";
import { MSG, type Message, type WorkerStart } from "./messages.ts";

export async function startWorker(): Promise<void> {
  const start = await new Promise<WorkerStart>((resolve) => {
    const take = (m: Message) => {
      if (m?.type === MSG.start && m.start) process.off("message", take), resolve(m.start);
    };
    process.on("message", take);
    process.send!({ type: MSG.start } satisfies Message);
  });
  await runGateway(start.argv, start.extras);
}
