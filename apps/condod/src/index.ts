/**
 * @condo/condod: The condo daemon: composes the @condo/* packages behind a CLI, a spec-directory watcher and an effect interpreter.
 *
 * Not implemented yet; this module only reserves the package's public entry point.
 */
export {};
