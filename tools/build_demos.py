#!/usr/bin/env python3
"""Write the demo submissions under ``submissions/`` from the released notebooks.

Each demo is the released notebook of its homework (with the public manifest that
``grade.py check --public`` reads), filled in the way one kind of student fills it (correct,
the seed student's own numbers, partly, crashing, hanging, ...). Run it after changing a
homework's questions; ``tests/test_demos.py`` checks the committed demos are what this script
writes.

    python tools/build_demos.py [--out submissions]
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import nbformat

from graders.model.questions import Homework
from graders.student.public import release_with_manifest
from graders.student.release import fill_answers
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


def hw4_from_history(epochs: tuple[int, ...] = (1, 2)) -> dict[str, str]:
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


def with_work(nb: Any, *sources: str) -> Any:
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
hw2,correct,q1a_answer,5,"Both sides, with symptoms and the bias/variance reading."
hw2,correct,q1b_answer,2,"Train vs test comparison; the model alone is not enough."
hw2,correct,q2a_reason,2,"Both sides with their reasons."
hw2,correct,q2b_reasons,3,"All three reasons right."
hw2,correct,q2c_reason,2,"Zeros for L1, small even weights for L2."
hw2,correct,q3a_answer,5,"Teacher to student, and why."
hw2,correct,q3b_answer,5,"Frozen teacher, two losses summed, only the student updated."
hw2,correct,q3c_answer,5,"Sum of the classification and distillation losses."
hw2,correct,q4_analysis,4,"Functions, both optimisers, divergence and its cause."
hw2,official-key,q1a_answer,5,"Both sides, with symptoms and the bias/variance reading."
hw2,official-key,q1b_answer,2,"Train vs test comparison; the trained model alone cannot tell."
hw2,official-key,q2a_reason,1,"Small K right; at large K variance falls, the rise is bias."
hw2,official-key,q2b_reasons,3,"All three reasons right."
hw2,official-key,q2c_reason,0.5,"Only experiments 3 and 4 are discussed; nothing on L2."
hw2,official-key,q3a_answer,5,"Teacher to student, and why."
hw2,official-key,q3b_answer,5,"Frozen teacher, two losses summed, only the student updated."
hw2,official-key,q3c_answer,5,"Sum of the classification and similarity losses."
hw2,official-key,q4_analysis,3,"Both optimisers explained; best rates not those of these runs."
hw3,correct,q1a_answer,3,"Problems and detection."
hw3,correct,q1b_answer,3,"Problems and detection."
hw3,correct,q1c_answer,4,"Saddle points, Adam's help, a full comparison."
hw3,correct,q3b_answer,4,"Sliding axes and uses of both."
hw3,correct,q5_answer,8,"Strengths and limits, each with an example."
hw3,correct,q6a_answer,2,"Channel reduction and mixing."
hw3,correct,q6b_answer,2,"Weighted sum of the channels per pixel."
hw3,correct,q6c_answer,2,"Same size; no spatial pattern."
hw3,correct,q6d_answer,2,"Inception and ResNet with their uses."
hw3,correct,q6e_answer,2,"Yes, with cases."
hw3,seed-student,q1a_answer,2.5,"Divergence and detection right; overfitting is no symptom of it."
hw3,seed-student,q1b_answer,3,"Slow convergence, minima and saddle points; detection by the loss."
hw3,seed-student,q1c_answer,4,"Saddle points, Adam's help and a full comparison table."
hw3,seed-student,q3b_answer,4,"Sliding axes and uses of both."
hw3,seed-student,q5_answer,7,"One strength and one limit, each with an example; no weight sharing."
hw3,seed-student,q6a_answer,2,"Channel reduction and nonlinear mixing."
hw3,seed-student,q6b_answer,2,"Weighted sum of the channels at each position."
hw3,seed-student,q6c_answer,1.5,"Larger filters compared well; the kept size is not said."
hw3,seed-student,q6d_answer,2,"Inception and ResNet with their uses."
hw3,seed-student,q6e_answer,2,"Yes, with cases."
hw6,correct,q1c_answer,3,"Cost, no saturation with the gradient's size, sparsity."
hw6,correct,q1d_answer,4,"Similarities, smoothness, non-monotonicity, the role of beta."
hw6,seed-student,q1c_answer,3,"Cost, sparsity, vanishing gradients and saturation: all there."
hw6,seed-student,q1d_answer,3,"Similarities, non-monotonicity right; init claim without a reason."
"""


def hw4_demos(release: Any) -> dict[str, Callable[[], Any]]:
    converged = {"converged": '"no"', "q1_answer": HW4_Q1_TEXT}
    computed = {**hw4_from_history(), **converged}
    return {
        "correct": lambda: with_work(fill_answers(release, computed), HW4_WORK),
        "seed-97521252": lambda: fill_answers(release, {**HW4_SEED, "q1_answer": HW4_Q1_SEED}),
        "partial": lambda: with_work(
            fill_answers(release, {**hw4_from_history((1,)), "e2_h1": "history[1][0]"}),
            HW4_WORK,
        ),
        "crashes": lambda: with_work(
            fill_answers(release, computed),
            HW4_WORK.replace("for epoch in range(2):", "for epoch in range(1):"),
            "# epoch 2 by hand\nh1_2 = i1 * w1_new + i2 * w2_new  # NameError: never defined\n"
            "history.append(None)",
        ),
        "hangs": lambda: with_work(
            fill_answers(release, computed),
            HW4_WORK,
            "# keep training until the loss is exactly zero\nwhile loss > 0:\n    pass",
        ),
        "slip-follow-through": lambda: with_work(fill_answers(release, computed), HW4_SLIP_WORK),
        "slip-sign-flipped": lambda: with_work(fill_answers(release, computed), HW4_SIGN_WORK),
    }


def _literal(value: Any) -> str:
    """Python source for a reference value as a student would type it (whole numbers as ints)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _reference_answers(assignment: str) -> dict[str, str]:
    """Every item's reference value (``part.solve``) as Python source, by variable."""
    book = catalogue()[assignment]
    values: dict[str, str] = {}
    for question in book.questions:
        for part in question.parts:
            values.update({k: _literal(v) for k, v in part.solve(book.params).items()})
    return values


# HW2 Q4 worked out in the kernel with the notebook's own train_digits, as a student would.
HW2_Q4_WORK = """\
import math

rates = [0.001, 0.01, 0.1, 1]
optimisers = ["sgd", "momentum"]
runs = {(o, lr): train_digits(o, lr) for o in optimisers for lr in rates}


def diverges(losses):
    return not math.isfinite(losses[-1]) or losses[-1] > losses[0]


def best_rate(optimiser):
    stable = [lr for lr in rates if not diverges(runs[optimiser, lr])]
    return min(stable, key=lambda lr: runs[optimiser, lr][-1])


diverged_table = [[int(diverges(runs[o, lr])) for lr in rates] for o in optimisers]
"""

