#!/usr/bin/env bash
# (Re)generate $KBUILD/.config: tinyconfig + vm/kernel.config.  Symbols the
# tree does not know yet (added by later patches) are simply absent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mkdir -p "$KBUILD"
make -s -C "$TREE" O="$KBUILD" tinyconfig >/dev/null
"$TREE/scripts/kconfig/merge_config.sh" -m -O "$KBUILD" "$KBUILD/.config" "$TOP/vm/kernel.config" >/dev/null
make -s -C "$TREE" O="$KBUILD" olddefconfig >/dev/null
# Every fragment symbol the tree knows must have kept its value.
known=$(mktemp)
find "$TREE" -name .git -prune -o -name 'Kconfig*' -print0 |
	xargs -0 sed -n 's/^\(menu\)\?config \([A-Za-z0-9_]*\).*/\2/p' | sort -u > "$known"
bad=0
while IFS='=' read -r sym val; do
	case "$sym" in CONFIG_*) ;; *) continue ;; esac
	grep -qx "${sym#CONFIG_}" "$known" || continue
	if [ "$val" = n ]; then
		grep -qx "$sym=[ym]" "$KBUILD/.config" && { echo "kconfig: $sym wanted n" >&2; bad=1; }
	else
		grep -qx "$sym=$val" "$KBUILD/.config" || { echo "kconfig: $sym=$val did not stick" >&2; bad=1; }
	fi
done < "$TOP/vm/kernel.config"
rm -f "$known"
exit $bad
