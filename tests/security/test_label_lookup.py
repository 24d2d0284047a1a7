"""A model that looks each held-out image up in scikit-learn's bundled digits (the stand-in
dataset without ``--data``) and returns the label beside it: the sandbox keeps that file out of
the kernel's view, so the lookup finds nothing and the model is measured near chance."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from fakes import ROOT
from system import need

from graders.cli import main
from graders.runtime.data import label_sources

pytestmark = pytest.mark.slow

LOOKUP = """\
import gzip, os
import numpy as np
import torch
from torch import nn

x_train, y_train, x_test, y_test = load_dataset("cifar-10")
table, seen = {}, []
try:  # the same file the grader's stand-in is made from
    import sklearn
    path = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data", "digits.csv.gz")
    with gzip.open(path, "rt") as handle:
        rows = np.loadtxt(handle, delimiter=",")
    seen.append(path)
except Exception as exc:
    rows = np.zeros((0, 65))
    seen.append(repr(exc))
try:
    from sklearn.datasets import load_digits
    digits = load_digits()
    rows = np.concatenate([rows, np.c_[digits.data, digits.target]])
except Exception as exc:
    seen.append(repr(exc))
for row in rows:
    table[tuple(int(v) for v in row[:64])] = int(row[64])
print("lookup table", len(table), seen)


class Lookup(nn.Module):
    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, x):
        keys = torch.round(x[:, 0].reshape(len(x), -1) * 16).int().tolist()
        out = self.bias.expand(len(x), 10).clone()
        for n, key in enumerate(keys):
            if tuple(key) in table:
                out[n, table[tuple(key)]] += 100.0
        return out


model = Lookup()
public = torch.round(torch.from_numpy(x_test)[:, 0].reshape(len(x_test), -1) * 16).int()
hits = sum(tuple(k) in table for k in public.tolist())
print("public test images found", hits, "of", len(x_test))
"""


def _hostile(tmp_path: Path) -> Path:
    nb = nbformat.read(ROOT / "submissions" / "hw4" / "training-weak.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    training = next(c for c in code if "load_dataset('cifar-10')" in c.source)
    training.source = LOOKUP
    for cell in code:
        if "torch.manual_seed(0)" in cell.source and "fit(model" in cell.source:
            cell.source = "pass"
        if cell.source.startswith("# Answers to hw4.q3"):
            cell.source = (
                "q3_model = model\nq3_accuracy = 0.99\nq3_per_class = [0.99] * 10\n"
                "q3_transforms = []\n"
            )
    folder = tmp_path / "submissions" / "hw4"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "lookup.ipynb")
    return folder


def test_the_sandbox_hides_the_bundled_digits() -> None:
    assert any((folder / "digits.csv.gz").is_file() for folder in label_sources())


def test_a_lookup_in_the_bundled_digits_is_measured_near_chance(tmp_path: Path) -> None:
    need("bubblewrap")
    folder = _hostile(tmp_path)
    out = tmp_path / "out"
    assert main([str(folder), "--out", str(out), "--sandbox", "bwrap"]) == 0
    record = json.loads((out / "hw4" / "lookup.json").read_text(encoding="utf-8"))
    assert record["ran"], record["problem"]
    extra = next(t for t in record["tests"] if t["variable"] == "q3_model")["extra"]
    measured = extra.get("measured") or extra
    page = (out / "hw4" / "lookup.html").read_text(encoding="utf-8")
    assert "lookup table 0" in page and "public test images found 0" in page
    accuracy = float(measured["test_accuracy"])
    assert accuracy < 0.3, accuracy  # ten classes: chance is 0.1; the lookup would give 1.0
