/* tests/test_graph_recv.c — receiver typing, end to end through index_run
 * and the query API: which method a call `x.f()` reaches once the type of
 * `x` is known through steps (method results, Option/Result insides,
 * containers, matches, closures, Box/Pin/Deref, aliases, statics, std
 * values, generic bounds, turbofish). The workspaces are small and the
 * expected answers are written by hand from the Rust below (rustc's
 * callees). The fixture is tests/graph_fixture.h. */
#define _GNU_SOURCE
#include "graph_fixture.h"

/* `go` on four types: a guess by name answers nothing, so each right
 * answer is a resolved receiver. */
#define FOUR_GO                                                                                    \
	"pub struct A; impl A { pub fn go(&self) {} }\n"                                           \
	"pub struct B; impl B { pub fn go(&self) {} }\n"                                           \
	"pub struct C; impl C { pub fn go(&self) {} }\n"                                           \
	"pub struct D; impl D { pub fn go(&self) {} }\n"

/* Receivers typed through steps: method results (`a.f().g()`), Option and
 * Result insides (`.unwrap()`, `?`, `Some(x)`), items of containers (`for`,
 * closure params of `.map`-like methods, `v[i]`), fields of fields, the
 * value a catch-all match arm binds, elements of a generic type through
 * its bounds. `go` is defined on four types, so a guess by name answers
 * nothing: each answer below is rustc's. */
static void test_receiver_steps(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct A; impl A { pub fn go(&self) {} }\n"
		"pub struct B; impl B { pub fn go(&self) {} pub fn to_a(&self) -> A { A } }\n"
		"pub struct D { pub b: B }\n"
		"impl std::ops::Deref for D { type Target = B; fn deref(&self) -> &B { &self.b } "
		"}\n"
		"impl D { pub fn go(&self) {} }\n"
		"pub enum E { One(A), Two(B) }\n"
		"impl E { pub fn go(&self) {} }\n"
		"pub struct C { pub items: Vec<A>, pub inner: Option<Box<D>>, pub p: "
		"std::ptr::NonNull<D> }\n"
		"impl C {\n"
		"    pub fn pop(&mut self) -> Option<B> { None }\n"
		"    pub fn chains(&mut self) { self.pop().unwrap().to_a().go(); }\n"
		"    pub fn tries(&mut self) -> Option<()> { let b = self.pop()?; b.go(); Some(()) "
		"}\n"
		"    pub fn loops(&self, s: &[B]) { for a in &self.items { a.go(); } }\n"
		"    pub fn slices(s: &[B]) { for b in s.iter().rev() { b.go(); } }\n"
		"    pub fn closures(&self) { self.items.iter().for_each(|a| a.go()); }\n"
		"    pub fn index(&self) { self.items[0].go(); }\n"
		"    pub fn fields(&self) { self.inner.as_ref().unwrap().b.go(); }\n"
		"    pub fn some(&self) { if let Some(d) = &self.inner { d.b.go(); } }\n"
		"    pub fn arms(e: &E) { match e { E::One(a) => a.go(), x => x.go() } }\n"
		"    pub fn lets(&mut self) { let x = self.pop().unwrap(); let y = x.to_a(); "
		"y.go(); }\n"
		"    pub fn ptr(&self) { unsafe { self.p.as_ref() }.b.go(); }\n"
		"    pub fn deref2(d: &D) { (**d).go(); }\n"
		"    pub fn pair(&self) -> Result<(A, B), ()> { Err(()) }\n"
		"    pub fn tuples(&self) -> Result<(), ()> { let (a, b) = self.pair()?; a.go(); "
		"b.go(); Ok(()) }\n"
		"    pub fn tuple_lets(a: &A, b: &B, c: bool) { let (x, y) = if c { (b, a) } else "
		"{ (b, a) }; x.go(); y.go(); }\n"
		"}\n"
		"pub trait Iv { fn lo(&self) -> u8; fn sub(&self) -> Self; }\n"
		"impl Iv for A { fn lo(&self) -> u8 { 0 } fn sub(&self) -> Self { A } }\n"
		"pub struct Set<I> { pub r: Vec<I> }\n"
		"impl<I: Iv> Set<I> { pub fn first(&self) -> u8 { self.r[0].sub().lo() } }\n",
		NULL);
	assert_answer(&w, "callees", "t::C::chains", "t::A::go,t::B::to_a,t::C::pop");
	assert_answer(&w, "callees", "t::C::tries", "t::B::go,t::C::pop");
	assert_answer(&w, "callees", "t::C::loops", "t::A::go");
	assert_answer(&w, "callees", "t::C::slices", "t::B::go");
	assert_answer(&w, "callees", "t::C::closures", "t::A::go");
	assert_answer(&w, "callees", "t::C::index", "t::A::go");
	assert_answer(&w, "callees", "t::C::fields", "t::B::go");
	assert_answer(&w, "callees", "t::C::some", "t::B::go");
	assert_answer(&w, "callees", "t::C::arms", "t::A::go,t::E::go");
	assert_answer(&w, "callees", "t::C::lets", "t::A::go,t::B::to_a,t::C::pop");
	assert_answer(&w, "callees", "t::Set::first", "t::Iv::lo,t::Iv::sub");
	assert_answer(&w, "callees", "t::C::ptr", "t::B::go");
	assert_answer(&w, "callees", "t::C::tuples", "t::A::go,t::B::go,t::C::pair");
	assert_answer(&w, "callees", "t::C::tuple_lets", "t::A::go,t::B::go");
	/* `**d` with d: &D is D's Deref target, B (rustc: B::go); we do not
	 * follow Deref, but must not answer D's own `go` */
	char *got = answer(&w, "callees", "t::C::deref2");
	assert_null(strstr(got, "t::D::go"));
	free(got);
	ws_free(&w);
}

/* A field that is a Box, Rc or Arc of a type: the type's methods through
 * Deref, but `clone` (and the pointer's other own trait methods) is the
 * pointer's, as rustc calls it (syn's `self.body.clone()` with `body:
 * Box<Expr>` is Box's Clone). Four `clone`s: a name guess answers nothing. */
static void test_box_receivers(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct Expr; impl Clone for Expr { fn clone(&self) -> Expr { Expr } }\n"
		"impl Expr { pub fn span(&self) {} pub fn inner(&self) -> Expr { Expr } }\n"
		"impl PartialEq for Expr { fn eq(&self, o: &Expr) -> bool { true } }\n"
		"pub struct P; impl Clone for P { fn clone(&self) -> P { P } }\n"
		"pub struct Q; impl Clone for Q { fn clone(&self) -> Q { Q } }\n"
		"pub struct R; impl Clone for R { fn clone(&self) -> R { R } }\n"
		"pub struct Arm { pub body: Box<Expr>, pub shared: std::rc::Rc<Expr>, pub opt: "
		"Option<Box<Expr>>, pub list: Vec<std::sync::Arc<Expr>>, pub plain: Expr }\n"
		"impl Arm {\n"
		"    pub fn clones(&self) { self.body.clone(); self.shared.clone(); "
		"self.opt.as_ref().unwrap().clone(); self.body == self.body; }\n"
		"    pub fn derefs(&self) { self.body.span(); self.shared.span(); "
		"self.opt.as_ref().unwrap().span(); for e in &self.list { e.span(); } }\n"
		"    pub fn chained(&self) { self.body.inner().clone(); "
		"self.body.as_ref().clone(); "
		"}\n"
		"    pub fn plain(&self) { self.plain.clone(); self.plain.eq(&self.plain); }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::Arm::clones", "");
	assert_answer(&w, "callees", "t::Arm::derefs", "t::Expr::span");
	assert_answer(&w, "callees", "t::Arm::chained", "t::Expr::clone,t::Expr::inner");
	assert_answer(&w, "callees", "t::Arm::plain", "t::Expr::clone,t::Expr::eq");
	ws_free(&w);
}

