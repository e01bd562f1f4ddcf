# Sourced by setup.sh and test.sh: makes sure the Debian packages rex needs are present.
#
# ensure_packages PACKAGE... installs the missing ones with apt-get when run as root on
# Debian or Ubuntu. Otherwise it names them and fails, so nothing half-works later.

package_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

ensure_packages() {
  local missing=()
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "rex: not a Debian-based system; make sure these are installed: $*" >&2
    return 0
  fi
  for package in "$@"; do
    package_installed "$package" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "rex: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "rex: missing Debian packages: ${missing[*]}" >&2
    echo "rex: install them with: sudo apt-get install ${missing[*]}" >&2
    return 1
  fi
}

check_node() {
  local major minor
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || {
    echo "rex: Node.js is not installed: install Node.js 20.17 or newer" >&2
    return 1
  }
  minor=$(node -p 'process.versions.node.split(".")[1]')
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 17 ]; }; then
    echo "rex: Node.js $(node --version) is too old: install 20.17 or newer" >&2
    return 1
  fi
}

# Packages to build the addon and run the assistant: compilers, espeak-ng for speech, and the
# PulseAudio and ALSA client libraries that miniaudio loads at run time.
BUILD_AND_RUN_PACKAGES=(cmake g++ make python3 ccache espeak-ng libpulse0 libasound2)
# Packages the tests add: a private PulseAudio server with a null sink, and sox and flac to
# make test audio.
TEST_PACKAGES=(pulseaudio pulseaudio-utils sox flac)
