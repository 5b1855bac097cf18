"""Text that comes from a model file is untrusted; `quote` makes it inert wherever we write it.

A .tflite carries free text: tensor names, the model description, custom op codes, metadata
names. We print that text in generated C (comments in model.c/model.h, the memory plan), in
Markdown READMEs and in error messages on a terminal. Raw, a name such as
`*/ int pwned(void){return 42;} /*` closes a C comment and becomes code that `verify` compiles
and runs. `quote` keeps a conservative set of printable ASCII and writes every other byte of the
UTF-8 text as a three-digit octal escape `\\ooo`, so the result

- cannot end or start a C comment: `*` is escaped, so neither `*/` nor `/*` can appear;
- cannot continue a `//` line or form a trigraph: `\\` and `?` (as in `??/`) are escaped, and an
  escape always ends in a digit, never in a backslash;
- holds no newline, NUL, control character (no terminal escape sequences) or non-ASCII byte;
- is a valid C/C++ string literal body: `"` is escaped, and octal escapes stop after three
  digits (hex escapes would swallow a following hex digit);
- is plain text in Markdown and HTML: `<`, `>`, `&`, `` ` `` and `|` are escaped.

The reader applies it once, when a name enters the compiler's IR (compiler/reader.py), so every
emitter downstream writes escaped text; other readers of model text (linux/gpu.py) call it too.
Names are also cut to `limit` characters: they are comments, never identifiers (those are ours:
op and tensor indices), so a cut name loses nothing but bytes in the generated files.
"""

import string

# Everything else, including the space-like control characters, becomes \ooo.
_KEEP = frozenset(string.ascii_letters + string.digits + " _-.,:;/()[]{}=+#@!$%^~'")
LIMIT = 120


def printable(text: str, limit: int = 600) -> str:
    """Text for a terminal that our own code wrote somewhere a model could have reached (a child
    process that ran it): control characters (terminal escapes) become '?', cut at `limit`.
    Lighter than `quote`, for messages, never for generated code."""
    return "".join(ch if ch.isprintable() else "?" for ch in text[:limit])


def quote(text: str | bytes | None, limit: int = LIMIT) -> str:
    """Model text -> printable ASCII that is inert in C comments and string literals, Markdown,
    HTML and on a terminal (see the module docstring); longer than `limit` characters, it is
    cut and says how many bytes were left out."""
    if text is None:
        return ""
    raw = text if isinstance(text, bytes) else str(text).encode("utf-8", "surrogateescape")
    out, used = [], 0
    for i, b in enumerate(raw):
        piece = chr(b) if chr(b) in _KEEP else f"\\{b:03o}"
        if used + len(piece) > limit:
            return "".join(out) + f"...(+{len(raw) - i} bytes)"
        out.append(piece)
        used += len(piece)
    return "".join(out)
