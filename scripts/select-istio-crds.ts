/**
 * Keeps, from Istio's published CRD file, only the kinds and versions this library emits, so the
 * generated L1 code in src/imports stays lean. Used by `npx projen import`.
 *
 *   ts-node scripts/select-istio-crds.ts <default file|https-url> <out.yaml>
 *
 * The environment variable ISTIO_CRDS, when set, names the source instead of the default.
 */
import { readFileSync, writeFileSync } from 'fs';
import { parseAllDocuments, stringify } from 'yaml';

/** Kinds the Istio renderer emits, by API group. */
const KINDS: Record<string, string[]> = {
  'networking.istio.io': ['ServiceEntry', 'Gateway', 'DestinationRule', 'VirtualService', 'Sidecar'],
  'security.istio.io': ['AuthorizationPolicy'],
};
/** API versions the renderer can emit (`networking.istio.io/v1` from Istio 1.22, `v1beta1` before). */
const VERSIONS = ['v1', 'v1beta1'];

async function read(source: string): Promise<string> {
  if (!/^https?:\/\//.test(source)) return readFileSync(source, 'utf8');
  const response = await fetch(source);
  if (!response.ok) throw new Error(`${source}: HTTP ${response.status}`);
  return response.text();
}

async function main(source: string | undefined, out: string | undefined) {
  if (!source || !out) throw new Error('usage: select-istio-crds <file|url> <out.yaml>');
  const selected: unknown[] = [];
  for (const doc of parseAllDocuments(await read(source))) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0].message}`);
    const crd = doc.toJSON();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    if (!KINDS[crd.spec.group]?.includes(crd.spec.names.kind)) continue;
    // `cdk8s import` names the class of the first listed version without a suffix: keep v1 first.
    crd.spec.versions = VERSIONS
      .map((name) => crd.spec.versions.find((v: { name: string }) => v.name === name))
      .filter((v: unknown) => v !== undefined);
    selected.push(crd);
  }
  const wanted = Object.values(KINDS).flat();
  if (selected.length !== wanted.length) {
    throw new Error(`${source}: expected CRDs for ${wanted.join(', ')}; found ${selected.length}`);
  }
  writeFileSync(out, selected.map((crd) => stringify(crd)).join('---\n'));
}

main(process.env.ISTIO_CRDS || process.argv[2], process.argv[3]).catch((e) => {
  console.error(`select-istio-crds: ${e.message}`);
  process.exit(1);
});
