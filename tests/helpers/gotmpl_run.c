/* gotmpl_run.c - apply templates to JSON documents with proto/gotmpl, for
 * the differential test against Go's text/template (t_gotmpl_go.sh).
 *
 *   gotmpl_run TEMPLATES DOCS     each line of TEMPLATES (a template, with
 *                                 U+23CE standing for a newline; lines
 *                                 starting with "#" skipped) over each
 *                                 document of the JSON array in DOCS
 *   gotmpl_run --tab < TEXT       TEXT through gotmpl_tabwrite
 *   gotmpl_run --docker FORMATS ROWS
 *                                 each line of FORMATS as docker/cli's
 *                                 formatter applies a --format to the rows
 *                                 (table, header row, tabwriter)
 *
 * Prints "=== T D" before each result, then the output, and for a failed
 * parse or execution "\nERROR: message". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/cleanup.h"
#include "../../proto/gotmpl.h"
#include "../../proto/jtree.h"

static char *slurp(FILE *f, size_t *len)
{
	struct buf b = { 0 };
	char tmp[65536];
	size_t n;

	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(&b, tmp, n);
	*len = buf_used(&b);
	buf_append(&b, "", 1);
	return buf_take_str(&b);
}

static char *slurp_path(const char *path, size_t *len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f) {
		perror(path);
		exit(2);
	}
	return slurp(f, len);
}

/* U+23CE (e2 8f 8e) stands for a newline in the templates file. */
static void unescape_nl(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (!strncmp(r, "\xe2\x8f\x8e", 3)) {
			*w++ = '\n';
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

static void run_one(const char *tmpl, yajl_val docs, int ti)
{
	struct err e = ERR_INIT;
	struct gotmpl *t = gotmpl_parse(tmpl, strlen(tmpl), &e);

	for (size_t d = 0; d < docs->u.array.len; d++) {
		struct buf out = { 0 };
		printf("=== %d %zu\n", ti, d);
		if (!t) {
			printf("ERROR: %s\n", e.msg);
			continue;
		}
		struct err xe = ERR_INIT;
		int r = gotmpl_exec(t, docs->u.array.values[d], &out, &xe);
		if (buf_used(&out))
			fwrite(buf_head(&out), 1, buf_used(&out), stdout);
		if (r < 0)
			printf("\nERROR: %s", xe.msg);
		printf("\n");
		buf_free(&out);
	}
	gotmpl_free(t);
}

static const struct gotmpl_header headers[] = {
	{ "ID", "CONTAINER ID" }, { "Names", "NAMES" },
	{ "Image", "IMAGE" },	  { "Command", "COMMAND" },
	{ "Status", "STATUS" },	  { "State", "STATE" },
	{ "Ports", "PORTS" },	  { "RunningFor", "CREATED" },
};

/* docker/cli formatter.Context.Write with gotmpl's pieces. */
static void docker_one(const char *format, yajl_val rows)
{
	struct err e = ERR_INIT;
	struct buf body = { 0 }, all = { 0 }, out = { 0 };
	bool table;
	char *f = gotmpl_docker_format(format, &table);
	struct gotmpl *t = gotmpl_parse(f, strlen(f), &e);

	free(f);
	if (!t) {
		printf("ERROR: %s\n", e.msg);
		return;
	}
	for (size_t i = 0; i < rows->u.array.len; i++) {
		if (gotmpl_exec(t, rows->u.array.values[i], &body, &e) < 0) {
			printf("ERROR: %s\n", e.msg);
			goto done;
		}
		buf_puts(&body, "\n");
	}
	if (!table) {
		if (buf_used(&body))
			fwrite(buf_head(&body), 1, buf_used(&body), stdout);
		goto done;
	}
	gotmpl_exec_header(t, headers, sizeof(headers) / sizeof(headers[0]),
			   &all, &e);
	buf_puts(&all, "\n");
	if (buf_used(&body))
		buf_append(&all, buf_head(&body), buf_used(&body));
	gotmpl_tabwrite(buf_head(&all), buf_used(&all), &out);
	if (buf_used(&out))
		fwrite(buf_head(&out), 1, buf_used(&out), stdout);
done:
	buf_free(&body);
	buf_free(&all);
	buf_free(&out);
	gotmpl_free(t);
}

int main(int argc, char **argv)
{
	struct err e = ERR_INIT;
	size_t tlen, dlen;
	char *tmpls, *docs_text, *line, *save = NULL;
	yajl_val docs;
	int ti = 0;

	if (argc == 2 && !strcmp(argv[1], "--tab")) {
		struct buf out = { 0 };
		char *in = slurp(stdin, &tlen);
		gotmpl_tabwrite(in, tlen, &out);
		if (buf_used(&out))
			fwrite(buf_head(&out), 1, buf_used(&out), stdout);
		buf_free(&out);
		free(in);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--docker")) {
		char *rows_text = slurp_path(argv[3], &dlen), *fs, *l, *sv = NULL;
		yajl_val rows = jt_parse(rows_text, dlen, &e);
		int i = 0;
		if (!rows || !YAJL_IS_ARRAY(rows)) {
			fprintf(stderr, "%s: not a JSON array\n", argv[3]);
			return 2;
		}
		fs = slurp_path(argv[2], &tlen);
		for (l = strtok_r(fs, "\n", &sv); l; l = strtok_r(NULL, "\n", &sv)) {
			printf("=== %d\n", i++);
			docker_one(l, rows);
		}
		yajl_tree_free(rows);
		free(fs);
		free(rows_text);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: gotmpl_run TEMPLATES DOCS | --tab\n");
		return 2;
	}
	tmpls = slurp_path(argv[1], &tlen);
	docs_text = slurp_path(argv[2], &dlen);
	docs = jt_parse(docs_text, dlen, &e);
	if (!docs || !YAJL_IS_ARRAY(docs)) {
		fprintf(stderr, "%s: %s\n", argv[2], docs ? "not an array" : e.msg);
		return 2;
	}
	for (line = strtok_r(tmpls, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		unescape_nl(line);
		run_one(line, docs, ti++);
	}
	yajl_tree_free(docs);
	free(tmpls);
	free(docs_text);
	return 0;
}
