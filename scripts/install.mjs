// Runs at `npm install`: loads a matching prebuild or an earlier build when one exists,
// and otherwise compiles the addon from source with cmake-js.
//
// With `--out DIR` (used by binding.gyp) it always builds, in a CMake folder of its own, and
// copies rex.node into DIR.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function hasUsableBinary() {
  if (process.env.REX_BUILD_FROM_SOURCE === "1") return false;
  try {
    require("node-gyp-build")(root);
    return true;
  } catch {
    return false;
  }
}

const outIndex = process.argv.indexOf("--out");
const outDir = outIndex > 0 ? process.argv[outIndex + 1] : undefined;

if (!outDir && hasUsableBinary()) {
  console.error("rex: found a built addon, so nothing to build (set REX_BUILD_FROM_SOURCE=1 to rebuild)");
} else {
  const cmakeJs = join(dirname(require.resolve("cmake-js/package.json")), "bin", "cmake-js");
  const args = [cmakeJs, "compile", "--log-level", "warn"];
  if (outDir) args.push("--out", join(root, "build", "cmake-js"));
  if (process.env.REX_CMAKE_DEFINES) {
    for (const define of process.env.REX_CMAKE_DEFINES.split(/\s+/).filter(Boolean)) {
      args.push(`--CD${define}`);
    }
  }
  console.error("rex: building the addon from source with cmake-js (about 1 to 2 minutes)");
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(
      "rex: the addon build failed. It needs cmake (3.18 or newer) and a C++17 compiler; " +
        "on Debian run `apt-get install cmake g++`, then `npm install` again.",
    );
    process.exit(result.status ?? 1);
  }
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    copyFileSync(join(root, "build", "cmake-js", "Release", "rex.node"), join(outDir, "rex.node"));
  }
}
