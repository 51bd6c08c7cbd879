import { GuardrailOverride } from './guardrail';
import { serviceGuardrailProblems } from './model/guardrails';
import { canonicalHost } from './model/host-reach';
import { Problem, problem, throwIfErrors } from './model/problem';
import { classifyHost, dnsLabelError, HostKind, portError } from './model/syntax';
import { isSharedProtocol, Protocol } from './protocol';
import { ServerVerification } from './server-verification';

/** Most hosts one external service may list (a limit of the CRD). */
const MAX_HOSTS = 50;

/**
 * Options common to every kind of external service.
 *
 * @example
 * ExternalService.https('payments-api', {
 *   hosts: ['api.payments.example.com'],
 *   portName: 'https-payments',
 *   gatewayPort: 10443,
 * });
 */
export interface ExternalServiceOptions {
  /**
   * Domain names (or, for TCP, IP addresses) of the service. All of them must point to the same
   * site (the same DNS answer): ASM routes them as one service. This cannot be checked here.
   */
  readonly hosts: string[];

  /**
   * Name of the port, as in Istio's `Port.name`.
   * @default - the protocol in lower case (`http`, `https`, `tls`, `tcp`)
   */
  readonly portName?: string;

  /**
   * The egress-gateway port that traffic to this service passes through. Leave it out and the
   * library allocates one (or ASM does, with `GatewayPortAllocation.ASM`).
   * @default - allocated
   */
  readonly gatewayPort?: number;

  /**
   * Exceptions to the guardrails for this service (`Guardrail.INTERNAL_ADDRESS`,
   * `PRIVATE_ADDRESS`, `WILDCARD_HOST`, `PLAIN_HTTP`), each with its reason, which the policy keeps
   * in its `GuardrailOverride.ANNOTATION` annotation.
   * @default - none: every guardrail applies
   */
  readonly guardrailOverrides?: GuardrailOverride[];
}

/**
 * Options of an HTTP service.
 *
 * @example
 * ExternalService.http('httpbin', { hosts: ['httpbin.org'], port: 80, httpsUpgrade: { port: 443 } });
 */
export interface HttpServiceOptions extends ExternalServiceOptions {
  /**
   * Port of the external service.
   * @default 80
   */
  readonly port?: number;

  /**
   * Have the egress gateway upgrade the application's plain HTTP to HTTPS (TLS origination).
   * @default - no upgrade: HTTP leaves the mesh in plain text
   */
  readonly httpsUpgrade?: HttpsUpgrade;
}

/**
 * HTTP requests upgraded to HTTPS by the egress gateway.
 *
 * @example
 * ExternalService.http('httpbin', {
 *   hosts: ['httpbin.org'],
 *   httpsUpgrade: { port: 443, serverVerification: ServerVerification.caCertificates('/etc/certs/httpbin-ca.pem') },
 * });
 */
export interface HttpsUpgrade {
  /**
   * The HTTPS port of the external service.
   * @default 443
   */
  readonly port?: number;

  /**
   * How the gateway verifies the server's certificate (open-source Istio output only: ASM's CRD
   * cannot express it).
   * @default ServerVerification.systemCertificates() - the public CAs of the proxy image, and the host name
   */
  readonly serverVerification?: ServerVerification;
}

/**
 * Options of an HTTPS or TLS service, whose encryption the application does itself.
 *
 * @example
 * ExternalService.tls('broker', { hosts: ['mq.example.com'], port: 5671, portName: 'amqps' });
 */
export interface TlsServiceOptions extends ExternalServiceOptions {
  /**
   * Port of the external service.
   * @default 443
   */
  readonly port?: number;
}

/**
 * Options of a TCP service.
 *
 * @example
 * ExternalService.tcp('postgres', { hosts: ['db.example.com'], port: 5432 });
 */
export interface TcpServiceOptions extends ExternalServiceOptions {
  /** Port of the external service. */
  readonly port: number;
}

