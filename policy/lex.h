/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lex.h - the tokenizer of the policy language.
 *
 * Tokens: words (anything but blanks and the characters { } , ; # " !),
 * double-quoted strings (\" and \\ escapes, no newline), { } , != and the
 * end of a statement (a newline or ';').  Newlines inside braces are
 * blanks; a backslash before a newline joins two lines; '#' starts a
 * comment that runs to the end of the line.
 */
#ifndef XFP_POLICY_LEX_H
#define XFP_POLICY_LEX_H

#include <stddef.h>

#define XFP_TOK_MAX 4096

enum xfp_tok_type {
	XFP_T_EOF,
	XFP_T_END, /* newline or ';' outside braces */
	XFP_T_WORD,
	XFP_T_STRING,
	XFP_T_LBRACE,
	XFP_T_RBRACE,
	XFP_T_COMMA,
	XFP_T_NE,
	XFP_T_ERROR, /* s holds the message */
};

struct xfp_tok {
	enum xfp_tok_type t;
	unsigned line, col;
	size_t n;
	char s[XFP_TOK_MAX];
};

struct xfp_lexer {
	const char *buf;
	size_t len, pos;
	unsigned line, col;
	int depth; /* brace nesting */
};

void xfp_lex_init(struct xfp_lexer *lx, const char *buf, size_t len);
void xfp_lex_next(struct xfp_lexer *lx, struct xfp_tok *t);

#endif
