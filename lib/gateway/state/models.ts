// Deployments kept in the database (`store_model_in_db`): LiteLLM's /model/new and /model/delete. Secret
// parameters (api_key and the like) are sealed before they reach the database and opened only in memory.
import { randomUUID } from "node:crypto";
import { deployment } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { isSealed, type Sealer } from "./credentials.ts";
import type { Pool } from "./db.ts";

export interface StoredModel {
  model_name: string;
  litellm_params: Record<string, unknown>;
  model_info: Record<string, unknown> & { id: string };
}

/** Parameters that hold credentials: sealed at rest, never shown by /model/info. */
export const isSecretParam = (name: string) => /(^|_)(key|secret|password|token)$/i.test(name);

export class ModelStore {
  constructor(private readonly pool: Pool, private readonly sealer: Sealer | undefined) {}

  async add(body: unknown): Promise<StoredModel> {
    const parsed = deployment.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new GatewayError(400, "BadRequestError", `${issue.path.join(".") || "body"}: ${issue.message}`, issue.path.join("."));
    }
    const { model_name, litellm_params, model_info } = parsed.data;
    const id = model_info?.id ?? randomUUID();
    const sealed = Object.fromEntries(Object.entries(litellm_params).map(([k, v]) => [k, isSecretParam(k) && typeof v === "string" ? this.seal(v) : v]));
    const { rowCount } = await this.pool.query(
      `INSERT INTO "LiteLLM_ProxyModelTable" (model_id, model_name, litellm_params, model_info) VALUES ($1, $2, $3, $4) ON CONFLICT (model_id) DO NOTHING`,
      [id, model_name, sealed, { ...model_info, id }],
    );
    if (!rowCount) throw new GatewayError(400, "BadRequestError", `a model with id ${id} already exists`, "model_info.id");
    return { model_name, litellm_params: redact(litellm_params), model_info: { ...model_info, id } };
  }

  async remove(id: unknown): Promise<void> {
    if (typeof id !== "string" || !id) throw new GatewayError(400, "BadRequestError", "'id' is required", "id");
    const { rowCount } = await this.pool.query(`DELETE FROM "LiteLLM_ProxyModelTable" WHERE model_id = $1`, [id]);
    if (!rowCount) throw new GatewayError(404, "NotFoundError", `no stored model with id ${id} (models from config.yaml are changed there)`);
  }

  /** Every stored deployment with its secrets opened; throws SaltKeyMismatch if they can't be. */
  async all(): Promise<StoredModel[]> {
    const { rows } = await this.pool.query<StoredModel & { model_id: string }>(`SELECT model_id, model_name, litellm_params, model_info FROM "LiteLLM_ProxyModelTable" ORDER BY created_at, model_id`);
    return rows.map((r) => ({
      model_name: r.model_name,
      litellm_params: Object.fromEntries(Object.entries(r.litellm_params).map(([k, v]) => [k, isSealed(v) ? this.sealer!.open(v) : v])),
      model_info: { ...r.model_info, id: r.model_id },
    }));
  }

  private seal(value: string): string {
    if (!this.sealer) throw new GatewayError(400, "BadRequestError", "storing credentials needs LITELLM_SALT_KEY (or a master key) to encrypt them");
    return this.sealer.seal(value);
  }
}

export const redact = (params: Record<string, unknown>) => Object.fromEntries(Object.entries(params).filter(([k]) => !isSecretParam(k)));
