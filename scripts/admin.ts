/**
 * Staff accounts from the server's shell (`npm run admin -- ...`). The command itself lives in src/cli/admin.ts
 * so that the production image has it compiled: `node dist/cli/admin.js ...`.
 */
import '../src/cli/admin.js';