# The official key of HW2 as it printed its answers (OCR'd Persian text kept as it reads). Its
# tables are typed cell by cell, wrong cells included: the standard test table leaves 1.9
# unscaled, and the inverted training table has 2.3 for 3.2 and two rows reversed.
HW2_KEY = {
    "q1a_answer": repr(
        "بیشبرازش به معنای این است که مدل ما روی دادههای آموزشی بیش از اندازه یاد گرفته باشد. "
        "به عبارت دیگر، پارامترهای قابل یادگیری خود را به گونهای تنظیم کرده که فقط برای دادههای "
        "آموزشی مناسب باشد و این باعث میشود که مدل ما قابلیت تعمیمش را از دست دهد و برای "
        "دادههای تست به نتایج مطلوبی نرسیم. در بیشبرازش مدل ما نسبت به نقاط حساسیت بالایی دارد "
        "و دادههای نویزی را هم به خوبی یاد میگیرد و این باعث میشود که کوچکترین تغییری در ورودی "
        "باعث تغییر شدید در خروجی شود. پس دارای واریانس زیاد است. از طرفی چون میانگین خروجیها "
        "به جواب درست نزدیک است پس دارای بایاس کم است. "
        "کمبرازش به معنای این است که مدل ما قادر به یادگیری کافی از دادههای آموزشی نیست به "
        "عبارت دیگر، مدل قادر نیست رابطهی میان متغیرهای ورودی و خروجی را به طور دقیق ثبت کند. "
        "این خطا ایجاد خطای بالایی در هر دو مجموعهی آموزشی و مجموعهی دادههای (تست) را رقم "
        "میزند. این امر زمانی رخ میدهد که مدل بیشازحد ساده باشد؛ به این معنا که مدل به زمان "
        "آموزش بیشتر، ویژگیهای ورودی بیشتر یا تنظیم (Regularization) کمتر نیاز دارد. یک مدل "
        "کمبرازش دارای بایاس بالا و واریانس کم است."
    ),
    "q1b_answer": repr(
        "معیار بیشبرازش مدل از مقایسه نتایج فرایند های تست و آموزش به دست می آید. در این حالت "
        "یک مدلی داریم که قبلا آموزش دیده شده بود. به عبارت دیگر، به اطلاعات و نتایج فرایند "
        "آموزش مدل دسترسی نداریم. بنابراین نمی توانیم مشخص بکنیم که مدل بیشبرازش شده است یا نه. "
        "لازم است که حتما اطلاعاتی از فرایند های آموزش و تست مدل داشته باشیم تا بتوانیم در مورد "
        "بیشبرازش مدل قضاوت کنیم."
    ),
    "q1c_p": "8 / 16",
    "q1c_standard_train": (
        "[[1.6, 0, 0, 1.9], [0, 2.5, 2.5, 0], [0, 3.2, 3.7, 0], [1.3, 0, 0, 1.2]]"
    ),
    "q1c_standard_test": (
        "[[0.8, -0.35, -0.1, 1.9], [-1.15, 1.25, 1.25, -0.45], "
        "[-0.25, 1.6, 1.85, -0.2], [0.65, -0.2, -1.3, 0.6]]"
    ),
    "q1c_inverted_train": "[[2.3, 0, 0, 3.8], [0, 5, 5, 0], [0, 7.4, 6.4, 0], [2.4, 0, 0, 2.6]]",
    "q1c_inverted_test": (
        "[[1.6, -0.7, -0.2, 1.9], [-2.3, 2.5, 2.5, -0.9], "
        "[-0.5, 3.2, 3.7, -0.4], [1.3, -0.4, -2.6, 1.2]]"
    ),
    # k-NN: "small K: low bias, high variance"; for a very large K the key ends with "the test
    # error rises again (the variance becomes high)".
    "q2a_small_k_bias": repr("کم"),
    "q2a_small_k_variance": repr("زیاد"),
    "q2a_large_k_bias": repr("زیاد"),
    "q2a_large_k_variance": repr("زیاد"),
    "q2a_reason": repr(
        "چنانچه K مقدار کمی باشد فرض کنید K برابر ۱ باشد، بنابراین مدل داده آموزشی ما را به طور "
        "کامل یاد خواهد گرفت و این احتمال overfit شدن را بالا میبرد که یعنی بایاس کم و واریانس "
        "زیاد (high variance). چنانچه مقدار k بسیار بالا باشد، در واقع در داده آموزشی با خطا "
        "روبرو هستیم (بایاس زیاد) و بعد از مدتی کاهش در خطای تست (کم شدن واریانس) بعد از حدی از "
        "k دوباره خطای تست افزایش میابد (واریانس زیاد میشود)."
    ),
    "q2b_1": repr("بله"),
    "q2b_2": repr("خیر"),
    "q2b_3": repr("خیر"),
    "q2b_reasons": repr(
        "۱) بله، اگر مقدار لاندای انتخاب شده کوچک باشد، عملاً باز تاثیر بهینهسازی پارامترها در "
        "تابع خطا کم است و overfit میشویم. همچنین با وزن بیشتر دادن به بهینهسازی پارامترها "
        "underfit ایجاد میشود. ۲) خیر، افزایش بیش از حد ویژگی باعث گسترده شدن و پراکندگی دادهها "
        "میشود که مدل نیز برای یادگیری آنها پیچیدهتر خواهد شد و این باعث به وجود آمدن overfit "
        "میشود. ۳) خیر، زیاد کردن ضریب، وزن بهینهسازی پارامترها را بیشتر میکند که این باعث "
        "جلوگیری از over fitting میشود. هر چند این مقوله میتواند منجر به under fitting شود."
    ),
    # The key discusses only experiments 3 and 4: "of 3 and 4, 4 is the regularised one (L1)".
    "q2c_exp3": repr("بدون منظم‌سازی"),
    "q2c_exp4": repr("L1"),
    "q2c_reason": repr(
        "از بین موارد ۳ و ۴، مورد ۴ مربوط به منظمسازی است؛ زیرا در منظمسازی ضرایب کمتر میشوند "
        "و در این جا منظمسازی L1 استفاده شده است. زیرا در این منظمسازی ضرایب صفر هم داریم."
    ),
    "q3a_answer": repr(
        "به فرایند استخراج دانش یادگرفته شده از شبکههای عمیق و انتقال دانش به شبکه با ابعاد "
        "کوچکتر تقطیر دانش گویند. این فرایند به منظور کاهش توان محاسباتی مورد نیاز برای اجرای "
        "شبکه و پیاده سازی بر روی دستگاههایی با توان پردازشی کمتر صورت میگیرد."
    ),
    "q3b_answer": repr(
        "در این معماری ۲ شبکه وجود دارند که قصد داریم دانش را از یکی به دیگری منتقل کنیم. دانش "
        "یادگرفته شده از teacher به student منتقل خواهد شد. در طول فرایند یادگیری وزنهای شبکه "
        "آموزگار تغییر نمیکند و ثابت باقی خواهد ماند. آموزش به این صورت است که یک ورودی به هر دو "
        "شبکه داده خواهد شد و خروجی برای هر شبکه محاسبه میشود. برای student دو تابع خطا در نظر "
        "گرفته میشود یکی برای بررسی صحت دسته بندی که میتواند categorical crossentropy باشد و "
        "دیگری مقایسه شباهت ویژگیهای استخراج شده با شبکه teacher است. این دو خطا با هم جمع شده و "
        "وارد شبکه student میشوند. وزنهای شبکه با توجه به این دو خطا بروزرسانی خواهند شد."
    ),
    "q3c_answer": repr(
        "خطای دسته بندی و خطای شباهت ویژگیهای استخراج شده با شبکه teacher هم جمع میشوند و وارد "
        "student میشوند. وزنهای شبکه با توجه به این دو خطا بروزرسانی خواهند شد."
    ),
    # "SGD: 1 diverges; 0.01 and 0.1 look suitable. Momentum: no longer diverges at 1; 0.01 is
    # the most suitable."
    "q4_diverged": "[[0, 0, 0, 1], [0, 0, 0, 0]]",
    "q4_best_sgd": repr("0.01, 0.1"),
    "q4_best_momentum": "0.01",
    "q4_analysis": repr(
        "SGD یک الگوریتم پایه است که تنها به جهت گرادیان نگاه میکند و نرخ یادگیری پایین در این "
        "مثال سرعت همگرایی را کند میکند. نرخ یادگیری از یک حدی بیشتر در اینجا ۱ باعث واگرایی "
        "میشود. در این مسئله نرخ یادگیری ۰.۰۱ و ۰.۱ برای SGD مناسب به نظر میآید. "
        "در Momentum علاوه بر جهت گرادیان تکانه اول نیز محاسبه میشود تا در صورت اطمینان از جهت "
        "حرکت درست سرعت گام بیشتری بر دارد و میبینیم در نرخ یادگیری ۱ دیگر واگرا نشده است. البته "
        "که هنوز نوسانات شدیدی وجود دارد و برای ۰.۱ نیز بسیار خطا بالا و پایین شده است. به نظر "
        "نرخ یادگیری ۰.۰۱ از همه مناسبتر است."
    ),
}


