import { fileURLToPath } from "node:url";

/**
 * Returns the absolute path of the plugins that ship with rex: the `plugins` folder at the package
 * root, which is two levels above this module in both `src/plugins` and `dist/plugins`.
 */
export function bundledPluginsDir(): string {
  return fileURLToPath(new URL("../../plugins/", import.meta.url));
}
