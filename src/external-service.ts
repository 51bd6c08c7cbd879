import { serviceGuardrailProblems } from './checks/guardrails';
import { isAddress, serviceValueProblems, ServiceValues } from './checks/values';
import { GuardrailOverride } from './guardrail-override';
import { throwIfInvalid } from './model/error';
import { serviceModel, type ServiceModel } from './model/model';
import { problem } from './model/problem';
import { Protocol } from './protocol';
import { ServerVerification } from './server-verification';

/** The default verification of an upgrade, shared: a ServerVerification is immutable. */
const SYSTEM_CERTIFICATES = ServerVerification.systemCertificates();

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
    return ExternalService.create(name, Protocol.HTTP, options?.port ?? 80, options, options?.httpsUpgrade);
  }

  /** An HTTPS service: the application speaks TLS, which passes through the gateway on a port of its own. */
  public static https(name: string, options: TlsServiceOptions): ExternalService {
    return ExternalService.create(name, Protocol.HTTPS, options?.port ?? 443, options);
  }

  /** A TLS service other than HTTPS: passes through the gateway on a port of its own. */
  public static tls(name: string, options: TlsServiceOptions): ExternalService {
    return ExternalService.create(name, Protocol.TLS, options?.port ?? 443, options);
  }

  /** A TCP service (ASM 1.24.6.45 or later): a port of its own on the gateway. Hosts may be IP addresses. */
  public static tcp(name: string, options: TcpServiceOptions): ExternalService {
    return ExternalService.create(name, Protocol.TCP, options?.port, options);
  }

  /**
   * A service from values that a reader has checked already (adoption of a manifest).
   * @internal
   */
  public static _fromModel(model: ServiceModel): ExternalService {
    return new ExternalService(model);
  }

  /** Checks every value at once, then builds the service. */
  private static create(name: string, protocol: Protocol, port: number | undefined, given: ExternalServiceOptions | undefined,
    upgrade?: HttpsUpgrade): ExternalService {
    // Untyped callers (JavaScript) may leave out the options: every missing field is then reported.
    const options: ExternalServiceOptions = given ?? { hosts: [] };
    const portName = options.portName ?? protocol.toLowerCase();
    const listed = Array.isArray(options.hosts);
    const hosts: unknown[] = listed ? [...options.hosts] : [];
    const httpsUpgradePort = upgrade ? upgrade.port ?? 443 : undefined;
    const overrides = options.guardrailOverrides ? [...options.guardrailOverrides] : [];
    const values: ServiceValues = { name, protocol, port, portName, gatewayPort: options.gatewayPort, ...(upgrade ? { httpsUpgradePort } : {}) };
    const what = () => `ExternalService '${name}'`;
    const notText = hosts.findIndex((h) => typeof h !== 'string');
    if (notText >= 0) {
      // Nothing more can be said of hosts that are not text.
      throwIfInvalid(what(), [
        ...serviceValueProblems(values).problems,
        problem('INVALID_HOST', ['hosts', notText], `must be a string, not ${typeof hosts[notText]}`),
      ]);
    }
    const texts = hosts as string[];
    const { problems, kinds } = listed
      ? serviceValueProblems({ ...values, hosts: texts })
      : {
        problems: [...serviceValueProblems(values).problems,
          problem('REQUIRED', ['hosts'], options.hosts === undefined ? 'at least one host is required' : 'must be a list of host names')],
        kinds: [],
      };
    problems.push(...serviceGuardrailProblems(name, texts, protocol === Protocol.HTTP && !upgrade, overrides));
    if (problems.length > 0) throwIfInvalid(what(), problems);
    return new ExternalService(serviceModel({
      name,
      protocol,
      port: port as number,
      portName,
      hosts: texts,
      gatewayPort: options.gatewayPort,
      httpsUpgradePort,
      serverVerification: upgrade ? upgrade.serverVerification ?? SYSTEM_CERTIFICATES : undefined,
      serverVerificationSet: upgrade ? upgrade.serverVerification !== undefined : undefined,
      overrides,
      ipAddressed: kinds.length > 0 && kinds.every(isAddress),
    }));
  }

  /** The service as the model knows it: one object per service, so ports can be looked up by it. @internal */
  public readonly _model: ServiceModel;

  private constructor(model: ServiceModel) {
    this._model = model;
  }

  // The properties read the model: an App holds thousands of services, each stored once.

  /** Name of the service, unique within a policy. */
  public get name(): string {
    return this._model.name;
  }

  /** Protocol that the application speaks. */
  public get protocol(): Protocol {
    return this._model.protocol;
  }

  /** Port of the external service. */
  public get port(): number {
    return this._model.port;
  }

  /** Name of the port. */
  public get portName(): string {
    return this._model.portName;
  }

  /** The gateway port set by the user, if any; see `EgressTrafficPolicy.gatewayPortOf()` for the allocated one. */
  public get gatewayPort(): number | undefined {
    return this._model.gatewayPort;
  }

  /** The HTTPS port that the gateway upgrades HTTP to, if it does. */
  public get httpsUpgradePort(): number | undefined {
    return this._model.httpsUpgradePort;
  }

  /** How the gateway verifies the server when it upgrades to HTTPS (Istio output), if it does. */
  public get httpsUpgradeVerification(): ServerVerification | undefined {
    return this._model.serverVerification;
  }

  /** Hosts of the service (a copy). */
  public get hosts(): string[] {
    return [...this._model.hosts];
  }

  /** Guardrails overridden for this service (a copy). */
  public get guardrailOverrides(): GuardrailOverride[] {
    return [...this._model.overrides];
  }

  /** Whether the gateway upgrades this service's HTTP to HTTPS. */
  public get upgradesToHttps(): boolean {
    return this.httpsUpgradePort !== undefined;
  }

  /** Whether the hosts are IP addresses rather than names. */
  public get isIpAddressed(): boolean {
    return this._model.ipAddressed;
  }
}
