/* graph/resolve_ext.c — types outside the workspace.
 *
 * A method call on a value whose type the code states, and whose type is
 * not one of the workspace's (`Vec<u8>`, `&str`, `u64`, `Option<T>`,
 * `socket2::Socket`), calls a method of that type: one the standard
 * library (or the other crate) declares, or a method of a workspace trait
 * implemented for that type (`impl Tr for Vec<T>`), or of a blanket impl
 * (`impl<T: Display> Tr for T`). It is never a same-named method of some
 * workspace type. Types outside the workspace are known by a key, the last
 * segment of their path ("Vec", "u64", "Socket"; "[]" for slices and
 * arrays, "()" for tuples); impls of workspace traits for them are
 * registered under that key. Inherent methods of std types win over trait
 * methods, as in Rust (stdnames.h has the std's inherent methods).
 */
#include "resolve_int.h"
#include "stdnames.h"

#include <ctype.h>

/* ---- the self type of an impl header ----------------------------------- */

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Index just past the bracket group opening at s[i] ('<', '(' or '['),
 * or n; an arrow `->` closes nothing. */
static size_t skip_group(const char *s, size_t n, size_t i)
{
	int depth = 0;
	for (; i < n; i++) {
		char c = s[i];
		if (c == '<' || c == '(' || c == '[')
			depth++;
		else if ((c == '>' && !(i && s[i - 1] == '-')) || c == ')' || c == ']')
			if (--depth == 0)
				return i + 1;
	}
	return n;
}

/* Whether s[i..] starts with word w followed by a non-identifier char. */
static bool word_at(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);
	return i + k <= n && !memcmp(s + i, w, k) && (i + k == n || !ident_char(s[i + k])) &&
	       (!i || !ident_char(s[i - 1]));
}

bool rs_impl_header(const char *sig, seg *generics, seg *trait, seg *self)
{
	size_t n = strlen(sig), i = 0;
	*generics = *trait = *self = (seg){sig, 0};
	while (i < n && !word_at(sig, n, i, "impl"))
		i++;
	if (i == n)
		return false;
	i += 4;
	if (i < n && sig[i] == '<') {
		size_t e = skip_group(sig, n, i);
		*generics = (seg){sig + i + 1, e > i + 1 ? e - i - 2 : 0};
		i = e;
	}
	while (i < n && sig[i] == ' ')
		i++;
	/* the trait ends at the first ` for ` outside brackets */
	size_t start = i, self_at = i;
	for (size_t k = i; k < n; k++) {
		if (sig[k] == '<' || sig[k] == '(' || sig[k] == '[') {
			k = skip_group(sig, n, k) - 1;
			continue;
		}
		if (sig[k] == ' ' && word_at(sig, n, k + 1, "for")) {
			*trait = (seg){sig + start, k - start};
			self_at = k + 5;
			break;
		}
		if (sig[k] == ' ' && word_at(sig, n, k + 1, "where"))
			break;
	}
	size_t e = self_at;
	while (e < n) {
		if (sig[e] == '<' || sig[e] == '(' || sig[e] == '[') {
			e = skip_group(sig, n, e);
			continue;
		}
		if (sig[e] == ' ' && word_at(sig, n, e + 1, "where"))
			break;
		if (sig[e] == '{')
			break;
		e++;
	}
	while (e > self_at && sig[e - 1] == ' ')
		e--;
	*self = (seg){sig + self_at, e - self_at};
	return self->n > 0;
}

/* Whether name is one of the generic parameters in list ("T: Tr, 'a, U"). */
static bool declared(seg list, const char *name, size_t n)
{
	size_t i = 0;
	while (i < list.n) {
		while (i < list.n && (list.p[i] == ' ' || list.p[i] == ','))
			i++;
		if (i + 6 <= list.n && !memcmp(list.p + i, "const ", 6))
			i += 6;
		size_t s = i;
		while (i < list.n && ident_char(list.p[i]))
			i++;
		if (i - s == n && !memcmp(list.p + s, name, n))
			return true;
		/* on to the next parameter: past its bounds */
		while (i < list.n && list.p[i] != ',') {
			if (list.p[i] == '<' || list.p[i] == '(' || list.p[i] == '[')
				i = skip_group(list.p, list.n, i);
			else
				i++;
		}
	}
	return false;
}

