// The registry prints warnings (e.g. plain HTTP) with console.warn at every synthesis; tests that
// care about a warning spy on console.warn and assert it, the others stay quiet. Installed before
// each test, so a test that restores console.warn does not make the next ones noisy.
beforeEach(() => {
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