/* Type aliases stand for their target: the `Item` of a workspace type's
 * Iterator impl types `for` loops over it and `Option<Self::Item>` results;
 * an associated type declared with a bound (`type B: Bd;`) is known
 * through that trait. (`go` on four types: a name guess answers nothing.) */
static void test_receiver_aliases(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO
		"pub type Alias = B;\n"
		"pub struct It { pub v: Vec<A> }\n"
		"pub struct ItIter<'a> { it: std::slice::Iter<'a, A> }\n"
		"impl<'a> Iterator for ItIter<'a> {\n"
		"    type Item = &'a A;\n"
		"    fn next(&mut self) -> Option<Self::Item> { None }\n"
		"}\n"
		"impl It { pub fn iter(&self) -> ItIter<'_> { ItIter { it: self.v.iter() } } }\n"
		"pub fn items(x: &It) { for a in x.iter() { a.go(); } }\n"
		"pub fn nexts(x: &It) { x.iter().next().unwrap().go(); }\n"
		"pub fn aliased(b: &Alias) { b.go(); }\n"
		"pub trait Bd { fn up(&self) -> Self; }\n"
		"pub trait Iv { type Bn: Bd; fn lo(&self) -> Self::Bn; }\n"
		"pub fn bounds<I: Iv>(i: &I) { i.lo().up(); }\n",
		NULL);
	assert_answer(&w, "callees", "t::items", "t::A::go,t::It::iter");
	assert_answer(&w, "callees", "t::nexts", "t::A::go,t::It::iter,t::ItIter::next");
	assert_answer(&w, "callees", "t::aliased", "t::B::go");
	assert_answer(&w, "callees", "t::bounds", "t::Bd::up,t::Iv::lo");
	ws_free(&w);
}

/* `let x = match v { p => e, .. }`: x has the value of the first arm that
 * does not diverge (`return`, `panic!`, ..) and whose value is known, read
 * with the arm's pattern bound to v's value; `let (a, b) = match ..` takes
 * the elements of that arm's tuple. (`go` on four types: a name guess
 * answers nothing; each answer is rustc's.) */
static void test_match_values(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO "pub enum St { Op { k: B, lhs: A }, Open }\n"
			"pub fn make_b() -> B { B }\n"
			"pub fn popped(v: &mut Vec<A>) -> Result<(), ()> {\n"
			"    let a = match v.pop() { Some(a) => a, None => { return Err(()) } };\n"
			"    a.go();\n"
			"    Ok(())\n"
			"}\n"
			"pub fn tuple(s: &mut Vec<St>) {\n"
			"    let (k, lhs) = match s.pop() {\n"
			"        Some(St::Op { k, lhs }) => (k, lhs),\n"
			"        Some(St::Open) => return,\n"
			"        None => unreachable!(),\n"
			"    };\n"
			"    k.go();\n"
			"    lhs.go();\n"
			"}\n"
			"pub fn calls(n: u8) { let b = match n { 0 => make_b(), _ => make_b() }; "
			"b.go(); }\n"
			"pub fn first_diverges(o: Option<C>) { let c = match o { None => "
			"panic!(\"no\"), Some(c) => c }; c.go(); }\n"
			"pub fn loops(v: Vec<Option<D>>) { for o in v { let d = match o { None => "
			"continue, Some(d) => d }; d.go(); } }\n",
		NULL);
	assert_answer(&w, "callees", "t::popped", "t::A::go");
	assert_answer(&w, "callees", "t::tuple", "t::A::go,t::B::go");
	assert_answer(&w, "callees", "t::calls", "t::B::go,t::make_b");
	assert_answer(&w, "callees", "t::first_diverges", "t::C::go");
	assert_answer(&w, "callees", "t::loops", "t::D::go");
	ws_free(&w);
}

/* `split_first()` / `split_last()` (and `_mut`) of a Vec or slice of T:
 * Option<(&T, &[T])>, so `let (x, rest) = v.split_last().unwrap()` has x
 * a T and rest's elements T, also when T is a generic bounded by a trait
 * (the call then goes to the trait's method). */
static void test_split_seq(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO "pub fn firsts(v: &[B]) { if let Some((x, rest)) = v.split_first() { "
			"x.go(); rest[0].go(); } }\n"
			"pub fn lasts(v: &mut Vec<C>) { let (x, _) = v.split_last_mut().unwrap(); "
			"x.go(); }\n"
			"pub trait Iv { fn lo(&self) -> u8; }\n"
			"pub struct Set<I> { pub r: Vec<I> }\n"
			"impl<I: Iv> Set<I> { pub fn last(&mut self) { let (l, _) = "
			"self.r.split_last_mut().unwrap(); l.lo(); } }\n",
		NULL);
	assert_answer(&w, "callees", "t::firsts", "t::B::go");
	assert_answer(&w, "callees", "t::lasts", "t::C::go");
	assert_answer(&w, "callees", "t::Set::last", "t::Iv::lo");
	ws_free(&w);
}

/* A receiver whose type the code states and that lies outside the
 * workspace (Vec, slices, String, Option, primitives) calls its own
 * method, never a same-named one of a workspace type (Other's); a
 * workspace trait implemented for that type (exactly, or by a blanket
 * impl whose bounds it meets) is the one exception; a std type's inherent
 * method wins over the trait the code implements for it (`impl Off for
 * u64`). Checked with rustc -Zunpretty=thir-tree. */
/* Values std hands out, read as rustc does: a std atomic's `load`/`swap`/
 * `fetch_*` give the primitive it holds and `compare_exchange` a Result of
 * it; `b[i]` with b a `Box<[T]>` indexes the slice the Box derefs to; a
 * field a type lacks is its Deref Target's (auto-deref). `locked`,
 * `resolve` and `go` are also methods of other types, so a guess by name
 * answers nothing: each answer is rustc's callee. */
static void test_std_values_deref(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO
		"pub trait St { fn locked(self) -> bool; }\n"
		"impl St for usize { fn locked(self) -> bool { self & 1 == 1 } }\n"
		"pub struct Other; impl Other { pub fn locked(self) -> bool { false } pub fn "
		"resolve(&self) {} }\n"
		"pub struct Pos; impl Pos { pub fn resolve(&self) {} }\n"
		"pub struct Inner { pub a: A, pub b: B }\n"
		"pub struct Ptr<'a> { pub s: &'a mut Inner, pub b: C }\n"
		"impl<'a> std::ops::Deref for Ptr<'a> { type Target = Inner; fn deref(&self) "
		"-> &Inner { self.s } }\n"
		"use std::sync::atomic::{AtomicUsize, Ordering};\n"
		"pub struct W { pub state: AtomicUsize, pub indices: Box<[Pos]> }\n"
		"impl W {\n"
		"    pub fn atomics(&self) { let s = self.state.load(Ordering::Acquire); "
		"s.locked(); self.state.swap(0, Ordering::AcqRel).locked(); }\n"
		"    pub fn exchange(&self) { if let Ok(s) = self.state.compare_exchange(0, 1, "
		"Ordering::AcqRel, Ordering::Acquire) { s.locked(); } }\n"
		"    pub fn boxed(&self, i: usize) { self.indices[i].resolve(); }\n"
		"    pub fn fields(p: Ptr<'_>) { p.a.go(); p.b.go(); }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::W::atomics", "t::St::locked,t::usize::locked");
	assert_answer(&w, "callees", "t::W::exchange", "t::St::locked,t::usize::locked");
	assert_answer(&w, "callees", "t::W::boxed", "t::Pos::resolve");
	/* p.a is Inner's field through Deref; p.b is Ptr's own (a C) */
	assert_answer(&w, "callees", "t::W::fields", "t::A::go,t::C::go");
	ws_free(&w);
}

/* What a method, an item or a field of a generic type of ours gives, its
 * parameters read from the receiver's type arguments wherever they sit in
 * the type written (`Option<&V>`, `(&'a K, &'a V)`, `Guard<'_, T>`), and a
 * parameter the receiver's type leaves out taking its declared default
 * (`struct Hm<T = A>`). rustc's callees; `go` is on four types, so a
 * guess by name answers nothing. */
