import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { EgressRegistry } from '../../src';

/**
 * An App for a test: warnings are not printed but read from `EgressRegistry.warnings` (see
 * `warningLines`), as the README tells users to do in their own tests.
 */
export function testApp(): App {
  const app = Testing.app();
  EgressRegistry.of(app).configure({ printWarnings: false });
  return app;
}

/** The App's warnings, as synthesis prints them. */
export function warningLines(app: App): string[] {
  return EgressRegistry.of(app).warnings.map((w) => `[warning] [${w.path}] ${w.field ? `${w.field}: ` : ''}${w.message}`);
}

/** Every object the App synthesises, across all charts (validating the App first, as cdk8s does). */
export function synthObjects(app: App): any[] {
  return app.charts.flatMap((chart) => chart.toJson());
}

/** The message of the validation error that synthesising the App throws. */
export function synthError(app: App): string {
  try {
    synthObjects(app);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synthesis to fail, but it succeeded');
}

/** The message of the error that `make` throws. */
export function errorOf(make: () => unknown): string {
  try {
    make();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

/** The folder of the CRD reference's documented examples (shipped with the package). */
export const EXAMPLE_MANIFESTS = join(__dirname, '..', '..', 'examples', 'manifests');

/** A documented example from examples/manifests. */
export function fixture(name: string): any {
  return parse(readFileSync(join(EXAMPLE_MANIFESTS, name), 'utf8'));
}
