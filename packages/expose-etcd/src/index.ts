/**
 * @condo/expose-etcd: Publish service snapshots to etcd under a lease and read the fleet-wide state back.
 *
 * Not implemented yet; this module only reserves the package's public entry point.
 */
export {};
