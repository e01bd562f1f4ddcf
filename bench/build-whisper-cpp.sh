#!/usr/bin/env bash
# Builds whisper.cpp's whisper-cli and whisper-bench for `rex bench`, from the whisper.cpp source
# that rex's addon compiles (the copy in node_modules/nodejs-whisper) and with the flags that
# CMakeLists.txt sets for the addon. The binaries go to a cache folder, never into the repository:
#   ${REX_BENCH_CACHE:-~/.cache/rex/bench}/whisper.cpp-<version>/bin
# It then links nodejs-whisper to that whisper-cli (see link_nodejs_whisper below).
#
# Usage: bash bench/build-whisper-cpp.sh [--no-link]
set -euo pipefail
cd "$(dirname "$0")/.."

link=1
case "${1:-}" in
  "") ;;
  --no-link) link=0 ;;
  *) echo "usage: bash bench/build-whisper-cpp.sh [--no-link]" >&2; exit 2 ;;
esac

nodejs_whisper_dir=$(node -p "require('path').dirname(require.resolve('nodejs-whisper/package.json'))") || {
  echo "build-whisper-cpp: nodejs-whisper not found: run npm install first" >&2
  exit 1
}
source_dir="$nodejs_whisper_dir/cpp/whisper.cpp"
version=$(sed -n 's/^project("whisper.cpp" VERSION \([0-9.]*\)).*/\1/p' "$source_dir/CMakeLists.txt")
if [ -z "$version" ]; then
  echo "build-whisper-cpp: no version in $source_dir/CMakeLists.txt; is the nodejs-whisper package complete?" >&2
  exit 1
fi

cache_root="${REX_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rex/bench}"
prefix="$cache_root/whisper.cpp-$version"
build_dir="$prefix/build"
mkdir -p "$prefix/bin"

# The same cache entries as rex's CMakeLists.txt: static, Release, GGML_NATIVE and OpenMP off,
# AVX, AVX2, FMA and F16C on x86_64, position-independent code (the addon is a shared library).
flags=(
  -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DCMAKE_CXX_STANDARD=17
  -DCMAKE_CXX_STANDARD_REQUIRED=ON
  -DBUILD_SHARED_LIBS=OFF
  -DWHISPER_BUILD_EXAMPLES=ON
  -DWHISPER_BUILD_TESTS=OFF
  -DWHISPER_BUILD_SERVER=OFF
  -DWHISPER_SDL2=OFF
  -DGGML_NATIVE=OFF
  -DGGML_OPENMP=OFF
)
case "$(uname -m)" in
  x86_64 | amd64) flags+=(-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON) ;;
esac
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# ggml compiles through ccache by itself when ccache is on PATH (its GGML_CCACHE option).
command -v ccache >/dev/null || echo "build-whisper-cpp: ccache not found; every build compiles from scratch" >&2

echo "build-whisper-cpp: whisper.cpp $version from $source_dir into $prefix"
cmake -S "$source_dir" -B "$build_dir" "${generator[@]}" "${flags[@]}" >/dev/null
cmake --build "$build_dir" --config Release --target whisper-cli whisper-bench -j "$(nproc)"
for name in whisper-cli whisper-bench; do
  cp -f "$build_dir/bin/$name" "$prefix/bin/$name"
done
cp -f "$build_dir/compile_commands.json" "$prefix/compile_commands.json" 2>/dev/null || true

# Compares the ggml options of this build with those of rex's addon build, when there is one.
compare_with_addon() {
  local addon_cache=build/CMakeCache.txt
  if [ ! -f "$addon_cache" ]; then
    echo "build-whisper-cpp: no $addon_cache to compare with; build rex first to check the flags"
    return
  fi
  local pattern='^(GGML_[A-Z0-9_]+|CMAKE_BUILD_TYPE|BUILD_SHARED_LIBS|CMAKE_C_COMPILER|CMAKE_CXX_COMPILER|CMAKE_C_FLAGS_RELEASE|CMAKE_CXX_FLAGS_RELEASE):'
  local difference
  difference=$(diff <(grep -E "$pattern" "$addon_cache" | grep -v _FOUND | sort) \
    <(grep -E "$pattern" "$build_dir/CMakeCache.txt" | grep -v _FOUND | sort) || true)
  if [ -n "$difference" ]; then
    echo "build-whisper-cpp: these options differ from rex's addon build (< addon, > this build):" >&2
    echo "$difference" >&2
    exit 1
  fi
  echo "build-whisper-cpp: ggml options and compilers match rex's addon build"
}
compare_with_addon

# nodejs-whisper 0.3.1 runs the whisper-cli at <package>/cpp/whisper.cpp/build/bin/whisper-cli
# and has no option for another path; when that file is missing it builds one there with
# whisper.cpp's default flags (GGML_NATIVE on). A symbolic link at that path makes it run the
# binary built above, so both peers do the same work on the same machine code.
link_nodejs_whisper() {
  local target="$source_dir/build/bin/whisper-cli"
  if [ -e "$target" ] && [ ! -L "$target" ]; then
    echo "build-whisper-cpp: $target is a whisper-cli that nodejs-whisper built itself;" \
      "delete it (or its build folder) and rerun this script" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$target")"
  ln -sfn "$prefix/bin/whisper-cli" "$target"
  echo "build-whisper-cpp: linked $target -> $prefix/bin/whisper-cli"
}
[ "$link" = 1 ] && link_nodejs_whisper

echo "$prefix/bin"