/* The key of a type as written in t[0..n) (see the top of this file):
 * references and lifetimes stripped; "" for a generic parameter of
 * generics (a blanket impl); false for raw pointers, fn pointers, trait
 * objects and what does not parse. */
static bool type_key_of(const char *t, size_t n, seg generics, seg *key)
{
	for (;;) {
		while (n && (*t == ' ' || *t == '&'))
			t++, n--;
		if (n && *t == '\'') {
			t++, n--;
			while (n && ident_char(*t))
				t++, n--;
			continue;
		}
		if (n > 4 && !memcmp(t, "mut ", 4)) {
			t += 4, n -= 4;
			continue;
		}
		break;
	}
	if (!n || *t == '*' || word_at(t, n, 0, "fn") || word_at(t, n, 0, "dyn") ||
	    word_at(t, n, 0, "impl") || word_at(t, n, 0, "unsafe") || word_at(t, n, 0, "extern"))
		return false;
	if (*t == '[') {
		*key = (seg){"[]", 2};
		return true;
	}
	if (*t == '(') {
		*key = (seg){"()", 2};
		return true;
	}
	size_t e = 0, last = 0;
	while (e < n && t[e] != '<' && t[e] != ' ') {
		if (t[e] == ':' && e + 1 < n && t[e + 1] == ':')
			last = e + 2;
		e++;
	}
	if (last == 0 && declared(generics, t, e)) {
		*key = (seg){"", 0};
		return true;
	}
	*key = (seg){t + last, e - last};
	return key->n > 0;
}

bool rs_is_primitive(const char *t, size_t n)
{
	static const char *const prims[] = {"u8",  "u16", "u32",  "u64",  "u128", "usize",
					    "i8",  "i16", "i32",  "i64",  "i128", "isize",
					    "f32", "f64", "bool", "char", "str",  NULL};
	for (const char *const *p = prims; *p; p++)
		if (strlen(*p) == n && !memcmp(*p, t, n))
			return true;
	return false;
}

bool rs_type_key(const char *t, size_t n, seg *key)
{
	seg none = {"", 0};
	return type_key_of(t, n, none, key) && key->n;
}

/* ---- impls of workspace traits for types outside it --------------------- */

uint32_t rs_impl_ext_key(resolver *R, uint32_t src, const fact_item *it)
{
	seg g, tr, self, key;
	const char *is = fstr(R, src, it->impl_self);
	if (*is) {
		/* a path the code says lies outside (a primitive, std's, another
		 * crate's): its last segment (the facts have it for macro-made
		 * headers too); not a name of ours we do not see (a type a macro
		 * declares) */
		const char *last = rs_last_seg(is);
		uint32_t ie = R->fi[src].item_ent[it - R->src[src].facts->items.v];
		if (!rs_is_primitive(is, strlen(is)) &&
		    !rs_external_path(R, R->aux.v[ie].escope, is))
			return NONE;
		return rs_made_id(R, last, strlen(last));
	}
	if (!rs_impl_header(fstr(R, src, it->sig), &g, &tr, &self) ||
	    !type_key_of(self.p, self.n, g, &key))
		return NONE;
	return rs_made_id(R, key.p, key.n);
}

void rs_ext_register(resolver *R, const char *key, uint32_t ie, uint32_t trait)
{
	if (!*key) {
		/* a blanket impl, by the names of its trait's items: checked
		 * against its bounds at each call of one */
		const ent_aux *a = &R->aux.v[trait];
		if (a->item < 0)
			return;
		const file_info *f = &R->fi[a->src];
		for (int32_t j = f->first_child[a->item]; j >= 0; j = f->next_sibling[j]) {
			const char *nm = fstr(R, a->src, fitem(R, a->src, j)->name);
			mm_add(&R->mm, key_of(K_BLANKET, 0, nm, strlen(nm)), ie);
		}
		return;
	}
	mm_add(&R->mm, key_of(K_EXTTRAIT, 0, key, strlen(key)), trait);
}

