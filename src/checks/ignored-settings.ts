import type { PolicyModel, ServiceModel } from '../model/model';
import { includesIstio } from '../model/output';
import { problem, Problem } from '../model/problem';

// Settings that change nothing in the output as configured: silently ignoring them would let an
// author believe that they hold. Each is reported once, as a warning.

/** Istio options that also serve the ASM output: its IstioGateway, in the gateway's namespace. */
const ASM_OUTPUT_OPTIONS = new Set(['istioGateway', 'gatewayNamespace']);

export function ignoredSettings(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  const withoutIstio = policies.filter((p) => !includesIstio(p.output));
  const ignored = (options: string[]) => options.filter((o) => !ASM_OUTPUT_OPTIONS.has(o)).sort();
  const fix = (count: number) => ({
    constructs: `remove ${count === 1 ? 'it' : 'them'}, or give the policy an output with Istio objects (EgressOutput.ISTIO or ASM_AND_ISTIO)`,
    manifest: `remove ${count === 1 ? 'it' : 'them'}, or render with --istio`,
  });

  // Set for the App: said once, if no policy of the App uses them.
  const appOptions = ignored(policies[0]?.istioOptionsSet.app ?? []);
  if (appOptions.length > 0 && withoutIstio.length === policies.length) {
    problems.push(problem('IGNORED_SETTING', ['istio'],
      `${appOptions.map((o) => `istio.${o}`).join(', ')} ${appOptions.length === 1 ? 'is' : 'are'} set for the App, but no policy's output has Istio objects: ${appOptions.length === 1 ? 'it changes' : 'they change'} nothing`,
      { severity: 'warning', subject: policies[0].subject, fix: fix(appOptions.length) }));
  }
  for (const policy of withoutIstio) {
    const own = ignored(policy.istioOptionsSet.policy);
    if (own.length === 0) continue;
    problems.push(problem('IGNORED_SETTING', ['istio', own[0]],
      `${own.map((o) => `istio.${o}`).join(', ')} ${own.length === 1 ? 'is' : 'are'} set, but this policy's output (${policy.output}) has no Istio objects: ${own.length === 1 ? 'it changes' : 'they change'} nothing`,
      { severity: 'warning', subject: policy.subject, fix: fix(own.length) }));
  }

  // A server verification is for the Istio objects that originate TLS: once per service, at its first use.
  const rendered = new Set<ServiceModel>();
  const unused = new Map<ServiceModel, { subject: string; index: number }>();
  for (const policy of policies) {
    for (const rule of policy.rules) {
      rule.services.forEach((service, index) => {
        if (!service.serverVerificationSet) return;
        if (includesIstio(policy.output)) rendered.add(service);
        else if (!unused.has(service)) unused.set(service, { subject: rule.subject, index });
      });
    }
  }
  for (const [service, { subject, index }] of unused) {
    if (rendered.has(service)) continue;
    problems.push(problem('IGNORED_SETTING', ['to', index, 'httpsUpgrade', 'serverVerification'],
      `'${service.name}' sets a server verification (${service.serverVerification}), but no policy that uses it has Istio objects, `
        + "and ASM's CRD cannot express it: it changes nothing", {
        severity: 'warning',
        subject,
        fix: { constructs: 'remove it, or give the policy an output with Istio objects', manifest: 'remove it' },
      }));
  }
  return problems;
}