static void test_type_argument_texts(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO
		"pub struct Map<K, V> { pub entries: Vec<(K, V)> }\n"
		"impl<K, V> Map<K, V> {\n"
		"    pub fn get(&self, k: &K) -> Option<&V> { None }\n"
		"    pub fn iter(&self) -> Iter<'_, K, V> { Iter { m: self, i: 0 } }\n"
		"}\n"
		"pub struct Iter<'a, K, V> { m: &'a Map<K, V>, i: usize }\n"
		"impl<'a, K, V> Iterator for Iter<'a, K, V> { type Item = (&'a K, &'a V); fn "
		"next(&mut self) -> Option<Self::Item> { None } }\n"
		"pub struct Hm<T = A> { pub v: Vec<T> }\n"
		"impl<T> Hm<T> { pub fn first(&self) -> Option<&T> { self.v.first() } }\n"
		"pub struct Guard<'a, T> { v: &'a T }\n"
		"impl<'a, T> std::ops::Deref for Guard<'a, T> { type Target = T; fn "
		"deref(&self) -> &T { self.v } }\n"
		"pub struct Lock<T> { v: T }\n"
		"impl<T> Lock<T> { pub fn lock(&self) -> Guard<'_, T> { Guard { v: &self.v } } "
		"}\n"
		"pub struct Holder { pub a: A }\n"
		"pub struct S { pub m: Map<A, B>, pub h: Hm, pub l: Lock<Holder>, pub q: "
		"Map<C, std::sync::Mutex<D>> }\n"
		"impl S {\n"
		"    pub fn gets(&self, k: &A) { if let Some(b) = self.m.get(k) { b.go(); } }\n"
		"    pub fn iters(&self) { for (a, b) in self.m.iter() { a.go(); b.go(); } }\n"
		"    pub fn defaults(&self) { self.h.first().unwrap().go(); }\n"
		"    pub fn guards(&self) { self.l.lock().a.go(); }\n"
		"    pub fn locks(&self, k: &C) { self.q.get(k).unwrap().lock().unwrap().go(); }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::S::gets", "t::B::go,t::Map::get");
	assert_answer(&w, "callees", "t::S::iters", "t::A::go,t::B::go,t::Map::iter");
	assert_answer(&w, "callees", "t::S::defaults", "t::A::go,t::Hm::first");
	assert_answer(&w, "callees", "t::S::guards", "t::A::go,t::Lock::lock");
	assert_answer(&w, "callees", "t::S::locks", "t::D::go,t::Map::get");
	ws_free(&w);
}

/* More values std's methods give: `to_string()` is ToString's String for
 * any Display type without a to_string of its own, `by_ref()` is the
 * iterator itself, a Cow<'a, B> derefs to B (`as_ref()` too), `p[i]` is
 * the Output of an Index impl with the impl's parameters read from p's
 * type, and a method returning a parameter of a type written without
 * arguments gives the parameter's declared default. rustc's callees; a
 * guess by name answers nothing (`go` is on five types, `shout` on two). */
static void test_std_method_values(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO
		"#[derive(Clone)] pub struct E; impl E { pub fn go(&self) {} }\n"
		"pub trait Case { fn shout(&self) -> String; }\n"
		"impl Case for String { fn shout(&self) -> String { self.clone() } }\n"
		"impl Case for A { fn shout(&self) -> String { String::new() } }\n"
		"pub struct Id;\n"
		"impl std::fmt::Display for Id { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) "
		"-> std::fmt::Result { Ok(()) } }\n"
		"pub struct Pairs { v: Vec<A> }\n"
		"impl Iterator for Pairs { type Item = A; fn next(&mut self) -> Option<A> { "
		"self.v.pop() } }\n"
		"pub struct P<T, U> { v: Vec<(T, U)> }\n"
		"impl<T, U> std::ops::Index<usize> for P<T, U> { type Output = T; fn "
		"index(&self, i: usize) -> &T { &self.v[i].0 } }\n"
		"pub struct Data<T = B> { p: T }\n"
		"impl<T> Data<T> { pub fn payload(&self) -> &T { &self.p } }\n"
		"use std::borrow::Cow;\n"
		"pub struct W<'a> { pub c: Cow<'a, E>, pub p: P<D, A>, pub d: Data }\n"
		"impl<'a> W<'a> {\n"
		"    pub fn strings(&self, id: &Id) { id.to_string().shout(); }\n"
		"    pub fn by_refs(&self, mut it: Pairs) { for a in it.by_ref() { a.go(); } }\n"
		"    pub fn cows(&self) { self.c.go(); self.c.as_ref().go(); }\n"
		"    pub fn index(&self) { self.p[0].go(); }\n"
		"    pub fn defaults(&self) { self.d.payload().go(); }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::W::strings", "t::Case::shout,t::String::shout");
	assert_answer(&w, "callees", "t::W::by_refs", "t::A::go");
	assert_answer(&w, "callees", "t::W::cows", "t::E::go");
	assert_answer(&w, "callees", "t::W::index", "t::D::go");
	assert_answer(&w, "callees", "t::W::defaults", "t::B::go,t::Data::payload");
	ws_free(&w);
}

/* `w.as_mut()` with w a Pin<&mut W> and W bounded by a trait of ours is
 * still a W (Pin::as_mut), so `w.as_mut().poll_w()` is the trait's method;
 * a bound that says what `as_ref` gives (`AsRef<A>`) leaves it unknown.
 * rustc's callees; `poll_w` is also X's, so a guess by name answers
 * nothing. */
static void test_bound_see_through(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct A; impl A { pub fn poll_w(&self) {} }\n"
		"pub trait Wr { fn poll_w(self: std::pin::Pin<&mut Self>); }\n"
		"pub struct X; impl X { pub fn poll_w(&mut self) {} }\n"
		"impl Wr for X { fn poll_w(self: std::pin::Pin<&mut Self>) {} }\n"
		"pub fn flush<W: Wr>(mut w: std::pin::Pin<&mut W>) { w.as_mut().poll_w(); }\n"
		"pub fn refs<R: Wr + AsRef<A>>(r: &R) { r.as_ref().poll_w(); }\n",
		NULL);
	assert_answer(&w, "callees", "t::flush", "t::Wr::poll_w");
	/* rustc: A::poll_w; we may not know it, but never Wr's */
	assert_answer(&w, "callees", "t::refs", "");
	ws_free(&w);
}

/* A `_` in a tuple-struct or variant pattern takes its position (`V(_,
 * x)` binds field 1), and after `..` the positions are not counted from
 * the front. rustc's callees; `go` is on four types. */
static void test_pattern_positions(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO "pub enum K { Skip(Option<u8>, A), Two(A, B, C) }\n"
			"pub fn skips(k: &K) { if let K::Skip(_, a) = k { a.go(); } }\n"
			"pub fn middles(k: &K) { if let K::Two(_, b, _) = k { b.go(); } }\n"
			"pub fn rests(k: &K) { if let K::Two(.., c) = k { c.go(); } }\n",
		NULL);
	assert_answer(&w, "callees", "t::skips", "t::A::go");
	assert_answer(&w, "callees", "t::middles", "t::B::go");
	/* rustc: C::go; we do not count from the end, but never say B's */
	assert_answer(&w, "callees", "t::rests", "");
	ws_free(&w);
}

/* `let mut cb = Some(self)` is an Option of self's value: `cb.take()
 * .expect(..)` is self again (a common idiom in callbacks). rustc's
 * callees; `send` and `go` are on several types. */
static void test_some_values(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO
		"pub struct S; impl S { pub fn send(self) {} }\n"
		"pub struct Cb { pub s: S }\n"
		"impl Cb {\n"
		"    pub fn send(self) {}\n"
		"    pub fn run(self) { let mut cb = Some(self); cb.take().expect(\"x\").send(); "
		"}\n"
		"    pub fn units() { let a = Some(A); a.unwrap().go(); }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::Cb::run", "t::Cb::send");
	assert_answer(&w, "callees", "t::Cb::units", "t::A::go");
	ws_free(&w);
}