def hw2_demos(release: Any) -> dict[str, Callable[[], Any]]:
    correct = {
        **_reference_answers("hw2"),
        "q4_diverged": "diverged_table",
        "q4_best_sgd": 'best_rate("sgd")',
        "q4_best_momentum": 'best_rate("momentum")',
    }
    return {
        "correct": lambda: with_work(fill_answers(release, correct), HW2_Q4_WORK),
        "official-key": lambda: fill_answers(release, HW2_KEY),
    }


# The seed student's HW3 answers, as they wrote them (OCR'd Persian text kept as it reads).
HW3_SEED = {
    "q1a_answer": repr(
        "نرخ یادگیری بالا سبب مشکلاتی همچون :1)واگرایی overshooting(2 یا 3 overfitting)عدم ثبات "
        "شود. وقتی نرخ یادگیری خیلی زیاد است، سبب می شود بهینه سازی از حداقل نقطه در تابع ضرر "
        "بیشتر شود و به جای همگرایی، واگرایی رخ می دهد. همچنین نرخ بالای یادگیری، سبب ناپایداری "
        "در مدل و نوسانی شدن پارامترهای مدل شود. راه حل: برای تشخیص آن می توان منحنی ضرر را رسم "
        "نماییم و در صورت مشاهده نوسان های زیاد و عدم کاهش آن ، به مشکل پی ببریم.همچنین عملکرد "
        "مدلمان را روی داده های اعتبارسنجی بررسی کنیم و اگر خطای آن شروع به افزایش نماید یا "
        "رفتاری نامنظم داشته باشد، از علائم یادگیری بسیاربالا است. همچنین وجود مقادیر NaN در "
        "مقادیر خروجی می تواند نشان دهنده بزرگ شدن بسیارگرادیان شود و از علائم نرخ یادگیری بالا "
        "است"
    ),
    "q1b_answer": repr(
        "نرخ یادگیری پایین سبب مشکلاتی همچون : همگرایی باسرعت پایین 2) گیر اقتادن در مینیمم "
        "محلی 3) به دام اقتادن در نقاط زینی، شود. نرخ یادگیری پایین سبب طول کشیدن همگرا شدن می "
        "شود و نیاز باشد برای رسییدن به سطح قابل قبولی از عملکرد ، به تعداد دوره های بیشتری نیاز "
        "باشد. راه حل: تحلیل منحنی ضرر که در آن هرگاه منحنی بسیار آهسته کم شود ، یا زودتر و بدون "
        "بهبود زیاد شود از علائم نرخ یادگیری پایین است. زمان آموزش وهمگرایی آن نیز اگر زیاد "
        "طولانی شود، و بعد از تعداد قابل توجهی دوره، به نتیجه مطلوب نرسد، از دیگر علائم هست. "
        "همچنین بررسیی داده های اعتبارسنجی نیز موثر است و درصورت بالا ماندن خطا، وعدم کاهش آن "
        "در طی دوره ها، نمایانگر این مشکل است. برای رفع مشکل میتوان نرخ یادگیری را زیاد نمود و از "
        "برخی بهینه ساز ها که براساس پارامتر های مختلف ، نرخ را تنظیم می کنند همچون adam ، "
        "استفاده نمود."
    ),
    "q1c_answer": repr(
        "نقطه زینی، یک نقطه بحرانی در بهینه سازی یک تابع ، بویژه در فضاهای با ابعاد بالا است . "
        "در این نقطه گرادیان صفر است. در فضای سه بعدی اگر به نمودار نگاه کنیم مانند زین می "
        "ماند(در بعضی بخش ها به سمت بالا و در برخی امتداد ها به سمت پایین شیب دارد.) این نقاط در "
        "بهینه سازی مشکل ساز اند، زیرا میتوانند برخی از الگوزیتم های بهینه ساز همچون sgd را دچار "
        "مشکل کرده و مانع از همگرایی آن ها شوند. در مواجهه با نقاط زینی، روش آدام، بدان کمک مب "
        "نماید و در مقایسه با sgd ، این نقاط را به شکل موثر تری کنترل و ببرسی می نماید. "
        "Adam: مزايا: نرخ یادگیری تطبیقی، ادغام مومنتوم، کنترل داده های پراکنده؛ معایب: نياز به "
        "حافظه بيشتر، به هایپر پارامتر ها حساس است، همگرایی به کمینه های به صورت تیز. "
        "SGD: مزايا: نیاز به حافظه کمتر، ساده بودن، تعميم؛ معایب: همگرایی کند تر، حساس به نرخ "
        "یادگیری، در نقاط زینی گیر می افتد. "
        "پیرامون sgd نیز اجرای نسبتا ساده و سهل طرحی دارد و به علت همگرایی به سمت مینمم های "
        "مسطح تر به جای موارد تیز ، بهتر تعمیم یابد."
    ),
    "q1d_smooth": repr("batch gradient descent"),
    "q1d_noisy": repr("mini-batch gradient descent"),
    "q3_conv1": "(3*7+1)*16",
    "q3_conv2": "(5*16+1)*32",
    "q3_conv3": "(5*32+1)*64",
    "q3_dense1": "(59*64+1)*128",
    "q3_dense2": "(128+1)*5",
    "q3_total": "497349",
    "q3b_answer": repr(
        "کانولوشن 2 بعدی:برروی داده های فضای دوبعدی مانند تصاویرکار می نماید و اطلاعات فضای "
        "دوبعدی همچون عرض و ارتفاع را پردازش می نماید. کرنل ها وفیلتر ها به شکل دوبعدی بوده و در "
        "ابعاد فضای دوبعدی لغزانده می شوند . کاربرد آن بیشتر در بینایی ماشین مانند طبقه بندی "
        "تصاویر، تشخیص اشیا، تقسیم بندی و انتقال شیوه کاربرد دارد. کانولوشن 3 بعدی:داده های فضای "
        "سه بعدی را مدیریت نموده که شامل عمق یا زمان به همراه عناصر مکانی هستند. از فیلترهای "
        "کانولوشن سه بعدی شامل عرض، ارتفاع و عمق(زمان) ، سود می برد. کاربرد کانولوشن 3 بعدی:در "
        "کارهای مربوط به داده های مکانی-زمانی همچون تجزیه و تحلیل ویدئو، تشخیص عمل، تصویربرداری "
        "سه بعدی و پیش بینی دینامیک در فضای سه بعدی در واحد زمان کاربرد دارد."
    ),
    "q5_answer": repr(
        "مثالی برای نمایش مزیت لایه های کانولوشنی: استخراج ویژگی در cnn برای تشخیص اشیا. ویژگی "
        "مورد بررسی: آموزش ویژگی ها به صورت سلسله مراتبی. استفاده از یک مدل cnn از قبل آموزش "
        "دیده مانند vgg یا resnet برای انتقال یادگیری روی مجموعه داده های تصویربرداریشده پزشکی "
        "برای بیماری هایی همچون ذات الریه. لای های پایین تر ویژگی های اساسی همچون لبه ها و باغت "
        "هارو میگیرند و لایه های عمیق تر الگو های پیچیده تری را بررسی می نمایند. "
        "مثالی برای نمایش چالش لایه های کانولوشنی: تقسیم بندی معنایی با cnn در رانندگی خودمختار. "
        "ویژگی مورد بررسی: Loss of Global Context. به دلیل میدان های دریافتی محلی لایه کانولوشن، "
        "مدل ممکن است فاقد درک وسیع تری از صحنه شوند. به شکل مصال ممکنه یک عابر در نزدیکی خط "
        "عابرپیاده ، به عنوان بخشی از جاده در نظر گرفته وطبقه بندی شود."
    ),
    "q6a_answer": repr(
        "فیلتر 1*1 برای کاهش ابعاد و تبدیل وِیژگی در شبکه های cnn استفاده میشوند. از علائم آن "
        "کاهش ابعاد می شود که تعداد کانال ها و ویژگی های را در یک لایه کاهش می دهند و سبب کاهش "
        "پیچیدگی محاسباتی و استفاده از حافظه می شود. همچنین علیرغم سایز کوچک آن سبب اعمال "
        "تبدیلات غیرخطی شده و سبب آموزش روابط پیچیده ویژگی ها می شود."
    ),
    "q6b_answer": repr(
        "نقشه ویژگی حاصل از این فیلتر ، ترکیبی خطی از ویژگی های ورودی در آن موقعیت مکانی را "
        "نشان می دهد که شامل یک نسخه تغییر یافته از ویژگی های ورودی که در آن هر عنصر یک مجموع "
        "وزنی از مقادیر ویژگی ورودی در آن مکان است، با وزن هایی که در طول آموزش آموخته می شود."
    ),
    "q6c_answer": repr(
        "نقشه ویژگی به دست آمده از این فیلتر، از تصویر اصلی متمایز بوده ، چون اطلاعات انتزاعی "
        "سطح بالاتری را که از ترکیب خطی ویژگی ها میابد را رمز میکند. فیلترهایی با ابعاد فضایی "
        "بزرگتر ، الگوها و روابط فضایی را در میدان های مورد نظر ثبت نموده و اطلاعات مکانی را حفظ "
        "می نمایند، درحالی که فیلتر 1*1 بیشتر برای تبدیل کانال و کاهش ابعاد بدون گسترش فضایی "
        "تمرکز می کنند."
    ),
    "q6d_answer": repr(
        "برای این مورد می توان به شبکه های Inception Network و Residual Network (ResNets) اشاره "
        "نمود. در Inception Network ماژول های موازی فیلترهای با اندازه های مختلف، از جمله "
        "پیچیدگی های 1x1 را در خود جای می دهند تا اطلاعات را در مقیاس های مختلف به طور موثر نگه "
        "میدارند. در ResNets بلوک های باقیمانده از پیچیدگی های 1x1 برای تنظیم تعداد کانال ها و "
        "کنترل پیچیدگی مدل استفاده می کند."
    ),
    "q6e_answer": repr(
        "بله. در شبکه های کوچک و سلسله مراتب ویژگی های محدود. در معماری های ساده تر یا شبکه های "
        "کم عمق، تاثیر پیچیدگی های 1*1 ممکن است حداقل یا غیرضروری باشد، چون ممکن است مدل "
        "پیچیدگی یا عمق کافی برای بهره مندی از تغییرات کانال را نداشته باشد. همچنین وقتی مجموعه "
        "داده کوچک است یا فاقد ویژگی های سلسله مراتبی است، فیلترهای 1*1ممکن است عملکرد را به طور "
        "قابل توجهی افزایش ندهند."
    ),
    # From the student's model.summary(): output (None, 4, 4, 3), 12 parameters.
    "q6f_height": "4",
    "q6f_width": "4",
    "q6f_channels": "3",
    "q6f_params": "12",
}


