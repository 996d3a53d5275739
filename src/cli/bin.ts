import { main } from './main.ts';
import { exitAfterFlush, stopQuietlyWhenTheReaderLeaves } from './exit.ts';
import { EXIT } from './exit-code.ts';

stopQuietlyWhenTheReaderLeaves();

main(process.argv.slice(2)).then(
  (code) => exitAfterFlush(code),
  (e: unknown) => {
    process.stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`);
    return exitAfterFlush(EXIT.failed);
  },
);
