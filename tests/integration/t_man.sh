#!/bin/bash
# t_man.sh - every man page exists, is clean for mandoc -Tlint -W warning,
# and refers only to cairn pages that exist; the example configurations
# of cairn.conf(5) and docs/ are valid
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
man=$top_srcdir/man

if ! command -v mandoc >/dev/null; then
	echo "1..0 # SKIP mandoc is not installed"
	exit 0
fi

# The pages Makefile.am installs, then any other page in man/.
pages=$(awk '/^dist_man_MANS[ \t]*=/ { on = 1; sub(/^[^=]*=/, "") }
	on { cont = sub(/\\$/, ""); print; if (!cont) on = 0 }' \
	"$top_srcdir/Makefile.am" | tr -s ' \t' '\n' | sed -n 's|^man/||p')
for page in "$man"/*.[0-9]; do
	[ -e "$page" ] || continue
	name=${page##*/}
	echo "$pages" | grep -qxF "$name" || pages="$pages
$name"
done
pages=$(echo "$pages" | sed '/^$/d')

echo "1..$(( $(echo "$pages" | wc -l) + 2 ))"
n=0
failed=0
for name in $pages; do
	n=$((n + 1))
	page=$man/$name
	if [ ! -f "$page" ]; then
		echo "not ok $n - man/$name is missing"
		failed=$((failed + 1))
		continue
	fi
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	# .Xr cairn-metad 8 must name man/cairn-metad.8.
	refs=$(sed -n 's/^\.Xr \(cairn[^ ]*\) \([0-9]\).*/\1.\2/p' "$page" |
	    sort -u)
	for ref in $refs; do
		[ -f "$man/$ref" ] || out="$out
.Xr to a missing page: $ref"
	done
	if [ -z "$out" ]; then
		echo "ok $n - man/$name"
	else
		echo "not ok $n - man/$name"
		echo "$out" | sed '/^$/d; s/^/# /'
		failed=$((failed + 1))
	fi
done

# conf_check DESCRIPTION FILE: cairn config check accepts FILE.
conf_check() {
	n=$((n + 1))
	if out=$("$top_builddir/cairn" -f "$2" config check 2>&1); then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "$out" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}

# The EXAMPLES section of cairn.conf.5 shows the file in the first
# literal display that starts with its name.
tmp=$(mktemp "${TMPDIR:-/tmp}/cairn-t_man.XXXXXX")
trap 'rm -f "$tmp"' EXIT
sed -n '/^\.Sh EXAMPLES/,$p' "$man/cairn.conf.5" |
    sed -n '/^# \/etc\/cairn\/cairn.conf$/,/^\.Ed$/p' | sed '$d' > "$tmp"
conf_check "the example of cairn.conf(5) is valid" "$tmp"
# The example leaves the credentials to the operator.
CAIRN_ROOT_ACCESS_KEY=test-access-key CAIRN_ROOT_SECRET_KEY=test-secret-key \
    conf_check "docs/cairn.conf.example is valid, given credentials" \
    "$top_srcdir/docs/cairn.conf.example"

[ "$failed" -eq 0 ]
