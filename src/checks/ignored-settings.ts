import type { EgressOutput } from '../egress-output';
import type { PolicyModel, ServiceModel } from '../model/model';
import { includesAmbient, includesIstio } from '../model/output';
import { problem, Problem } from '../model/problem';

// Settings that change nothing in the output as configured: silently ignoring them would let an
// author believe that they hold. Each is reported once, as a warning.

/** An output target with options of its own: the objects it writes, and how to ask for them. */
interface Target {
  /** The options' field (`istio`, `ambient`). */
  readonly field: keyof PolicyModel['optionsSet'];
  readonly includes: (output: EgressOutput) => boolean;
  /** What the output lacks, in messages, when some output of the App has ambient-mode objects or none does. */
  readonly objects: (ambient: boolean) => string;
  readonly fix: { readonly constructs: string; readonly manifest: string };
  /** Options that other outputs use too. */
  readonly shared: ReadonlySet<string>;
}

const TARGETS: Target[] = [
  {
    field: 'istio',
    includes: includesIstio,
    objects: (ambient) => (ambient ? 'sidecar-mode Istio objects' : 'Istio objects'),
    fix: { constructs: 'give the policy an output with Istio objects (EgressOutput.ISTIO or ASM_AND_ISTIO)', manifest: 'render with --istio' },
    // ASM's IstioGateway, in the gateway's namespace.
    shared: new Set(['istioGateway', 'gatewayNamespace']),
  },
  {
    field: 'ambient',
    includes: includesAmbient,
    objects: () => 'ambient-mode objects',
    fix: { constructs: 'give the policy an output with ambient-mode objects (EgressOutput.AMBIENT or ASM_AND_AMBIENT)', manifest: 'render with --ambient' },
    shared: new Set(),
  },
];

export function ignoredSettings(policies: PolicyModel[]): Problem[] {
  return [...TARGETS.flatMap((target) => ignoredOptions(policies, target)), ...ignoredServerVerifications(policies)];
}

function ignoredOptions(policies: PolicyModel[], target: Target): Problem[] {
  const problems: Problem[] = [];
  const without = policies.filter((p) => !target.includes(p.output));
  const ignored = (options: string[]) => options.filter((o) => !target.shared.has(o)).sort();
  const named = (options: string[]) => options.map((o) => `${target.field}.${o}`).join(', ');
  const fix = (count: number) => {
    const remove = `remove ${count === 1 ? 'it' : 'them'}`;
    return { constructs: `${remove}, or ${target.fix.constructs}`, manifest: `${remove}, or ${target.fix.manifest}` };
  };
  const nothing = (count: number) => (count === 1 ? 'it changes nothing' : 'they change nothing');

  // Set for the App: said once, if no policy of the App uses them.
  const appOptions = ignored(policies[0]?.optionsSet[target.field].app ?? []);
  if (appOptions.length > 0 && without.length === policies.length) {
    problems.push(problem('IGNORED_SETTING', [target.field],
      `${named(appOptions)} ${appOptions.length === 1 ? 'is' : 'are'} set for the App, but no policy's output has ${target.objects(policies.some((p) => includesAmbient(p.output)))}: ${nothing(appOptions.length)}`,
      { severity: 'warning', subject: policies[0].subject, fix: fix(appOptions.length) }));
  }
  for (const policy of without) {
    const own = ignored(policy.optionsSet[target.field].policy);
    if (own.length === 0) continue;
    problems.push(problem('IGNORED_SETTING', [target.field, own[0]],
      `${named(own)} ${own.length === 1 ? 'is' : 'are'} set, but this policy's output (${policy.output}) has no ${target.objects(includesAmbient(policy.output))}: ${nothing(own.length)}`,
      { severity: 'warning', subject: policy.subject, fix: fix(own.length) }));
  }
  return problems;
}

/** A server verification is for the objects that originate TLS (sidecar or ambient): once per service, at its first use. */
function ignoredServerVerifications(policies: PolicyModel[]): Problem[] {
  const originates = (output: EgressOutput) => includesIstio(output) || includesAmbient(output);
  const rendered = new Set<ServiceModel>();
  const unused = new Map<ServiceModel, { subject: string; index: number }>();
  for (const policy of policies) {
    for (const rule of policy.rules) {
      rule.services.forEach((service, index) => {
        if (!service.serverVerificationSet) return;
        if (originates(policy.output)) rendered.add(service);
        else if (!unused.has(service)) unused.set(service, { subject: rule.subject, index });
      });
    }
  }
  const problems: Problem[] = [];
  for (const [service, { subject, index }] of unused) {
    if (rendered.has(service)) continue;
    problems.push(problem('IGNORED_SETTING', ['to', index, 'httpsUpgrade', 'serverVerification'],
      `'${service.name}' sets a server verification (${service.serverVerification}), but no policy that uses it has Istio objects, `
        + "and ASM's CRD cannot express it: it changes nothing", {
        severity: 'warning',
        subject,
        fix: { constructs: 'remove it, or give the policy an output with Istio objects (sidecar or ambient mode)', manifest: 'remove it' },
      }));
  }
  return problems;
}
