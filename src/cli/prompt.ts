/**
 * Reading a secret from the person at the terminal, or from a pipe. Typed characters are not
 * echoed; nothing read here is ever printed.
 */
import { FutuswarmError } from '../core/errors.ts';

/** Everything on standard input, as UTF-8. */
export async function readAllStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One secret line: typed without echo at a terminal, else all of standard input. Undefined when empty. */
export async function readSecretLine(prompt: string, stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string | undefined> {
  if (!stdin.isTTY) {
    const text = await readAllStdin(stdin);
    return text === '' ? undefined : text;
  }
  // Echo goes off before the prompt appears: what is typed (or pasted) the moment the prompt
  // shows must not reach the terminal in clear.
  stdin.setRawMode(true);
  stderr.write(prompt);
  stdin.resume();
  try {
    return await new Promise<string | undefined>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return finish(() => resolve(typed === '' ? undefined : typed));
          if (ch === '\u0003') return finish(() => reject(new FutuswarmError('interrupted', 'interrupted: nothing was stored')));
          if (ch === '\u0004' && typed === '') return finish(() => resolve(undefined));
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else if (ch === '\u0015') typed = ''; // Ctrl-U: start over
          else if (ch >= ' ') typed += ch;
        }
      };
      const finish = (settle: () => void) => {
        stdin.off('data', onData);
        stderr.write('\n');
        settle();
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

/**
 * One line typed at the terminal, shown as it is typed (a confirmation, never a secret).
 * Undefined when input ends (Ctrl-D); Ctrl-C is `interrupted`.
 */
export async function askLine(question: string, stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string | undefined> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: stdin, output: stderr, terminal: true });
  try {
    return await new Promise<string | undefined>((resolve, reject) => {
      let settled = false;
      const settle = (finish: () => void, newline: boolean) => {
        if (settled) return;
        settled = true;
        if (newline) stderr.write('\n');
        finish();
      };
      rl.once('SIGINT', () => settle(() => reject(new FutuswarmError('interrupted', 'interrupted: nothing was changed')), true));
      rl.once('close', () => settle(() => resolve(undefined), true));
      rl.question(question, (line) => settle(() => resolve(line), false));
    });
  } finally {
    rl.close();
    stdin.pause();
  }
}
