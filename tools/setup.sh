#!/usr/bin/env bash
# Install everything the build and the test VM need, idempotently and
# non-interactively.  Safe to run again; does nothing when all is present.
#
# The kernel base is installed at exactly the pinned version
# ($BASE_PKG=$BASE_PKG_VERSION, tools/lib.sh) when the archive serves it;
# only when it does not, the newest 6.12.y is installed with a warning
# (tools/tree prints it again whenever it builds on another version).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need=()
pkgs=(build-essential bc flex bison libelf-dev libssl-dev dwarves cpio kmod
      busybox-static sparse perl python3 git xz-utils rsync ccache pciutils)
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done

base_installed() {
	[ "$(dpkg-query -W -f='${Status} ${Version}' "$BASE_PKG" 2>/dev/null)" = \
	  "install ok installed $BASE_PKG_VERSION" ]
}

qemu_ok() {
	command -v qemu-system-x86_64 >/dev/null &&
	qemu-system-x86_64 --version | head -1 | grep -Eq 'version (1[0-9]|[2-9][0-9])\.'
}

if [ ${#need[@]} -eq 0 ] && base_installed && qemu_ok; then
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "setup.sh: must run as root to install: ${need[*]} $BASE_PKG qemu" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

# QEMU 10 lives in bookworm-backports; add that suite when it is missing,
# from the same archive as the existing Debian sources.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '/^deb / && $3 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || { echo "setup.sh: cannot find the Debian archive URI" >&2; exit 1; }
	cat > /etc/apt/sources.list.d/bookworm-backports.sources <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

apt-get update -qq
[ ${#need[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${need[@]}"

if ! base_installed; then
	if base_versions | grep -qxF "$BASE_PKG_VERSION"; then
		apt-get install -y -qq --no-install-recommends --allow-downgrades \
			"$BASE_PKG=$BASE_PKG_VERSION"
	else
		newest=$(base_versions | head -n 1)
		[ -n "$newest" ] || { echo "setup.sh: the archive serves no $BASE_PKG" >&2; exit 1; }
		cat >&2 <<MSG
************************************************************************
WARNING: the archive no longer serves the pinned base $BASE_PKG
         $BASE_PKG_VERSION; installing the newest one, $newest.
************************************************************************
MSG
		apt-get install -y -qq --no-install-recommends "$BASE_PKG=$newest"
	fi
fi

qemu_ok || apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	qemu-system-x86 qemu-utils ipxe-qemu seabios
qemu_ok || { echo "setup.sh: QEMU >= 10 not installed" >&2; exit 1; }
