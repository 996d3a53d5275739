/**
 * The command tree as shell completion sees it: every command path with its subcommands, its
 * options (its own and those of the commands above it, which commander accepts after it too),
 * and what kind of value each option and argument takes. Built from the commander tree, so the
 * completion scripts never drift from the commands.
 */
import type { Argument, Command, Option } from 'commander';

/** What a value is completed with: names the CLI can list, files, a fixed list, or nothing. */
export type ValueKind = { kind: 'app' } | { kind: 'context' } | { kind: 'file' } | { kind: 'choice'; values: readonly string[] } | { kind: 'any' };

export interface CompletionOption {
  /** Every spelling: `['-n', '--name']`. */
  flags: readonly string[];
  description: string;
  /** Absent when the option takes no value. */
  value?: ValueKind;
}

export interface CompletionArgument {
  name: string;
  value: ValueKind;
  variadic: boolean;
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: readonly CompletionOption[];
  args: readonly CompletionArgument[];
  commands: readonly CompletionCommand[];
}

/** One command path, flattened: what a script offers once the words so far name it. */
export interface CompletionNode {
  /** The words after the program name, space-separated: '' for the top, `app:secrets set`. */
  path: string;
  commands: readonly { name: string; description: string }[];
  options: readonly CompletionOption[];
  args: readonly CompletionArgument[];
}

/** Commander adds --help to every command without listing it among the options. */
const HELP: CompletionOption = { flags: ['-h', '--help'], description: 'display help for command' };

/** Placeholders that name a file or directory: `-f, --file <file>`, `--build [dir]`. */
const FILE_PLACEHOLDERS = new Set(['file', 'dir']);

/** Commander takes the version option at the top only. */
const TOP_ONLY = new Set(['--version']);

/** Positional arguments whose values the CLI can list, by command path and argument name. */
const ARGUMENT_KINDS: Readonly<Record<string, ValueKind>> = {
  'context use <name>': { kind: 'context' },
  'context remove <name>': { kind: 'context' },
};

export function optionValueKind(option: Pick<Option, 'flags' | 'long' | 'argChoices'>): ValueKind {
  if (option.argChoices) return { kind: 'choice', values: option.argChoices };
  if (option.long === '--context') return { kind: 'context' };
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1]?.replace(/\.\.\.$/, '');
  // A confirmation (`--confirm <app>`) is typed out on purpose, never completed.
  if (placeholder === 'app' && option.long !== '--confirm') return { kind: 'app' };
  // `--identity-file <path>`; `--health-path <path>` is a URL path, not a file.
  if ((placeholder !== undefined && FILE_PLACEHOLDERS.has(placeholder)) || option.long?.endsWith('-file')) return { kind: 'file' };
  return { kind: 'any' };
}

function argumentValueKind(path: string, arg: Pick<Argument, 'argChoices'> & { name(): string }): ValueKind {
  if (arg.argChoices) return { kind: 'choice', values: arg.argChoices };
  return ARGUMENT_KINDS[`${path} <${arg.name()}>`] ?? (FILE_PLACEHOLDERS.has(arg.name()) ? { kind: 'file' } : { kind: 'any' });
}

/** The commander tree as data; `path` is how the command is reached (for argument rules). */
export function describeCommand(cmd: Command, path = ''): CompletionCommand {
  const options: CompletionOption[] = cmd.options
    .filter((o) => !o.hidden)
    .map((o) => {
      const flags = [o.short, o.long].filter((f): f is string => f !== undefined);
      return { flags, description: o.description, ...(o.required || o.optional ? { value: optionValueKind(o) } : {}) };
    });
  return {
    name: cmd.name(),
    description: cmd.description(),
    options: [...options, HELP],
    args: cmd.registeredArguments.map((a) => ({ name: a.name(), value: argumentValueKind(path, a), variadic: a.variadic })),
    commands: cmd.commands.map((c) => describeCommand(c, path === '' ? c.name() : `${path} ${c.name()}`)),
  };
}

/** Every command path, top first; a path's options include those of the commands above it. */
export function completionNodes(root: CompletionCommand): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const visit = (cmd: CompletionCommand, path: string, inherited: readonly CompletionOption[]): void => {
    const seen = new Set(cmd.options.flatMap((o) => o.flags));
    const options = [...cmd.options, ...inherited.filter((o) => !o.flags.some((f) => seen.has(f)))];
    for (const word of [...cmd.commands.map((c) => c.name), ...options.flatMap((o) => o.flags), ...choices(cmd, options)]) assertWord(word);
    nodes.push({ path, commands: cmd.commands.map((c) => ({ name: c.name, description: c.description })), options, args: cmd.args });
    const passed = options.filter((o) => !o.flags.some((f) => TOP_ONLY.has(f)));
    for (const sub of cmd.commands) visit(sub, path === '' ? sub.name : `${path} ${sub.name}`, passed);
  };
  visit(root, '', []);
  return nodes;
}

function choices(cmd: CompletionCommand, options: readonly CompletionOption[]): string[] {
  return [...options.map((o) => o.value), ...cmd.args.map((a) => a.value)].flatMap((v) => (v?.kind === 'choice' ? v.values : []));
}

/** Names go into shell scripts unquoted (case patterns, word lists): only plain words may. */
function assertWord(word: string): void {
  if (!/^-{0,2}[A-Za-z0-9][A-Za-z0-9_:.-]*$/.test(word)) throw new Error(`cannot complete "${word}": a command, option or value must be a plain word`);
}

/** A value kind as the scripts spell it: `app`, `file`, `choice:bash,zsh,fish`. */
export function kindWord(value: ValueKind): string {
  return value.kind === 'choice' ? `choice:${value.values.join(',')}` : value.kind;
}

/** The options that take a value, as ` flag=kind ` pairs: one string a script can search. */
export function valueTable(node: CompletionNode): string {
  const pairs = node.options.flatMap(({ flags, value }) => (value ? flags.map((f) => `${f}=${kindWord(value)}`) : []));
  return pairs.length === 0 ? '' : ` ${pairs.join(' ')} `;
}

/** The positional arguments' kinds in order; the last one marked `...` when it repeats. */
export function argumentKinds(node: CompletionNode): string {
  return node.args.map((a) => `${kindWord(a.value)}${a.variadic ? '...' : ''}`).join(' ');
}

/** Quote for a POSIX shell (bash, zsh): one single-quoted word. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A description on one line, short enough for a completion menu. */
export function menuText(description: string): string {
  const line = description.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
