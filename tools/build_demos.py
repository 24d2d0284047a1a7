#!/usr/bin/env python3
"""Write the demo submissions under ``submissions/`` from the released notebooks.

Each demo is the released notebook of its homework, filled in the way one kind of student
fills it (correct, the seed student's own numbers, partly, crashing, hanging, ...). Run it after
changing a homework's questions; ``tests/test_demos.py`` checks the committed demos are what
this script writes.

    python tools/build_demos.py [--out submissions]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat

from graders.release import fill_answers, release_notebook
from reference import catalogue

HW4_WORK = """\
import math

def sigmoid(z):
    return 1 / (1 + math.exp(-z))

i1, i2, y, eta = 3, 5, 1, 0.1
w = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
history = []
for epoch in range(2):
    h1 = i1 * w[0] + i2 * w[1]
    h2 = i1 * w[2] + i2 * w[3]
    y_hat = sigmoid(h1 * w[4] + h2 * w[5])
    loss = (y - y_hat) ** 2
    delta = -2 * (y - y_hat) * y_hat * (1 - y_hat)
    grads = [delta * w[4] * i1, delta * w[4] * i2, delta * w[5] * i1, delta * w[5] * i2,
             delta * h1, delta * h2]
    w = [wk - eta * gk for wk, gk in zip(w, grads)]
    history.append((h1, h2, y_hat, loss, grads, list(w)))
"""


def _hw4_from_history(epochs: tuple[int, ...] = (1, 2)) -> dict[str, str]:
    """Answer sources that read the values the student's own code computed."""
    values: dict[str, str] = {}
    for e in epochs:
        row = f"history[{e - 1}]"
        values.update(
            {
                f"e{e}_h1": f"{row}[0]",
                f"e{e}_h2": f"{row}[1]",
                f"e{e}_y_hat": f"{row}[2]",
                f"e{e}_loss": f"{row}[3]",
            }
        )
        for k in range(1, 7):
            values[f"e{e}_dw{k}"] = f"{row}[4][{k - 1}]"
            values[f"e{e}_w{k}"] = f"{row}[5][{k - 1}]"
    return values


# The seed student's HW4 Q2 answers, as they wrote them (rounded as they rounded).
HW4_SEED = {
    "e1_h1": "1.3",
    "e1_h2": "2.9",
    "e1_y_hat": "0.916",
    "e1_loss": "0.00704",
    "e1_dw1": "-0.0193627",
    "e1_dw2": "-0.032271",
    "e1_dw3": "-0.023235",
    "e1_dw4": "-0.0387255",
    "e1_dw5": "-0.0167811",
    "e1_dw6": "-0.0374347",
    "e1_w1": "0.10193627",
    "e1_w2": "0.20322712",
    "e1_w3": "0.30232353",
    "e1_w4": "0.40387255",
    "e1_w5": "0.50167811",
    "e1_w6": "0.61874347",
    "e2_y_hat": "0.9229156",
    "e2_w1": "0.1036090",
    "e2_w2": "0.2060151",
    "e2_w3": "0.3043593",
    "e2_w4": "0.4072655",
    "e2_w5": "0.5098404",
    "e2_w6": "0.6347652",
    "converged": '"no"',
}

# One slip in epoch 1 (the updated w6 copied wrongly as 0.61874347 instead of 0.60374347), then
# epoch 2 computed exactly from the student's own numbers; and the same with epoch 2's updates
# made with the sign flipped.
HW4_SLIP_WORK = HW4_WORK.replace(
    "    w = [wk - eta * gk for wk, gk in zip(w, grads)]\n",
    "    w = [wk - eta * gk for wk, gk in zip(w, grads)]\n"
    "    if epoch == 0:\n"
    "        w[5] = 0.61874347  # copied wrongly from the hand calculation\n",
)
HW4_SIGN_WORK = HW4_SLIP_WORK.replace(
    "    w = [wk - eta * gk for wk, gk in zip(w, grads)]\n",
    "    w = [wk - eta * gk if epoch == 0 else wk + eta * gk for wk, gk in zip(w, grads)]\n",
)


def _code(source: str) -> Any:
    return nbformat.v4.new_code_cell(source)


