/* SPDX-License-Identifier: MIT */
/* redact.c - credentials out of text (dfota/guide.h): one pass over the
 * bytes, the output measured as it is written so that a short buffer is
 * an error, never a cut. */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <string.h>

#include "dfota/guide.h"
#include "base/text.h"

/* The output: bytes go to out while they fit; n counts them all. */
typedef struct {
    char *out;
    size_t cap;
    size_t n;
} sink;

static void put(sink *s, const char *p, size_t len)
{
    if (s->n < s->cap && len > 0) {
        size_t room = s->cap - s->n;
        memcpy(s->out + s->n, p, len < room ? len : room);
    }
    s->n += len;
}

static void mask(sink *s)
{
    put(s, DFOTA_REDACT_MASK, sizeof DFOTA_REDACT_MASK - 1);
}

/* The names, lower case and without '_' or '-': a name matches when it is
 * one of them after the same is done to it ("X-Amz-Signature",
 * "x_amz_signature" and "XAmzSignature" are one name). */
static const char *const secret_names[] = {
    /* generic */
    "token", "auth", "authorization", "bearer", "jwt", "key", "apikey", "apitoken", "xapikey",
    "secret", "secretkey", "accesskey", "privatekey", "password", "passwd", "pwd", "pass",
    "passphrase", "sig", "signature", "credential", "credentials",
    /* sessions */
    "session", "sessionid", "sessid", "sid", "jsessionid", "phpsessid", "sessiontoken",
    /* OAuth (RFC 6749, OpenID Connect) */
    "accesstoken", "refreshtoken", "idtoken", "authtoken", "code", "clientsecret",
    "clientassertion", "assertion",
    /* AWS (SigV4 and the older SigV2), GCS, Azure SAS ("sig") */
    "xamzsignature", "xamzcredential", "xamzsecuritytoken", "awsaccesskeyid", "xgoogsignature",
    "xgoogcredential", "googleaccessid",
};

/* The ends that make a longer name a secret's: "upload_token",
 * "csrf-token", "clientSecret", "dbPassword", "my_session_id"; only after
 * a '_' or '-' or where a camelCase word starts, so that "monkey" and
 * "tokens" stay what they are. */
static const char *const secret_suffixes[] = {
    "token", "key", "secret", "password", "passwd", "signature", "credential", "sessionid", "jwt",
};

static int is_sep(char c)
{
    return c == '_' || c == '-';
}

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_lower_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Does name[0..n), read backwards without its separators and ignoring
 * case, end in word? Returns where in name the word starts, or SIZE_MAX. */
static size_t ends_in(const char *name, size_t n, const char *word)
{
    size_t w = strlen(word), i = n;
    while (w > 0) {
        while (i > 0 && is_sep(name[i - 1]))
            i--;
        if (i == 0 || text_lower((unsigned char)name[i - 1]) != word[w - 1])
            return (size_t)-1;
        i--;
        w--;
    }
    return i;
}

/* Does a word start at name[i] of name[0..n): after a separator that has
 * a letter or digit before it, or at a camelCase capital ("apiKey",
 * "APIKey")? */
static int word_starts(const char *name, size_t n, size_t i)
{
    if (i == 0)
        return 0;
    if (is_sep(name[i - 1])) {
        for (size_t k = 0; k < i; k++)
            if (!is_sep(name[k]))
                return 1;
        return 0;
    }
    if (!is_upper(name[i]))
        return 0;
    return is_lower_or_digit(name[i - 1]) ||
           (is_upper(name[i - 1]) && i + 1 < n && name[i + 1] >= 'a' && name[i + 1] <= 'z');
}

/* The names a user added (dfota_redact_add_names), in the same form. */
static char extra_names[DFOTA_REDACT_EXTRA_MAX][DFOTA_REDACT_NAME_MAX + 1];
static size_t n_extra;

static int matches_whole(const char *name, size_t n, const char *word)
{
    size_t at = ends_in(name, n, word);
    if (at == (size_t)-1)
        return 0;
    for (size_t k = 0; k < at; k++)
        if (!is_sep(name[k]))
            return 0;
    return 1;
}

