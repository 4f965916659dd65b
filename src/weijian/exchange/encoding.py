"""Guess the text encoding of a CSV file: UTF-8, UTF-8 with BOM, or GB18030.

Excel and WPS on Chinese Windows save "CSV (逗号分隔)" in the ANSI code page,
which is GBK (a subset of GB18030); "CSV UTF-8" adds a BOM; tools on Linux
write plain UTF-8. We look at bytes only, never at the whole file in memory.
"""
from __future__ import annotations

import codecs
from pathlib import Path

__all__ = ["detect_encoding", "judge_sample"]

_BLOCK = 1 << 20
# A file whose first 64 MB are ASCII is decoded as UTF-8; a stray GBK byte
# after that still surfaces as a row-level problem, not a crash.
_MAX_SCAN = 64 << 20
_WINDOW = 256 << 10


def detect_encoding(path: str | Path) -> str:
    """Name of the codec to read ``path`` with (``utf-8-sig``, ``utf-8``, ``gb18030``, ``utf-16``)."""
    with open(path, "rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"  # Excel's "Unicode 文本" export
        f.seek(0)
        scanned = 0
        while scanned < _MAX_SCAN:
            block = f.read(_BLOCK)
            if not block:
                break
            if not block.isascii():
                # The first non-ASCII byte follows an ASCII one, so it starts a character.
                first = next(i for i, b in enumerate(block) if b >= 0x80)
                window = block[first:first + _WINDOW]
                if len(window) < _WINDOW:
                    window += f.read(_WINDOW - len(window))
                return judge_sample(window)
            scanned += len(block)
    return "utf-8"


def judge_sample(sample: bytes) -> str:
    """Pick UTF-8 or GB18030 for a byte sample that starts on a character boundary.

    The sample may end in the middle of a character, so decoders are fed
    incrementally without ``final``. When neither decodes cleanly (a damaged
    file) the one with fewer bad bytes wins.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for name in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(name)().decode(sample, final=False)
            return name
        except UnicodeDecodeError:
            continue
    bad = {name: _replacements(sample, name) for name in ("utf-8", "gb18030")}
    return min(bad, key=bad.__getitem__)


def _replacements(sample: bytes, name: str) -> int:
    text = codecs.getincrementaldecoder(name)(errors="replace").decode(sample, final=False)
    return text.count("\ufffd")
