/**
 * The CLI's entry. Compiled code of the modules a command loads is cached on disk (Node's
 * compile cache, in the user's futuswarm cache directory), so a command typed all day does not
 * compile the same JavaScript every time; main and everything after it load afterwards.
 */
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

try {
  // Node 22.1 and later; an unwritable directory only costs the speed-up.
  module.enableCompileCache?.(join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'futuswarm', 'node-compile-cache'));
} catch {
  // Without it, everything works as before.
}

const [{ main }, { exitAfterFlush, stopQuietlyWhenTheReaderLeaves }, { EXIT }] = await Promise.all([
  import('./main.ts'),
  import('./exit.ts'),
  import('./exit-code.ts'),
]);

stopQuietlyWhenTheReaderLeaves();

main(process.argv.slice(2)).then(
  (code) => exitAfterFlush(code),
  (e: unknown) => {
    process.stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`);
    return exitAfterFlush(EXIT.failed);
  },
);
