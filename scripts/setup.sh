#!/usr/bin/env bash
# setup.sh finds what `make run`, `make test` and CI need on this machine and,
# when something is missing, installs it (as root, with apt-get) or stops at
# once with the one command to run. Nothing already present is installed, so
# a second run only looks (well under a second).
#
#   scripts/setup.sh [--check] [run|test|ci]
#
#   run   Go, Node.js and npm, PostgreSQL's server binaries (unless DATABASE_URL is set)
#   test  the same (unless TEST_DATABASE_URL is set), plus Chromium and fonts-liberation
#   ci    test's list whatever is set, plus make and git (.ci/run)
#
# --check installs nothing: it prints "install: PACKAGES" and "stop: REASON"
# lines for what a real run would do, and exits 1 if there is anything.
#
# Go cannot come from apt at the version go.mod names, so a missing or old Go
# is always a stop with advice. The probes follow the service's own:
# internal/devdb/binaries.go (PostgreSQL) and internal/browsertest/browser.go
# (Chromium). SETUP_ROOT (a folder standing for /) and SETUP_UID (for `id
# -u`) exist for scripts/setup_test.go.
set -euo pipefail

check_only=false
purpose=run
for arg in "$@"; do
	case $arg in
	--check) check_only=true ;;
	run | test | ci) purpose=$arg ;;
	*)
		echo "usage: scripts/setup.sh [--check] [run|test|ci]" >&2
		exit 2
		;;
	esac
done

cd "$(dirname "$0")/.."
root=${SETUP_ROOT:-}
uid=${SETUP_UID:-$(id -u)}

# Node.js 20.19 is the oldest that sass and its watcher (package-lock.json)
# accept; Debian 12's nodejs (18) is older, Debian 13's is new enough.
node_min=20.19.0

# version_ge A B: is version A at least B (numeric, dotted)?
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

# PostgreSQL: the folder that holds postgres, initdb and pg_ctl, looked for as
# devdb.FindBinaries does: PG_BIN_DIR alone if set, else pg_config --bindir,
# /usr/lib/postgresql/*/bin, then the folder of postgres on PATH.
pg_dir_ok() { [ -x "$1/postgres" ] && [ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ]; }
have_pg() {
	local d p
	if command -v pg_config >/dev/null 2>&1 && d=$(pg_config --bindir 2>/dev/null) && pg_dir_ok "$d"; then
		return 0
	fi
	for d in "$root"/usr/lib/postgresql/*/bin; do
		pg_dir_ok "$d" && return 0
	done
	p=$(command -v postgres 2>/dev/null) && pg_dir_ok "$(dirname "$p")"
}

# Chromium, looked for as browsertest.findChromium does (CHROMIUM_PATH is
# checked separately: a wrong one is a stop, not an install).
have_chromium() {
	[ -x "$root/usr/bin/chromium" ] && return 0
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1
}

# The Liberation fonts: Debian's folder, or where other systems put them.
have_fonts() {
	[ -d "$root/usr/share/fonts/truetype/liberation" ] ||
		compgen -G "$root/usr/share/fonts/liberation*" >/dev/null ||
		compgen -G "$root/usr/share/fonts/*/[Ll]iberation*" >/dev/null
}

pkgs=()  # Debian packages to install
stops=() # what no package fixes, each with what to do