def _with_work(nb: Any, *sources: str) -> Any:
    """Insert the student's own code cells before the first answer cell."""
    first = next(i for i, c in enumerate(nb.cells) if "grader" in c.metadata)
    nb.cells[first - 1 : first - 1] = [_code(s) for s in sources]
    return nb


HW4_Q1_TEXT = repr(
    "Adaptive optimisers (Adam, RMSprop, AdaGrad) scale each weight's step by its gradient "
    "history, so they converge faster on the training data and need little tuning of the "
    "learning rate. SGD with momentum and a good learning-rate schedule usually takes more "
    "epochs, but often generalises better: adaptive steps tend to settle in sharper minima."
)

# The seed student's answer to HW4 Q1, in their words.
HW4_Q1_SEED = repr(
    "الگوریتمهای بهینهسازی adaptive، شامل Adam، RMSprop، AdaGrad، همگی عملکرد بسیار خوبی در "
    "مجموعه دادههای sparse دارند و زودتر از الگوریتمهایی مانند SGD، momentum SGD، یا Nesterov "
    "همگرا میشوند و learning rate آنها هم کمتر نیاز به بهینهسازی و تغییر دارد. "
    "علیرغم همه اینها، الگوریتمهای SGD اگر learning rate مناسبی و scheduler خوبی داشته باشند "
    "میتوانند بهتر از Adam، generalize کنند؛ البته با epoch بیشتری به آن نقطه میرسند."
)

# What a TA entered after reading the two written answers above.
OVERRIDES = """\
assignment,student,item,points,comment
hw4,correct,hw4.q1,5,"Both sides covered, with a reason."
hw4,seed-97521252,hw4.q1,4,"Right on speed, tuning and generalisation; no reason given for the gap."
"""


def hw4_demos(release: Any) -> dict[str, Callable[[], Any]]:
    converged = {"converged": '"no"', "q1_answer": HW4_Q1_TEXT}
    computed = {**_hw4_from_history(), **converged}
    return {
        "correct": lambda: _with_work(fill_answers(release, computed), HW4_WORK),
        "seed-97521252": lambda: fill_answers(release, {**HW4_SEED, "q1_answer": HW4_Q1_SEED}),
        "partial": lambda: _with_work(
            fill_answers(release, {**_hw4_from_history((1,)), "e2_h1": "history[1][0]"}),
            HW4_WORK,
        ),
        "crashes": lambda: _with_work(
            fill_answers(release, computed),
            HW4_WORK.replace("for epoch in range(2):", "for epoch in range(1):"),
            "# epoch 2 by hand\nh1_2 = i1 * w1_new + i2 * w2_new  # NameError: never defined\n"
            "history.append(None)",
        ),
        "hangs": lambda: _with_work(
            fill_answers(release, computed),
            HW4_WORK,
            "# keep training until the loss is exactly zero\nwhile loss > 0:\n    pass",
        ),
        "slip-follow-through": lambda: _with_work(fill_answers(release, computed), HW4_SLIP_WORK),
        "slip-sign-flipped": lambda: _with_work(fill_answers(release, computed), HW4_SIGN_WORK),
    }


NOT_A_NOTEBOOK = "This is the homework, I wrote it in Word and renamed it.\n"


def build(out: Path) -> list[Path]:
    """Write every demo submission under ``out`` and return their paths."""
    books = catalogue()
    written = []
    demos: Mapping[str, Mapping[str, Callable[[], Any]]] = {
        "hw4": hw4_demos(release_notebook(books["hw4"])),
    }
    for assignment, makers in demos.items():
        folder = out / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for student, make in makers.items():
            path = folder / f"{student}.ipynb"
            nb = make()
            for n, cell in enumerate(nb.cells):
                cell.id = f"cell-{n}"  # stable ids keep the demos reproducible
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", "utf-8")
            written.append(path)
    overrides = out / "overrides.csv"
    overrides.write_text(OVERRIDES, encoding="utf-8")
    written.append(overrides)
    broken = out / "hw4" / "not-a-notebook.ipynb"
    broken.write_text(NOT_A_NOTEBOOK, encoding="utf-8")
    written.append(broken)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("submissions"))
    args = parser.parse_args()
    for path in build(args.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
