/**
 * @condo/expose-consul: Publish service snapshots to Consul KV under a TTL session and read the fleet-wide state back.
 *
 * Not implemented yet; this module only reserves the package's public entry point.
 */
export {};
