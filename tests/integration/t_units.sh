#!/bin/bash
# t_units.sh - the systemd units, sysusers and tmpfiles files are valid
#
# The units are filled in from their .in files as "make install" does, but
# with @sbindir@ pointing at the binaries just built and @sysconfdir@ at a
# temporary directory holding a valid configuration.  systemd-analyze
# verify only warns about an unknown key and still exits 0, so any output
# at all counts as a failure.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/# /'
}

if ! command -v systemd-analyze >/dev/null; then
	echo "1..0 # SKIP systemd-analyze is not installed"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-t_units.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "1..11"

# The configuration the ExecStartPre= checks read.
mkdir -p "$tmp/etc/cairn" "$tmp/units" "$tmp/man" "$tmp/root/etc"
cat > "$tmp/etc/cairn/cairn.conf" <<EOF
[cluster]
data_dir = $tmp/var/lib/cairn
run_dir = $tmp/run
root_access_key = test-access-key
root_secret_key = test-secret-key

[drive d1]
path = $tmp/var/lib/cairn/drives/d1
EOF

# The same substitutions as the edit rule of Makefile.am.
for src in "$top_srcdir"/systemd/*.service.in; do
	sed -e "s|@sbindir[@]|$top_builddir|g" \
	    -e "s|@sysconfdir[@]|$tmp/etc|g" \
	    -e "s|@localstatedir[@]|$tmp/var|g" \
	    "$src" > "$tmp/units/$(basename "$src" .in)"
done
cp "$top_srcdir/systemd/cairn.target" "$tmp/units/"
# A template is verified through one of its instances.
cp "$tmp/units/cairn-chunkd@.service" "$tmp/units/cairn-chunkd@d1.service"

# Documentation=man:... is checked with man(1): give it the pages of the
# source tree in the man<section>/ layout it expects.
for page in "$top_srcdir"/man/*.[0-9]; do
	section=${page##*.}
	mkdir -p "$tmp/man/man$section"
	ln -s "$page" "$tmp/man/man$section/"
done

for unit in cairn-metad.service cairn-chunkd@d1.service \
    cairn-gatewayd.service cairn-scrubd.service cairn.target; do
	out=$(cd "$tmp/units" && MANPATH="$tmp/man" \
	    systemd-analyze verify "./$unit" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify $unit"
	else
		not_ok "systemd-analyze verify $unit (rc $rc)" "$out"
	fi
done

# Each service's ExecStartPre= line, run as systemd would run it.
for unit in cairn-metad.service cairn-chunkd@d1.service \
    cairn-gatewayd.service cairn-scrubd.service; do
	line=$(sed -n 's/^ExecStartPre=//p' "$tmp/units/$unit")
	line=${line//%i/d1}
	set -f
	# shellcheck disable=SC2086
	out=$($line 2>&1)
	rc=$?
	set +f
	if [ "$rc" -eq 0 ]; then
		ok "$unit: ExecStartPre= accepts a valid configuration"
	else
		not_ok "$unit: ExecStartPre= exits $rc" "$line" "$out"
	fi
done

# sysusers and tmpfiles, applied to an empty root directory; creating
# files owned by another user needs root.
if [ "$(id -u)" -ne 0 ]; then
	ok "sysusers # SKIP not running as root"
	ok "tmpfiles # SKIP not running as root"
	[ "$failed" -eq 0 ]
	exit
fi

out=$(systemd-sysusers --root="$tmp/root" \
    "$top_srcdir/systemd/cairn.conf.sysusers" 2>&1)
rc=$?
entry=$(grep '^cairn:' "$tmp/root/etc/passwd" 2>/dev/null)
if [ "$rc" -eq 0 ] && [ "$(echo "$entry" | cut -d: -f6)" = /var/lib/cairn ]
then
	ok "sysusers creates the cairn user, home /var/lib/cairn"
else
	not_ok "sysusers (rc $rc)" "$out" "$entry"
fi

out=$(systemd-tmpfiles --root="$tmp/root" --create \
    "$top_srcdir/systemd/cairn.conf.tmpfiles" 2>&1)
rc=$?
uid=$(echo "$entry" | cut -d: -f3)
got=$(stat -c '%a %u' "$tmp/root/var/lib/cairn" 2>&1)
if [ "$rc" -eq 0 ] && [ -z "$out" ] && [ "$got" = "750 $uid" ]; then
	ok "tmpfiles creates /var/lib/cairn 0750 for the cairn user"
else
	not_ok "tmpfiles (rc $rc): got '$got', want '750 $uid'" "$out"
fi

[ "$failed" -eq 0 ]
