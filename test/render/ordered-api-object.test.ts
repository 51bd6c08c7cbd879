import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext, Testing } from 'cdk8s';
import { EgressSource, EgressTrafficPolicy, ExternalService } from '../../src';
import { OrderedApiObject } from '../../src/pipeline/ordered-api-object';

// The library's objects are OrderedApiObjects, which do in one walk what cdk8s's ApiObject does
// in two, keeping key order. cdk8s's own ApiObject is the reference: given the same props in the
// same App, both must write the same manifest, apart from the order of keys.

/** A JSON value with the keys of every object sorted, as cdk8s's ApiObject writes them. */
function sorted(value: any): any {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted(value[k])]));
}

/** Replaces the string 'REPLACE-ME' wherever it is, and records the keys it saw it at. */
class Replacer implements IResolver {
  public readonly seen: string[][] = [];
  public resolve(context: ResolutionContext): void {
    if (context.value === 'REPLACE-ME') {
      this.seen.push(context.key);
      context.replaceValue('replaced');
    }
  }
}

function props(): any {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Thing',
    metadata: { name: 'thing', labels: { own: 'label' } },
    spec: {
      zeta: 1,
      alpha: { keep: 'x', dropUndefined: undefined, dropNull: null, lazy: Lazy.any({ produce: () => ({ produced: true, nothing: undefined }) }) },
      list: [{ b: 2, a: 1 }, undefined, 'REPLACE-ME', [3, null]],
      emptyObject: {},
      emptyList: [],
      replaced: 'REPLACE-ME',
    },
  };
}

test('writes what cdk8s\'s ApiObject writes, keys in the order given: resolvers, Lazy, null and undefined, patches, chart metadata', () => {
  const replacer = new Replacer();
  const app = new App({ resolvers: [replacer] });
  const chart = new Chart(app, 'chart', { namespace: 'team', labels: { chart: 'label' } });
  const ordered = new OrderedApiObject(chart, 'ordered', props());
  const plain = new ApiObject(chart, 'plain', props());
  for (const o of [ordered, plain]) {
    o.addJsonPatch(JsonPatch.add('/spec/patched', true));
    o.metadata.addAnnotation('added', 'later');
  }

  const [orderedJson, plainJson] = [ordered.toJson(), plain.toJson()];
  // toEqual does not tell a key with an undefined value from a missing key; JSON text (both sorted) does not either, but YAML would.
  expect(sorted(orderedJson)).toEqual(sorted(plainJson));
  expect(JSON.stringify(sorted(orderedJson))).toBe(JSON.stringify(sorted(plainJson)));
  const undefinedKeys = (v: any): string[] => (v && typeof v === 'object'
    ? Object.entries(v).flatMap(([k, x]) => (x === undefined && !Array.isArray(v) ? [k] : undefinedKeys(x))) : []);
  expect(undefinedKeys(orderedJson)).toEqual([]);
  // What both wrote, to be sure the comparison is not between two empty objects.
  expect(orderedJson.spec.alpha).toEqual({ keep: 'x', lazy: { produced: true } });
  expect(orderedJson.spec.list).toEqual([{ b: 2, a: 1 }, undefined, 'replaced', [3, undefined]]);
  expect(orderedJson.metadata).toEqual({ name: 'thing', namespace: 'team', labels: { chart: 'label', own: 'label' }, annotations: { added: 'later' } });
  expect(orderedJson.spec.patched).toBe(true);
  // The App's resolver saw each value at its key, as cdk8s shows it the value.
  expect(replacer.seen).toEqual([['spec', 'list', '2'], ['spec', 'replaced'], ['spec', 'list', '2'], ['spec', 'replaced']]);

  // The order: apiVersion, kind, metadata, then the body as given (cdk8s sorts it).
  expect(Object.keys(orderedJson)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  expect(Object.keys(orderedJson.spec)).toEqual(['zeta', 'alpha', 'list', 'emptyObject', 'emptyList', 'replaced', 'patched']);
  expect(Object.keys(orderedJson.spec.list[0])).toEqual(['b', 'a']);
  expect(Object.keys(plainJson.spec)).toEqual(['alpha', 'emptyList', 'emptyObject', 'list', 'replaced', 'zeta', 'patched']);
});

test('a value that is not plain data fails as cdk8s fails it, at the construct', () => {
  const chart = Testing.chart();
  class Opaque {}
  const ordered = new OrderedApiObject(chart, 'ordered', { apiVersion: 'v1', kind: 'Thing', spec: { value: new Opaque() } });
  const plain = new ApiObject(chart, 'plain', { apiVersion: 'v1', kind: 'Thing', spec: { value: new Opaque() } });
  const message = (o: ApiObject) => {
    try {
      o.toJson();
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  for (const [o, id] of [[ordered, 'ordered'], [plain, 'plain']] as const) {
    expect(message(o)).toMatch(new RegExp(`^Failed serializing construct at path '.*${id}' with name '.*${id}.*': Error: can't render non-simple object of type 'Opaque'$`));
  }
});

test('a policy\'s ASM object takes a JSON patch, the escape hatch for what the library does not model', () => {
  const chart = Testing.chart();
  const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'egressgateway-a' });
  policy.addRule('payments').allowFrom(EgressSource.namespace('payments')).allowTo(ExternalService.https('stripe', { hosts: ['api.stripe.com'] }));
  policy.apiObject!.addJsonPatch(JsonPatch.add('/spec/egressRules/0/to/0/hosts/-', 'files.stripe.com'));
  const [manifest] = Testing.synth(chart);
  expect(manifest.spec.egressRules[0].to[0].hosts).toEqual(['api.stripe.com', 'files.stripe.com']);
});
