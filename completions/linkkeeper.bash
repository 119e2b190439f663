# bash completion for linkkeeper(1): subcommands, their options, and the
# values of --format, --input-format and --method. Files and directories
# elsewhere (WARC files for cdx, nothing for the URL of restore).
#
# Install as /usr/share/bash-completion/completions/linkkeeper, or source it.

_linkkeeper_opts()
{
	local checkopts="--db --help --format -o --output --no-progress --input-format
		--base -j --concurrency --per-host --timeout --connect-timeout --retries
		--retry-wait --max-redirects --method --accept --exclude --include
		--exclude-private --user-agent -H --header --insecure --connect-to --max-age
		--fail-after --strict --archive-dir --max-page-size --warc-max-size
		--compress-level"
	case $1 in
	check) echo "$checkopts --archive" ;;
	archive) echo "$checkopts" ;;
	urls) echo "--format --input-format --base --help" ;;
	history) echo "--db --help --format --limit" ;;
	report) echo "--db --help -f --format -o --output --since --run --only-run" ;;
	restore) echo "--at -o --output --headers --no-follow --dead -d --dir --db
		--archive-dir --help" ;;
	cdx) echo "--archive-dir --help" ;;
	export) echo "--wacz --title --input-format --base --db --archive-dir --help" ;;
	*) echo "--help" ;;
	esac
}

_linkkeeper_formats()
{
	case $1 in
	check | archive) echo "text json github junit markdown" ;;
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
	--method)
		mapfile -t COMPREPLY < <(compgen -W "head get" -- "$cur")
		return ;;
	--db | -o | --output)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		compopt -o filenames 2>/dev/null
		return ;;
	--wacz)
		# Directories, and existing packages (which export replaces).
		mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.wacz' -- "$cur")
		compopt -o filenames 2>/dev/null
		return ;;
	--archive-dir | -d | --dir)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		compopt -o filenames 2>/dev/null
		return ;;
	# Options whose value cannot be guessed: offer nothing.
	--base | -j | --concurrency | --per-host | --timeout | --connect-timeout | \
		--retries | --retry-wait | --max-redirects | --accept | --exclude | --include | \
		--user-agent | -H | --header | --max-age | --fail-after | --since | --run | \
		--limit | --max-page-size | --warc-max-size | --at | --title)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_linkkeeper_opts "$cmd")" -- "$cur")
		return
	fi
	case $cmd in
	restore)
		# A URL, or nothing at all with --dead: no file names.
		return ;;
	cdx)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.warc.gz' -- "$cur")
		compopt -o filenames 2>/dev/null
		return ;;
	esac
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	compopt -o filenames 2>/dev/null
}

complete -F _linkkeeper linkkeeper
