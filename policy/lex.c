/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* lex.c - the tokenizer of the policy language (see lex.h). */
#include <stdio.h>
#include <string.h>

#include "policy/lex.h"

void xfp_lex_init(struct xfp_lexer *lx, const char *buf, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->buf = buf;
	lx->len = len;
	lx->line = 1;
	lx->col = 1;
}

static int peekc(const struct xfp_lexer *lx, size_t off)
{
	return lx->pos + off < lx->len ? (unsigned char)lx->buf[lx->pos + off] :
					 -1;
}

static void adv(struct xfp_lexer *lx)
{
	if (lx->pos >= lx->len)
		return;
	if (lx->buf[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->pos++;
}

static int is_word_char(int c)
{
	return c > ' ' && c < 0x7f && !strchr("{},;#\"!", c);
}

static void set_error(struct xfp_tok *t, const char *msg)
{
	t->t = XFP_T_ERROR;
	snprintf(t->s, sizeof(t->s), "%s", msg);
	t->n = strlen(t->s);
}

void xfp_lex_next(struct xfp_lexer *lx, struct xfp_tok *t)
{
	int c;

	t->n = 0;
	t->s[0] = '\0';
	for (;;) {
		c = peekc(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
		    c == '\v') {
			adv(lx);
		} else if (c == '\\' &&
			   (peekc(lx, 1) == '\n' ||
			    (peekc(lx, 1) == '\r' && peekc(lx, 2) == '\n'))) {
			adv(lx);
			if (peekc(lx, 0) == '\r')
				adv(lx);
			adv(lx);
		} else if (c == '#') {
			while (peekc(lx, 0) != -1 && peekc(lx, 0) != '\n')
				adv(lx);
		} else if (c == '\n' && lx->depth > 0) {
			adv(lx);
		} else {
			break;
		}
	}
	t->line = lx->line;
	t->col = lx->col;
	if (c == -1) {
		t->t = XFP_T_EOF;
		return;
	}
	if (c == '\n' || c == ';') {
		adv(lx);
		t->t = XFP_T_END;
		strcpy(t->s, c == ';' ? ";" : "\\n");
		t->n = strlen(t->s);
		return;
	}
	if (c == '{' || c == '}' || c == ',') {
		adv(lx);
		t->t = c == '{' ? XFP_T_LBRACE :
		       c == '}' ? XFP_T_RBRACE :
				  XFP_T_COMMA;
		if (c == '{')
			lx->depth++;
		else if (c == '}' && lx->depth > 0)
			lx->depth--;
		t->s[0] = (char)c;
		t->s[1] = '\0';
		t->n = 1;
		return;
	}
	if (c == '!') {
		adv(lx);
		if (peekc(lx, 0) == '=') {
			adv(lx);
			t->t = XFP_T_NE;
			strcpy(t->s, "!=");
			t->n = 2;
			return;
		}
		set_error(t, "unexpected '!'; expected '!=' (not-equal)");
		return;
	}
	if (c == '"') {
		adv(lx);
		for (;;) {
			c = peekc(lx, 0);
			if (c == -1 || c == '\n') {
				set_error(t, "unterminated string; expected a "
					     "closing '\"' on the same line");
				return;
			}
			adv(lx);
			if (c == '"')
				break;
			if (c == '\\' &&
			    (peekc(lx, 0) == '"' || peekc(lx, 0) == '\\')) {
				c = peekc(lx, 0);
				adv(lx);
			}
			if (c == 0 || c == '\r') {
				set_error(t, "control character in string");
				return;
			}
			if (t->n + 1 >= sizeof(t->s)) {
				while (peekc(lx, 0) != -1 &&
				       peekc(lx, 0) != '\n' &&
				       peekc(lx, 0) != '"')
					adv(lx);
				if (peekc(lx, 0) == '"')
					adv(lx);
				set_error(t, "string too long (at most 4095 "
					     "characters)");
				return;
			}
			t->s[t->n++] = (char)c;
		}
		t->s[t->n] = '\0';
		t->t = XFP_T_STRING;
		return;
	}
	if (!is_word_char(c)) {
		char msg[64];

		adv(lx);
		snprintf(msg, sizeof(msg),
			 "unexpected character 0x%02x; expected a word", c);
		set_error(t, msg);
		return;
	}
	while (is_word_char(peekc(lx, 0))) {
		if (t->n + 1 >= sizeof(t->s)) {
			while (is_word_char(peekc(lx, 0)))
				adv(lx);
			set_error(t, "word too long (at most 4095 characters)");
			return;
		}
		t->s[t->n++] = (char)peekc(lx, 0);
		adv(lx);
	}
	t->s[t->n] = '\0';
	t->t = XFP_T_WORD;
}
