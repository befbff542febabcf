#!/usr/bin/env bash
# Builds the portal's container image from the Dockerfile at the root of the
# repository:
#
#   scripts/image.sh [NOM:ÉTIQUETTE]      # default segur:VERSION (git describe)
#
# It prepares the build context in dist/image/ (git-ignored):
#   segur                 the static binary, CGO_ENABLED=0, for $GOARCH
#                         (default: this machine's), as make release builds it
#   dsfr/                 the DSFR's files (scripts/dsfr.sh fetches them if missing)
#   ca-certificates.crt   this machine's CA certificates (Debian's ca-certificates),
#                         for S3 and SMTP over TLS
#   passwd, group         the account segur (uid and gid 65532) the server runs as
#   data/, tmp/           the empty /data and /tmp, owned by segur
# then runs `docker build`, or `podman build --format docker` (which keeps the
# HEALTHCHECK) when docker is not installed; $CONTAINER chooses one.
# On stdout, only the image's name; progress and errors go to stderr.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

version=$(git describe --tags --always --dirty 2>/dev/null || echo inconnue)
revision=$(git rev-parse HEAD 2>/dev/null || true)
tag=${1:-segur:${version}}
arch=${GOARCH:-$(go env GOARCH)}

runtime=${CONTAINER:-}
if [[ -z $runtime ]]; then
	if docker info >/dev/null 2>&1; then
		runtime=docker
	elif command -v podman >/dev/null; then
		runtime=podman
	else
		echo "scripts/image.sh : ni docker ni podman ne sont utilisables ici (apt-get install podman runc, ou CONTAINER=…)." >&2
		exit 1
	fi
fi

certs=/etc/ssl/certs/ca-certificates.crt
if [[ ! -s $certs ]]; then
	echo "scripts/image.sh : $certs manque (apt-get install ca-certificates)." >&2
	exit 1
fi
dsfr=$(bash scripts/dsfr.sh | sed -n "s/^export SEGUR_DSFR_DIR='\(.*\)'$/\1/p")

ctx=dist/image
rm -rf "$ctx" && mkdir -p "$ctx/data" "$ctx/tmp"
echo "segur pour linux/$arch…" >&2
CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -buildvcs=auto -trimpath -o "$ctx/segur" ./cmd/segur
cp -r "$dsfr" "$ctx/dsfr"
cp "$certs" "$ctx/ca-certificates.crt"
printf 'root:x:0:0:root:/:/sbin/nologin\nsegur:x:65532:65532:segur:/data:/sbin/nologin\n' > "$ctx/passwd"
printf 'root:x:0:\nsegur:x:65532:\n' > "$ctx/group"

build=("$runtime" build)
[[ $runtime == podman ]] && build+=(--format docker)
[[ $runtime == docker ]] && build+=(--platform "linux/$arch")
[[ $runtime == podman ]] && build+=(--arch "$arch")
"${build[@]}" -q -f Dockerfile --build-arg "VERSION=$version" --build-arg "REVISION=$revision" -t "$tag" "$ctx" >&2
echo "$tag"