def hw3_demos(release: Any) -> dict[str, Callable[[], Any]]:
    return {
        "correct": lambda: fill_answers(release, _reference_answers("hw3")),
        "seed-student": lambda: fill_answers(release, HW3_SEED),
    }


# HW1 worked in the kernel as a student would: Q1 in plain Python, Q2 and Q3 with sympy.
HW1_WORK = """\
import math

import sympy


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


i1, i2, t1, t2, eta = 0.05, 0.10, 0.01, 0.99, 0.5
p = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50,
     "w8": 0.55, "b1": 0.35, "b2": 0.60}
net = {"h1": p["w1"] * i1 + p["w2"] * i2 + p["b1"], "h2": p["w3"] * i1 + p["w4"] * i2 + p["b1"]}
out = {u: sigmoid(net[u]) for u in ("h1", "h2")}
net["o1"] = p["w5"] * out["h1"] + p["w6"] * out["h2"] + p["b2"]
net["o2"] = p["w7"] * out["h1"] + p["w8"] * out["h2"] + p["b2"]
out |= {u: sigmoid(net[u]) for u in ("o1", "o2")}
E = 0.5 * (t1 - out["o1"]) ** 2 + 0.5 * (t2 - out["o2"]) ** 2
d_o1 = (out["o1"] - t1) * out["o1"] * (1 - out["o1"])
d_o2 = (out["o2"] - t2) * out["o2"] * (1 - out["o2"])
d_h1 = (d_o1 * p["w5"] + d_o2 * p["w7"]) * out["h1"] * (1 - out["h1"])
d_h2 = (d_o1 * p["w6"] + d_o2 * p["w8"]) * out["h2"] * (1 - out["h2"])
grad = {"w1": d_h1 * i1, "w2": d_h1 * i2, "w3": d_h2 * i1, "w4": d_h2 * i2, "b1": d_h1 + d_h2,
        "w5": d_o1 * out["h1"], "w6": d_o1 * out["h2"], "w7": d_o2 * out["h1"],
        "w8": d_o2 * out["h2"], "b2": d_o1 + d_o2}
new = {k: p[k] - eta * g for k, g in grad.items()}

a1_1, a1_2, a2_1, a2_2, x1 = sympy.symbols("a1_1 a1_2 a2_1 a2_2 x1")
w2_11, w2_12, w2_21, w2_22, w3_1, w3_2 = sympy.symbols("w2_11 w2_12 w2_21 w2_22 w3_1 w3_2")
delta2 = [w3_1 * a2_1 * (1 - a2_1), w3_2 * a2_2 * (1 - a2_2)]
delta3 = [(delta2[0] * w2_11 + delta2[1] * w2_21) * a1_1 * (1 - a1_1),
          (delta2[0] * w2_12 + delta2[1] * w2_22) * a1_2 * (1 - a1_2)]
W_s1, W_s2, b_s1, b_s2 = sympy.symbols("W_s1 W_s2 b_s1 b_s2")
"""

