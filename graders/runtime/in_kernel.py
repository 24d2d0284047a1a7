"""Code that runs inside the student's kernel, kept as code: linted and type-checked here, and
sent to the kernel as its source (``inspect.getsource``), never imported there.

In:  nothing of the project: each function imports what it needs (the standard library and
     numpy) inside its body and reads no global of this module, only the cell's own namespace
     (``get_ipython``, which IPython puts there), so its source alone is a complete cell
     (``tests/runtime/test_in_kernel.py``).
Out: ``harvest``: prints ``nonce`` and, as JSON, a plain description of each named variable of
     the student's namespace (``graders.harvest`` reads it back); ``probe``: what a training
     question measures of the student's objects (``graders.checks.training.build_probe``).

The student's code ran before in the same interpreter and may have replaced anything it can
reach (``json``, builtins bound to names): the functions here use their own JSON writer and
the types themselves, not the student's names.
"""

# No ``from __future__ import annotations`` and no module-level import: the annotations are
# evaluated in the kernel, a function's own against builtins only, its nested functions'
# against the names it imports.


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


def probe(specs: list[dict[str, object]]) -> dict[str, object]:
    """What the grader measures of the student's objects (``graders.checks.training.Measure``
    specs): each result under the spec's ``prefix``, or ``<prefix>error`` with why not."""
    from typing import Any

    ns = globals()["get_ipython"]().user_ns  # the shell's, from the cell's own namespace
    missing = object()

    def fetch(spec: dict[str, Any]) -> Any:
        value = ns.get(spec["variable"], missing)
        if value is missing or spec["index"] is None:
            return value
        if isinstance(value, dict):
            for key in (spec["key"], str(spec["key"]), spec["index"]):
                if key in value:
                    return value[key]
            return missing
        return value[spec["index"]] if spec["index"] < len(value) else missing

    def images(path: str, invert: bool = False) -> Any:
        import numpy as np_

        x = np_.load(path, allow_pickle=False)
        if invert:
            x = np_.concatenate([x, 255 - x])
        return x.astype(np_.float32) / np_.float32(255)

    def short(values: Any) -> Any:
        import numpy as np_

        a = np_.asarray(values, dtype=np_.float64)
        return np_.array([float(f"{v:.6g}") for v in a.ravel().tolist()]).reshape(a.shape)

    def first(y: Any) -> Any:
        return y[0] if isinstance(y, (tuple, list)) else y

    def outputs(model: Any, x: Any, batch: int = 256) -> tuple[Any, Any, Any]:
        import numpy as np_
        import torch

        flat, shape, chunks = None, None, []
        for start in range(0, len(x), batch):
            chunk = torch.from_numpy(x[start : start + batch])
            if flat is None:
                try:
                    y, flat = first(model(chunk)), False
                except Exception as error:
                    try:
                        y, flat = first(model(chunk.reshape(len(chunk), -1))), True
                    except Exception:
                        raise error from None
            else:
                y = first(model(chunk.reshape(len(chunk), -1) if flat else chunk))
            y = torch.as_tensor(y).detach().float().cpu()
            shape = shape or [len(x), *y.shape[1:]]
            chunks.append(y.reshape(len(chunk), -1).numpy())
        return short(np_.concatenate(chunks)), flat, shape

    def model_figures(model: Any, spec: dict[str, Any], out: dict[str, Any], p: str) -> None:
        import torch

        training = getattr(model, "training", None)
        if hasattr(model, "eval"):
            model.eval()
        try:
            with torch.no_grad():
                for role, path in spec["inputs"]:
                    invert = spec["invert"] and role == "test"
                    values, flat, shape = outputs(model, images(path, invert))
                    out[p + role], out[p + "flat"] = values, flat
                    if role == "test":
                        out[p + "shape"] = shape
                if spec["shape_input"]:
                    generator = torch.Generator().manual_seed(0)
                    x = torch.rand(*spec["shape_input"], generator=generator)
                    out[p + "shape"] = list(first(model(x)).shape)
        finally:
            if isinstance(training, bool) and hasattr(model, "train"):
                model.train(training)
        found = model.parameters() if hasattr(model, "parameters") else []
        params = [q for q in found if q.requires_grad]
        out[p + "parameters"] = int(sum(q.numel() for q in params))
        weights = [q.detach().double() for q in params if q.dim() > 1]
        out[p + "norm"] = float(sum(float((w * w).sum()) for w in weights)) ** 0.5
        out[p + "l1"] = float(sum(float(w.abs().sum()) for w in weights))
        if isinstance(model, torch.nn.Sequential):
            out[p + "kind"] = "sequential"
        elif isinstance(model, torch.nn.Module):
            out[p + "kind"] = "module"
        else:
            out[p + "kind"] = type(model).__name__

    def transform_changes(value: Any, spec: dict[str, Any], out: dict[str, Any], p: str) -> None:
        import torch

        found = getattr(value, "transforms", value)
        found = list(found) if isinstance(found, (list, tuple)) else [found]
        x = torch.from_numpy(images(spec["inputs"][0][1])[:16])
        changes = []
        for transform in found[:20]:
            change = 0.0
            try:
                for seed in range(5):
                    torch.manual_seed(seed)
                    try:
                        y = transform(x.clone())
                    except Exception:
                        y = torch.stack([torch.as_tensor(transform(i)) for i in x.clone()])
                    y = torch.as_tensor(y).float()
                    if tuple(y.shape) != tuple(x.shape):
                        change = -1.0
                        break
                    change = max(change, float((y - x).abs().mean()))
            except Exception:
                change = -2.0
            changes.append(change)
        out[p + "changes"] = short(changes)

    def activation_values(f: Any, spec: dict[str, Any], out: dict[str, Any], p: str) -> None:
        import torch

        x = torch.tensor(spec["points"], dtype=torch.float32)
        rows = []
        for alpha in spec["alphas"]:
            y = f(alpha)(x.clone()) if isinstance(f, type) else f(x.clone(), alpha)
            rows.append(torch.as_tensor(y).detach().double().reshape(-1).tolist())
        out[p + "values"] = short(rows)

    kinds = {
        "model": model_figures,
        "transforms": transform_changes,
        "activation": activation_values,
    }
    out: dict[str, Any] = {}
    for spec in specs:
        p = str(spec["prefix"])
        try:
            value = fetch(spec)
            if value is missing:
                out[p + "error"] = "not defined"
                continue
            if value is Ellipsis:  # the released placeholder: nothing to run (nor torch to load)
                out[p + "error"] = "left as released"
                continue
            kinds[str(spec["kind"])](value, spec, out, p)
        except Exception as error:
            out[p + "error"] = f"{type(error).__name__}: {error}"[:500]
    return out
