import { isIP } from 'net';

// Kubernetes and DNS name rules. Each check returns a message, or undefined when the value is valid.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A last label that makes a name an IPv4 address in another spelling (WHATWG URL "ends in a number"). */
const ENDS_IN_A_NUMBER = /^(\d+|0x[0-9a-f]*)$/i;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A DNS-1123 label: namespaces, Service and gateway names, external-service names. */
export function dnsLabelError(value: string): string | undefined {
  if (typeof value !== 'string') return `must be a string, not ${value === null ? 'null' : typeof value}`;
  if (value.length === 0) return 'must not be empty';
  if (value.length > 63) return `'${value}' is longer than 63 characters`;
  if (!DNS_LABEL.test(value)) {
    return `'${value}' is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`;
  }
  return undefined;
}

/** A DNS-1123 subdomain: object names. */
export function dnsSubdomainError(value: string): string | undefined {
  if (typeof value !== 'string') return `must be a string, not ${value === null ? 'null' : typeof value}`;
  if (value.length === 0) return 'must not be empty';
  if (value.length > 253) return `'${value}' is longer than 253 characters`;
  if (!value.split('.').every((label) => DNS_LABEL.test(label))) {
    return `'${value}' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')`;
  }
  return undefined;
}

/** A Kubernetes label (or annotation) key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function labelKeyError(key: string, what: 'label key' | 'annotation key' = 'label key'): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && dnsSubdomainError(prefix)) {
    return `${what} '${key}' has an invalid prefix: it must be a DNS-1123 subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `${what} '${key}' is invalid: its name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** A Kubernetes label value: empty, or at most 63 letters, digits, '-', '_', '.'. */
export function labelValueError(key: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `label '${key}' must have a string value`;
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return `label '${key}' has an invalid value '${value}': at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Errors in a label map, keyed by the field (`<key>`) they concern. */
export function labelErrors(labels: Record<string, unknown>): Array<{ key: string; message: string }> {
  const errors: Array<{ key: string; message: string }> = [];
  for (const [key, value] of Object.entries(labels)) {
    const message = labelKeyError(key) ?? labelValueError(key, value);
    if (message) errors.push({ key, message });
  }
  return errors;
}

/** What a host of an external service is. */
export type HostKind = 'dns' | 'wildcard' | 'ipv4' | 'ipv6';

/** The result of classifying a valid host: one shared object per kind. */
const KINDS: Readonly<Record<HostKind, { readonly kind: HostKind }>> = {
  dns: { kind: 'dns' },
  wildcard: { kind: 'wildcard' },
  ipv4: { kind: 'ipv4' },
  ipv6: { kind: 'ipv6' },
};

/** Classifies a host, or returns a message saying why it is not one. */
export function classifyHost(host: string): { readonly kind: HostKind } | { readonly error: string } {
  if (host.length === 0) return { error: 'a host must not be empty' };
  if (host === '*') return { error: "a bare '*' matches every host and is not allowed" };
  if (host.includes('%')) return { error: `'${host}' has a zone index ('%'), which only has a meaning on one machine` };
  const ip = isIP(host);
  if (ip === 4) return KINDS.ipv4;
  if (ip === 6) return KINDS.ipv6;
  if (host.includes('/')) return { error: `'${host}' is an address range; a host must be one name or one IP address` };
  const wildcard = isWildcardHost(host);
  const name = wildcard ? host.slice(2) : host;
  if (name.includes('*')) return { error: `'${host}' has a '*' that is not a leading '*.' label` };
  if (name !== name.toLowerCase()) return { error: `'${host}' must be lower case` };
  if (name.endsWith('.')) return { error: `'${host}' must not end with a dot` };
  if (name.length > 253) return { error: `'${host}' is longer than 253 characters` };
  const labels = name.split('.');
  if (labels.length < 2) return { error: `'${host}' is not a fully qualified domain name (it needs at least two labels, like example.com)` };
  if (!labels.every((l) => l.length <= 63 && DNS_LABEL.test(l))) {
    return { error: `'${host}' is not a valid domain name (labels of lower-case letters, digits and '-', at most 63 characters)` };
  }
  // A name that ends in a number (the WHATWG URL rule: a last label of decimal digits, or of `0x`
  // and hex digits) is an IPv4 address in another spelling, which resolvers such as glibc's accept.
  if (ENDS_IN_A_NUMBER.test(labels[labels.length - 1])) return { error: `'${host}' is neither a domain name nor a valid IP address` };
  return wildcard ? KINDS.wildcard : KINDS.dns;
}

/** Whether a host that `classifyHost` accepts is a wildcard (`*.example.com`). */
export function isWildcardHost(validHost: string): boolean {
  return validHost.startsWith('*.');
}

/** A TCP/UDP port number. */
export function portError(port: unknown): string | undefined {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return `${String(port)} is not a port number (an integer from 1 to 65535)`;
  }
  return undefined;
}