void rs_ext_register_member(resolver *R, const char *key, const char *name, uint32_t member)
{
	pt_strbuf b = {0};
	pt_strbuf_printf(&b, "%s\t%s", key, name);
	mm_add(&R->mm, key_of(K_EXTTASSOC, 0, b.buf, b.len), member);
	pt_strbuf_free(&b);
}

/* The std type a method call on key reaches by auto-deref. */
static const char *const std_deref[][2] = {
	{"String", "str"},     {"Vec", "[]"},       {"PathBuf", "Path"},
	{"OsString", "OsStr"}, {"CString", "CStr"},
};

static bool std_has(seg key, seg name)
{
	if (pt_std_inherent(key.p, key.n, name.p, name.n))
		return true;
	for (size_t i = 0; i < sizeof std_deref / sizeof *std_deref; i++)
		if (strlen(std_deref[i][0]) == key.n && !memcmp(std_deref[i][0], key.p, key.n))
			return pt_std_inherent(std_deref[i][1], strlen(std_deref[i][1]), name.p,
					       name.n);
	return false;
}

/* Whether a `use` of scope s bound to key (the trait's name, `_`, or a
 * glob) brings tr, or may: one we cannot resolve whose path ends with the
 * trait's name (a path of a 2015 crate, a use a macro writes), or a glob
 * we cannot resolve that is not std's. */
static bool use_may_bring(resolver *R, uint32_t s, int tag, const char *key, size_t kn, uint32_t tr)
{
	bool in = false;
	idlist l = {0};
	const char *name = pt_graph_str(R->g, R->g->ents.v[tr].name);
	for (uint32_t it = mm_first(&R->mm, key_of(tag, s, key, kn)); it && !in;
	     it = mm_next(&R->mm, it)) {
		uint32_t u = mm_val(&R->mm, it);
		l.n = 0;
		rs_use_result(R, u, &l, 0);
		const use_rec *ur = &R->uses.v[u];
		const char *path = fstr(R, ur->src, R->src[ur->src].facts->uses.v[ur->fu].path);
		in = list_has(&l, tr) ||
		     (!l.n && tag == K_GLOB && strncmp(path, "std", 3) &&
		      strncmp(path, "core", 4) && strncmp(path, "alloc", 5)) ||
		     (!l.n && tag == K_USE && !strcmp(rs_last_seg(path), name));
	}
	pt_vec_free(&l);
	return in;
}

static bool in_scope(resolver *R, uint32_t sc, uint32_t tr);

/* Rust calls a trait method only where the trait is in scope (declared or
 * imported, also as `_`), or inside an impl of it (self_trait). What we
 * cannot resolve may bring it. */
bool rs_trait_in_scope(resolver *R, uint32_t sc, uint32_t self_trait, uint32_t tr)
{
	if (tr == self_trait)
		return true;
	/* asked for many calls of a module's fns: the answer is kept per
	 * module, unless a fn on the way declares or imports names itself */
	const char *name = pt_graph_str(R->g, R->g->ents.v[tr].name);
	int32_t s = (int32_t)sc;
	for (; R->scopes.v[s].parent >= 0; s = R->scopes.v[s].parent)
		if (mm_first(&R->mm, key_of(K_USE, (uint32_t)s, name, strlen(name))) ||
		    mm_first(&R->mm, key_of(K_USE, (uint32_t)s, "_", 1)) ||
		    mm_first(&R->mm, key_of(K_GLOB, (uint32_t)s, "", 0)) ||
		    mm_first(&R->mm, key_of(K_ITEM, (uint32_t)s, name, strlen(name))))
			return in_scope(R, sc, tr);
	uint64_t key = key_of(K_INSCOPE, ((uint64_t)(uint32_t)s << 32) | tr, "", 0);
	uint32_t memo = mm_first(&R->mm, key);
	if (memo)
		return mm_val(&R->mm, memo) != 0;
	bool in = in_scope(R, (uint32_t)s, tr);
	mm_add(&R->mm, key, in);
	return in;
}