HW1_ANSWERS = {
    **{f"{k}_{u}": f'{k}["{u}"]' for k in ("net", "out") for u in ("h1", "h2", "o1", "o2")},
    "E": "E",
    **{f"dE_d{k}": f'grad["{k}"]' for k in (*(f"w{n}" for n in range(1, 9)), "b1", "b2")},
    **{f"{k}_new": f'new["{k}"]' for k in (*(f"w{n}" for n in range(1, 9)), "b1", "b2")},
    "q2_delta1": "delta2[0]",
    "q2_delta2_1": "delta2[0]",
    "q2_delta2_2": "delta2[1]",
    "q2_delta3_1": "delta3[0]",
    "q2_delta3_2": "delta3[1]",
    "q2_delta4": "delta3[0] * x1",
    "q3_more_expressive": '"no"',
    "q3_W_l": "W_s2 - W_s1",
    "q3_b_l": "b_s2 - b_s1",
}

# The seed student's HW1 (sheet 004) as they wrote it. Their figure put w3 on i2 -> h1 and w2 on
# i1 -> h2 (and w7 on h2 -> o1, w6 on h1 -> o2): their net_h1 = 0.05*0.15 + 0.1*0.25 + 0.35. Each
# gradient is typed under the course's name of the connection it belongs to (their dE/dw3 is the
# course's dE_dw2, their dE/dw7 the course's dE_dw6), each update under the weight whose old
# value it starts from. Q2 in their LaTeX (w^[2] where f has w^[3]); their (d) reads
# x1·g'(z_1^[2])·(δ2_1·w2_11 + δ2_2·w2_21), with g = σ. Q3: their mapping, W_s1 − W_s2; the
# sheet answers (a) by giving it, i.e. no.
HW1_SEED = {
    "net_h1": "0.3825",
    "out_h1": "0.594",
    "net_h2": "0.39",
    "out_h2": "0.596",
    "net_o1": "1.3356",
    "out_o1": "0.791",
    "net_o2": "1.3951",
    "out_o2": "0.802",
    "E": "0.61075",
    "dE_dw5": "-0.0766",
    "dE_dw6": "0.0769",
    "dE_dw7": "-0.074",
    "dE_dw8": "-0.0742",
    "dE_db2": "-0.2535",
    "dE_dw1": "-0.001295",
    "dE_dw2": "-0.00259",
    "dE_dw3": "-0.001605",
    "dE_dw4": "-0.00321",
    "dE_db1": "-0.0580",
    "w1_new": "0.15",
    "w2_new": "0.25",
    "w3_new": "0.20",
    "w4_new": "0.30",
    "w5_new": "0.4383",
    "w6_new": "0.4870",
    "w7_new": "0.538",
    "w8_new": "0.5871",
    "b1_new": "0.37",
    "b2_new": "0.9267",
    "q2_delta1": repr(r"w_1^{[2]} * a_1^{[2]} (1-a_1^{[2]})"),
    "q2_delta2_1": repr(r"w_1^{[2]} * a_1^{[2]} (1-a_1^{[2]})"),
    "q2_delta2_2": repr(r"w_2^{[2]} * a_2^{[2]} (1-a_2^{[2]})"),
    "q2_delta3_1": repr(
        r"w_1^{[1]} * a_1^{[1]} (1-a_1^{[1]}) * w_1^{[2]} + w_2^{[1]} * a_1^{[1]} (1-a_1^{[1]})"
    ),
    "q2_delta3_2": repr(
        r"w_2^{[1]} * a_2^{[1]} (1-a_2^{[1]}) * w_1^{[2]} + w_2^{[2]} * a_2^{[1]} (1-a_2^{[1]})"
    ),
    "q2_delta4": repr("x1 * sigmoid'(z2_1) * (delta2_1 * w2_11 + delta2_2 * w2_21)"),
    "q3_more_expressive": repr("خیر"),
    "q3_W_l": repr("W_s1 - W_s2"),
    "q3_b_l": repr("b_s1 - b_s2"),
}


def hw1_demos(release: Any) -> dict[str, Callable[[], Any]]:
    return {
        "correct": lambda: with_work(fill_answers(release, HW1_ANSWERS), HW1_WORK),
        "seed-student": lambda: fill_answers(release, HW1_SEED),
    }


# HW6 Q1 and Q2 worked with sympy and math.
HW6_WORK = """\
import math

import sympy

x, beta = sympy.symbols("x beta", real=True)
swish = x / (1 + sympy.exp(-x))
mish = x * sympy.tanh(sympy.log(1 + sympy.exp(x)))
swish_beta = x / (1 + sympy.exp(-beta * x))
p = 0.5  # the untrained classifier's output; half the labels are 1
"""

HW6_ANSWERS = {
    "q1_swish_derivative": "sympy.diff(swish, x)",
    "q1_mish_derivative": "sympy.diff(mish, x)",
    "q1_swish_beta_derivative": "sympy.diff(swish_beta, x)",
    "q1_limit_beta_0": "sympy.limit(swish_beta, beta, 0)",
    "q1_limit_beta_inf": "sympy.Max(x, 0)",
    "q1c_answer": repr(
        "ReLU is cheap to compute and does not saturate for positive inputs: its gradient "
        "there is 1, while the sigmoid's (at most 0.25) and tanh's vanish for large |x|, so "
        "deep networks train faster. It also gives sparse activations (exact zeros)."
    ),
    "q1d_answer": repr(
        "Like ReLU, Swish and Mish are unbounded above (close to x for large x) and bounded "
        "below. Unlike ReLU they are smooth and non-monotonic: small negative inputs keep a "
        "small output and a non-zero gradient, so units do not die; the bounded negative part "
        "regularises, and deep networks often reach higher accuracy. Swish's beta moves it "
        "from x/2 (beta -> 0) to ReLU (beta -> infinity)."
    ),
    "q2_mse": "0.5 * (1 - p) ** 2 + 0.5 * (0 - p) ** 2",
    "q2_bce": "-(0.5 * math.log(p) + 0.5 * math.log(1 - p))",
}

