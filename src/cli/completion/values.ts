/**
 * What the scripts share. Where completion gets names that change: the contexts from the user's contexts file and the
 * apps from the cluster, each by running the CLI itself with --json. A script must never hang
 * the shell or print on it, so the cluster is given a few seconds and every failure is silence.
 */

/** How long a completion waits for `app:list`: a new SSH connection takes about one second. */
export const LIST_TIMEOUT_SECONDS = 4;

/** The same functions serve bash and zsh (POSIX sh syntax); fish has its own. */
export const POSIX_VALUE_FUNCTIONS = String.raw`# Names the CLI lists, quickly or not at all; never an error on the terminal.
__futuswarm_quick() {
  if command -v timeout >/dev/null 2>&1; then timeout ${LIST_TIMEOUT_SECONDS} "$@"
  elif command -v gtimeout >/dev/null 2>&1; then gtimeout ${LIST_TIMEOUT_SECONDS} "$@"
  else "$@"; fi
}

# One field of every object in a --json document, which puts each key on a line of its own.
__futuswarm_field() {
  sed -n 's/^ *"'"$1"'": *"\([^"]*\)".*$/\1/p'
}

# The values of one kind (app, context, choice:a,b), for the context named on the line ($2).
__futuswarm_values() {
  case $1 in
    context) __futuswarm_quick futuswarm context list --json </dev/null 2>/dev/null | __futuswarm_field name ;;
    app)
      if [ -n "$2" ]; then __futuswarm_quick futuswarm --context "$2" app:list --json -q </dev/null 2>/dev/null
      else __futuswarm_quick futuswarm app:list --json -q </dev/null 2>/dev/null; fi | __futuswarm_field app ;;
    choice:*) printf '%s\n' "${'$'}{1#choice:}" | tr , '\n' ;;
  esac
}
`;

/**
 * Reading one word before the cursor (bash and zsh): an option that takes a value, a --context,
 * a subcommand of the command path so far (then its spec is loaded), or a positional argument.
 */
export const POSIX_READ_WORD = `    w=\${words[i]}
    if [[ -n $expect ]]; then
      [[ $expect == --context ]] && ctx=$w
      expect=''
      continue
    fi
    if [[ -n $rest ]]; then pos=$((pos + 1)); continue; fi
    case $w in
      --) rest=1 ;;
      --context=*) ctx=\${w#*=} ;;
      -*=*) ;;
      -*) [[ $vals == *" $w="* ]] && expect=$w ;;
      *)
        if [[ " $names " == *" $w "* ]]; then
          cmdpath=\${cmdpath:+$cmdpath }$w
          __futuswarm_spec "$cmdpath"
          pos=0
        else
          pos=$((pos + 1))
        fi ;;
    esac
`;

/** fish's version of the value functions. */
export const FISH_VALUE_FUNCTIONS = String.raw`# Names the CLI lists, quickly or not at all; never an error on the terminal.
function __futuswarm_quick
    if command -q timeout
        timeout ${LIST_TIMEOUT_SECONDS} $argv
    else if command -q gtimeout
        gtimeout ${LIST_TIMEOUT_SECONDS} $argv
    else
        $argv
    end
end

# The values of one kind (app, context, choice:a,b), for the context named on the line ($argv[2]).
function __futuswarm_values --argument-names kind ctx
    switch $kind
        case context
            __futuswarm_quick futuswarm context list --json </dev/null 2>/dev/null | string replace -r -f '^ *"name": *"([^"]*)".*$' '$1'
        case app
            set -l on
            test -n "$ctx"; and set on --context $ctx
            __futuswarm_quick futuswarm $on app:list --json -q </dev/null 2>/dev/null | string replace -r -f '^ *"app": *"([^"]*)".*$' '$1'
        case 'choice:*'
            string split , -- (string replace choice: '' -- $kind)
    end
end
`;