static bool in_scope(resolver *R, uint32_t sc, uint32_t tr)
{
	const char *name = pt_graph_str(R->g, R->g->ents.v[tr].name);
	idlist l = {0};
	rs_resolve_path(R, sc, name, NONE, &l, 0);
	bool in = list_has(&l, tr);
	pt_vec_free(&l);
	for (int32_t s = (int32_t)sc; !in && s >= 0;) {
		in = use_may_bring(R, (uint32_t)s, K_USE, "_", 1, tr) ||
		     use_may_bring(R, (uint32_t)s, K_USE, name, strlen(name), tr) ||
		     use_may_bring(R, (uint32_t)s, K_GLOB, "", 0, tr);
		s = R->scopes.v[s].parent;
	}
	return in;
}

/* The trait an impl member implements (the impl's first), or NONE. */
static uint32_t member_trait(resolver *R, uint32_t me)
{
	const ent_aux *a = &R->aux.v[me];
	if (a->item < 0 || fitem(R, a->src, a->item)->parent < 0)
		return NONE;
	uint32_t ie = R->fi[a->src].item_ent[fitem(R, a->src, a->item)->parent];
	uint32_t t = mm_first(&R->mm, key_of(K_IMPLTRAITS, ie, "", 0));
	return t ? mm_val(&R->mm, t) : NONE;
}

/* Methods called name of impls registered under key, else the items of
 * the traits implemented for key (a default method); traits in scope. */
static void under_key(resolver *R, const ext_ctx *x, seg key, seg name, idlist *out)
{
	pt_strbuf b = {0};
	pt_strbuf_printf(&b, "%.*s\t%.*s", (int)key.n, key.p, (int)name.n, name.p);
	for (uint32_t it = mm_first(&R->mm, key_of(K_EXTTASSOC, 0, b.buf, b.len)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t me = mm_val(&R->mm, it), tr = member_trait(R, me);
		if (tr == NONE || rs_trait_in_scope(R, x->sc, x->self_trait, tr))
			list_add(out, me);
	}
	pt_strbuf_free(&b);
	if (out->n)
		return;
	for (uint32_t it = mm_first(&R->mm, key_of(K_EXTTRAIT, 0, key.p, key.n)); it;
	     it = mm_next(&R->mm, it))
		if (rs_trait_in_scope(R, x->sc, x->self_trait, mm_val(&R->mm, it)))
			rs_assoc(R, mm_val(&R->mm, it), name, out);
}

/* Whether the types of key implement workspace trait tr (a std type
 * implements the std traits as far as we can tell). */
static bool key_has(resolver *R, seg key, uint32_t tr)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_EXTTRAIT, 0, key.p, key.n)); it;
	     it = mm_next(&R->mm, it))
		if (mm_val(&R->mm, it) == tr)
			return true;
	return false;
}

/* The std traits a std type is taken to have when a blanket impl's bound
 * names them: those nearly every std type implements, and for an
 * iterator (key "") the iterator traits. Any other std bound (Fn, Future,
 * Read, Error...) is taken as not met. */
static const char *const common_std_traits[] = {
	"Sized",   "Send",      "Sync",     "Unpin",      "Clone", "Copy",    "Debug",
	"Display", "PartialEq", "Eq",       "PartialOrd", "Ord",   "Hash",    "Default",
	"AsRef",   "Borrow",    "ToString", "Into",       "From",  "ToOwned", NULL};
static const char *const iter_std_traits[] = {"Sized",
					      "Send",
					      "Sync",
					      "Unpin",
					      "Iterator",
					      "IntoIterator",
					      "DoubleEndedIterator",
					      "ExactSizeIterator",
					      "FusedIterator",
					      NULL};