probe() {
	pkgs=()
	stops=()
	local need_pg=false need_browser=false
	case $purpose in
	run) [ -z "${DATABASE_URL:-}" ] && need_pg=true ;;
	test) [ -z "${TEST_DATABASE_URL:-}" ] && need_pg=true ;;
	ci) need_pg=true ;;
	esac
	[ "$purpose" != run ] && need_browser=true

	# Go: not from apt (Debian's is older than go.mod's).
	local want have
	want=$(awk '$1 == "go" { print $2; exit }' go.mod)
	if ! command -v go >/dev/null 2>&1; then
		if [ -x "$root/usr/local/go/bin/go" ]; then
			stops+=("Go is in /usr/local/go/bin, which is not on PATH: export PATH=\"\$PATH:/usr/local/go/bin\"")
		else
			stops+=("Go is not installed: install Go $want or later from https://go.dev/dl/ (Debian's golang package is older than go.mod's $want)")
		fi
	else
		# Asked outside the module (an older go refuses to read go.mod), with
		# GOTOOLCHAIN=local unless set, so looking never downloads a toolchain.
		have=$(cd / && GOTOOLCHAIN=${GOTOOLCHAIN:-local} go env GOVERSION 2>/dev/null || true)
		have=${have#go}
		if [ -z "$have" ] || ! version_ge "${have%%[-+ ]*}" "$want"; then
			stops+=("Go ${have:-(version unknown)} is older than go.mod's $want: install Go $want or later from https://go.dev/dl/, or let Go fetch it with GOTOOLCHAIN=go$want+auto")
		fi
	fi

	if ! command -v node >/dev/null 2>&1; then
		pkgs+=(nodejs)
	else
		have=$(node --version 2>/dev/null || true)
		have=${have#v}
		if [ -z "$have" ] || ! version_ge "$have" "$node_min"; then
			stops+=("Node.js ${have:-(version unknown)} is older than $node_min, which the asset build (sass) needs: install Node.js 20.19 or later (Debian 13's nodejs, or NodeSource's packages on Debian 12)")
		fi
	fi
	command -v npm >/dev/null 2>&1 || pkgs+=(npm)

	if $need_pg; then
		if [ -n "${PG_BIN_DIR:-}" ]; then
			pg_dir_ok "$PG_BIN_DIR" || stops+=("PG_BIN_DIR=$PG_BIN_DIR does not hold postgres, initdb and pg_ctl: correct it or unset it")
		elif ! have_pg; then
			pkgs+=(postgresql)
		elif [ "$uid" = 0 ] && ! getent passwd postgres >/dev/null 2>&1; then
			# devdb runs PostgreSQL as this user when we are root.
			stops+=("running as root needs a postgres system user to run PostgreSQL as: useradd --system --user-group --home-dir /var/lib/postgresql postgres")
		fi
	fi

	if $need_browser; then
		if [ -n "${CHROMIUM_PATH:-}" ]; then
			command -v "$CHROMIUM_PATH" >/dev/null 2>&1 || stops+=("CHROMIUM_PATH=$CHROMIUM_PATH is not a program: correct it or unset it")
		elif ! have_chromium; then
			pkgs+=(chromium)
		fi
		# Debian's chromium does not bring a font of its own; without one it
		# lays text out with none (.ci/run always installed these).
		have_fonts || pkgs+=(fonts-liberation)
	fi

	if [ "$purpose" = ci ]; then
		command -v make >/dev/null 2>&1 || pkgs+=(make)
		command -v git >/dev/null 2>&1 || pkgs+=(git)
	fi
	return 0
}

report_stops() {
	local s
	for s in "${stops[@]}"; do
		if $check_only; then echo "stop: $s"; else echo "setup: $s" >&2; fi
	done
}

install_cmd="apt-get install -y --no-install-recommends"

probe
if [ ${#pkgs[@]} -eq 0 ] && [ ${#stops[@]} -eq 0 ]; then
	exit 0
fi

if $check_only; then
	[ ${#pkgs[@]} -gt 0 ] && echo "install: ${pkgs[*]}"
	if [ ${#pkgs[@]} -gt 0 ]; then
		if ! command -v apt-get >/dev/null 2>&1; then
			echo "would: stop, no apt-get (install with the system's package manager)"
		elif [ "$uid" != 0 ]; then
			echo "would: stop, run: sudo apt-get update && sudo $install_cmd ${pkgs[*]}"
		else
			echo "would: apt-get update && $install_cmd ${pkgs[*]}"
		fi
	fi
	report_stops
	exit 1
fi

if [ ${#pkgs[@]} -gt 0 ]; then
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "setup: missing ${pkgs[*]} (Debian's package names). This is not a Debian-like system, so install them with its own package manager:" >&2
		echo "setup:   PostgreSQL 15+ server binaries (postgres, initdb, pg_ctl), Chromium, the Liberation fonts, Node.js $node_min+ and npm, as needed" >&2
		report_stops
		exit 1
	fi
	if [ "$uid" != 0 ]; then
		echo "setup: missing ${pkgs[*]}; install with:" >&2
		echo "    sudo apt-get update && sudo $install_cmd ${pkgs[*]}" >&2
		report_stops
		exit 1
	fi
	echo "setup: apt-get update" >&2
	apt-get update -qq
	# Debian 12's nodejs is older than the asset build accepts: do not install
	# what cannot work.
	node_stop=
	if [[ " ${pkgs[*]} " == *" nodejs "* ]]; then
		cand=$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ { print $2 }')
		cand=${cand#*:}
		if [ -z "$cand" ] || [ "$cand" = "(none)" ] || ! version_ge "${cand%%[-+~]*}" "$node_min"; then
			node_stop="Node.js is not installed and this system's nodejs package (${cand:-none}) is older than $node_min, which the asset build (sass) needs: install Node.js 20.19 or later (NodeSource's packages on Debian 12)"
		fi
	fi
	drop_node() {
		local keep=() p
		for p in "${pkgs[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || keep+=("$p"); done
		pkgs=(${keep[@]+"${keep[@]}"})
		stops+=("$node_stop")
	}
	[ -n "$node_stop" ] && drop_node
	if [ ${#pkgs[@]} -gt 0 ]; then
		echo "setup: installing ${pkgs[*]}" >&2
		DEBIAN_FRONTEND=noninteractive $install_cmd -qq "${pkgs[@]}" >/dev/null
	fi
	# Look again: what was installed must now be found.
	probe
	[ -n "$node_stop" ] && drop_node
	if [ ${#pkgs[@]} -gt 0 ]; then
		echo "setup: still missing after installing: ${pkgs[*]}" >&2
		report_stops
		exit 1
	fi
fi

if [ ${#stops[@]} -gt 0 ]; then
	report_stops
	exit 1
fi
