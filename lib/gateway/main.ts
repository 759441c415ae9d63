// The image's entrypoint: `node gateway.mjs --config /app/config/config.yaml --port 4000 …`.
import cluster from "node:cluster";
import { runGateway } from "./cli.ts";
import { startWorker } from "./process/worker-start.ts";

if (cluster.isWorker) await startWorker();
else process.exit(await runGateway(process.argv.slice(2)));
