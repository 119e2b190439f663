/*
 * fuzz_warc.c — libFuzzer target for everything that reads WARC files:
 * the reader (warc.h), lk_warc_read_record, the CDXJ indexer (cdxj.h) and
 * lk_warc_repair.
 *
 * The readers take a path, so the input is written to a memfd and opened as
 * "/proc/self/fd/N": nothing touches the disk. The reader walks all records
 * (block limit from the first byte's low bits, so truncated blocks occur),
 * re-reads the first records by their offset and length, the indexer runs
 * over the same file, and repair runs on a second memfd holding a copy.
 * Asserts: records report sane offsets and block sizes, repair never cuts
 * more than the file had or grows it; no crash, no leak.
 *
 * Built and run by `make fuzz` (seeds in tests/fuzz/corpus/warc/).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkkeeper/cdxj.h"
#include "linkkeeper/warc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A memfd holding data, its /proc path in path; -1 on failure. */
static int memfd_with(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz-warc", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

static int count_line(const char *line, size_t len, void *ctx)
{
	(void)line;
	(void)len;
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], copy[64], err[512];
	if (size == 0)
		return 0;
	size_t max_block = (size_t)1 << (data[0] & 15); /* 1 B .. 32 KiB */
	int fd = memfd_with(data, size, path, sizeof path);
	if (fd < 0)
		return 0;

	struct lk_warc_reader *r;
	struct lk_warc_record rec = {0};
	int64_t offsets[4], lengths[4];
	size_t n = 0;
	if (lk_warc_reader_open(path, max_block, &r, err, sizeof err) == 0) {
		int rc;
		while ((rc = lk_warc_reader_next(r, &rec)) == 1) {
			if (rec.offset < 0 || rec.offset >= (int64_t)size || rec.block_len > max_block ||
			    rec.block_len > (uint64_t)rec.content_length || !rec.version || !rec.block)
				__builtin_trap();
			if (n < 4) {
				offsets[n] = rec.offset;
				lengths[n] = rec.length;
			}
			n++;
		}
		if (rc < 0)
			(void)lk_warc_reader_error(r);
		lk_warc_record_free(&rec);
		lk_warc_reader_close(r);
	}
	for (size_t i = 0; i < n && i < 4; i++) {
		if (lk_warc_read_record(path, offsets[i], lengths[i], max_block, &rec, err,
		                        sizeof err) == 0)
			lk_warc_record_free(&rec);
	}

	size_t lines = 0;
	(void)lk_cdxj_index_file(path, "fuzz.warc.gz", count_line, &lines, err, sizeof err);

	int fd2 = memfd_with(data, size, copy, sizeof copy);
	if (fd2 >= 0) {
		int64_t cut = -1;
		size_t kept = 0;
		struct stat st;
		if (lk_warc_repair(copy, &cut, &kept, err, sizeof err) == 0) {
			if (fstat(fd2, &st) < 0 || cut < 0 || cut > (int64_t)size ||
			    st.st_size != (off_t)size - cut)
				__builtin_trap();
		}
		close(fd2);
	}
	close(fd);
	return 0;
}
