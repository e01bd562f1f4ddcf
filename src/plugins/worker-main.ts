/**
 * The code that runs inside a plugin's worker thread. The host passes it to `new Worker` as source
 * text, by way of `Function.prototype.toString`, so the function must not use anything from outside
 * its own body: no imports at the top of this file, no helpers, no constants.
 *
 * Source text keeps workers independent of how the host itself was loaded. Under a TypeScript loader,
 * a worker started from a file would load that loader too, which takes about a second per call.
 */

/** Request from the host to the worker, sent as `workerData`. */
export type WorkerRequest =
  | { mode: "describe"; moduleUrl: string }
  | {
      mode: "run";
      moduleUrl: string;
      args: Record<string, unknown>;
      settings: Record<string, unknown>;
      /** Output beyond this many UTF-16 code units is cut off before it is sent to the host. */
      maxRawChars: number;
    };

/** The fields of a module's default export that the host validates. */
export interface DescribedExport {
  hasDefault: boolean;
  name: unknown;
  description: unknown;
  /** The parameters as plain JSON, or undefined when they could not be converted. */
  parameters: unknown;
  parametersError?: string;
  runType: string;
}

/** The worker's one message back to the host. */
export type WorkerReply =
  | { type: "described"; exports: DescribedExport }
  | { type: "result"; text: string; truncated: boolean }
  | { type: "error"; message: string };

/** The worker thread's entry point. */
export async function pluginWorkerMain(): Promise<void> {
  const { parentPort, workerData } = await import("node:worker_threads");
  const request = workerData as WorkerRequest;
  const post = (reply: WorkerReply) => parentPort?.postMessage(reply);
  try {
    const module = (await import(request.moduleUrl)) as { default?: Record<string, unknown> };
    const plugin = module.default;
    if (request.mode === "describe") {
      const isObject = typeof plugin === "object" && plugin !== null;
      let parameters: unknown;
      let parametersError: string | undefined;
      try {
        const json = isObject ? JSON.stringify(plugin.parameters) : undefined;
        parameters = json === undefined ? undefined : JSON.parse(json);
      } catch (error) {
        parametersError = error instanceof Error ? error.message : String(error);
      }
      post({
        type: "described",
        exports: {
          hasDefault: isObject,
          name: isObject ? plugin.name : undefined,
          description: isObject ? plugin.description : undefined,
          parameters,
          parametersError,
          runType: isObject ? typeof plugin.run : "undefined",
        },
      });
      return;
    }
    const run = plugin?.run as (args: unknown, context: unknown) => unknown;
    const result = await run.call(plugin, request.args, { settings: request.settings });
    let text = "";
    if (typeof result === "string") text = result;
    else if (result !== undefined) text = JSON.stringify(result) ?? "";
    const truncated = text.length > request.maxRawChars;
    post({ type: "result", text: truncated ? text.slice(0, request.maxRawChars) : text, truncated });
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
}
