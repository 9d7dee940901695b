// Replaced by the build (tsup `define`) with this package's version; running from source it is "dev".
declare const __TQ_WORKER_VERSION__: string | undefined;

/** The version a worker reports as `sw_ver` in its events and in `stats`. */
export const WORKER_VERSION: string = typeof __TQ_WORKER_VERSION__ === 'string' ? __TQ_WORKER_VERSION__ : 'dev';