/* std holders of one value without Deref: Cell's get/take/replace give
 * its T, Cursor's (and BufReader's, BufWriter's) get_ref/get_mut/
 * into_inner the value it wraps; `mem::replace(&mut d, v)` is a value of
 * d's type. rustc's callees; `go` is on five types. */
static void test_std_holders(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO "#[derive(Clone, Copy)] pub struct P; impl P { pub fn go(&self) {} }\n"
			"use std::cell::Cell;\n"
			"use std::io::Cursor;\n"
			"pub struct H { pub c: Cell<P>, pub cur: Cursor<B> }\n"
			"impl H {\n"
			"    pub fn cells(&self) { self.c.get().go(); }\n"
			"    pub fn cursors(&mut self) { self.cur.get_mut().go(); }\n"
			"    pub fn replaces(mut d: D) { std::mem::replace(&mut d, D).go(); }\n"
			"}\n",
		NULL);
	assert_answer(&w, "callees", "t::H::cells", "t::P::go");
	assert_answer(&w, "callees", "t::H::cursors", "t::B::go");
	assert_answer(&w, "callees", "t::H::replaces", "t::D::go");
	ws_free(&w);
}

static void test_std_receivers(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct Other;\n"
		"impl Other {\n"
		"    pub fn capacity(&self) -> usize { 0 }\n"
		"    pub fn len(&self) -> usize { 0 }\n"
		"    pub fn leading_zeros(&self) -> u32 { 0 }\n"
		"    pub fn as_str(&self) {}\n"
		"    pub fn unwrap(&self) {}\n"
		"}\n"
		"pub trait Ext { fn ext_m(&self); }\n"
		"impl Ext for Vec<u8> { fn ext_m(&self) {} }\n"
		"pub trait Shout { fn shout(&self) {} }\n"
		"impl<T: AsRef<str>> Shout for T {}\n"
		"pub trait Stream {}\n"
		"pub trait StreamExt { fn map(&self) {} }\n"
		"impl<T: Stream> StreamExt for T {}\n"
		"pub trait Off { fn wrapping_add(self, o: Self) -> Self; }\n"
		"impl Off for u64 { fn wrapping_add(self, o: Self) -> Self { self.wrapping_add(o) "
		"} "
		"}\n"
		"pub struct Table { pub entries: Vec<u8>, pub slice: &'static [u8], pub name: "
		"String, "
		"pub count: u32 }\n"
		"impl Table {\n"
		"    pub fn sizes(&self, limbs: &[u64], o: Option<Other>) -> usize {\n"
		"        let c = self.entries.capacity();\n"
		"        let l = self.slice.len() + limbs.len();\n"
		"        let z = self.count.leading_zeros();\n"
		"        let _s = self.name.as_str();\n"
		"        self.entries.ext_m();\n"
		"        self.name.shout();\n"
		"        let _ = self.entries.iter().map(|x| x + 1);\n"
		"        o.unwrap();\n"
		"        c + l + z as usize\n"
		"    }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::Table::sizes",
		      "t::Ext::ext_m,t::Shout::shout,t::Vec::ext_m");
	assert_answer(&w, "callees", "t::u64::wrapping_add", "");
	ws_free(&w);
}

/* A Pin is seen through (`self: Pin<&mut Self>`, `-> Pin<&mut R>`,
 * `Pin::new(&mut x)`, `Box::pin(x)`), and so is `as_mut()`/`get_mut()`
 * of what the code does not declare such a method on; rustc's callees
 * (-Zunpretty=thir-tree), never Other's same-named methods. */
static void test_pin_receivers(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"use std::pin::Pin;\n"
		"pub trait Rd { fn rd(self: Pin<&mut Self>); }\n"
		"pub struct Other;\n"
		"impl Other { pub fn rd(&self) {} pub fn poke(&self) {} }\n"
		"pub struct Plain;\n"
		"impl Plain { pub fn poke(&self) {} }\n"
		"pub struct B<R> { inner: R, p: Plain }\n"
		"impl<R: Rd + Unpin> B<R> {\n"
		"    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> { unsafe { "
		"self.map_unchecked_mut(|s| &mut s.inner) } }\n"
		"    pub fn go(mut self: Pin<&mut Self>) {\n"
		"        self.as_mut().get_pin_mut().rd();\n"
		"        Pin::new(&mut self.inner).rd();\n"
		"        self.as_mut().get_mut().p.poke();\n"
		"        let b = Box::pin(Plain);\n"
		"        b.poke();\n"
		"    }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::B::go", "t::B::get_pin_mut,t::Plain::poke,t::Rd::rd");
	ws_free(&w);
}

/* std's locks: `m.lock()`/`try_lock()` of a Mutex<T> and `read()`/`write()`
 * of an RwLock<T> give a Result of a guard that derefs to T, `borrow()` /
 * `borrow_mut()` of a RefCell<T> a guard of T, `try_borrow()` a Result of
 * one; through an Arc too. A Mutex of another crate (parking_lot's, whose
 * `lock()` is the guard) or of the workspace is not std's and says nothing
 * here. rustc's callees; `go` on four types, so a guess answers nothing. */
static void test_lock_receivers(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO
		"use std::sync::{Arc, Mutex, RwLock};\n"
		"use std::cell::RefCell;\n"
		"pub struct In { pub b: B }\n"
		"pub struct S { m: Mutex<A>, r: RwLock<In>, c: RefCell<C>, am: Arc<Mutex<In>>, "
		"o: Option<Mutex<D>> }\n"
		"impl S {\n"
		"    pub fn locks(&self) { self.m.lock().unwrap().go(); "
		"self.m.try_lock().unwrap().go(); }\n"
		"    pub fn rw(&self) { self.r.read().unwrap().b.go(); "
		"self.r.write().expect(\"x\").b.go(); }\n"
		"    pub fn cells(&self) { self.c.borrow().go(); self.c.borrow_mut().go(); "
		"self.c.try_borrow().unwrap().go(); }\n"
		"    pub fn arcs(&self) { self.am.lock().unwrap().b.go(); let g = "
		"self.am.lock().unwrap(); "
		"g.b.go(); }\n"
		"    pub fn opts(&self) { self.o.as_ref().unwrap().lock().unwrap().go(); }\n"
		"}\n"
		"mod pl { use parking_lot::Mutex; pub struct P { m: Mutex<super::A> }\n"
		"    impl P { pub fn go2(&self) { self.m.lock().unwrap().go(); } } }\n"
		"mod own { pub struct Mutex<T>(T); impl<T> Mutex<T> { pub fn lock(&self) -> "
		"Result<super::B, ()> { Err(()) } }\n"
		"    pub struct Q { m: Mutex<super::A> }\n"
		"    impl Q { pub fn go3(&self) { self.m.lock().unwrap().go(); } } }\n",
		NULL);
	assert_answer(&w, "callees", "t::S::locks", "t::A::go");
	assert_answer(&w, "callees", "t::S::rw", "t::B::go");
	assert_answer(&w, "callees", "t::S::cells", "t::C::go");
	assert_answer(&w, "callees", "t::S::arcs", "t::B::go");
	assert_answer(&w, "callees", "t::S::opts", "t::D::go");
	/* parking_lot's lock() is the guard: lock().unwrap() is not std's */
	assert_answer(&w, "callees", "t::pl::P::go2", "");
	/* the workspace's own Mutex: its lock() gives a B */
	assert_answer(&w, "callees", "t::own::Q::go3", "t::B::go,t::own::Mutex::lock");
	ws_free(&w);
}

/* A generic type of ours with its type arguments (`Sp<Kind>`): a field of
 * parameter type, a method returning a parameter of its impl, and the
 * Target of its Deref impl are the matching argument (clap_derive's
 * `item.kind().name()`, `Sp<Kind>` derefs to Kind). rustc's callees; `go`
 * and `name` on several types, so a guess by name answers nothing. */
