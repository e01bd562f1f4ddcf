import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import t from "tap";

import { RexError } from "../src/errors.js";
import { findModel } from "../src/models/catalog.js";
import { pullModel, type DownloadProgress } from "../src/models/download.js";
import { genuineModel } from "./helpers/fixtures.js";

// A loopback file server stands in for the model host, which these machines cannot reach.
const files: Record<string, string> = { "/models/ggml-tiny.en.bin": genuineModel("tiny.en") };
let requests = 0;
const server: Server = createServer((request, response) => {
  requests++;
  const path = files[request.url ?? ""];
  if (!path) {
    response.writeHead(404).end("not found");
    return;
  }
  response.writeHead(200, { "content-length": statSync(path).size });
  createReadStream(path).pipe(response);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address() as { port: number };
const baseUrl = `http://127.0.0.1:${address.port}/models`;
const dir = mkdtempSync(join(tmpdir(), "rex-pull-"));
t.teardown(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

t.test("pull verifies and stores", async (t) => {
  const progress: DownloadProgress[] = [];
  const path = await pullModel(findModel("tiny.en")!, dir, { baseUrl, onProgress: (p) => progress.push({ ...p }) });
  t.equal(path, join(dir, "ggml-tiny.en.bin"), "the model is stored under its official name");
  t.equal(statSync(path).size, 77_704_715, "the whole file arrived");
  t.ok(progress.length > 1, "progress was reported more than once");
  t.equal(progress[progress.length - 1].receivedBytes, 77_704_715, "the last progress report covers every byte");
  t.equal(progress[0].totalBytes, 77_704_715, "the total comes from Content-Length");
  t.notOk(existsSync(`${path}.partial`), "no partial file is left");
});

t.test("verified copy is not fetched again", async (t) => {
  const before = requests;
  await pullModel(findModel("tiny.en")!, dir, { baseUrl });
  t.equal(requests, before, "no request was made");
});

t.test("checksum mismatch deletes the file", async (t) => {
  files["/models/ggml-tiny.bin"] = genuineModel("tiny.en");
  const error = await pullModel(findModel("tiny")!, dir, { baseUrl }).catch((caught: unknown) => caught);
  t.type(error, RexError, "rejects with a RexError");
  t.equal((error as RexError).code, "MODEL_DOWNLOAD_FAILED", "the code is MODEL_DOWNLOAD_FAILED");
  t.match((error as RexError).message, /has SHA1 c78c86eb.* expected bd577a11/, "the message shows both checksums");
  t.notOk(existsSync(join(dir, "ggml-tiny.bin")), "no model file is left");
  t.notOk(existsSync(join(dir, "ggml-tiny.bin.partial")), "no partial file is left");
});

t.test("HTTP error is reported", async (t) => {
  const error = await pullModel(findModel("base.en")!, dir, { baseUrl }).catch((caught: unknown) => caught);
  t.equal((error as RexError).code, "MODEL_DOWNLOAD_FAILED", "the code is MODEL_DOWNLOAD_FAILED");
  t.match((error as RexError).message, /HTTP 404/, "the message has the status");
});

t.test("unreachable host is reported", async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as { port: number }).port;
  closed.close();
  const error = await pullModel(findModel("base.en")!, dir, { baseUrl: `http://127.0.0.1:${port}` }).catch((caught: unknown) => caught);
  t.equal((error as RexError).code, "MODEL_DOWNLOAD_FAILED", "the code is MODEL_DOWNLOAD_FAILED");
  t.match((error as RexError).message, /copy ggml-base\.en\.bin into/, "the message says how to install it by hand");
});