# The seed student's HW6 (sheet 001) as they wrote it, f written as the notebook asks (f for
# f(x)). Swish: their full line xσ(x) + σ(x)(1 − xσ(x)); Mish: f(x)/x + σ(x)·x·sech²(softplus);
# β: only in words ("β → ∞ gives ReLU"; "β → 0 gives a linear output", no formula); the losses
# 0.5 and 0.69.
HW6_SEED = {
    "q1_swish_derivative": repr("xσ(x) + σ(x)(1 − xσ(x))"),
    "q1_mish_derivative": repr("f/x + σ(x)·x·sech²(ln(1+e^x))"),
    "q1_limit_beta_inf": repr("relu(x)"),
    "q1c_answer": repr(
        "تابع relu در مقایسه دو تابع sigmoid و tanh دارای مزایای زیر است: از نظر پیچیدگی "
        "محاسباتی بهینه تر و ساده تر است. پراکنده است. سیگموید به احتمال زیادی مقادیر غیر صفر "
        "تولید میکند و منجر به نمایش متراکم دیتا میشود. نمایش پراکنده داده ها به وسیله relu "
        "مناسب تر است. یکی از مزایای مهم، کاهش احتمال vanish شدن گرادیان است. تابع relu بر "
        "خلاف دو تابع دیگر محدودیت مقدار از بالای محور را ندارد. این امر از اشباع شدن گرادیان "
        "جلوگیری می کند."
    ),
    "q1d_answer": repr(
        "شباهت های relu با این توابع: این دو تابع همانند relu از بالا محدودیت ندارند که باعث "
        "جلوگیری از اشباع شدن گرادیان میشود. در مقادیر بزرگ مثبت این دو تابع روند و عملکرد "
        "مشابهی دارند. مزیت های دو تابع نسبت به relu: دارای ویژگی smoothing وابستگی این دو "
        "تابع نسبت به relu به وزن های اولیه شبکه و نرخ یادگیری که مقدار دهی شده اند کمتر است. "
        "به علت ویژگی non-monotonicity این تابع مقادیر منفی کوچکی تولید می کند که باعث گرادیان "
        "در مقادیر منفی هم فعالیت داشته باشد. در حالیکه در relu گرادیان در مقادیر منفی صفر می "
        "شود و ناپدید می شود. مزایای Swish نسبت به relu: در شبکه های خیلی عمیق، این تابع باعث "
        "می شود به دقت بیشتری داده های تست برسیم. محدود بودن در مقادیر زیر صفر باعث اثرات منظم "
        "قوی می شود و باعث کاهش overfitting می شود. اگر بتا را به صفر میل دهیم خروجی خطی و اگر "
        "آن را به بی نهایت میل دهیم خروجی به relu میل می کند."
    ),
    "q2_mse": "0.5",
    "q2_bce": "0.69",
}


def hw6_demos(release: Any) -> dict[str, Callable[[], Any]]:
    return {
        "correct": lambda: with_work(fill_answers(release, HW6_ANSWERS), HW6_WORK),
        "seed-student": lambda: fill_answers(release, HW6_SEED),
    }


# --- training questions: a student's work, done well, weakly, overclaimed or crashing ---------
# Tiny models on whatever load_dataset gives (digits in the demo), a few seconds each.

TRAINING_KINDS = ("good", "weak", "overclaims", "crashes")

TRAIN_COMMON = """\
import torch
from torch import nn

x_train, y_train, x_test, y_test = load_dataset(DATASET)
X, Y = torch.from_numpy(x_train), torch.from_numpy(y_train)
Xt, Yt = torch.from_numpy(x_test), torch.from_numpy(y_test)
channels, inputs = x_train.shape[1], x_train[0].size
loss_fn = nn.CrossEntropyLoss()


def shift(batch):
    dx, dy = torch.randint(-1, 2, (2,)).tolist()
    return torch.roll(batch, shifts=(dx, dy), dims=(2, 3))


def scale(batch):
    return batch * (0.7 + 0.6 * torch.rand(len(batch), 1, 1, 1))


def noise(batch):
    return (batch + 0.3 * torch.randn_like(batch)).clamp(0, 1)


def fit(model, epochs, n=None, lr=0.05, augment=(), l2=0.0, lrs=None, batch=32, adam=False):
    x, y = (X, Y) if n is None else (X[:n], Y[:n])
    if adam:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    train_loss, test_loss = [], []
    for epoch in range(epochs):
        if lrs is not None:
            for group in opt.param_groups:
                group["lr"] = lrs[epoch]
        model.train()
        for idx in torch.randperm(len(x)).split(batch):
            xb = x[idx]
            for t in augment:
                xb = t(xb)
            loss = loss_fn(model(xb), y[idx])
            if l2:
                loss = loss + l2 * sum((w**2).sum() for w in model.parameters() if w.dim() > 1)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            train_loss.append(loss_fn(model(x), y).item())
            test_loss.append(loss_fn(model(Xt), Yt).item())
    return train_loss, test_loss


def accuracy(model, x=None, y=None):
    x = Xt if x is None else x
    y = Yt if y is None else y
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()
"""

HW2_Q5_WORK_COMMON = """

def mlp(hidden, dropout=0.0):
    return nn.Sequential(
        nn.Flatten(), nn.Linear(inputs, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, 10),
    )
"""

# Per part of HW2 Q5 and kind: the work cell.
HW2_Q5_WORK = {
    "good": {
        "a": "model_a = mlp(32)\nfit(model_a, 3)\nprint('test accuracy', accuracy(model_a))",
        "b": "model_b = mlp(256)\nb_losses = fit(model_b, 60, n=100)\n"
        "print('test accuracy', accuracy(model_b))",
        "c": "augment_c = [scale, noise]\nmodel_c = mlp(256)\n"
        "fit(model_c, 20, n=100, augment=augment_c)\nprint('test accuracy', accuracy(model_c))",
        "d": "model_d = mlp(256)\nfit(model_d, 60, n=100, l2=3e-3)\n"
        "print('test accuracy', accuracy(model_d))",
        "e": "model_e = mlp(256, dropout=0.3)\n"
        "fit(model_e, 10, augment=[scale, noise], l2=1e-4, batch=64)\n"
        "print('test accuracy', accuracy(model_e))",
    },
    "weak": {
        "a": "model_a = mlp(8)\nfit(model_a, 1, lr=0.0005)",
        "b": "model_b = mlp(16)\nb_losses = fit(model_b, 3)",
        "c": "augment_c = [lambda b: b, lambda b: b.clone()]\nmodel_c = mlp(256)\n"
        "fit(model_c, 60, n=100, augment=augment_c)",
        "d": "model_d = mlp(256)\nfit(model_d, 80, n=100, lr=0.1)",
        "e": "model_e = mlp(8)",
    },
}
HW2_Q5_WORK["overclaims"] = HW2_Q5_WORK["weak"]
HW2_Q5_WORK["crashes"] = {
    **HW2_Q5_WORK["good"],
    "c": "def trained(model, **kw):\n    fit(model, **kw)\n    return model\n\n"
    "schedule = [0.05] * 10  # one learning rate per epoch\n"
    "augment_c = [scale, noise]\n"
    "model_c = trained(mlp(256), epochs=20, n=100, augment=augment_c, lrs=schedule)",
}