static bool std_bound_met(const char *trait_name, seg key)
{
	for (const char *const *t = key.n ? common_std_traits : iter_std_traits; *t; t++)
		if (strcmp(*t, trait_name) == 0)
			return true;
	return false;
}

/* Whether blanket impl ie (`impl<T: B + C> Tr for T`) covers the types of
 * key: every bound of T that is a workspace trait is implemented for
 * them, and every std bound is one std_bound_met takes as met. */
static bool blanket_covers(resolver *R, uint32_t ie, seg key)
{
	const ent_aux *a = &R->aux.v[ie];
	if (a->item < 0)
		return false;
	const fact_item *it = fitem(R, a->src, a->item);
	seg g, tr, self, param;
	if (!rs_impl_header(fstr(R, a->src, it->sig), &g, &tr, &self))
		return false;
	param = self;
	while (param.n && (*param.p == '&' || *param.p == ' '))
		param.p++, param.n--;
	if (param.n > 4 && !memcmp(param.p, "mut ", 4))
		param.p += 4, param.n -= 4;
	const char *gs = fstr(R, a->src, it->generics);
	bool ok = true;
	while (*gs && ok) {
		const char *end = strchr(gs, ';');
		size_t len = end ? (size_t)(end - gs) : strlen(gs);
		if (len > param.n && !memcmp(gs, param.p, param.n) && gs[param.n] == ':') {
			char *b = pt_xstrndup(gs + param.n + 1, len - param.n - 1);
			char *save = NULL;
			for (char *t = strtok_r(b, "+", &save); t && ok;
			     t = strtok_r(NULL, "+", &save)) {
				char *lt = strchr(t, '<');
				if (lt)
					*lt = 0;
				while (*t == ' ' || *t == '?')
					t++;
				if (*t == '\'' || !*t)
					continue; /* a lifetime */
				/* a workspace trait, else one outside (no placeholder
				 * is made here: edges are being written) */
				idlist found = {0};
				bool ours = false;
				rs_resolve_path(R, a->escope, t, NONE, &found, 0);
				for (size_t k = 0; k < found.n; k++)
					if (ekind(R, found.v[k]) == PT_TRAIT &&
					    !(R->g->ents.v[found.v[k]].flags & ENT_EXTERNAL)) {
						ours = true;
						ok = ok && key.n && key_has(R, key, found.v[k]);
					}
				if (!ours)
					ok = std_bound_met(rs_last_seg(t), key);
				pt_vec_free(&found);
			}
			free(b);
		}
		gs += len + (end ? 1 : 0);
	}
	return ok;
}

void rs_ext_methods(resolver *R, const ext_ctx *x, seg key, seg name, idlist *out)
{
	if (key.n && std_has(key, name))
		return;
	if (key.n)
		under_key(R, x, key, name, out);
	/* then what the type derefs to: a workspace trait implemented for
	 * `[T]` or `&[T]` is called on a Vec (syn's `self.attrs.outer()`,
	 * FilterAttrs for `&[Attribute]`) */
	for (size_t i = 0; i < sizeof std_deref / sizeof *std_deref && key.n && !out->n; i++)
		if (strlen(std_deref[i][0]) == key.n && !memcmp(std_deref[i][0], key.p, key.n))
			under_key(R, x, (seg){std_deref[i][1], strlen(std_deref[i][1])}, name, out);
	for (uint32_t b = out->n ? 0 : mm_first(&R->mm, key_of(K_BLANKET, 0, name.p, name.n)); b;
	     b = mm_next(&R->mm, b)) {
		uint32_t ie = mm_val(&R->mm, b);
		if (!blanket_covers(R, ie, key))
			continue;
		for (uint32_t t = mm_first(&R->mm, key_of(K_IMPLTRAITS, ie, "", 0)); t;
		     t = mm_next(&R->mm, t))
			if (rs_trait_in_scope(R, x->sc, x->self_trait, mm_val(&R->mm, t)))
				rs_assoc(R, mm_val(&R->mm, t), name, out);
	}
}
