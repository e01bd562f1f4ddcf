# rex builds with CMake (CMakeLists.txt) through cmake-js; `npm install` never reads this file.
# It exists for tools that look for binding.gyp: `node-gyp rebuild` runs the same cmake-js build
# in its own folder and copies the addon to build/Release/rex.node, where node-gyp-build looks.
{
  "targets": [
    {
      "target_name": "rex",
      "type": "none",
      "actions": [
        {
          "action_name": "cmake_js_build",
          "inputs": ["CMakeLists.txt"],
          "outputs": ["<(PRODUCT_DIR)/rex.node"],
          "action": ["node", "scripts/install.mjs", "--out", "<(PRODUCT_DIR)"]
        }
      ]
    }
  ]
}
