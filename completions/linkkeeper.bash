# bash completion for linkkeeper(1): subcommands, their options, and the
# values of --format and --input-format. Files and directories elsewhere.
#
# Install as /usr/share/bash-completion/completions/linkkeeper, or source it.

_linkkeeper_opts()
{
	local common="--db --help"
	local checkopts="--format -o --output --no-progress --input-format --base
		-j --concurrency --per-host --timeout --connect-timeout --retries
		--retry-wait --max-redirects --accept --exclude --include
		--exclude-private --user-agent -H --header --insecure --max-age
		--fail-after --strict"
	case $1 in
	check) echo "$common $checkopts --archive --archive-dir --max-page-size --warc-max-size" ;;
	archive) echo "$common $checkopts --archive-dir --max-page-size --warc-max-size" ;;
	urls) echo "--format --input-format --base --help" ;;
	history) echo "$common --format --limit" ;;
	report) echo "$common -f --format -o --output --since --run --only-run" ;;
	restore | cdx | export) echo "$common --format -o --output --archive-dir" ;;
	*) echo "--help" ;;
	esac
}

_linkkeeper_formats()
{
	case $1 in
	check) echo "text json github junit markdown" ;;
	report) echo "text json markdown html junit csv" ;;
	*) echo "text json" ;;
	esac
}

_linkkeeper()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="check urls history report archive restore cdx export help"
	local cmd="" i
	COMPREPLY=()

	# The subcommand is the first word that is not an option.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
		return
	fi
	if [[ $cmd == help ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		return
	fi

	case $prev in
	-f | --format)
		mapfile -t COMPREPLY < <(compgen -W "$(_linkkeeper_formats "$cmd")" -- "$cur")
		return ;;
	--input-format)
		mapfile -t COMPREPLY < <(compgen -W "text markdown html" -- "$cur")
		return ;;
	--db | -o | --output)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		compopt -o filenames 2>/dev/null
		return ;;
	--archive-dir)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		compopt -o filenames 2>/dev/null
		return ;;
	# Options whose value cannot be guessed: offer nothing.
	--base | -j | --concurrency | --per-host | --timeout | --connect-timeout | \
		--retries | --retry-wait | --max-redirects | --accept | --exclude | --include | \
		--user-agent | -H | --header | --max-age | --fail-after | --since | --run | \
		--limit | --max-page-size | --warc-max-size)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_linkkeeper_opts "$cmd")" -- "$cur")
		return
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	compopt -o filenames 2>/dev/null
}

complete -F _linkkeeper linkkeeper