/**
 * An external service that workloads may reach through an egress gateway: its hosts, port and
 * protocol. It is a value: define it once and use it in any number of rules and policies.
 *
 * @example
 * const httpbin = ExternalService.http('httpbin-service-http', {
 *   hosts: ['www.httpbin.org', 'httpbin.org'],
 *   httpsUpgrade: { port: 443 },
 * });
 * const aliyun = ExternalService.https('aliyun-service-https', { hosts: ['www.aliyun.com'] });
 * const db = ExternalService.tcp('tcp-svc1', { hosts: ['1.1.1.1'], port: 44 });
 */
export class ExternalService {
  /** A plain-HTTP service, optionally upgraded to HTTPS by the gateway. HTTP services may share a gateway port. */
  public static http(name: string, options: HttpServiceOptions): ExternalService {
    return new ExternalService(name, Protocol.HTTP, options?.port ?? 80, options, options?.httpsUpgrade);
  }

  /** An HTTPS service: the application speaks TLS, which passes through the gateway on a port of its own. */
  public static https(name: string, options: TlsServiceOptions): ExternalService {
    return new ExternalService(name, Protocol.HTTPS, options?.port ?? 443, options);
  }

  /** A TLS service other than HTTPS: passes through the gateway on a port of its own. */
  public static tls(name: string, options: TlsServiceOptions): ExternalService {
    return new ExternalService(name, Protocol.TLS, options?.port ?? 443, options);
  }

  /** A TCP service (ASM 1.24.6.45 or later): a port of its own on the gateway. Hosts may be IP addresses. */
  public static tcp(name: string, options: TcpServiceOptions): ExternalService {
    return new ExternalService(name, Protocol.TCP, options?.port, options);
  }

  /** Name of the service, unique within a policy. */
  public readonly name: string;
  /** Protocol that the application speaks. */
  public readonly protocol: Protocol;
  /** Port of the external service. */
  public readonly port: number;
  /** Name of the port. */
  public readonly portName: string;
  /** The gateway port set by the user, if any; see `EgressTrafficPolicy.gatewayPortOf()` for the allocated one. */
  public readonly gatewayPort?: number;
  /** The HTTPS port that the gateway upgrades HTTP to, if it does. */
  public readonly httpsUpgradePort?: number;
  /** How the gateway verifies the server when it upgrades to HTTPS (Istio output), if it does. */
  public readonly httpsUpgradeVerification?: ServerVerification;

  private readonly _hosts: string[];
  private readonly _guardrailOverrides: GuardrailOverride[];
  private readonly hostKinds: HostKind[];
  private destinationKey?: string;

  private constructor(name: string, protocol: Protocol, port: number | undefined, given: ExternalServiceOptions | undefined, upgrade?: HttpsUpgrade) {
    // Untyped callers (JavaScript) may leave out the options: every missing field is then reported.
    const options: ExternalServiceOptions = given ?? { hosts: [] };
    this.name = name;
    this.protocol = protocol;
    this.port = port as number;
    this.portName = options.portName ?? protocol.toLowerCase();
    this.gatewayPort = options.gatewayPort;
    this.httpsUpgradePort = upgrade ? upgrade.port ?? 443 : undefined;
    this.httpsUpgradeVerification = upgrade ? upgrade.serverVerification ?? ServerVerification.systemCertificates() : undefined;
    this._hosts = Array.isArray(options.hosts) ? [...options.hosts] : [];
    this._guardrailOverrides = [...(options.guardrailOverrides ?? [])];
    const { problems, kinds } = this.check(options.hosts, upgrade);
    this.hostKinds = kinds;
    throwIfErrors(`ExternalService '${name}'`, problems);
  }

  /** Hosts of the service (a copy). */
  public get hosts(): string[] {
    return [...this._hosts];
  }

  /** Guardrails overridden for this service (a copy). */
  public get guardrailOverrides(): GuardrailOverride[] {
    return [...this._guardrailOverrides];
  }

  /** Whether the gateway upgrades this service's HTTP to HTTPS. */
  public get upgradesToHttps(): boolean {
    return this.httpsUpgradePort !== undefined;
  }

