// Secrets enter a stack only as sensitive Terraform variables (TF_VAR_<name>), so cdktf.out never holds a value.
import { Fn, TerraformVariable } from "cdktf";
import { Construct } from "constructs";

const PLACEHOLDER = /\{\{secret:([A-Za-z_][A-Za-z0-9_]*)(\|url)?\}\}/g;

/** LITELLM_MASTER_KEY → litellm_master_key, set as TF_VAR_litellm_master_key. */
export const tfVarName = (variable: string) => variable.toLowerCase();

export class SecretInputs extends Construct {
  private readonly vars = new Map<string, TerraformVariable>();

  constructor(scope: Construct, id: string, props: { variables: string[] }) {
    super(scope, id);
    for (const variable of props.variables) {
      this.vars.set(variable, new TerraformVariable(scope, tfVarName(variable), {
        type: "string",
        sensitive: true,
        nullable: false,
        description: `${variable}: set TF_VAR_${tfVarName(variable)} (see .env.example)`,
      }));
    }
  }

  variable(name: string): TerraformVariable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`secret ${name} is used by the deployment model but is not an input of the stack`);
    return v;
  }

  /** Replaces `{{secret:NAME}}` placeholders of the model with references to the variables. */
  resolve(templated: string): string {
    return templated.replace(PLACEHOLDER, (_, name: string, url?: string) => {
      const value = this.variable(name).stringValue;
      return url ? Fn.urlencode(value) : value;
    });
  }
}
