// Settings LiteLLM's proxy knows that gatekit's gateway does not act on. The schema declares them (so a spec
// keeps them for LiteLLM's image and `validate` does not call them typos); the gateway ignores them and says so
// in its start-up summary, and `validate` warns that LiteLLM's image would serve them.
import { z } from "zod";

export const LITELLM_ONLY = {
  top: ["guardrails", "mcp_servers", "include", "credential_list", "files_settings", "finetune_settings", "assistant_settings",
    "callback_settings", "pass_through_endpoints", "search_tools", "vector_store_registry", "prompts"],
  litellm_params: ["temperature", "max_tokens", "max_completion_tokens", "top_p", "seed", "stop", "tags", "region_name",
    "input_cost_per_second", "output_cost_per_second", "use_in_pass_through", "merge_reasoning_content_in_choices", "thinking",
    "reasoning_effort", "cache_control_injection_points", "litellm_credential_name", "max_budget", "budget_duration",
    "aws_role_name", "aws_session_name", "aws_profile_name", "aws_web_identity_token", "aws_bedrock_runtime_endpoint",
    "azure_ad_token_provider", "tenant_id", "client_id", "client_secret", "azure_username", "azure_password",
    "vertex_ai_project", "vertex_ai_location", "model_id", "configurable_clientside_auth_params", "stream", "n", "logprobs"],
  litellm_settings: ["service_callback", "langfuse_default_tags", "modify_params", "enable_preview_features",
    "redact_messages_in_exceptions", "log_raw_request_response", "enable_json_schema_validation", "disable_end_user_cost_tracking",
    "key_generation_settings", "default_team_settings", "default_internal_user_params", "default_key_generate_params",
    "upperbound_key_generate_params", "max_internal_user_budget", "internal_user_budget_duration", "max_end_user_budget",
    "guardrails", "callback_settings", "ssl_verify", "force_ipv4", "telemetry", "return_response_headers", "budget_duration",
    "s3_callback_params", "post_call_rules", "disable_token_counter", "extra_spend_tag_headers", "public_teams",
    "enable_loadbalancing_on_batch_endpoints", "add_function_to_prompt", "model_alias_map", "mcp_aliases",
    "disable_hf_tokenizer_download", "cache_responses", "retry"],
  router_settings: ["model_group_alias", "provider_budget_config", "enable_tag_filtering", "disable_cooldowns", "cache_responses",
    "caching_groups", "client_ttl", "default_litellm_params", "default_max_parallel_requests", "default_priority",
    "polling_interval", "model_group_retry_policy", "optional_pre_call_checks", "router_general_settings", "assistants_config",
    "set_verbose", "debug_level", "redis_db"],
  general_settings: ["allowed_routes", "admin_only_routes", "enforce_user_param", "enable_jwt_auth", "litellm_jwtauth",
    "custom_auth", "custom_key_generate", "custom_sso", "disable_master_key_return", "disable_reset_budget",
    "disable_retry_on_max_parallel_request_limit_error", "disable_adding_master_key_hash_to_db", "enable_oauth2_auth",
    "public_routes", "max_response_size_mb", "proxy_budget_rescheduler_min_time", "proxy_budget_rescheduler_max_time",
    "ui_access_mode", "use_redis_transaction_buffer", "global_max_parallel_requests", "infer_model_from_keys",
    "key_management_system", "key_management_settings", "use_google_kms", "use_azure_key_vault", "pass_through_endpoints",
    "health_check_details", "otel", "service_account_settings", "spend_report_frequency", "forward_openai_org_id",
    "forward_client_headers_to_llm_api", "maximum_spend_logs_retention_period", "maximum_spend_logs_retention_interval",
    "allow_user_auth", "enable_public_model_hub", "allowed_ips", "embedding_model", "moderation_model", "enforced_params",
    "disable_prisma_schema_update", "store_prompts_in_spend_logs", "disable_spend_updates", "database_args",
    "role_permissions", "user_header_name", "use_x_forwarded_for", "proxy_batch_polling_interval", "alert_to_webhook_url",
    "alerting_webhook_url", "disable_responses_id_security", "litellm_key_header_name"],
} as const;

/** Declared as "any value": kept as written, never acted on. */
export const litellmOnly = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, z.unknown().optional()]));

/** LiteLLM's model_info.mode values; the gateway serves SERVED_MODES. */
export const LITELLM_MODES = ["chat", "completion", "embedding", "image_generation", "image_edit", "audio_transcription",
  "audio_speech", "moderation", "moderations", "rerank", "responses", "batch", "realtime", "video_generation", "ocr", "search"] as const;
export const SERVED_MODES = ["chat", "completion", "embedding", "rerank"] as const;