  /** Whether the hosts are IP addresses rather than names. */
  public get isIpAddressed(): boolean {
    return this.hostKinds.length > 0 && this.hostKinds.every((k) => k === 'ipv4' || k === 'ipv6');
  }

  /**
   * Identity of the destination on a gateway: protocol class, hosts and port. Two services with
   * the same identity are one destination and share a gateway port.
   * @internal
   */
  public get _destinationKey(): string {
    if (this.destinationKey === undefined) {
      const cls = isSharedProtocol(this.protocol) ? 'HTTP' : this.protocol === Protocol.TCP ? 'TCP' : 'TLS';
      this.destinationKey = `${cls}|${[...this._hosts].sort().join(',')}|${this.port}`;
    }
    return this.destinationKey;
  }

  /**
   * Whether two services are the same definition (the same service declared twice).
   * @internal
   */
  public _sameDefinitionAs(other: ExternalService): boolean {
    return other === this || (other.name === this.name && other.protocol === this.protocol && other.port === this.port
      && other.portName === this.portName && other.gatewayPort === this.gatewayPort
      && other.httpsUpgradePort === this.httpsUpgradePort && other._hosts.join(',') === this._hosts.join(',')
      && String(other.httpsUpgradeVerification) === String(this.httpsUpgradeVerification)
      && overridesKey(other._guardrailOverrides) === overridesKey(this._guardrailOverrides));
  }

  /** Everything wrong with the input on its own, every problem at once. */
  private check(hosts: unknown, upgrade?: HttpsUpgrade): { problems: Problem[]; kinds: HostKind[] } {
    const problems: Problem[] = [];
    const add = (field: string, message: string | undefined) => message && problems.push(problem(field, message));
    add('name', dnsLabelError(this.name));
    add('port.number', portError(this.port));
    add('port.name', this.portName ? dnsLabelError(this.portName) : 'must not be empty');
    if (this.gatewayPort !== undefined) add('byEgressGateway.port', portError(this.gatewayPort));
    if (upgrade) add('httpsUpgrade.port', portError(this.httpsUpgradePort));

    if (!Array.isArray(hosts)) add('hosts', hosts === undefined ? 'at least one host is required' : 'must be a list of host names');
    else if (this._hosts.length === 0) add('hosts', 'at least one host is required');
    const notText = this._hosts.findIndex((h) => typeof h !== 'string');
    if (notText >= 0) {
      add(`hosts[${notText}]`, `must be a string, not ${typeof this._hosts[notText]}`);
      return { problems, kinds: [] };
    }
    if (this._hosts.length > MAX_HOSTS) add('hosts', `${this._hosts.length} hosts given; at most ${MAX_HOSTS} are allowed`);
    const kinds: HostKind[] = [];
    const seen = new Set<string>();
    this._hosts.forEach((host, i) => {
      const canonical = canonicalHost(host);
      if (seen.has(canonical)) add(`hosts[${i}]`, `'${host}' is listed twice`);
      seen.add(canonical);
      const result = classifyHost(host);
      if ('error' in result) {
        add(`hosts[${i}]`, result.error);
        return;
      }
      kinds.push(result.kind);
      const ip = result.kind === 'ipv4' || result.kind === 'ipv6';
      if (ip && this.protocol !== Protocol.TCP) {
        add(`hosts[${i}]`, `'${host}' is an IP address: only TCP services can be reached by address (${this.protocol} is routed by host name)`);
      }
    });
    const ips = kinds.filter((k) => k === 'ipv4' || k === 'ipv6').length;
    if (ips > 0 && ips < kinds.length) {
      add('hosts', 'mixes IP addresses and host names: declare them as separate services');
    }
    problems.push(...serviceGuardrailProblems(this._hosts, this.protocol === Protocol.HTTP && !upgrade, this._guardrailOverrides));
    return { problems, kinds };
  }
}

function overridesKey(overrides: GuardrailOverride[]): string {
  return overrides.map((o) => `${o.guardrail.name}: ${o.reason}`).sort().join('\n');
}