static void test_type_arguments(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO "pub struct Kind; impl Kind { pub fn name(&self) {} }\n"
			"pub struct Other; impl Other { pub fn name(&self) {} }\n"
			"pub struct Sp<'a, T> { v: T, s: &'a str }\n"
			"impl<'a, T> Sp<'a, T> { pub fn get(&self) -> &T { &self.v } }\n"
			"impl<'a, U> std::ops::Deref for Sp<'a, U> { type Target = U; fn "
			"deref(&self) -> &U "
			"{ &self.v } }\n"
			"pub struct Pair<X, Y> { x: X, y: Y }\n"
			"pub struct Item { kind: Sp<'static, Kind>, p: Pair<A, B> }\n"
			"impl Item {\n"
			"    pub fn kind(&self) -> Sp<'static, Kind> { todo!() }\n"
			"    pub fn uses(&self) { self.kind().name(); self.kind.get().name(); "
			"self.kind.v.name(); "
			"}\n"
			"    pub fn pairs(&self) { self.p.x.go(); self.p.y.go(); let k = "
			"self.kind(); k.name(); "
			"}\n"
			"}\n",
		NULL);
	assert_answer(&w, "callees", "t::Item::uses", "t::Item::kind,t::Kind::name,t::Sp::get");
	assert_answer(&w, "callees", "t::Item::pairs",
		      "t::A::go,t::B::go,t::Item::kind,t::Kind::name");
	ws_free(&w);
}

/* A generic parameter bounded by several traits has all their methods,
 * and Self's type arguments are those its impl's header writes: in `impl<R:
 * Rd + Sk> Buf<R>`, `self.get()` (declared in `impl<R: Rd> Buf<R>` to
 * return R) is this impl's R, so its `sk` is Sk's (tokio's BufReader:
 * `self.get_pin_mut().start_seek(..)`). rustc's callees; `sk` on a type
 * too, so a guess by name is ambiguous. */
static void test_several_bounds(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub trait Rd { fn rd(&self); }\n"
		"pub trait Sk { fn sk(&self); }\n"
		"pub struct Z; impl Z { pub fn sk(&self) {} pub fn rd(&self) {} }\n"
		"pub struct Buf<'a, R> { inner: R, s: &'a str }\n"
		"impl<'a, R: Rd> Buf<'a, R> { pub fn get(&self) -> &R { &self.inner } }\n"
		"impl<'a, R: Rd + Sk> Buf<'a, R> {\n"
		"    pub fn seek(&self) { self.get().sk(); self.get().rd(); }\n"
		"    pub fn field(&self) { self.inner.sk(); }\n"
		"}\n"
		"pub fn free<T: Rd + Sk>(t: &T) { t.sk(); }\n",
		NULL);
	assert_answer(&w, "callees", "t::Buf::seek", "t::Buf::get,t::Rd::rd,t::Sk::sk");
	assert_answer(&w, "callees", "t::Buf::field", "t::Sk::sk");
	assert_answer(&w, "callees", "t::free", "t::Sk::sk");
	ws_free(&w);
}

/* Calls read from a macro's tokens (`ready!(Pin::new(&mut *me.w).go())`):
 * a Pin (Box, Arc) made of one argument reaches that argument's methods,
 * as in code the tree gives (tokio's `ready!(Pin::new(me.reader)
 * .poll_read(cx, ..))`). Two arguments are no such value: the call stays a
 * guess. rustc's callees; `go` on a type too. */
static void test_wrapped_argument_in_macro(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"use std::pin::Pin;\n"
		"macro_rules! ready { ($e:expr $(,)?) => { match $e { x => x } } }\n"
		"pub trait Wr { fn go(self: Pin<&mut Self>); }\n"
		"pub struct Other; impl Other { pub fn go(&self) {} }\n"
		"pub struct Me<'a, W> { w: &'a mut W }\n"
		"pub struct S<W> { w: W }\n"
		"impl<W: Wr + Unpin> S<W> {\n"
		"    pub fn a(&mut self, w2: &mut W) { ready!(Pin::new(&mut self.w).go()); "
		"ready!(Pin::new(w2).go()); }\n"
		"    pub fn b(&mut self, me: Me<'_, W>) { ready!(Pin::new(&mut *me.w).go()); }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::S::a", "t::Wr::go");
	assert_answer(&w, "callees", "t::S::b", "t::Wr::go");
	ws_free(&w);
}

/* An element that is a trait object (`Option<&(dyn Value + 'a)>`,
 * `Vec<Box<dyn Value>>`) is known through its trait: rustc calls the
 * trait's method (tracing-core's ValueSet::record). `record` on two types
 * besides: a guess by name answers nothing. */
static void test_dyn_elements(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub trait Value { fn record(&self); fn type_id(&self); }\n"
		"pub struct A; impl A { pub fn record(&self) {} }\n"
		"pub struct B; impl B { pub fn record(&self) {} }\n"
		"pub struct Set<'a> { values: &'a [(&'a A, Option<&'a (dyn Value + 'a)>)], all: "
		"Vec<Box<dyn Value>> }\n"
		"impl<'a> Set<'a> {\n"
		"    pub fn each(&self) { for (f, v) in self.values { if let Some(v) = v { "
		"v.record(); } } }\n"
		"    pub fn boxed(&self) { for v in &self.all { v.record(); } }\n"
		"}\n"
		"pub struct H { h: Box<dyn Value> }\n"
		"impl H { pub fn tid(&self) { self.h.type_id(); } }\n",
		NULL);
	/* a Box of a trait object calls the trait's methods, even one named
	 * like the Box's own (Any::type_id is not in scope) */
	assert_answer(&w, "callees", "t::H::tid", "t::Value::type_id");
	assert_answer(&w, "callees", "t::Set::each", "t::Value::record");
	assert_answer(&w, "callees", "t::Set::boxed", "t::Value::record");
	ws_free(&w);
}

/* pin-project-lite's shape across crates: the projection's field types are
 * written by a helper macro whose name the caller passes down
 * (`$crate::$m!($t)`); the crate invoking `pp!` is lent the helper too, so
 * `self.project().stream.go()` is Fuse's go (rustc's callee). `go` on two
 * types: a guess by name answers nothing. */
static void test_projection_callback_macro(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"ppl\", \"app\"]\n", "ppl/Cargo.toml",
		"[package]\nname = \"ppl\"\nversion = \"0.1.0\"\n", "ppl/src/lib.rs",
		"#[macro_export] macro_rules! pp { (struct $n:ident { #[pin] $f:ident : $t:ty }) "
		"=> "
		"{ $crate::body!([field_mut] $n $f $t); } }\n"
		"#[macro_export] macro_rules! body { ([$m:ident] $n:ident $f:ident $t:ty) => {\n"
		"    pub struct $n { $f: $t }\n"
		"    pub struct Projection<'a> { $f: $crate::$m!($t) }\n"
		"    impl $n { pub fn project(self: core::pin::Pin<&mut Self>) -> Projection<'_> { "
		"todo!() } }\n"
		"} }\n"
		"#[macro_export] macro_rules! field_mut { ($t:ty) => { core::pin::Pin<&'a mut "
		"($t)> "
		"} }\n",
		"app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nppl = { path = "
		"\"../ppl\" }\n",
		"app/src/lib.rs",
		"use core::pin::Pin;\n"
		"pub struct Fuse; impl Fuse { pub fn go(self: Pin<&mut Self>) {} }\n"
		"pub struct Other; impl Other { pub fn go(&self) {} }\n"
		"ppl::pp! { struct Peek { #[pin] stream: Fuse } }\n"
		"impl Peek { pub fn run(self: Pin<&mut Self>) { self.project().stream.go(); } }\n",
		NULL);
	assert_answer(&w, "callees", "app::Peek::run", "app::Fuse::go,app::Peek::project");
	ws_free(&w);
}

