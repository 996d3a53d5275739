import { main } from './main.ts';

/**
 * Exit once everything written has reached the reader: on a pipe, process.exit would drop what
 * is still buffered (a large --json document cut at 64 KiB, with exit code 0).
 */
async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((done) => stream.write('', () => done()))));
  process.exit(code);
}

// A reader that stops early (`| head`) is not an error of this command: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => exitAfterFlush(code),
  (e: unknown) => {
    process.stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`);
    return exitAfterFlush(1);
  },
);
