/**
 * Protocol of an external service, as the application speaks it to its sidecar.
 *
 * It decides how the egress gateway can route the traffic: HTTP is routed by its Host header, so
 * HTTP services may share a gateway port; HTTPS and TLS pass through encrypted and TCP carries no
 * name at all, so each of those needs a gateway port of its own.
 *
 * @example
 * const service = ExternalService.tcp('postgres', { hosts: ['db.example.com'], port: 5432 });
 * service.protocol === Protocol.TCP; // true
 */
export enum Protocol {
  /** Plain HTTP from the application; the gateway may upgrade it to HTTPS (TLS origination). */
  HTTP = 'HTTP',
  /** HTTPS from the application, passed through the gateway (routed by SNI). */
  HTTPS = 'HTTPS',
  /** Any TLS from the application, passed through the gateway (routed by SNI). */
  TLS = 'TLS',
  /** Opaque TCP (ASM 1.24.6.45 or later). */
  TCP = 'TCP',
}
