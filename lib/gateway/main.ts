// The image's entrypoint: `node gateway.mjs --config /app/config/config.yaml --port 4000 …`.
import { runGateway } from "./cli.ts";

process.exit(await runGateway(process.argv.slice(2)));
