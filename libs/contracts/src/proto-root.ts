import { join } from 'node:path';

/**
 * Directory of the .proto sources, for the few runtime users of descriptors (gRPC server
 * reflection). Request handling never parses .proto files: it uses the generated code.
 */
export const PROTO_ROOT = join(__dirname, '..', 'proto');