int dfota_redact_is_secret_name(const char *name, size_t n)
{
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof secret_names / sizeof secret_names[0]; i++)
        if (matches_whole(name, n, secret_names[i]))
            return 1;
    for (size_t i = 0; i < n_extra; i++)
        if (matches_whole(name, n, extra_names[i]))
            return 1;
    for (size_t i = 0; i < sizeof secret_suffixes / sizeof secret_suffixes[0]; i++) {
        size_t at = ends_in(name, n, secret_suffixes[i]);
        if (at != (size_t)-1 && word_starts(name, n, at))
            return 1;
    }
    return 0;
}

dfota_err dfota_redact_add_names(const char *list)
{
    if (!list)
        return DFOTA_E_ARG;
    /* checked whole before anything is added: a bad list changes nothing */
    size_t count = 0;
    for (const char *p = list;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p), letters = 0;
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)p[k];
            if (c <= 0x20 || c >= 0x7F || strchr("=&;?#", c))
                return DFOTA_E_ARG;
            letters += !is_sep((char)c);
        }
        if (letters == 0 || letters > DFOTA_REDACT_NAME_MAX)
            return DFOTA_E_ARG;
        count++;
        if (!e)
            break;
        p = e + 1;
    }
    if (n_extra + count > DFOTA_REDACT_EXTRA_MAX)
        return DFOTA_E_TOO_BIG;
    for (const char *p = list;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p), o = 0;
        for (size_t k = 0; k < len; k++)
            if (!is_sep(p[k]))
                extra_names[n_extra][o++] = (char)text_lower((unsigned char)p[k]);
        extra_names[n_extra++][o] = '\0';
        if (!e)
            break;
        p = e + 1;
    }
    return DFOTA_OK;
}

void dfota_redact_reset_names(void)
{
    n_extra = 0;
}

/* What each byte is to the scan for a URL's end (url_end) and its marks:
 * one look-up a byte, the scan that every URL in every report goes
 * through. */
enum { URL_PLAIN, URL_MARK, URL_E2, URL_END };
#define URL_CTL(c) [c] = URL_END
static const unsigned char url_byte[256] = {
    URL_CTL(0), URL_CTL(1), URL_CTL(2), URL_CTL(3), URL_CTL(4), URL_CTL(5), URL_CTL(6),
    URL_CTL(7), URL_CTL(8), URL_CTL(9), URL_CTL(10), URL_CTL(11), URL_CTL(12), URL_CTL(13),
    URL_CTL(14), URL_CTL(15), URL_CTL(16), URL_CTL(17), URL_CTL(18), URL_CTL(19), URL_CTL(20),
    URL_CTL(21), URL_CTL(22), URL_CTL(23), URL_CTL(24), URL_CTL(25), URL_CTL(26), URL_CTL(27),
    URL_CTL(28), URL_CTL(29), URL_CTL(30), URL_CTL(31), URL_CTL(' '), URL_CTL('"'),
    URL_CTL(0x7F), ['@'] = URL_MARK, ['?'] = URL_MARK, ['&'] = URL_MARK, [';'] = URL_MARK,
    ['#'] = URL_MARK, [0xE2] = URL_E2, /* a typographic quote's first byte */
};
#undef URL_CTL

/* Does a URL end at in[i]? A control byte, a space, a double quote, or a
 * typographic one (what chat tools make of pasted logs). */
static int url_end(const char *in, size_t len, size_t i)
{
    unsigned char k = url_byte[(unsigned char)in[i]];
    return k == URL_END || (k == URL_E2 && text_quote_len(in + i, in + len) > 0);
}

