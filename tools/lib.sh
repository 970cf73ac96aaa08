# Shared settings for the project's scripts.  Source it; do not run it.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/out}
TREE=${TREE:-$OUT/linux}          # the materialised git tree
KBUILD=${KBUILD:-$OUT/build}      # out-of-tree kernel build (O=)
LOGS=${LOGS:-$OUT/logs}
VMDIR=${VMDIR:-$OUT/vm}           # the test VM's initramfs and headers
PATCHES=$TOP/patches
# The tree holds one branch per topic series, named $TOPIC_PREFIX<topic>.
TOPIC_PREFIX=${TOPIC_PREFIX:-}

# The pinned base: Debian's linux-source-6.12 package.
BASE_PKG=linux-source-6.12
BASE_PKG_VERSION=6.12.117-1~deb12u1
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz
# The base commit is made reproducible: same tree, same identity, same dates.
BASE_IDENT_NAME="Debian linux-source-6.12"
BASE_IDENT_EMAIL="linux-source@debian.invalid"
BASE_DATE="2025-01-01T00:00:00Z"

# An empty LOCALVERSION stops setlocalversion appending "+" for a git tree.
export LOCALVERSION=

mkdir -p "$OUT" "$LOGS"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command with its output in a log file; on failure name the log.
logged() {
	local name=$1; shift
	if ! "$@" >"$LOGS/$name.log" 2>&1; then
		tail -n 30 "$LOGS/$name.log" >&2
		die "$name failed; log: $LOGS/$name.log"
	fi
}

# The kernel build command (ccache when the machine has it).
KMAKE=(make -s -C "$TREE" O="$KBUILD" -j"$(nproc)")
command -v ccache >/dev/null && KMAKE+=(CC="ccache gcc")

# The queue: patches/series lists the topic series in order, and each
# topic folder has a cover letter and a series file listing its patches.
# topics: the topic series in order.
topics() {
	grep -v '^\s*\(#\|$\)' "$PATCHES/series"
}
# topic_files TOPIC: its patches in order (paths).
topic_files() {
	[ -f "$PATCHES/$1/series" ] || die "$PATCHES/$1/series is missing"
	grep -v '^\s*\(#\|$\)' "$PATCHES/$1/series" | sed "s|^|$PATCHES/$1/|"
}
# all_files: every patch of the queue in order (paths).
all_files() {
	local t
	for t in $(topics); do topic_files "$t"; done
}
branch_of() { echo "${TOPIC_PREFIX:-}$1"; }
last_branch() { branch_of "$(topics | tail -n 1)"; }

# Materialise the tree from patches/ unless it already holds exactly them.
prepare_tree() {
	"$TOP/tools/tree" init
	"$TOP/tools/tree" same 2>/dev/null || "$TOP/tools/tree" apply
}

# Configure and build the tree's current checkout.
kbuild() {
	"$TOP/tools/kconfig.sh" && "${KMAKE[@]}"
}

# The versions of $BASE_PKG the archive serves, newest first.
base_versions() {
	apt-cache madison "$BASE_PKG" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
		sort -u | sort -rV
}
