#!/bin/bash
# t_awscli.sh - objects, listings, sync, cp, mv and rm with aws(1)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

SIZES=(0 1 4096 $((INLINE_MAX - 1)) "$INLINE_MAX" $((INLINE_MAX + 1))
    $((1024 * 1024 + 1)) $((64 * 1024 * 1024)))

plan $(( 3 + 3 * ${#SIZES[@]} + 13 + 15 ))
cluster_start
B=cli-bucket

# same_lines WANT COMMAND...: COMMAND prints the lines of WANT, in order.
same_lines() {
	local want=$1

	shift
	"$@" >"$TESTDIR/got" || return 1
	printf '%s\n' "$want" | sed '/^$/d' >"$TESTDIR/want"
	diff -u "$TESTDIR/want" "$TESTDIR/got"
}

# --- buckets ---------------------------------------------------------------------

check "s3api create-bucket" awscli s3api create-bucket --bucket "$B"
check "s3 ls shows the bucket" \
    sh -c "'$AWS' --endpoint-url 'http://$ADDR' s3 ls | grep -w '$B'"
check "s3api head-bucket" awscli s3api head-bucket --bucket "$B"

# --- objects of each size --------------------------------------------------------

for n in "${SIZES[@]}"; do
	f=$(make_file "size-$n" "$n")
	check "put-object of $n bytes, ETag is the MD5" \
	    s3_put "$B" "size/$n" "$f"
	check "get-object of $n bytes, same SHA-256" \
	    s3_get_same "$B" "size/$n" "$f"
	check "head-object of $n bytes: ContentLength and ETag" \
	    s3_head_right "$B" "size/$n" "$f"
done
rm -f "$TESTDIR/files/size-$((64 * 1024 * 1024))"

# --- listings --------------------------------------------------------------------

tree=$TESTDIR/tree
mkdir -p "$tree/dir1/sub" "$tree/dir2" "$tree/with space"
for f in top1 top2 dir1/f1 dir1/f2 dir1/sub/f3 dir2/f4 "with space/f5"; do
	echo "$f" >"$tree/$f"
done
ALL_TREE="tree/dir1/f1
tree/dir1/f2
tree/dir1/sub/f3
tree/dir2/f4
tree/top1
tree/top2
tree/with space/f5"

# listing ARGS...: the keys, then the common prefixes (as "P prefix"),
# that list-objects-v2 ARGS answers, one per line.
listing() {
	awscli s3api list-objects-v2 --bucket "$B" --output json "$@" \
	    >"$TESTDIR/list.json" || return 1
	"$PY" -c 'import json, sys
text = open(sys.argv[1]).read()	# aws prints nothing for an empty result
d = json.loads(text) if text.strip() else {}
for c in d.get("Contents") or []:
    print(c["Key"])
for p in d.get("CommonPrefixes") or []:
    print("P " + p["Prefix"])' "$TESTDIR/list.json"
}

# paged_by_hand N: list tree/ N keys at a time, following the continuation
# tokens, and print every key.
paged_by_hand() {
	local token="" page=0 args json=$TESTDIR/page.json n keys

	while (( page++ < 50 )); do
		args=(--no-paginate --max-keys "$1" --prefix tree/)
		[[ -z $token ]] || args+=(--continuation-token "$token")
		awscli s3api list-objects-v2 --bucket "$B" --output json \
		    "${args[@]}" >"$json" || return 1
		keys=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
keys = [c["Key"] for c in d.get("Contents") or []]
if len(keys) > int(sys.argv[2]) or d.get("KeyCount") != len(keys):
    sys.exit("page of %d keys, KeyCount %s" % (len(keys), d.get("KeyCount")))
print("\n".join(keys))' "$json" "$1") || return 1
		[[ -z $keys ]] || printf '%s\n' "$keys"
		token=$(json_field "$json" NextContinuationToken)
		n=$(json_field "$json" IsTruncated)
		if [[ $n == True ]]; then
			[[ -n $token ]] || { echo "truncated, no token"; return 1; }
		else
			[[ -z $token ]] && return 0
			echo "not truncated, but a token"
			return 1
		fi
	done
	echo "more than 50 pages"
	return 1
}

check "s3 cp --recursive uploads a tree of 7 files" \
    awscli s3 cp --recursive --only-show-errors "$tree" "s3://$B/tree/"
check "list-objects-v2 --prefix tree/dir1/" \
    same_lines "$(grep '^tree/dir1/' <<<"$ALL_TREE")" \
    listing --prefix tree/dir1/
check "list-objects-v2 --prefix tree/ --delimiter / (CommonPrefixes)" \
    same_lines "tree/top1
tree/top2
P tree/dir1/
P tree/dir2/
P tree/with space/" listing --prefix tree/ --delimiter /
check "list-objects-v2 --max-keys 2, following continuation tokens" \
    same_lines "$ALL_TREE" paged_by_hand 2
check "list-objects-v2 --page-size 3 collects every page" \
    same_lines "$ALL_TREE" listing --prefix tree/ --page-size 3

# --- sync, recursive copies, moves -------------------------------------------------

S=cli-sync
MiB=$((1024 * 1024))
src=$TESTDIR/sync-src
mkdir -p "$src/a/b" "$src/c" "$src/with space"
# Two files above aws' 8 MiB multipart threshold, among small ones.
head -c $((9 * MiB)) /dev/urandom >"$src/big9"
head -c $((17 * MiB + 5)) /dev/urandom >"$src/a/big17"
head -c 100 /dev/urandom >"$src/a/b/s1"
: >"$src/c/empty"
echo five >"$src/with space/s3"

# tree_sums DIR: the SHA-256 and path of every file under DIR, by path.
tree_sums() {
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z |
	    xargs -0 sha256sum)
}

# same_tree A B: both trees hold the same files with the same bytes.
same_tree() { diff <(tree_sums "$1") <(tree_sums "$2"); }

# sizes_of DIR PREFIX: "size PREFIX/path" of each file, as s3 ls shows them.
sizes_of() {
	(cd "$1" && find . -type f -printf '%s %P\n') |
	    sed "s|^\([0-9]*\) |\1 $2/|" | LC_ALL=C sort -k2
}

# ls_recursive PREFIX: "size key" of each key under PREFIX, by s3 ls.
ls_recursive() {
	awscli s3 ls --recursive "s3://$S/$1/" | sed -E 's/^[0-9-]+ [0-9:]+ +//'
}

check "s3 mb for sync" awscli s3 mb "s3://$S"
check "s3 sync up: 5 files, two above the multipart threshold" \
    awscli s3 sync --only-show-errors "$src" "s3://$S/tree"
check "s3 ls --recursive lists every file with its size" \
    same_lines "$(sizes_of "$src" tree)" ls_recursive tree
dst=$TESTDIR/sync-dst
# synced_down [ARGS...]: s3 sync of the tree into $dst gives $src's files.
synced_down() {
	awscli s3 sync --only-show-errors "$@" "s3://$S/tree" "$dst" &&
	    same_tree "$src" "$dst"
}
check "s3 sync down: the same files, the same SHA-256" synced_down
check "s3 sync up again has nothing to do" \
    same_lines "" awscli s3 sync --dryrun "$src" "s3://$S/tree"
rm "$src/c/empty"
echo new >"$src/a/new"
check "s3 sync --delete up: the removed file goes, the new one comes" \
    awscli s3 sync --only-show-errors --delete "$src" "s3://$S/tree"
check "s3 ls --recursive after sync --delete" \
    same_lines "$(sizes_of "$src" tree)" ls_recursive tree
echo extra >"$dst/extra"
check "s3 sync --delete down: the local extra file goes, the tree is \
the source's" synced_down --delete
down=$TESTDIR/cp-down
# copied_down: s3 cp --recursive of the tree into $down gives $src's files.
copied_down() {
	awscli s3 cp --recursive --only-show-errors "s3://$S/tree" "$down" &&
	    same_tree "$src" "$down"
}
check "s3 cp --recursive down, multipart objects too: same SHA-256" \
    copied_down
sum17=$(sha256 "$src/a/big17")
back17=$TESTDIR/files/back17
# absent KEY: head-object finds no KEY.
absent() { ! awscli s3api head-object --bucket "$S" --key "$1" 2>/dev/null; }
# moved_up, moved_within, moved_down: the three kinds of s3 mv, each
# checking that the source is gone.
moved_up() {
	awscli s3 mv --only-show-errors "$down/a/big17" \
	    "s3://$S/moved/big17" && [[ ! -e $down/a/big17 ]]
}
moved_within() {
	awscli s3 mv --only-show-errors "s3://$S/moved/big17" \
	    "s3://$S/moved/again17" && absent moved/big17
}
moved_down() {
	awscli s3 mv --only-show-errors "s3://$S/moved/again17" "$back17" &&
	    [[ $(sha256 "$back17") == "$sum17" ]] && absent moved/again17
}
check "s3 mv up: the local file is gone" moved_up
check "s3 mv within cairn (17 MiB, a multipart copy): the source is gone" \
    moved_within
check "s3 mv down: the same SHA-256, the object is gone" moved_down
check "s3 rm --recursive of the tree" \
    awscli s3 rm --recursive --only-show-errors "s3://$S/tree"
check "s3 ls --recursive of the removed tree is empty" \
    same_lines "" ls_recursive tree
check "s3 rb of the emptied bucket" awscli s3 rb "s3://$S"

# --- deletes -----------------------------------------------------------------------

check "delete-object" awscli s3api delete-object --bucket "$B" --key size/1
check_fails "get-object after delete-object fails with NoSuchKey" NoSuchKey \
    awscli s3api get-object --bucket "$B" --key size/1 "$TESTDIR/files/gone"
check_fails "delete-bucket of a non-empty bucket fails with BucketNotEmpty" \
    BucketNotEmpty awscli s3api delete-bucket --bucket "$B"
check "s3 rm --recursive empties the bucket" \
    awscli s3 rm --recursive --only-show-errors "s3://$B"
check "list-objects-v2 of the emptied bucket is empty" \
    same_lines "" listing
check "delete-bucket of the empty bucket" \
    awscli s3api delete-bucket --bucket "$B"
check_fails "head-bucket of the deleted bucket fails with 404" "404|Not Found" \
    awscli s3api head-bucket --bucket "$B"
check "s3 ls no longer shows the bucket" \
    sh -c "! '$AWS' --endpoint-url 'http://$ADDR' s3 ls | grep -w '$B'"

exit 0
