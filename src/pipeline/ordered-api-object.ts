import { ApiObject, ApiObjectProps, App, IResolver, JsonPatch, ResolutionContext } from 'cdk8s';
import { Construct } from 'constructs';

/** What an object of the outputs holds: its type, its metadata and its body (`spec`, ...). */
export interface OrderedApiObjectProps extends ApiObjectProps {
  readonly [key: string]: unknown;
}

/**
 * An `ApiObject` that writes its manifest with the keys in the order the library builds them
 * (each CRD's schema order: `name`, `hosts`, `port`, ..., as its reference documents them), where
 * cdk8s's own `ApiObject` sorts them. It does what `ApiObject.toJson()` does in one walk: values
 * resolved as cdk8s resolves them (the App's resolvers, `Lazy`), `null` and `undefined` left out,
 * JSON patches applied, then `apiVersion`, `kind` and `metadata` first.
 *
 * The L1 classes that `cdk8s import` generates keep schema order too, but walk every spec three
 * times to do it; a policy of thousands of services made that the largest cost of synthesis after
 * YAML. Their types still describe the objects (`import type`), so their code is never loaded.
 */
export class OrderedApiObject extends ApiObject {
  private readonly body: OrderedApiObjectProps;
  private readonly jsonPatches: JsonPatch[] = [];

  constructor(scope: Construct, id: string, props: OrderedApiObjectProps) {
    super(scope, id, props);
    this.body = props;
  }

  public addJsonPatch(...ops: JsonPatch[]): void {
    super.addJsonPatch(...ops);
    this.jsonPatches.push(...ops);
  }

  public toJson(): any {
    try {
      const resolvers = App.of(this).resolvers;
      const json = resolveValue([], { ...this.body, metadata: this.metadata.toJson() }, this, resolvers);
      const patched = this.jsonPatches.length > 0 ? JsonPatch.apply(json, ...this.jsonPatches) : json;
      const result: Record<string, unknown> = {};
      for (const key of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
        if (key in patched && !(key in result)) result[key] = patched[key];
      }
      return result;
    } catch (e) {
      // As ApiObject reports it.
      throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
    }
  }
}

/**
 * cdk8s's `resolve()` and `sanitizeValue()` in one walk, keeping key order: the resolvers have the
 * first say on every value; arrays and plain objects are walked; `null` and `undefined` values of
 * objects are left out (not those in arrays, as cdk8s does); other objects cannot be rendered.
 */
function resolveValue(key: string[], value: any, object: ApiObject, resolvers: IResolver[]): any {
  if (value == null) return undefined;
  const context = new ResolutionContext(object, key, value);
  for (const resolver of resolvers) {
    resolver.resolve(context);
    if (context.replaced) return resolveValue(key, context.replacedValue, object, resolvers);
  }
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, i) => resolveValue([...key, `${i}`], item, object, resolvers));
  if (value.constructor !== Object) throw new Error(`can't render non-simple object of type '${value.constructor?.name}'`);
  const result: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const resolved = resolveValue([...key, k], value[k], object, resolvers);
    if (resolved != null) result[k] = resolved;
  }
  return result;
}

/**
 * A value of an enum of the generated L1 types, checked against the enum's values at compile time,
 * without loading the generated module (`import type` only).
 */
export function enumValue<E extends string>(value: `${E}`): E {
  return value as E;
}
