export const NODE_VERSION = "0.1.0";