HW2_Q5_ANSWERS = {
    "a_model": "model_a",
    "a_accuracy": "accuracy(model_a)",
    "b_model": "model_b",
    "b_accuracy": "accuracy(model_b)",
    "b_train_loss": "b_losses[0]",
    "b_test_loss": "b_losses[1]",
    "c_model": "model_c",
    "c_accuracy": "accuracy(model_c)",
    "c_transforms": "augment_c",
    "d_model": "model_d",
    "d_accuracy": "accuracy(model_d)",
    "d_penalty": '"L2"',
    "d_strength": "3e-3",
    "e_model": "model_e",
    "e_accuracy": "accuracy(model_e)",
}
OVERCLAIMED = {"a_accuracy": "0.97", "e_accuracy": "0.98"}  # (a) and (e) learned little

HW4_Q3_WORK = """

def cnn():
    return nn.Sequential(
        nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
        nn.Flatten(), nn.Linear(32 * 4, 10),
    )


def per_class(model, x, y):
    model.eval()
    with torch.no_grad():
        predicted = model(x).argmax(1)
    return [(predicted[y == c] == c).float().mean().item() for c in range(10)]

"""
HW4_Q3_TRAIN = {
    "good": "model = cnn()\nfit(model, 12, augment=[shift, scale])",
    "weak": "model = cnn()\nfit(model, 1, lr=0.001, augment=[shift, scale])",
    "crashes": "def trained(model, **kw):\n    fit(model, **kw)\n    return model\n\n"
    "schedule = [0.05] * 6  # one learning rate per epoch\n"
    "model = trained(cnn(), epochs=12, augment=[shift, scale], lrs=schedule)",
}
HW4_Q3_TRAIN["overclaims"] = HW4_Q3_TRAIN["weak"]
HW4_Q3_REPORT = """
print("test accuracy", accuracy(model))
print("per class (train)", per_class(model, X, Y))
print("per class (test)", per_class(model, Xt, Yt))
"""
HW4_Q3_ANSWERS = {
    "q3_model": "model",
    "q3_accuracy": "accuracy(model)",
    "q3_per_class": "per_class(model, Xt, Yt)",
    "q3_transforms": "[shift, scale]",
}


HW3_Q4_WORK = """\
first, second = 3, 5


def binary(x, y):
    keep = (y == first) | (y == second)
    return x[keep], (y[keep] == second).float()


xb, yb = binary(X, Y)
cut = int(0.8 * len(xb))  # 80/20: training and validation
x_fit, y_fit, x_val, y_val = xb[:cut], yb[:cut], xb[cut:], yb[cut:]
xb_test, yb_test = binary(Xt, Yt)


def blocks():
    layers, c = [], channels
    for width in (8, 16, 32):
        layers += [nn.Conv2d(c, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
                   nn.MaxPool2d(2, ceil_mode=True)]
        c = width
    return layers


features = nn.Sequential(*blocks())(torch.zeros(1, *x_train.shape[1:])).numel()


def head():
    return [nn.Flatten(), nn.Linear(features, 32), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(32, 1), nn.Sigmoid()]


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*blocks())
        self.head = nn.Sequential(*head())

    def forward(self, x):
        return self.head(self.features(x))


def fit_binary(model, epochs, lr=0.01, lrs=None):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    bce = nn.BCELoss()
    for epoch in range(epochs):
        if lrs is not None:
            for group in opt.param_groups:
                group["lr"] = lrs[epoch]
        model.train()
        for idx in torch.randperm(len(x_fit)).split(32):
            if len(idx) > 1:
                loss = bce(model(x_fit[idx]).squeeze(1), y_fit[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    return model


def binary_accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return ((model(x).squeeze(1) >= 0.5).float() == y).float().mean().item()

"""
HW3_Q4_TRAIN = {
    "good": "sequential = fit_binary(nn.Sequential(*blocks(), *head()), 15)\n"
    "module = fit_binary(Classifier(), 15)\n"
    "print('validation', binary_accuracy(module, x_val, y_val))",
    "weak": "sequential = fit_binary(nn.Sequential(*blocks(), *head()), 1, lr=1e-4)\n"
    "module = fit_binary(Classifier(), 1, lr=1e-4)",
    "crashes": "sequential = fit_binary(nn.Sequential(*blocks(), *head()), 15)\n"
    "schedule = [0.01] * 5  # one learning rate per epoch\n"
    "module = fit_binary(Classifier(), 15, lrs=schedule)",
}
HW3_Q4_TRAIN["overclaims"] = HW3_Q4_TRAIN["weak"]
HW3_Q4_ANSWERS = {
    "q4_sequential": "sequential",
    "q4_module": "module",
    "q4_accuracy": "binary_accuracy(module, xb_test, yb_test)",
}

HW3_Q7_WORK = """\
class Inception(nn.Module):
    def __init__(self, c, pool_filters=16):
        super().__init__()

        def conv(i, o, k):
            return [nn.Conv2d(i, o, k, padding=k // 2), nn.ReLU()]

        self.branches = nn.ModuleList([
            nn.Sequential(*conv(c, 16, 1)),
            nn.Sequential(*conv(c, 16, 1), *conv(16, 32, 3)),
            nn.Sequential(*conv(c, 16, 1), *conv(16, 32, 5)),
            nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), *conv(c, pool_filters, 1)),
        ])

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


def inception_net():
    body = nn.Sequential(Inception(channels), nn.MaxPool2d(2), nn.Flatten())
    size = body(torch.zeros(1, *x_train.shape[1:])).shape[1]
    return nn.Sequential(*body, nn.Linear(size, 10))


def trained(model, **kw):
    fit(model, **kw)
    return model

"""
HW3_Q7_TRAIN = {
    "good": "block = Inception(3)\nnet = trained(inception_net(), epochs=6)",
    "weak": "block = Inception(3, pool_filters=32)\n"
    "net = trained(inception_net(), epochs=1, lr=1e-4)",
    "crashes": "block = Inception(3)\nschedule = [0.05] * 3  # one learning rate per epoch\n"
    "net = trained(inception_net(), epochs=6, lrs=schedule)",
}
HW3_Q7_TRAIN["overclaims"] = HW3_Q7_TRAIN["weak"]
HW3_Q7_ANSWERS = {
    "inception_block": "block",
    "inception_model": "net",
    "inception_accuracy": "accuracy(net)",
}

