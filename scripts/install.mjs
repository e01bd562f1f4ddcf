// Runs at `npm install`: loads a matching prebuild or an earlier build when one exists,
// and otherwise compiles the addon from source with cmake-js.
import { spawnSync } from "node:child_process";
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

if (hasUsableBinary()) {
  console.error("rex: using the prebuilt addon");
} else {
  const cmakeJs = join(dirname(require.resolve("cmake-js/package.json")), "bin", "cmake-js");
  const args = [cmakeJs, "compile", "--log-level", "warn"];
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
}
