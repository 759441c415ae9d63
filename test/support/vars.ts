// Secret values for tests: realistic shapes, never real keys.
export const TEST_VARS: Record<string, string> = {
  LITELLM_MASTER_KEY: "sk-test-master-0123456789abcdef0123456789",
  LITELLM_SALT_KEY: "test-salt-key-0123456789abcdef0123456789",
  POSTGRES_PASSWORD: "test-postgres-password-1",
  REDIS_PASSWORD: "test-redis-password-1",
  OLLAMA_API_KEY: "test-ollama-key-1",
  GEMINI_API_KEY: "test-gemini-key-1",
  VOYAGE_API_KEY: "test-voyage-key-1",
};
