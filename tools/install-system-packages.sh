#!/usr/bin/env bash
# The system packages the grader and its tests need, installed where this machine allows it.
#
#   bash tools/install-system-packages.sh grading   # bubblewrap: isolates each student's kernel
#   bash tools/install-system-packages.sh tests     # and chromium, fonts, Java for the page tests
#
# Installs with apt-get (Debian, Ubuntu) or dnf (Fedora), as root or through `sudo -n` (never a
# password prompt). What is already there is left alone; nothing is installed when everything
# is present. Where nothing can be installed (no root, no package manager, no network), it
# names what is missing and how to install it, and exits 0: grading then refuses to start
# without bubblewrap (saying how to fix it) and the tests that need a missing package are
# skipped with one line naming it. Exits 1 only when an install was tried and failed.
set -euo pipefail

what="${1:-tests}"
case "$what" in
    grading | tests) ;;
    *)
        echo "usage: bash tools/install-system-packages.sh [grading|tests]" >&2
        exit 2
        ;;
esac

have_bwrap() { command -v bwrap >/dev/null; }
have_chromium() { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }
have_java() { command -v java >/dev/null; }
have_fonts() {
    command -v fc-list >/dev/null \
        && fc-list :lang=fa family | grep -q . \
        && fc-list : family | grep -q "DejaVu Math"
}

debian=() fedora=() missing=()
want() { # want NAME CHECK DEBIAN-PACKAGES FEDORA-PACKAGES
    if ! "$2"; then
        missing+=("$1")
        read -r -a d <<<"$3"
        read -r -a f <<<"$4"
        debian+=("${d[@]}")
        fedora+=("${f[@]}")
    fi
}

want bubblewrap have_bwrap "bubblewrap" "bubblewrap"
if [ "$what" = tests ]; then
    want chromium have_chromium "chromium" "chromium"
    want "DejaVu fonts (Persian and mathematics)" have_fonts \
        "fontconfig fonts-dejavu-core fonts-dejavu-extra" \
        "fontconfig dejavu-sans-fonts dejavu-serif-fonts dejavu-sans-mono-fonts"
    want "a Java runtime (the Nu HTML Checker)" have_java \
        "default-jre-headless" "java-21-openjdk-headless"
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "System packages: all present (${what})."
    exit 0
fi

can=yes
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    as_root=()
    can=no
fi

explain() {
    echo "System packages missing: $(IFS=,; echo "${missing[*]}" | sed 's/,/, /g')." >&2
    echo "  Debian, Ubuntu: sudo apt-get install ${debian[*]}" >&2
    echo "  Fedora:         sudo dnf install ${fedora[*]}" >&2
    if ! have_chromium && [ "$what" = tests ]; then
        echo "  (Ubuntu's chromium is a snap: 'sudo snap install chromium' works too.)" >&2
    fi
    echo "$1" >&2
}

if [ "$can" = yes ]; then
    if command -v apt-get >/dev/null; then
        echo "Installing with apt-get: ${debian[*]}"
        export DEBIAN_FRONTEND=noninteractive
        if "${as_root[@]}" apt-get update -qq \
            && "${as_root[@]}" apt-get install -y -qq "${debian[@]}" >/dev/null; then
            exit 0
        fi
        explain "apt-get could not install them (see above)."
        exit 1
    elif command -v dnf >/dev/null; then
        echo "Installing with dnf: ${fedora[*]}"
        if "${as_root[@]}" dnf install -y -q "${fedora[@]}"; then
            exit 0
        fi
        explain "dnf could not install them (see above)."
        exit 1
    fi
    explain "No apt-get or dnf here: install them with this system's package manager."
    exit 0
fi
explain "Not root and no password-less sudo: install them as above, or carry on without them
(grading refuses to start without bubblewrap unless --sandbox none; the tests that need the
others are skipped, each naming its package)."
exit 0
