# shellcheck shell=bash
# Shared helpers for scripts/test and scripts/run. Source it, don't execute it.
#
# Every ensure_* function is idempotent: it checks first and installs only what
# is missing, so a fresh machine (CI included) gets everything and a prepared
# one pays almost nothing.
#
#   ensure_system_packages  apt: redis-server, redis-tools (+ a C toolchain, npm)
#   ensure_browser          apt: chromium, chromium-driver (browser tests)
#   ensure_rust_components  rustup: rustfmt, clippy, wasm32-unknown-unknown
#   ensure_trunk            cargo install trunk $TRUNK_VERSION
#   ensure_wasm_bindgen     cargo install wasm-bindgen-cli (= version in Cargo.lock)
#   ensure_wasm_opt         npm install binaryen@$BINARYEN_VERSION and terser@$TERSER_VERSION into .tools/npm
#   ensure_web_tools        the four above (everything `trunk build` needs)
#   setup_path              ~/.cargo/bin and .tools/npm/node_modules/.bin on PATH

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"
NPM_PREFIX="$TOOLS_DIR/npm"

TRUNK_VERSION="0.21.14"  # trunk 0.22 needs a newer rustc than this machine has
BINARYEN_VERSION="132"   # must match [tools] wasm_opt = "version_132" in Trunk.toml
TERSER_VERSION="5.51.4"  # minifies the JS glue (scripts/minify-js, a Trunk.toml hook)

export DEBIAN_FRONTEND=noninteractive

log() { printf '==> %s\n' "$*"; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Put the project's tool directories first on PATH (once).
setup_path() {
    local dir
    for dir in "$NPM_PREFIX/node_modules/.bin" "${CARGO_HOME:-$HOME/.cargo}/bin"; do
        case ":$PATH:" in
            *":$dir:"*) ;;
            *) PATH="$dir:$PATH" ;;
        esac
    done
    export PATH
}

# --- apt -----------------------------------------------------------------------

_APT_UPDATED=0

_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -E "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

_dpkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt_install PKG...: installs the packages that are not installed yet.
apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        _dpkg_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; please install: ${missing[*]}"
    if [ "$_APT_UPDATED" -eq 0 ]; then
        log "apt-get update..."
        _as_root apt-get update -q
        _APT_UPDATED=1
    fi
    log "installing ${missing[*]} (apt)..."
    _as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

ensure_system_packages() {
    # redis-tools gives redis-cli, redis-benchmark and redis-check-rdb; the real
    # redis-server is the reference our byte-exact tests compare against.
    apt_install redis-server redis-tools
    # unshare (util-linux) and ip (iproute2): tests that need Redis's own port 6379 run it
    # in a private network namespace.
    apt_install util-linux iproute2
    if ! command -v cc >/dev/null 2>&1; then
        apt_install gcc libc6-dev # linker for cargo builds and cargo install
    fi
    if ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm # for binaryen's wasm-opt
    fi
    # Note: on some machines installing redis-server starts a system daemon on
    # 6379. We never touch it: our tests always start their own servers on
    # their own ports.
}

ensure_browser() {
    apt_install chromium chromium-driver
}

# --- Rust toolchain --------------------------------------------------------------

ensure_rust_components() {
    command -v cargo >/dev/null 2>&1 || die "cargo not found (install Rust with rustup first)"
    if command -v rustup >/dev/null 2>&1; then
        local comp
        for comp in rustfmt clippy; do
            if ! rustup component list --installed 2>/dev/null | grep -q "^$comp"; then
                log "installing rustup component $comp..."
                rustup component add "$comp"
            fi
        done
        if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
            log "installing rust target wasm32-unknown-unknown (rustup)..."
            rustup target add wasm32-unknown-unknown
        fi
    fi
}

# _cargo_install CRATE VERSION: `cargo install --locked`, falling back to a fresh
# resolution when the registry mirror lacks a crate pinned by the tool's own
# lockfile (seen with wasm-bindgen-cli 0.2.130 and webpki-roots 1.0.11).
_cargo_install() {
    local crate="$1" version="$2"
    log "installing $crate $version (cargo install, takes a few minutes)..."
    if ! cargo install "$crate" --version "$version" --locked; then
        log "cargo install --locked failed; retrying $crate $version without --locked..."
        cargo install "$crate" --version "$version"
    fi
}

ensure_trunk() {
    setup_path
    if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
        _cargo_install trunk "$TRUNK_VERSION"
    fi
}

# The wasm-bindgen version the web crate is locked to.
wasm_bindgen_lock_version() {
    awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' \
        "$REPO_ROOT/Cargo.lock"
}

ensure_wasm_bindgen() {
    setup_path
    local want
    want="$(wasm_bindgen_lock_version)"
    [ -n "$want" ] || die "no wasm-bindgen package in Cargo.lock"
    if ! grep -q "^wasm_bindgen = \"$want\"" "$REPO_ROOT/Trunk.toml"; then
        die "Trunk.toml [tools] wasm_bindgen must be \"$want\" (the version in Cargo.lock)"
    fi
    if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$want" ]; then
        _cargo_install wasm-bindgen-cli "$want"
    fi
}

ensure_wasm_opt() {
    setup_path
    local bin="$NPM_PREFIX/node_modules/.bin"
    if ! "$bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION\b" ||
        [ "$("$bin/terser" --version 2>/dev/null)" != "terser $TERSER_VERSION" ]; then
        command -v npm >/dev/null 2>&1 || die "npm not found (ensure_system_packages installs it)"
        log "installing wasm-opt and terser: binaryen@$BINARYEN_VERSION terser@$TERSER_VERSION (npm, into .tools/npm)..."
        mkdir -p "$NPM_PREFIX"
        npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --loglevel=error \
            "binaryen@$BINARYEN_VERSION" "terser@$TERSER_VERSION"
    fi
}

ensure_web_tools() {
    ensure_rust_components
    ensure_trunk
    ensure_wasm_bindgen
    ensure_wasm_opt
}

# trunk runs cargo with --offline (Trunk.toml: offline = true, so that it never
# tries to download tools), so every crate, wasm-only ones included, must
# already be in cargo's cache.
cargo_fetch() {
    log "cargo fetch..."
    (cd "$REPO_ROOT" && cargo fetch)
}

# trunk build --release at the repo root, into dist/.
trunk_build() {
    setup_path
    (cd "$REPO_ROOT" && trunk build --release)
}
