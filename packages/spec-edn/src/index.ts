/**
 * @condo/spec-edn: Parse, validate and lint condo spec files (.edn); convert EDN <-> Docker JSON; the condo-lint CLI.
 *
 * Not implemented yet; this module only reserves the package's public entry point.
 */
export {};
