/*
 * archive.c — `linkkeeper archive`: check every link and keep a snapshot of
 * what each one served.
 *
 * It is `check --archive` under its own name (same options, same output,
 * same history): check.c does the work, with archiving on. What archiving
 * adds is in archiver.h — WARC files, deduplication and the capture index.
 */
#include "linkkeeper/cmd.h"

static const char archive_usage[] =
	"usage: linkkeeper archive [OPTIONS] INPUT...\n"
	"\n"
	"Checks every link in INPUT like 'linkkeeper check' and saves each page it\n"
	"fetches (and each redirect on the way) into WARC/1.1 files that pywb,\n"
	"ReplayWeb.page and warcio read. A page whose body has not changed since its\n"
	"last capture is stored as a revisit record (its headers only). Captures are\n"
	"indexed in the history database; a run that was killed is repaired by the\n"
	"next one.\n"
	"\n"
	"Archiving:\n"
	"  --archive-dir DIR     where the WARC files go (default .linkkeeper/archive);\n"
	"                        files are named linkkeeper-<time>-<serial>.warc.gz\n"
	"                        and end in .open while being written\n"
	"  --max-page-size SIZE  cut captured bodies here (50M); such a capture is\n"
	"                        marked WARC-Truncated: length (a body still coming\n"
	"                        at --timeout: WARC-Truncated: time)\n"
	"  --warc-max-size SIZE  start a new WARC file past this size (1G)\n"
	"  --compress-level N    gzip level of WARC records, 1 (fast) to 9 (small) (6)\n"
	"\n"
	"Every option of 'linkkeeper check' works here too (see 'linkkeeper help\n"
	"check'): --db, --format, -j, --per-host, --timeout, --exclude, ...\n"
	"\n"
	"Exit status: 0 nothing broken, 1 broken links, 2 usage, input or runtime\n"
	"error (including a capture that could not be archived).\n";

static int cmd_archive(int argc, char **argv)
{
	return lk_check_main(argc, argv, archive_usage, 1);
}

const struct lk_cmd lk_cmd_archive = {
	.name = "archive",
	.summary = "check the links and save every page fetched into WARC files",
	.usage = archive_usage,
	.exec = cmd_archive,
};
