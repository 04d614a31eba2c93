/* gotmpl_lex.h - items of Go's text/template lexer (see gotmpl_lex.c). */
#ifndef SKIFF_GOTMPL_LEX_H
#define SKIFF_GOTMPL_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/base/cleanup.h"

enum gi_type {
	GI_ERROR,
	GI_BOOL,
	GI_CHAR,
	GI_CHAR_CONST,
	GI_ASSIGN,
	GI_DECLARE,
	GI_EOF,
	GI_FIELD,
	GI_IDENTIFIER,
	GI_LEFT_DELIM,
	GI_LEFT_PAREN,
	GI_NUMBER,
	GI_PIPE,
	GI_RAW_STRING,
	GI_RIGHT_DELIM,
	GI_RIGHT_PAREN,
	GI_SPACE,
	GI_STRING,
	GI_TEXT,
	GI_VARIABLE,
	GI_KEYWORD, /* keywords after this */
	GI_BLOCK,
	GI_BREAK,
	GI_CONTINUE,
	GI_DOT,
	GI_DEFINE,
	GI_ELSE,
	GI_END,
	GI_IF,
	GI_NIL,
	GI_RANGE,
	GI_TEMPLATE,
	GI_WITH,
};

/* One item: its bytes are src[pos, pos + len); line is where it starts. */
struct gi {
	enum gi_type type;
	size_t pos, len;
	int line;
};

struct gl_items {
	struct gi *v;
	size_t n, cap;
	char err[200]; /* text of the GI_ERROR item, if any */
};

/* Lex the whole template; aborts on OOM. out->v is malloc'd. */
void gl_lex(const char *s, size_t len, struct gl_items *out);

#endif
