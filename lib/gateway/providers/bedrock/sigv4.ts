// SigV4 request signing with aws4fetch (a small, well-kept signer on WebCrypto): the headers a request needs
// to carry to be accepted by an AWS service.
import { AwsV4Signer } from "aws4fetch";

export interface AwsCredentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string; region: string }

export async function sigv4Headers(
  req: { url: string; method: string; headers: Record<string, string>; body?: string },
  creds: AwsCredentials, service: string, datetime?: string,
): Promise<Record<string, string>> {
  const signer = new AwsV4Signer({ ...req, ...creds, service, ...(datetime ? { datetime } : {}) });
  const signed = await signer.sign();
  const out: Record<string, string> = {};
  for (const name of ["authorization", "x-amz-date", "x-amz-security-token"]) {
    const v = signed.headers.get(name);
    if (v) out[name] = v;
  }
  return out;
}