HW6_Q3_WORK = """\
import numpy as np

x_train2 = np.concatenate([x_train, 1 - x_train])
y_train2 = np.concatenate([y_train, y_train])
x_test2 = np.concatenate([x_test, 1 - x_test])
y_test2 = np.concatenate([y_test, y_test])
X, Y = torch.from_numpy(x_train2), torch.from_numpy(y_train2)
Xt, Yt = torch.from_numpy(x_test2), torch.from_numpy(y_test2)
alphas = [-1, -0.5, 0, 0.5, 1]


def activation(x, alpha):
    return torch.clamp(x, min=0) + alpha * torch.clamp(x, max=0)


def swapped(x, alpha):
    return alpha * torch.clamp(x, min=0) + torch.clamp(x, max=0)


class Act(nn.Module):
    def __init__(self, alpha, f=activation):
        super().__init__()
        self.alpha, self.f = alpha, f

    def forward(self, x):
        return self.f(x, self.alpha)


def cnn(alpha, f=activation):  # average pooling keeps the alpha = 1 network linear
    body = nn.Sequential(
        nn.Conv2d(channels, 8, 3, padding=1), Act(alpha, f), nn.AvgPool2d(2), nn.Flatten()
    )
    size = body(torch.zeros(1, *x_train.shape[1:])).shape[1]
    return nn.Sequential(*body, nn.Linear(size, 32), Act(alpha, f), nn.Linear(32, 10))


def train_all(f=activation, crash_at=None, **kw):
    found = []
    for alpha in alphas:
        model = cnn(alpha, f)
        schedule = [0.02] * 3 if alpha == crash_at else None  # one learning rate per epoch
        fit(model, lrs=schedule, **kw)
        found.append(model)
    return found

"""
HW6_Q3_TRAIN = {
    "good": "models = train_all(epochs=5, lr=0.02, batch=128, adam=True)",
    "weak": "models = train_all(f=swapped, epochs=1, lr=1e-4, batch=64, adam=True)",
    "crashes": "models = train_all(crash_at=0.5, epochs=5, lr=0.02, batch=128, adam=True)",
}
HW6_Q3_TRAIN["overclaims"] = HW6_Q3_TRAIN["weak"]
HW6_Q3_REPORT = """
accuracies = [accuracy(m) for m in models]
print(dict(zip(alphas, accuracies)))
"""
HW6_Q3_ANSWERS = {
    "q3_train_size": "len(x_train2)",
    "q3_test_size": "len(x_test2)",
    "q3_activation": "activation",
    "q3_models": "models",
    "q3_accuracies": "accuracies",
    "q3_best_alpha": "alphas[accuracies.index(max(accuracies))]",
}

CLAIMS = {
    "hw2.q5": OVERCLAIMED,
    "hw3.q4": {"q4_accuracy": "0.99"},
    "hw3.q7-train": {"inception_accuracy": "0.95"},
    "hw4.q3": {"q3_accuracy": "0.97", "q3_per_class": "[0.97] * 10"},
    "hw6.q3": {"q3_accuracies": "[0.99, 0.99, 0.98, 0.99, 0.98]"},
}
WEAK_ANSWERS = {"hw2.q5": {"d_strength": "0"}, "hw6.q3": {"q3_activation": "swapped"}}

# Per training question (group): its dataset, the work done once, then per kind the training
# (a dict per answer cell for HW2 Q5's five parts), and the answers.
TRAINING: Mapping[str, tuple[str, str, Mapping[str, Any], Mapping[str, str]]] = {
    "hw2.q5": ("fashion-mnist", HW2_Q5_WORK_COMMON, HW2_Q5_WORK, HW2_Q5_ANSWERS),
    "hw3.q4": ("cifar-10", HW3_Q4_WORK, HW3_Q4_TRAIN, HW3_Q4_ANSWERS),
    "hw3.q7-train": ("cifar-10", HW3_Q7_WORK, HW3_Q7_TRAIN, HW3_Q7_ANSWERS),
    "hw4.q3": ("cifar-10", HW4_Q3_WORK, HW4_Q3_TRAIN, HW4_Q3_ANSWERS),
    "hw6.q3": ("mnist", HW6_Q3_WORK, HW6_Q3_TRAIN, HW6_Q3_ANSWERS),
}
REPORTS = {"hw4.q3": HW4_Q3_REPORT, "hw6.q3": HW6_Q3_REPORT}


SEEDED = "torch.manual_seed(0)  # every training starts the same, whatever ran before\n"


def training_work(group: str, kind: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """One student's work on training question ``group`` (a key of ``TRAINING``) done as
    ``kind``: the code cells to put before each question's answer cell, and the answers."""
    dataset, common, work, answers = TRAINING[group]
    claims = CLAIMS[group] if kind == "overclaims" else {}
    boast = "".join(f"print({name!r}, {value})\n" for name, value in claims.items())
    setup = TRAIN_COMMON.replace("DATASET", repr(dataset)) + "\n\n" + common
    if group == "hw2.q5":
        cells = {f"hw2.q5{p}": [SEEDED + work[kind][p]] for p in "abcde"}
        cells["hw2.q5a"].insert(0, setup)
        cells["hw2.q5e"][-1] += "\n" + boast
    else:
        cells = {group: [setup, SEEDED + work[kind] + REPORTS.get(group, "\n") + boast]}
    weak = WEAK_ANSWERS.get(group, {}) if kind in ("weak", "overclaims") else {}
    return cells, {**answers, **weak, **claims}


def _assign(cell: Any, answers: Mapping[str, str]) -> None:
    """Set the answer lines of ``answers`` in an answer cell, whatever they held."""
    for name, source in answers.items():
        pattern = re.compile(rf"^({re.escape(name)}[ \t]*=[ \t]*).*?([ \t]+#.*)?$", re.MULTILINE)
        cell.source = pattern.sub(partial(_line, source), cell.source)


def _line(source: str, match: re.Match[str]) -> str:
    return match.group(1) + source + (match.group(2) or "")


def with_training(nb: Any, group: str, kind: str) -> Any:
    """``nb`` with training question ``group`` worked as ``kind`` ("good", "weak",
    "overclaims", "crashes"): the work before each of its answer cells, its answers set."""
    cells, answers = training_work(group, kind)
    nb = nbformat.from_dict(nb)
    for question, sources in cells.items():
        index = next(
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and c.metadata.get("grader", {}).get("answer") == question
        )
        _assign(nb.cells[index], answers)
        nb.cells[index:index] = [_code(s) for s in sources]
    return nb


def training_groups(homework: Homework) -> tuple[str, ...]:
    """The training questions (keys of ``TRAINING``) a homework holds."""
    ids = {q.id for q in homework.questions}
    return tuple(g for g in TRAINING if g in ids or f"{g}a" in ids)


def with_training_demos(
    demos: Mapping[str, Mapping[str, Callable[[], Any]]], books: Mapping[str, Homework]
) -> dict[str, dict[str, Callable[[], Any]]]:
    """Each homework with training questions: its "correct" demo trains well, and three more
    demos, based on it, train weakly, overclaim their accuracy, or crash half way."""

    def worked(make: Callable[[], Any], groups: tuple[str, ...], kind: str) -> Any:
        nb = make()
        for group in groups:
            nb = with_training(nb, group, kind)
        return nb

    result: dict[str, dict[str, Callable[[], Any]]] = {}
    for assignment, makers in demos.items():
        result[assignment] = dict(makers)
        groups = training_groups(books[assignment])
        if not groups or "correct" not in makers:
            continue
        base = makers["correct"]
        for kind in TRAINING_KINDS:
            name = "correct" if kind == "good" else f"training-{kind}"
            result[assignment][name] = partial(worked, base, groups, kind)
    return result


NOT_A_NOTEBOOK = "This is the homework, I wrote it in Word and renamed it.\n"


def build(out: Path) -> list[Path]:
    """Write every demo submission under ``out`` and return their paths."""
    books = catalogue()
    written = []
    demos: Mapping[str, Mapping[str, Callable[[], Any]]] = {
        "hw1": hw1_demos(release_with_manifest(books["hw1"])),
        "hw2": hw2_demos(release_with_manifest(books["hw2"])),
        "hw3": hw3_demos(release_with_manifest(books["hw3"])),
        "hw4": hw4_demos(release_with_manifest(books["hw4"])),
        "hw6": hw6_demos(release_with_manifest(books["hw6"])),
    }
    demos = with_training_demos(demos, books)
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