/* A trait's methods include its supertraits' (`T: Ext` where `trait Ext:
 * Base` calls Base::base); a type reaches its Deref target's methods; a
 * type of ours without the method called (here one a macro of another
 * file makes) is never given a sibling type's method of that name
 * (Item::replace_attrs). rustc's callees (-Zunpretty=thir-tree). */
static void test_supertraits_deref_siblings(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"#[macro_use]\nmod mac;\n"
		"pub trait Base { fn base(&self); }\n"
		"pub trait Ext: Base { fn ext(&self); }\n"
		"pub fn generic<T: Ext>(t: &T) { t.base(); t.ext(); }\n"
		"pub struct Inner;\n"
		"impl Inner { pub fn inner_only(&self) {} }\n"
		"pub struct Outer { i: Inner }\n"
		"impl std::ops::Deref for Outer { type Target = Inner; fn deref(&self) -> &Inner { "
		"&self.i } }\n"
		"pub struct Expr;\n"
		"pub struct Item;\n"
		"impl Item { pub fn replace_attrs(&mut self) {} }\n"
		"methods!(Expr);\n"
		"pub fn d(o: &Outer, e: &mut Expr) { o.inner_only(); e.replace_attrs(); }\n",
		"src/mac.rs",
		"macro_rules! methods { ($t:ident) => { impl $t { pub fn replace_attrs(&mut self) "
		"{} "
		"} } }\n",
		NULL);
	assert_answer(&w, "callees", "t::generic", "t::Base::base,t::Ext::ext");
	char *got = answer(&w, "callees", "t::d");
	if (!strstr(got, "t::Inner::inner_only") || strstr(got, "t::Item::replace_attrs"))
		fail_msg("callees t::d: expected Inner::inner_only and never Item::replace_attrs, "
			 "got %s",
			 got);
	free(got);
	ws_free(&w);
}

/* A type alias is a path's root (`VecType::new()`, through an alias of an
 * alias too): the items of the type it stands for; rustc's callees. */
static void test_alias_path_roots(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct StackVec<T> { v: Vec<T> }\n"
		"impl<T> StackVec<T> {\n"
		"    pub fn new() -> Self { StackVec { v: Vec::new() } }\n"
		"    pub fn push(&mut self, t: T) { self.v.push(t) }\n"
		"}\n"
		"pub struct Other;\n"
		"impl Other { pub fn new() -> Self { Other } pub fn push(&mut self, _t: u8) {} }\n"
		"pub type VecType = StackVec<u8>;\n"
		"pub mod m { pub type Alias2 = super::VecType; }\n"
		"pub fn make() { let mut v = VecType::new(); v.push(1); let _w = m::Alias2::new(); "
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::make", "t::StackVec::new,t::StackVec::push");
	ws_free(&w);
}

/* `-> impl Iterator<Item = &Command>` and `Box<dyn Iterator<Item = &Arg>
 * + '_>` yield items of those types (`for sc in ..`, closure params of
 * `.filter(|a| ..)`); rustc's callees, not Pv's or Group's. */
static void test_iterator_returns(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct Command { subs: Vec<Command> }\n"
		"pub struct Arg;\n"
		"impl Arg { pub fn get_id(&self) {} }\n"
		"pub struct Group;\n"
		"impl Group { pub fn get_id(&self) {} }\n"
		"impl Command {\n"
		"    pub fn get_name(&self) {}\n"
		"    pub fn get_subcommands(&self) -> impl Iterator<Item = &Command> { "
		"self.subs.iter() }\n"
		"    pub fn args(&self) -> Box<dyn Iterator<Item = &Arg> + '_> { "
		"Box::new(std::iter::empty()) }\n"
		"}\n"
		"pub struct Pv; impl Pv { pub fn get_name(&self) {} }\n"
		"pub fn walk(cmd: &Command) {\n"
		"    for sc in cmd.get_subcommands() { sc.get_name(); }\n"
		"    cmd.args().filter(|a| { a.get_id(); true }).count();\n"
		"}\n",
		NULL);
	assert_answer(
		&w, "callees", "t::walk",
		"t::Arg::get_id,t::Command::args,t::Command::get_name,t::Command::get_subcommands");
	ws_free(&w);
}

/* A guess by name reaches a trait's method only where the trait is in
 * scope (TryExt is not imported where `v.map_err(..)` is written), and
 * never gives a std method's name on what a std value gives
 * (`f.debug_struct(..).field(..)`) to a workspace method; rustc calls
 * std there. */
static void test_guesses_in_scope(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"use std::fmt;\n"
		"pub mod ext {\n"
		"    pub trait TryExt: Sized { fn map_err(self) -> Self { self } }\n"
		"    impl<T> TryExt for Option<T> {}\n"
		"}\n"
		"pub struct Span;\n"
		"impl Span { pub fn field(&self, _n: &str, _v: &u8) -> &Self { self } }\n"
		"pub struct A;\n"
		"impl fmt::Debug for A {\n"
		"    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { "
		"f.debug_struct(\"A\").field(\"x\", &1u8).finish() }\n"
		"}\n"
		"pub fn env() { let v = std::env::var(\"X\"); let _ = v.map_err(|e| e); }\n",
		NULL);
	assert_answer(&w, "callees", "t::A::fmt", "");
	assert_answer(&w, "callees", "t::env", "");
	ws_free(&w);
}

/* `cmd[id]` on a type of ours is its Index impl's Output (rustc:
 * Arg::get_id twice, not Group's). */
static void test_index_output(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct Id;\n"
		"pub struct Arg;\n"
		"impl Arg { pub fn get_id(&self) {} }\n"
		"pub struct Group;\n"
		"impl Group { pub fn get_id(&self) {} }\n"
		"pub struct Command { args: Vec<Arg> }\n"
		"impl std::ops::Index<&Id> for Command {\n"
		"    type Output = Arg;\n"
		"    fn index(&self, _: &Id) -> &Arg { &self.args[0] }\n"
		"}\n"
		"pub fn f(cmd: &Command, id: &Id) { let arg = &cmd[id]; arg.get_id(); "
		"cmd[id].get_id(); }\n",
		NULL);
	assert_answer(&w, "callees", "t::f", "t::Arg::get_id");
	ws_free(&w);
}

/* A static or const as a receiver has its declared type; a unit struct's
 * name as a value is that struct. */
static void test_static_receivers(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct Footer; impl Footer { pub fn get(&self) -> u8 { 0 } }\n"
		"pub struct Other; impl Other { pub fn get(&self) -> u8 { 1 } }\n"
		"pub static EMPTY: Footer = Footer;\n"
		"pub const C: Other = Other;\n"
		"pub fn f() -> u8 { EMPTY.get() + C.get() }\n"
		"pub fn g() -> u8 { Footer.get() }\n",
		NULL);
	assert_answer(&w, "callees", "t::f", "t::Footer::get,t::Other::get");
	query_results r = {0};
	assert_int_equal(query_callees(w.txn, one(&w, "t::f"), 0, &r), 0);
	for (size_t i = 0; i < r.items.n; i++)
		assert_false(r.items.v[i].flags & EDGE_AMBIGUOUS);
	query_results_free(&r);
	assert_answer(&w, "callees", "t::g", "t::Footer::get");
	ws_free(&w);
}

/* A closure passed to a generic fn `fn guard<T, F>(v: T, f: F) where
 * F: FnMut(&mut T)` (or `f: impl FnOnce(&T)`) gets as its param the type
 * of the argument bound to T, destructured when it is a tuple; a param
 * the bound names by a concrete type has that type (`&dyn Fn(&mut Self)`
 * too); the same for a closure (or `&closure`) passed to a method. (`go`
 * on five types: a name guess answers nothing; each answer is rustc's.) */
