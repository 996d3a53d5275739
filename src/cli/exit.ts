/**
 * How the CLI process ends. On a pipe, Node writes stdout asynchronously and process.exit drops
 * what is still buffered: a --json document larger than the pipe (64 KiB) arrived cut, with
 * exit code 0. So the process exits only once everything written has reached the reader.
 */

interface Flushable {
  write(data: string, done: () => void): unknown;
}

/** Resolves once everything written to `streams` before this call has been handed to the reader. */
function flushed(streams: readonly Flushable[]): Promise<void> {
  // Writes complete in order: the callback of an empty write comes after all earlier ones.
  return Promise.all(streams.map((stream) => new Promise<void>((done) => stream.write('', () => done())))).then(() => undefined);
}

export async function exitAfterFlush(code: number): Promise<never> {
  await flushed([process.stdout, process.stderr]);
  process.exit(code);
}

/** A reader that stops early (`| head`) is not an error of this command: stop quietly. */
export function stopQuietlyWhenTheReaderLeaves(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}
