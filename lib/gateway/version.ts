// The gateway's version, on its own: the primary and the health app need it without loading the server.
export const VERSION = "0.1.0";