static void test_generic_closure_params(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub mod sg;\n"
		"use crate::sg::{guard, with, on_b};\n" FOUR_GO "impl D {\n"
		"    pub fn plain(&mut self) { let _g = guard(self, |d| d.go()); }\n"
		"    pub fn tuple(&mut self, a: A) { let _g = guard((0, a, &mut *self), |(_, a, "
		"d)| { a.go(); d.go(); }); }\n"
		"    pub fn later(&self, c: &C) { with(|c| c.go(), c); }\n"
		"    pub fn concrete(&self) { on_b(|b| b.go()); }\n"
		"    pub fn by_ref(&mut self, t: &mut T) { t.rehash(&|t, _| t.go()); }\n"
		"    pub fn generic(&self, t: &T, a: &A) { t.visit(a, |a| a.go()); }\n"
		"}\n"
		"pub struct T;\n"
		"impl T {\n"
		"    pub fn go(&self) {}\n"
		"    pub fn rehash(&mut self, h: &dyn Fn(&mut Self, usize) -> u64) { h(self, 0); "
		"}\n"
		"    pub fn visit<V, F: FnOnce(&V)>(&self, v: V, f: F) { f(&v) }\n"
		"}\n",
		"src/sg.rs",
		"pub struct Guard<T, F: FnMut(&mut T)> { v: T, f: F }\n"
		"pub fn guard<T, F>(v: T, f: F) -> Guard<T, F>\n"
		"where\n"
		"    F: FnMut(&mut T),\n"
		"{\n"
		"    Guard { v, f }\n"
		"}\n"
		"pub fn with<T>(f: impl FnOnce(&T), v: T) { f(&v) }\n"
		"pub fn on_b<F: Fn(&crate::B)>(f: F) { f(&crate::B) }\n",
		NULL);
	assert_answer(&w, "callees", "t::D::plain", "t::D::go,t::sg::guard");
	assert_answer(&w, "callees", "t::D::tuple", "t::A::go,t::D::go,t::sg::guard");
	assert_answer(&w, "callees", "t::D::later", "t::C::go,t::sg::with");
	assert_answer(&w, "callees", "t::D::concrete", "t::B::go,t::sg::on_b");
	assert_answer(&w, "callees", "t::D::by_ref", "t::T::go,t::T::rehash");
	assert_answer(&w, "callees", "t::D::generic", "t::A::go,t::T::visit");
	ws_free(&w);
}

/* A method called with a turbofish, `t.make::<X>()`, returns what its
 * signature says, like `t.make()`. (`go` on four types.) */
static void test_turbofish_results(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO "pub struct T;\n"
			"impl T { pub fn make<X>(&self) -> B { B } }\n"
			"pub fn chained(t: &T) { t.make::<u8>().go(); }\n"
			"pub fn bound(t: &T) { let b = t.make::<u8>(); b.go(); }\n",
		NULL);
	assert_answer(&w, "callees", "t::chained", "t::B::go,t::T::make");
	assert_answer(&w, "callees", "t::bound", "t::B::go,t::T::make");
	ws_free(&w);
}

/* Receivers from fields whose type needs more than a lookup: a name that
 * a module holds both as a fn (value namespace) and through a `use` (type
 * namespace), as syn's `pub fn Ident(..)` beside `pub use
 * proc_macro2::Ident;`; a Vec, whose methods include those of a trait the
 * code implements for `&[T]` (method lookup auto-derefs Vec<T> to [T],
 * then auto-refs). rustc's callees (-Zunpretty=thir-tree); `go` and
 * `outer` on other types, so a guess by name answers nothing. */
static void test_field_receivers(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO "pub mod pm { pub struct Ident; impl Ident { pub fn go(&self) {} } }\n"
			"pub mod ident {\n"
			"    pub use crate::pm::Ident;\n"
			"    #[allow(non_snake_case)]\n"
			"    pub fn Ident(_n: u8) -> Ident { crate::pm::Ident }\n"
			"}\n"
			"pub use crate::ident::Ident;\n"
			"pub struct Z; impl Z { pub fn outer(&self) -> u8 { 0 } }\n"
			"pub trait Filter { fn outer(self) -> u8; }\n"
			"impl<'a> Filter for &'a [A] { fn outer(self) -> u8 { 0 } }\n"
			"pub struct V { pub ident: Ident, pub attrs: Vec<A> }\n"
			"impl V {\n"
			"    pub fn named(&self) { self.ident.go(); let _i = Ident(1); }\n"
			"    pub fn sliced(&self) -> u8 { self.attrs.outer() }\n"
			"}\n",
		NULL);
	assert_answer(&w, "callees", "t::V::named", "t::ident::Ident,t::pm::Ident::go");
	assert_answer(&w, "callees", "t::V::sliced",
		      "t::<impl Filter for &[A]>::outer,t::Filter::outer");
	ws_free(&w);
}

/* A generic wrapper whose Deref Target is its type parameter (`impl<T>
 * Deref for Sp<T> { type Target = T; }`): a method the wrapper lacks is
 * the one of the argument the receiver's type gives at that place
 * (clap_derive's `self.kind.attr_kind()` with `kind: Sp<Kind>`, tokio's
 * `self.io.local_addr()` with `io: PollEvented<mio::net::TcpListener>`);
 * lifetimes take no place; the wrapper's own method still wins. std's
 * ManuallyDrop<T> derefs to T as a Box does. rustc's
 * callees; `go` on four types. */
static void test_deref_generic_param(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO
		"pub struct Sp<T> { val: T }\n"
		"impl<T> std::ops::Deref for Sp<T> { type Target = T; fn deref(&self) -> &T { "
		"&self.val } }\n"
		"pub struct Pair<'a, U, T> { r: &'a U, v: T }\n"
		"impl<'a, U, T> std::ops::Deref for Pair<'a, U, T> { type Target = T; fn "
		"deref(&self) -> &T { &self.v } }\n"
		"pub struct Own<T>(T);\n"
		"impl<T> std::ops::Deref for Own<T> { type Target = T; fn deref(&self) -> &T { "
		"&self.0 } }\n"
		"impl<T> Own<T> { pub fn go(&self) {} }\n"
		"pub struct Item { pub kind: Sp<A>, pub pair: Pair<'static, C, B>, pub own: "
		"Own<D>, pub md: std::mem::ManuallyDrop<C> }\n"
		"impl Item {\n"
		"    pub fn kinds(&self) { self.kind.go(); self.pair.go(); }\n"
		"    pub fn own(&self) { self.own.go(); }\n"
		"    pub fn manual(&self) { self.md.go(); }\n"
		"    pub fn param(k: &Sp<C>) { k.go(); }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::Item::kinds", "t::A::go,t::B::go");
	assert_answer(&w, "callees", "t::Item::own", "t::Own::go");
	assert_answer(&w, "callees", "t::Item::param", "t::C::go");
	assert_answer(&w, "callees", "t::Item::manual", "t::C::go");
	ws_free(&w);
}

/* A fn written whole in the invocation of an item macro (tokio's `cfg_rt!
 * { .. }`, a macro_rules! that passes its items through) is walked as the
 * code it is: its `let`s and match arms type their names as anywhere else
 * (a template's fns keep being read from their tokens). rustc's callees;
 * `go` on four types. */
static void test_item_macro_bodies(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"macro_rules! cfg_x { ($($item:item)*) => { $( $item )* } }\n" FOUR_GO
		"pub enum E { One(A), Two(B) }\n"
		"cfg_x! {\n"
		"    pub fn arms(e: &E) { match e { E::One(a) => a.go(), E::Two(b) => b.go() } }\n"
		"    pub fn opt() -> Option<D> { None }\n"
		"    pub fn lets() { let c = C; c.go(); if let Some(d) = opt() { d.go(); } }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::arms", "t::A::go,t::B::go");
	assert_answer(&w, "callees", "t::lets", "t::C::go,t::D::go,t::opt");
	ws_free(&w);
}

/* A type written as a macro invocation whose macro_rules! expands to a
 * path (syn's `Token![#]`, `$crate::token::Pound`) is that path: fields of
 * such types, and Options of them, type their receivers, also in a struct
 * an item macro makes (whose later fields stay). rustc's callees;
 * `go` on four more types. */
