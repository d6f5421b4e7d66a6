/**
 * @condo/http-api: The condo HTTP API as an express app: /v1/*, live events, /metrics, /healthz and the web UI.
 *
 * Not implemented yet; this module only reserves the package's public entry point.
 */
export {};
