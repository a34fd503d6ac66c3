# fuzz/seeds.sh — sourced by run.sh and replay.sh: real Rust as seeds for
# the parsing targets, gathered at run time (the fixture workspaces, and a
# few files of Debian's rust-src when present), never copied into the repo.
#
#   rust_seeds DIR    fill DIR with them (file names flattened)
rust_seeds() {
    local dir=$1 std=${STD_SRC:-/usr/lib/rustlib/src/rust/library} f
    mkdir -p "$dir"
    while IFS= read -r f; do
        cp "$f" "$dir/fixture_$(echo "${f#tests/fixtures/}" | tr / _)"
    done < <(find tests/fixtures -name '*.rs' -type f | sort)
    for f in core/src/option.rs core/src/cell.rs core/src/marker.rs core/src/ops/range.rs \
             core/src/fmt/builders.rs core/src/iter/traits/iterator.rs alloc/src/rc.rs \
             alloc/src/string.rs std/src/io/cursor.rs std/src/sync/mutex.rs; do
        [ -f "$std/$f" ] && head -c 16384 "$std/$f" >"$dir/std_$(echo "$f" | tr / _)"
    done
    return 0
}

# Manifests as seeds for the TOML reader: the fixtures' and twenty of the
# Debian registry's (never copied into the repo).
#
#   toml_seeds DIR    fill DIR with them
toml_seeds() {
    local dir=$1 reg=${REGISTRY:-/usr/share/cargo/registry} f n=0
    mkdir -p "$dir"
    while IFS= read -r f; do
        cp "$f" "$dir/fixture_$(echo "${f#tests/fixtures/}" | tr / _)"
    done < <(find tests/fixtures -name 'Cargo.toml' -type f | sort)
    for f in "$reg"/*/Cargo.toml; do
        [ -f "$f" ] || continue
        n=$((n + 1)); [ $n -gt 20 ] && break
        head -c 8192 "$f" >"$dir/registry_$(basename "$(dirname "$f")")"
    done
    return 0
}
