import { readFileSync } from 'fs';
import { join } from 'path';
import { App } from 'cdk8s';
import { parse } from 'yaml';

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

/** A documented example from test/fixtures. */
export function fixture(name: string): any {
  return parse(readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8'));
}
