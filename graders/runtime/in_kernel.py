"""Code that runs inside the student's kernel, kept as code: linted and type-checked here, and
sent to the kernel as its source (``inspect.getsource``), never imported there.

In:  nothing of the project: each function imports what it needs (the standard library and
     numpy) inside its body and reads no global of this module, only the cell's own namespace
     (``get_ipython``, which IPython puts there), so its source alone is a complete cell
     (``tests/runtime/test_in_kernel.py``).
Out: ``harvest``: prints ``nonce`` and, as JSON, a plain description of each named variable of
     the student's namespace (``graders.harvest`` reads it back).

The student's code ran before in the same interpreter and may have replaced anything it can
reach (``json``, builtins bound to names): the functions here use their own JSON writer and
the types themselves, not the student's names.
"""

# No ``from __future__ import annotations`` and no module-level import: the annotations of the
# nested functions are evaluated in the kernel, against the names each function imports.


def harvest(names: list[str], nonce: str, max_text: int, max_elements: int, max_list: int) -> None:
    """Print ``nonce`` + the JSON of every variable of ``names`` in the kernel's namespace."""
    import numbers as _numbers
    import sys as _sys
    from typing import Any

    def _number(v: Any) -> dict[str, Any]:
        f = float(v)
        text = repr(f) if isinstance(v, float) else (str(v) if isinstance(v, int) else repr(f))
        return {
            "kind": "number",
            "value": f if f == f and abs(f) != float("inf") else str(f),
            "text": text,
        }

    def _array(v: Any) -> dict[str, Any] | None:
        import numpy as _np

        a = _np.asarray(v)
        if a.dtype == object or a.dtype.kind not in "biuf":
            return None
        if a.size > max_elements:
            return {"kind": "unsupported", "note": f"array of {a.size:d} numbers is too large"}
        if a.ndim == 0:
            return _convert(a.item())
        flat = [
            x if x == x and abs(x) != float("inf") else str(x)
            for x in a.astype(float).ravel().tolist()
        ]
        return {"kind": "array", "shape": list(a.shape), "data": flat}

    def _convert(v: Any, depth: int = 0) -> dict[str, Any]:
        if v is None or v is Ellipsis:
            return {"kind": "placeholder"}
        module = type(v).__module__ or ""
        if isinstance(v, bool) or type(v).__name__ == "bool_":
            return {"kind": "bool", "value": bool(v)}
        if isinstance(v, str):
            return {"kind": "text", "value": v[:max_text], "truncated": len(v) > max_text}
        if isinstance(v, _numbers.Real) and not module.startswith("sympy"):
            return _number(v)
        if module.startswith("sympy"):
            if getattr(v, "is_number", False) and getattr(v, "is_real", False):
                return _number(float(v))
            return {"kind": "expr", "value": str(v)[:max_text]}
        if module.startswith("torch") and hasattr(v, "detach"):
            v = v.detach().cpu().numpy()
            module = "numpy"
        if module.startswith("numpy") or isinstance(v, (list, tuple)):
            if module.startswith("numpy") or all(
                isinstance(x, (_numbers.Real, list, tuple)) for x in v
            ):
                try:
                    arr = _array(v)
                except (ValueError, TypeError):
                    arr = None
                if arr is not None:
                    return arr
            if isinstance(v, (list, tuple)) and depth < 2:
                return {"kind": "list", "items": [_convert(x, depth + 1) for x in v[:max_list]]}
        return {
            "kind": "unsupported",
            "note": f"cannot read an object of type {type(v).__name__}",
        }

    def _quote(s: str) -> str:
        # JSON's string, ASCII only; never the student's ``json`` (which they may replace)
        parts = []
        for ch in s:
            o = ord(ch)
            if ch == '"' or ch == "\\":
                parts.append("\\" + ch)
            elif 0x20 <= o < 0x7F:
                parts.append(ch)
            elif o > 0xFFFF:
                o -= 0x10000
                parts.append(f"\\u{0xD800 | (o >> 10):04x}\\u{0xDC00 | (o & 0x3FF):04x}")
            else:
                parts.append(f"\\u{o:04x}")
        return '"' + "".join(parts) + '"'

    def _dumps(v: Any) -> str:
        if v is None:
            return "null"
        if v is True or v is False:
            return "true" if v else "false"
        if type(v) is int:
            return int.__repr__(v)
        if type(v) is float:
            return float.__repr__(v)
        if type(v) is str:
            return _quote(v)
        if type(v) is dict:
            return "{" + ",".join(_quote(k) + ":" + _dumps(x) for k, x in v.items()) + "}"
        if all(type(x) is float for x in v):
            return "[" + ",".join(map(float.__repr__, v)) + "]"
        return "[" + ",".join(map(_dumps, v)) + "]"

    ns = globals()["get_ipython"]().user_ns  # the shell's, from the cell's own namespace
    out: dict[str, Any] = {}
    for name in names:
        if name not in ns:
            out[name] = {"kind": "absent"}
            continue
        try:
            out[name] = _convert(ns[name])
        except Exception as exc:
            out[name] = {"kind": "unsupported", "note": f"could not read: {type(exc).__name__}"}
    _sys.stdout.write(nonce + _dumps(out) + "\n")
    _sys.stdout.flush()
