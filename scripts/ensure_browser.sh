#!/usr/bin/env bash
# A chromium for the dashboard's headless-browser test, installed without root and only
# into this project's own folders: Debian's chromium packages, fetched with apt-get as
# the current user and unpacked into .venv/browsers/debian, with the libraries the
# machine lacks beside them; .venv/browsers/chromium runs it.
# Idempotent: does nothing when a chromium is on PATH or already unpacked. Never asks for
# root, never writes outside .venv/browsers, never fails the caller: when it cannot
# install, the browser test skips and says why (reason in .venv/browsers/unavailable).
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${SSOT_BROWSERS:-$ROOT/.venv/browsers}"
WRAPPER="$DEST/chromium"
for candidate in chromium chromium-browser; do
  command -v "$candidate" >/dev/null 2>&1 && exit 0
done
[ -x "$WRAPPER" ] && exit 0
mkdir -p "$DEST" || exit 0
give_up() {
  echo "$1" > "$DEST/unavailable"
  echo "ensure_browser: $1: the dashboard browser test will skip" >&2
  exit 0
}
command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
  || give_up "no chromium on PATH and no apt-get/dpkg-deb to fetch Debian's"

APT="$DEST/apt"
UNPACKED="$DEST/debian"
mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$APT/cache"
# apt as an ordinary user: its own lists and cache under .venv/browsers, no lock, no sandbox user
apt_user=(-o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o "Dir::Cache::archives=$APT/archives"
          -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)" -qq)
echo "ensure_browser: fetching Debian's chromium into $DEST (no root; about 100 MB to fetch, 300 MB unpacked)" >&2
timeout 300 apt-get "${apt_user[@]}" update >/dev/null 2>"$APT/update.err" \
  || give_up "apt-get update (as $(id -un), into $APT) failed: $(tail -n 1 "$APT/update.err")"

# chromium and every dependency this machine lacks, as apt's own resolver sees it (read-only
# use of the machine's dpkg status; --reinstall so chromium itself always comes)
timeout 600 apt-get "${apt_user[@]}" install --download-only --reinstall --no-install-recommends --yes \
    chromium chromium-common fonts-liberation >/dev/null 2>"$APT/download.err" \
  || give_up "apt-get download failed: $(grep -v '^W:' "$APT/download.err" | tail -n 1)"
ls "$APT"/archives/*.deb >/dev/null 2>&1 || give_up "apt-get fetched no package"
rm -rf "$UNPACKED"
mkdir -p "$UNPACKED"
for deb in "$APT"/archives/*.deb; do
  dpkg-deb -x "$deb" "$UNPACKED" || give_up "dpkg-deb -x $deb failed"
done
[ -x "$UNPACKED/usr/lib/chromium/chromium" ] || give_up "the chromium package held no usr/lib/chromium/chromium"
# every folder the packages put a shared library in: their RUNPATHs name the system's folders
# (libpulse finds libpulsecommon in .../pulseaudio that way), which are not there when unpacked
libs="$(find "$UNPACKED" -type f -name 'lib*.so*' -printf '%h\n' | sort -u | paste -sd: -)"
# the machine's fonts (if any) and the unpacked ones (fonts-liberation)
cat > "$DEST/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <include ignore_missing="yes">$UNPACKED/etc/fonts/fonts.conf</include>
  <dir>$UNPACKED/usr/share/fonts</dir>
  <cachedir>$DEST/fontconfig-cache</cachedir>
</fontconfig>
EOF
cat > "$WRAPPER.tmp" <<EOF
#!/bin/sh
# Debian's chromium unpacked by scripts/ensure_browser.sh, with the libraries it brought
export LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export FONTCONFIG_FILE="$DEST/fonts.conf"
exec "$UNPACKED/usr/lib/chromium/chromium" "\$@"
EOF
chmod +x "$WRAPPER.tmp"
if ! "$WRAPPER.tmp" --headless --no-sandbox --disable-gpu --version >/dev/null 2>"$APT/version.err"; then
  rm -f "$WRAPPER.tmp"
  give_up "the unpacked chromium does not start: $(tail -n 1 "$APT/version.err")"
fi
mv "$WRAPPER.tmp" "$WRAPPER"
rm -rf "$DEST/unavailable" "$APT"  # the unpacked tree is all that is needed from here on
echo "ensure_browser: chromium ready at $WRAPPER" >&2
exit 0