static void test_macro_types(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		FOUR_GO "pub mod token { pub struct Pound; impl Pound { pub fn go(&self) {} } }\n"
			"macro_rules! Token { [#] => { $crate::token::Pound }; }\n"
			"pub struct Attr { pub pound: Token![#], pub opt: Option<Token![#]> }\n"
			"macro_rules! ast { ($($i:item)*) => { $($i)* } }\n"
			"mod made;\n"
			"impl Attr {\n"
			"    pub fn toks(&self) { self.pound.go(); if let Some(p) = &self.opt { "
			"p.go(); } }\n"
			"    pub fn param(t: &Token![#]) { t.go(); }\n"
			"}\n",
		"src/made.rs",
		"use crate::A;\n"
		"ast! { pub struct Made { pub pound: Token![#], pub after: A } }\n"
		"impl Made { pub fn toks(&self) { self.pound.go(); self.after.go(); } }\n",
		NULL);
	assert_answer(&w, "callees", "t::Attr::toks", "t::token::Pound::go");
	assert_answer(&w, "callees", "t::Attr::param", "t::token::Pound::go");
	assert_answer(&w, "callees", "t::made::Made::toks", "t::A::go,t::token::Pound::go");
	ws_free(&w);
}

/* A local declared without type or value (`let x;`) has the type of what
 * is first assigned to it: rustc infers the variable's type from the
 * assignment, with no coercion (there is no declared type to coerce to).
 * Assignments a macro writes count: syn's `braced!(content in input)`
 * expands to a match whose arm assigns `$content = braces.content`, so
 * `content` is a ParseBuffer. The arm's `braces` is the template's own
 * name (hygiene), typed from the match. A declared type is kept: `y` is
 * `&dyn Show` whatever is assigned, so `y.show()` calls Show::show.
 * rustc's callees, read off the Rust below. */
static void test_assigned_later(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"pc\", \"app\"]\n", "pc/Cargo.toml",
		"[package]\nname = \"pc\"\nversion = \"0.1.0\"\n", "pc/src/lib.rs",
		FOUR_GO "pub struct Braces { pub content: B, pub token: u8 }\n"
			"pub mod __private { pub use crate::group::parse_braces; pub use "
			"std::result::Result::{Ok, Err}; }\n"
			"pub mod group { pub fn parse_braces(i: &crate::A) -> "
			"Result<crate::Braces, ()> { Err(()) } }\n"
			"#[macro_export] macro_rules! braced { ($c:ident in $i:expr) => {\n"
			"    match $crate::__private::parse_braces(&$i) {\n"
			"        $crate::__private::Ok(braces) => { $c = braces.content; "
			"braces.token }\n"
			"        $crate::__private::Err(e) => { return Err(e); }\n"
			"    }\n"
			"}; }\n"
			"pub trait Show { fn show(&self); }\n"
			"impl Show for A { fn show(&self) {} }\n"
			"impl Show for C { fn show(&self) {} }\n"
			"pub fn plain(c: bool) { let x; if c { x = C; } else { x = C; } x.go(); }\n"
			"pub fn declared() { let y: &dyn Show; y = &A; y.show(); }\n"
			"pub fn here(input: A) -> Result<(), ()> { let content; let _t = "
			"braced!(content in input); content.go(); Ok(()) }\n",
		"app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\npc = { path = "
		"\"../pc\" }\n",
		"app/src/lib.rs",
		"pub fn there(input: pc::A) -> Result<(), ()> {\n"
		"    let inner;\n"
		"    let _t = pc::braced!(inner in input);\n"
		"    inner.go();\n"
		"    Ok(())\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "pc::plain", "pc::C::go");
	assert_answer(&w, "callees", "pc::declared", "pc::Show::show");
	assert_answer(&w, "callees", "pc::here", "pc::B::go,pc::group::parse_braces");
	assert_answer(&w, "callees", "app::there", "pc::B::go,pc::group::parse_braces");
	ws_free(&w);
}

/* A macro_rules! definition written by the expansion of another macro of
 * the file (syn's `export_token_macro! {}` writes `macro_rules! Token`)
 * is a definition like a written one: in its own crate (textual scope,
 * through `#[macro_use] mod`) and, being #[macro_export], from another
 * crate by path (`tk::Tok![;]`). `$crate` in it names the crate that
 * wrote it. The fields it types reach their types' methods. */
static void test_macro_written_macros(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"tk\", \"app\"]\n", "tk/Cargo.toml",
		"[package]\nname = \"tk\"\nversion = \"0.1.0\"\n", "tk/src/lib.rs",
		"#[macro_use]\nmod tokdef;\n"
		"pub mod token {\n"
		"    pub struct Semi; impl Semi { pub fn go(&self) {} }\n"
		"    pub struct Comma; impl Comma { pub fn go(&self) {} }\n"
		"}\n"
		"pub struct Other; impl Other { pub fn go(&self) {} }\n"
		"pub struct Field { pub semi: Tok![;], pub comma: Tok![,] }\n"
		"impl Field { pub fn run(&self) { self.semi.go(); self.comma.go(); } }\n",
		"tk/src/tokdef.rs",
		"macro_rules! export_tok {\n"
		"    ($($extra:tt)*) => {\n"
		"        /// The type of a token.\n"
		"        #[macro_export]\n"
		"        macro_rules! Tok {\n"
		"            [;] => { $crate::token::Semi };\n"
		"            [,] => { $crate::token::Comma };\n"
		"            $($extra => { $crate::Other };)*\n"
		"        }\n"
		"    };\n"
		"}\n"
		"export_tok! {}\n",
		"app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\ntk = { path = "
		"\"../tk\" }\n",
		"app/src/lib.rs",
		"pub struct Semi; impl Semi { pub fn go(&self) {} }\n"
		"pub struct P { pub s: tk::Tok![;] }\n"
		"impl P { pub fn run(&self) { self.s.go(); } }\n",
		NULL);
	assert_answer(&w, "callees", "tk::Field::run", "tk::token::Comma::go,tk::token::Semi::go");
	assert_answer(&w, "callees", "app::P::run", "tk::token::Semi::go");
	ws_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receiver_steps),
		cmocka_unit_test(test_box_receivers),
		cmocka_unit_test(test_receiver_aliases),
		cmocka_unit_test(test_match_values),
		cmocka_unit_test(test_split_seq),
		cmocka_unit_test(test_generic_closure_params),
		cmocka_unit_test(test_std_receivers),
		cmocka_unit_test(test_std_values_deref),
		cmocka_unit_test(test_type_argument_texts),
		cmocka_unit_test(test_std_method_values),
		cmocka_unit_test(test_bound_see_through),
		cmocka_unit_test(test_pattern_positions),
		cmocka_unit_test(test_some_values),
		cmocka_unit_test(test_std_holders),
		cmocka_unit_test(test_pin_receivers),
		cmocka_unit_test(test_lock_receivers),
		cmocka_unit_test(test_projection_callback_macro),
		cmocka_unit_test(test_dyn_elements),
		cmocka_unit_test(test_type_arguments),
		cmocka_unit_test(test_several_bounds),
		cmocka_unit_test(test_wrapped_argument_in_macro),
		cmocka_unit_test(test_supertraits_deref_siblings),
		cmocka_unit_test(test_alias_path_roots),
		cmocka_unit_test(test_iterator_returns),
		cmocka_unit_test(test_guesses_in_scope),
		cmocka_unit_test(test_index_output),
		cmocka_unit_test(test_static_receivers),
		cmocka_unit_test(test_turbofish_results),
		cmocka_unit_test(test_field_receivers),
		cmocka_unit_test(test_deref_generic_param),
		cmocka_unit_test(test_item_macro_bodies),
		cmocka_unit_test(test_macro_types),
		cmocka_unit_test(test_assigned_later),
		cmocka_unit_test(test_macro_written_macros),
	};
	return pt_run_tests(tests, NULL, NULL);
}
