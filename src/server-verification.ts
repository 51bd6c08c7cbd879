import { dnsSubdomainError } from './checks/syntax';
import { inputError } from './model/error';
import { problem } from './model/problem';

/** The CA bundle of Istio's proxy images (Debian/Ubuntu and distroless alike). */
const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * How the egress gateway checks the external server's certificate when it upgrades HTTP to HTTPS
 * (TLS origination). Used by the open-source Istio output; ASM's CRD has no such field.
 *
 * Every choice except `insecureSkipVerify()` also checks that the certificate names the host
 * (`subjectAltNames`), so verification does not depend on Istio's version or on
 * `VERIFY_CERTIFICATE_AT_CLIENT`.
 *
 * @example
 * ExternalService.http('billing', {
 *   hosts: ['billing.example.com'],
 *   httpsUpgrade: { port: 443, serverVerification: ServerVerification.credentialName('billing-ca') },
 * });
 */
export class ServerVerification {
  /**
   * Verify against the public CAs that Istio's proxy image trusts
   * (`/etc/ssl/certs/ca-certificates.crt`). The default.
   */
  public static systemCertificates(): ServerVerification {
    return new ServerVerification('caCertificates', SYSTEM_CA_BUNDLE);
  }

  /**
   * Verify against a CA bundle file mounted in the gateway's pods.
   * @param path absolute path of the PEM file inside the gateway container
   */
  public static caCertificates(path: string): ServerVerification {
    if (!path.startsWith('/')) {
      const message = `'${path}' must be an absolute path inside the gateway container`;
      throw inputError(`ServerVerification.caCertificates: ${message}`, problem('INVALID_OPTION', [], message));
    }
    return new ServerVerification('caCertificates', path);
  }

  /**
   * Verify against the CA certificate (`ca.crt`) of a Kubernetes Secret in the gateway's namespace.
   * @param secretName name of the Secret
   */
  public static credentialName(secretName: string): ServerVerification {
    const error = dnsSubdomainError(secretName);
    if (error) throw inputError(`ServerVerification.credentialName: ${error}`, problem('INVALID_NAME', [], error));
    return new ServerVerification('credentialName', secretName);
  }

  /**
   * Do not verify the server at all (`insecureSkipVerify`): traffic is encrypted but anyone on
   * the path can impersonate the server. Only for test servers with self-signed certificates.
   */
  public static insecureSkipVerify(): ServerVerification {
    return new ServerVerification('insecureSkipVerify');
  }

  private constructor(private readonly mode: 'caCertificates' | 'credentialName' | 'insecureSkipVerify', private readonly value?: string) {}

  /** Whether the server's certificate is verified. */
  public get verifies(): boolean {
    return this.mode !== 'insecureSkipVerify';
  }

  public toString(): string {
    return this.value === undefined ? this.mode : `${this.mode}:${this.value}`;
  }

  /**
   * The verification fields of Istio's `ClientTLSSettings` for TLS to `host`.
   * @internal
   */
  public _toIstioTls(host: string): { caCertificates?: string; credentialName?: string; insecureSkipVerify?: boolean; subjectAltNames?: string[] } {
    switch (this.mode) {
      case 'caCertificates': return { caCertificates: this.value, subjectAltNames: [host] };
      case 'credentialName': return { credentialName: this.value, subjectAltNames: [host] };
      default: return { insecureSkipVerify: true };
    }
  }
}