static int is_port(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

/* The text being read, and what is known of it so far. Every scan moves
 * forward only, so a hostile line ("://" over and over) costs linear time. */
typedef struct {
    const char *in;
    size_t len;
    size_t h;       /* where the current URL ends (url_end or len) */
    size_t at;      /* the first '@' at or after at_from and before h, or h */
    size_t at_from;
} scan;

/* The first '@' in [from, sc->h), or sc->h. */
static size_t next_at(scan *sc, size_t from)
{
    if (from < sc->at_from || sc->at < from) {
        const char *p = memchr(sc->in + from, '@', sc->h - from);
        sc->at = p ? (size_t)(p - sc->in) : sc->h;
        sc->at_from = from;
    }
    return sc->at;
}

/* Is the host that would start at e empty? Then the '@' before it was
 * inside the password, not its end. */
static int host_empty(const scan *sc, size_t e)
{
    return e >= sc->h || strchr(":/?#", sc->in[e]) != NULL;
}

/* The last '@' from at on, before the next '/', '?' or '#': an authority
 * that holds several ends its user information at the last one. */
static size_t last_at(const scan *sc, size_t at)
{
    for (size_t i = at + 1; i < sc->h && !strchr("/?#", sc->in[i]); i++)
        if (sc->in[i] == '@')
            at = i;
    return at;
}

/* Finds the password of the URL whose authority starts at a: [*from, *to)
 * with *from just after its ':'. Returns 0 when the URL has none. */
static int find_password(scan *sc, size_t a, size_t *from, size_t *to)
{
    const char *in = sc->in;
    size_t s = a;
    while (s < sc->h && in[s] != '/' && in[s] != '?' && in[s] != '#')
        s++;
    const char *at = NULL;
    for (size_t i = a; i < s; i++)
        if (in[i] == '@')
            at = in + i;
    const char *colon = at ? memchr(in + a, ':', (size_t)(at - (in + a))) : NULL;
    if (colon) {
        *to = (size_t)(at - in);
    } else {
        /* No ':' before the '@': "user@host", whose user name is no
         * secret; or a user name that holds '@' (chapter 3's template
         * allows it, shared FTP hosts name accounts by e-mail address)
         * before a password that ran into a '?' or '#' of its own,
         * "fota@example.com:pa#ss@host". Its ':' is after that '@'. */
        size_t u = at ? (size_t)(at - in) + 1 : a;
        if (s == u || in[u] == '[')
            return 0;
        colon = memchr(in + u, ':', s - u);
        if (!colon || is_port(colon + 1, (size_t)(in + s - (colon + 1))))
            return 0;
        /* "user:pa/ss@host": the password ran past what ends an authority. */
        size_t later = next_at(sc, s);
        if (later < sc->h)
            *to = last_at(sc, later);
        else if (s == sc->h && sc->h == sc->len)
            *to = sc->h; /* cut inside the password */
        else
            return 0;
    }
    /* "user:p@:/w@host": no host is empty, so the password goes on. */
    while (*to < sc->h && host_empty(sc, *to + 1)) {
        size_t later = next_at(sc, *to + 1);
        if (later >= sc->h)
            break;
        *to = last_at(sc, later);
    }
    *from = (size_t)(colon - in) + 1;
    return 1;
}

/* A parameter starting at p inside the URL: when its name is a secret's,
 * writes "name=***" and returns where the value ends; else returns p, and
 * the caller copies on. */
static size_t param(sink *s, const scan *sc, size_t p)
{
    const char *in = sc->in;
    size_t e = p;
    while (e < sc->h && in[e] != '=' && !strchr("&;?#", in[e])) {
        /* A "://" starts a URL of its own (see url()), and a name never
         * runs into it: an '=' in that URL's password would end the name,
         * and once the password is "***" the name would be another one, so
         * that redacting twice would not be redacting once. */
        if (sc->h - e >= 3 && memcmp(in + e, "://", 3) == 0)
            return p;
        e++;
    }
    if (e >= sc->h || in[e] != '=' || !dfota_redact_is_secret_name(in + p, e - p))
        return p;
    size_t v = e + 1, ve = v;
    while (ve < sc->h && in[ve] != '&' && in[ve] != '#')
        ve++;
    if (ve == v)
        return p; /* an empty value hides nothing */
    put(s, in + p, v - p);
    mask(s);
    return ve;
}


/* A byte that can start a URL ("://"), end the authority or start a
 * parameter: what url() looks at; the rest it copies. */
static int url_mark(char c)
{
    switch (c) {
    case ':': case '/': case '?': case '#': case '&': case ';':
        return 1;
    default:
        return 0;
    }
}

/* The URL whose authority starts at a: writes it, redacted, and returns
 * where the text after it starts. A "://" inside it (a URL in a query)
 * ends it there, and the caller starts a URL of its own at it: a loop, not
 * a recursion, so no line can exhaust the stack. */
static size_t url(sink *s, scan *sc, size_t a)
{
    const char *in = sc->in;
    size_t i = a, from, to;
    if (find_password(sc, a, &from, &to) && to > from) {
        put(s, in + a, from - a);
        mask(s);
        i = to;
    }
    /* Parameters live after the authority: a '&' or ';' inside it starts
     * none (a secret-looking value would run over the '/', and redacting
     * again would read the shortened authority as a cut password). */
    int authority = 1;
    while (i < sc->h) {
        /* the bytes up to the next one that can start or end something,
         * copied at once: most of a URL is host and path */
        size_t k = i;
        while (k < sc->h && !url_mark(in[k]))
            k++;
        put(s, in + i, k - i);
        i = k;
        if (i >= sc->h)
            break;
        if (sc->h - i >= 3 && memcmp(in + i, "://", 3) == 0)
            return i;
        char c = in[i];
        put(s, in + i, 1);
        i++;
        if (c == '/' || c == '?' || c == '#')
            authority = 0;
        if (!authority && (c == '?' || c == '&' || c == ';' || c == '#'))
            i = param(s, sc, i);
    }
    return sc->h;
}

/* The first "://" in p[0..n), or NULL. */
static const char *find_sep(const char *p, size_t n)
{
    const char *end = p + n;
    while (end - p >= 3 && (p = memchr(p, ':', (size_t)(end - p - 2))) != NULL) {
        if (p[1] == '/' && p[2] == '/')
            return p;
        p++;
    }
    return NULL;
}

dfota_err dfota_redact(const char *in, size_t len, char *out, size_t cap, size_t *out_len)
{
    if ((!in && len > 0) || (!out && cap > 0) || !out_len)
        return DFOTA_E_ARG;
    sink s = {out, cap, 0};
    scan sc = {in, len, 0, 0, 0};
    size_t i = 0;
    while (i < len) {
        const char *sep = find_sep(in + i, len - i);
        if (!sep) {
            put(&s, in + i, len - i);
            break;
        }
        size_t j = (size_t)(sep - in);
        put(&s, in + i, j + 3 - i);
        if (sc.h < j + 3) { /* a new URL; a nested one ends where its outer one does */
            /* A password ends at an '@' (or the text, cut inside it), a
             * parameter starts after '?', '&', ';' or '#': a URL with none
             * of them that ends before the text does hides nothing, nor
             * does one nested in it, and is copied as it is. */
            int marks = 0;
            sc.h = j + 3;
            for (; sc.h < len && !url_end(in, len, sc.h); sc.h++)
                marks |= url_byte[(unsigned char)in[sc.h]] == URL_MARK;
            sc.at = sc.at_from = 0;
            if (!marks && sc.h < len) {
                put(&s, in + j + 3, sc.h - (j + 3));
                i = sc.h;
                continue;
            }
        }
        i = url(&s, &sc, j + 3);
    }
    *out_len = s.n;
    if (s.n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return DFOTA_E_TOO_BIG;
    }
    out[s.n] = '\0';
    return DFOTA_OK;
}

/* The longest field dfota_redact_field reads whole; the API's fields are
 * far shorter (DFOTA_TEXT_MAX, DFOTA_ERRBUF). */
#define FIELD_MAX 4096

dfota_err dfota_redact_field(char *field, size_t cap)
{
    if (!field || cap == 0)
        return DFOTA_E_ARG;
    size_t len = strnlen(field, cap - 1);
    field[len] = '\0';
    if (!memchr(field, ':', len))
        return DFOTA_OK; /* no "://", nothing to hide: the common case */
    int cut = len > FIELD_MAX;
    if (cut)
        len = FIELD_MAX;
    char tmp[DFOTA_REDACT_MAX(FIELD_MAX) + 1];
    size_t need;
    if (dfota_redact(field, len, tmp, sizeof tmp, &need) != DFOTA_OK)
        return DFOTA_E_ARG; /* cannot happen: tmp holds any FIELD_MAX bytes redacted */
    /* A cut keeps the beginning; a cut inside "***" shows no secret. */
    size_t keep = need < cap - 1 ? need : cap - 1;
    memcpy(field, tmp, keep);
    field[keep] = '\0';
    if (!cut && need == keep)
        return DFOTA_OK;
    text_cut_marked(field, keep + 1);
    return DFOTA_E_TOO_BIG;
}
