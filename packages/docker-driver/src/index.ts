/**
 * @condo/docker-driver: Everything condo asks of Docker behind one DockerDriver interface: pull with registry auth, create/start/stop/remove, health and event stream, listing by label.
 *
 * Not implemented yet; this module only reserves the package's public entry point.
 */
export {};
