/**
 * @condo/state-machine: The pure per-service reconciler: (snapshot, event) -> [snapshot, effects], with no I/O, no clock and no randomness.
 *
 * Not implemented yet; this module only reserves the package's public entry point.
 */
export {};
