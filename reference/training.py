"""The course's training questions: the student's model is measured, not believed.

Builders, each returning a ``Question`` (HOMEWORK.md): ``hw2_q5()`` gives HW2 Q5 (a)-(e) as
five questions, ``hw3_q4()``, ``hw3_q7()`` (the trained Inception module; its typed shape and
parameter count are HW3's numeric items), ``hw4_q3()`` and ``hw6_q3()``. ``setup_source()`` is
the released notebook's set-up cell (seeds, then the course's loader from ``graders.runtime.data``).

Every question names its dataset and declares its bars per dataset (``graders.checks.training
.Bar``): the course's own data (``--data DIR``), and scikit-learn's digits, which stands in for
every dataset when no data folder is given (the demo and the tests: small models train on it in
seconds on a laptop CPU). A bar leaves room for honest run-to-run noise: the figures a student
reports are measured on their test split, the grader's on its held-out part of it.

The model contract, said in every prompt: a model takes a batch shaped like ``x_test``
(float32, (N, C, H, W), values in [0, 1]) and returns one row of class scores per image
(logits, log-probabilities or probabilities); a binary model returns one number per image,
P(second class). Normalisation belongs inside the model.
"""

from __future__ import annotations

from graders.authoring import (
    HELD_OUT_MAX,
    AlphaPart,
    Bar,
    BlockPart,
    Item,
    ModelPart,
    Norm,
    Penalty,
    Prepared,
    Question,
    Rule,
    TwinPart,
    choice_options,
    loader_source,
    sample_size,
)

REGULARIZERS = choice_options(
    {
        "L1": {
            "l1",
            "ℓ1",
            "\\ell_1",
            "lasso",
            "l1 regularization",
            "l1 regularisation",
            "l1 norm",
            "l1 penalty",
            "لاسو",
        },
        "L2": {
            "l2",
            "ℓ2",
            "\\ell_2",
            "ridge",
            "weight decay",
            "tikhonov",
            "l2 regularization",
            "l2 regularisation",
            "l2 norm",
            "l2 penalty",
            "ریج",
            "کاهش وزن",
        },
        "none": {
            "none",
            "no regularization",
            "no regularisation",
            "without regularization",
            "without regularisation",
            "unregularized",
            "unregularised",
            "هیچ",
            "هیچ‌کدام",
            "بدون",
            "بدون منظم‌سازی",
            "بدون رگولاریزیشن",
        },
    }
)
"""Which regulariser produced a weight vector (HW2 Q2(c)): L1, L2 or none."""

PENALTY_NORMS = {"L1": Norm.L1, "L2": Norm.L2}
"""HW2 Q5(d)'s penalties and the weight norm each is compared on."""

SETUP_HEAD = """\
# Course set-up: run this cell first and leave it as it is. It fixes the seeds (the grader
# runs every notebook with one CPU thread) and defines load_dataset(name), which reads
# data/<name>/ beside this notebook; the grader provides that folder when it grades:
#   data/mnist/, data/fashion-mnist/: the four standard IDX files (train-images-idx3-ubyte,
#     train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; .gz is fine);
#   data/cifar-10/: the binary version's data_batch_1.bin ... data_batch_5.bin, test_batch.bin.
# x_train, y_train, x_test, y_test = load_dataset(name): float32 images (N, C, H, W) in [0, 1]
# and int64 labels. The grader keeps part of the test split for itself, so x_test may be
# smaller than the standard one.
import random

import numpy as np
import torch

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)
"""


# What the set-up cell imports that costs a kernel seconds: loaded while it waits for its turn.
WARM = ("numpy", "torch")


def setup_source() -> str:
    """The set-up cell of a homework with training questions: seeds, then the loader."""
    return SETUP_HEAD + "\n" + loader_source()


CONTRACT = """\
**How the grader measures your model.** It runs your model on test images you never saw
(kept from the test split), fed exactly like `x_test` — float32, shaped (N, C, H, W), values
in [0, 1] (put any normalisation inside the model) — in eval mode, and computes the accuracy
and loss itself. Your model returns one row of class scores per image (logits, or
probabilities). Build it from the data's shape (`x_train.shape[1:]`), not from fixed sizes.
The accuracy you report is shown beside the measured one; a large difference is flagged.
"""

TRAIN_SAMPLE = sample_size(60_000)

# --- HW2 Q5: FashionMNIST MLP -----------------------------------------------------------------

FASHION = "fashion-mnist"

HW2_Q5_BARS = {
    "a": {FASHION: Bar(0.82, margin=0.03), "digits": Bar(0.85)},
    "b": {FASHION: Bar(0.60, gap=0.08, margin=0.03), "digits": Bar(0.60, gap=0.07)},
    "c": {FASHION: Bar(0.75, margin=0.03), "digits": Bar(0.80)},
    "d": {FASHION: Bar(0.75, comparable=0.03, margin=0.03), "digits": Bar(0.80)},
    "e": {FASHION: Bar(0.82, margin=0.03), "digits": Bar(0.85)},
}

HW2_Q5_INTRO = f"""\
**FashionMNIST with a multi-layer perceptron (PyTorch).** Load the data with
`x_train, y_train, x_test, y_test = load_dataset("{FASHION}")` and train multi-layer
perceptrons (fully connected layers) with `nn.CrossEntropyLoss` and SGD (or another
optimiser where a part allows it).

{CONTRACT}"""

Q5_PROMPTS = {
    "a": """\
**(a) A first MLP.** Train an MLP on the training split and evaluate it on the test split;
show its predictions on a few test images. Put the trained model in `a_model` and the test
accuracy you measured (0..1) in `a_accuracy`.
""",
    "b": f"""\
**(b) Make it overfit.** Change the model or its training (more units, more epochs, fewer
training examples...) so that it overfits, and plot the training and test loss per epoch. The
grader measures training accuracy on the first {TRAIN_SAMPLE} training examples (the first
tenth of the split when it is smaller), so train on a subset only if it starts with them
(`x_train[:n]`, n ≥ {TRAIN_SAMPLE}). Give the model in `b_model`, its test accuracy in
`b_accuracy` and the loss histories (one number per epoch) in `b_train_loss`, `b_test_loss`.
""",
    "c": """\
**(c) Data augmentation.** Reduce (b)'s overfitting with data augmentation only, with at least
two transforms. Give the transforms in `c_transforms`: a list of callables, each taking a
batch of images (a tensor shaped like `x_train`'s batches) and returning the changed batch
(torchvision transforms that work on tensors qualify). The grader applies each one to images
of its own: a transform that changes nothing does not count. Give the model in `c_model` and
its test accuracy in `c_accuracy`; it must overfit less than (b)'s.
""",
    "d": """\
**(d) Regularisation.** Reduce (b)'s overfitting with an L1 or L2 penalty on the weights
instead. Give the model in `d_model`, the penalty ("L1" or "L2") in `d_penalty`, its strength
in `d_strength` and the test accuracy in `d_accuracy`. The grader compares the penalised norm
of the weights (biases left out) with (b)'s, at comparable test accuracy.
""",
    "e": """\
**(e) Bonus: the best mix.** Combine augmentation, regularisation and dropout as you see fit
to beat (a)'s test accuracy. Give the model in `e_model` and its test accuracy in
`e_accuracy`.
""",
}


def _model_item(variable: str, label: str, points: float) -> Item:
    return Item(variable, label, points, "the trained model (an nn.Module)")


def _reported_item(variable: str, points: float = 1.0) -> Item:
    return Item(variable, "Test accuracy you measured", points, "a number, 0..1")


def hw2_q5a() -> Question:
    part = ModelPart(
        _model_item("a_model", "(a) the trained MLP", 9.0),
        FASHION,
        HW2_Q5_BARS["a"],
        reported=_reported_item("a_accuracy"),
    )
    return _q5("a", "A first MLP", part)


def hw2_q5b() -> Question:
    part = ModelPart(
        _model_item("b_model", "(b) the overfitting MLP", 7.0),
        FASHION,
        HW2_Q5_BARS["b"],
        rule=Rule.OVERFITS,
        reported=_reported_item("b_accuracy"),
        histories=(
            Item("b_train_loss", "Training loss per epoch", 1.0, "a list of numbers"),
            Item("b_test_loss", "Test loss per epoch", 1.0, "a list of numbers"),
        ),
    )
    return _q5("b", "Make it overfit", part)


def hw2_q5c() -> Question:
    part = ModelPart(
        _model_item("c_model", "(c) the MLP trained with augmentation", 6.0),
        FASHION,
        HW2_Q5_BARS["c"],
        rule=Rule.LESS_GAP,
        baseline="b_model",
        reported=_reported_item("c_accuracy"),
        transforms=Item("c_transforms", "The augmentation's transforms", 3.0, "a list"),
    )
    return _q5("c", "Data augmentation", part)


def hw2_q5d() -> Question:
    part = ModelPart(
        _model_item("d_model", "(d) the regularised MLP", 7.0),
        FASHION,
        HW2_Q5_BARS["d"],
        rule=Rule.SMALLER_NORM,
        baseline="b_model",
        reported=_reported_item("d_accuracy"),
        strength=Item("d_strength", "Regularisation strength", 1.0, "a positive number"),
        penalty=Penalty(
            Item("d_penalty", "Penalty", 1.0, '"L1" or "L2"'), REGULARIZERS, PENALTY_NORMS
        ),
    )
    return _q5("d", "Regularisation", part)


def hw2_q5e() -> Question:
    part = ModelPart(
        _model_item("e_model", "(e) the best mix", 14.0),
        FASHION,
        HW2_Q5_BARS["e"],
        rule=Rule.BEATS,
        baseline="a_model",
        reported=_reported_item("e_accuracy"),
    )
    return _q5("e", "Bonus: the best mix", part)


def _q5(letter: str, title: str, part: ModelPart) -> Question:
    intro = HW2_Q5_INTRO + "\n" if letter == "a" else ""
    return Question(
        id=f"hw2.q5{letter}",
        title=f"FashionMNIST MLP ({letter}): {title}",
        prompt=intro + Q5_PROMPTS[letter],
        parts=(part,),
        answer_help="Models as nn.Module objects; accuracies as fractions (0.87) or "
        "percentages (87).",
    )


def hw2_q5() -> tuple[Question, ...]:
    """HW2 Q5 (a)-(e): (e) is the bonus."""
    return (hw2_q5a(), hw2_q5b(), hw2_q5c(), hw2_q5d(), hw2_q5e())


# --- HW3 Q4: a binary image classifier, twice --------------------------------------------------

CIFAR = "cifar-10"
HW3_Q4_CLASSES = (3, 5)  # cat and dog
HW3_Q4_BARS = {CIFAR: Bar(0.70, margin=0.04), "digits": Bar(0.90, margin=0.06)}

HW3_Q4_PROMPT = f"""\
**A binary image classifier, built twice.** From `load_dataset("{CIFAR}")` keep the classes
{HW3_Q4_CLASSES[0]} and {HW3_Q4_CLASSES[1]} (cat and dog; label 1 is class
{HW3_Q4_CLASSES[1]}) and split the training images 80/20 into training and validation sets.
Build the network — three convolution blocks (convolution, batch normalisation, max-pooling),
then flatten, a dense layer, dropout and one sigmoid output — twice: as an `nn.Sequential` and
as a subclass of `nn.Module`, the same layers in both. Train both with Adam and binary
cross-entropy.

{CONTRACT}Here the model returns one number per image: the probability of class
{HW3_Q4_CLASSES[1]}. Give the models in `q4_sequential` and `q4_module`, and the test accuracy
of the `nn.Module` version in `q4_accuracy`. The grader checks that both versions have the same
parameter count and output shape, and that both reach the bar.
"""


def hw3_q4() -> Question:
    part = TwinPart(
        _model_item("q4_sequential", "The nn.Sequential version", 5.0),
        _model_item("q4_module", "The nn.Module subclass", 5.0),
        CIFAR,
        HW3_Q4_CLASSES,
        HW3_Q4_BARS,
        reported=_reported_item("q4_accuracy"),
    )
    return Question(
        id="hw3.q4",
        title="A binary image classifier, built twice",
        prompt=HW3_Q4_PROMPT,
        parts=(part,),
        answer_help="Models as nn.Module objects; the accuracy as a fraction or percentage.",
    )


# --- HW3 Q7: the Inception module, trained --------------------------------------------------

INCEPTION_BRANCHES: tuple[tuple[tuple[int, int], ...], ...] = (
    ((1, 16),),
    ((1, 16), (3, 32)),
    ((1, 16), (5, 32)),
    ((0, 3), (1, 16)),  # a 3x3 max-pool (kernel 0 marks pooling), then 1x1
)
"""Each branch's layers as (kernel, filters) convolutions; (0, k) is a k×k max-pool."""

INCEPTION_INPUT = (2, 3, 32, 32)
HW3_Q7_BARS = {CIFAR: Bar(0.50, margin=0.04), "digits": Bar(0.80)}


def inception_channels(branches: tuple[tuple[tuple[int, int], ...], ...]) -> int:
    """Output channels: the sum of each branch's last convolution's filters."""
    return sum([f for k, f in branch if k > 0][-1] for branch in branches)


def inception_parameters(
    in_channels: int, branches: tuple[tuple[tuple[int, int], ...], ...]
) -> int:
    """Trainable parameters: (k·k·channels in + 1)·filters per convolution; pooling has none."""
    total = 0
    for branch in branches:
        channels = in_channels
        for kernel, filters in branch:
            if kernel > 0:
                total += (kernel * kernel * channels + 1) * filters
                channels = filters
    return total


HW3_Q7_PROMPT = f"""\
**Train the Inception module.** Write the Inception module of this question as an
`nn.Module` for a 3-channel input: four branches — 1×1 convolution (16 filters); 1×1 (16) then
3×3 (32); 1×1 (16) then 5×5 (32); 3×3 max-pooling (stride 1) then 1×1 (16) — each
convolution with a bias, stride 1, 'same' padding and a ReLU, no batch normalisation; the
branches' outputs concatenated along the channels. Put an instance for 3 input channels in
`inception_block`: the grader feeds it an input shaped {INCEPTION_INPUT} and expects 96
channels at the input's height and width, and the reference parameter count.

Then build a small classifier around the module (for `x_train.shape[1]` input channels),
train it on `load_dataset("{CIFAR}")` and give it in `inception_model`, with its test
accuracy in `inception_accuracy`.

{CONTRACT}"""


def hw3_q7() -> Question:
    """HW3 Q7's training: the module's shape and parameters measured, and a trained model."""
    block = BlockPart(
        Item("inception_block", "Inception module for 3 input channels", 4.0, "an nn.Module"),
        INCEPTION_INPUT,
        inception_channels(INCEPTION_BRANCHES),
        lambda params: inception_parameters(INCEPTION_INPUT[1], INCEPTION_BRANCHES),
    )
    model = ModelPart(
        _model_item("inception_model", "A classifier built on the module, trained", 5.0),
        CIFAR,
        HW3_Q7_BARS,
        reported=_reported_item("inception_accuracy"),
    )
    return Question(
        id="hw3.q7-train",
        title="The Inception module, built and trained",
        prompt=HW3_Q7_PROMPT,
        parts=(block, model),
        answer_help="Modules as nn.Module objects; the accuracy as a fraction or percentage.",
    )


# --- HW4 Q3: CIFAR-10 with augmentation, per class -------------------------------------------

HW4_Q3_BARS = {
    CIFAR: Bar(0.60, margin=0.04, class_margin=0.12, transforms=1),
    "digits": Bar(0.85, margin=0.06, class_margin=0.25, transforms=1),
}

HW4_Q3_PROMPT = f"""\
**CIFAR-10 with data augmentation.** Train a convolutional network on
`load_dataset("{CIFAR}")` with data augmentation, and report its accuracy per class on the
training and the test split. Give the model in `q3_model`, the transforms you used in
`q3_transforms` (a list of callables, each taking a batch of images and returning the changed
batch; the grader tries each on images of its own), the test accuracy in `q3_accuracy` and the
ten per-class test accuracies (in class order) in `q3_per_class`.

{CONTRACT}"""


def hw4_q3() -> Question:
    part = ModelPart(
        _model_item("q3_model", "The trained CNN", 10.0),
        CIFAR,
        HW4_Q3_BARS,
        reported=_reported_item("q3_accuracy"),
        per_class=Item("q3_per_class", "Per-class test accuracy", 2.0, "ten numbers, 0..1"),
        transforms=Item("q3_transforms", "The augmentation's transforms", 2.0, "a list"),
    )
    return Question(
        id="hw4.q3",
        title="CIFAR-10 CNN with data augmentation",
        prompt=HW4_Q3_PROMPT,
        parts=(part,),
        answer_help="The model as an nn.Module; accuracies as fractions or percentages.",
    )


# --- HW6 Q3: MNIST with inverted copies, activation with α ------------------------------------

MNIST = "mnist"
ALPHAS = (-1.0, -0.5, 0.0, 0.5, 1.0)
HW6_Q3_BARS = {MNIST: Bar(0.95, margin=0.03), "digits": Bar(0.85, margin=0.06)}

HW6_Q3_PROMPT = f"""\
**MNIST with inverted copies, and an activation with a parameter.** Load
`load_dataset("{MNIST}")` and add the inverted copy (1 − x) of every training and every test
image. Give the new sizes in `q3_train_size` and `q3_test_size` (before any validation split).

Write the activation f(x) = max(x, 0) + α·min(x, 0) as `q3_activation`: either a function
`q3_activation(x, alpha)` of a tensor, or an `nn.Module` class whose instances
`q3_activation(alpha)` are applied to a tensor. Train one CNN using it for each α in
{", ".join(f"{a:g}" for a in ALPHAS)} (α = 1 makes the network linear) and give them in
`q3_models`, a list in that order (or a dict keyed by α); report each one's test accuracy on
the test set with its inverted copies in `q3_accuracies` (same order) and the best α in
`q3_best_alpha`. The grader measures each model on its held-out images and their inverted
copies, and checks that the α = 1 network behaves as a linear model (so use a linear pooling,
such as average pooling, or none).

{CONTRACT}"""


COURSE_MNIST = (60_000, 10_000)  # the real MNIST's training and test images, as the course counts


def size_notes(data: Prepared) -> tuple[str, str]:
    """How HW6 Q3's expected sizes follow from what the kernel was given (the grader keeps part
    of the test split), and how they relate to the course's numbers for the real MNIST."""
    train, test, kept = len(data.train), len(data.public), len(data.heldout)
    course_train, course_test = COURSE_MNIST
    course_kept = min(HELD_OUT_MAX, course_test // 2)
    train_note = (
        f"Expected from the data the kernel was given: {train:,} training images and their "
        f"{train:,} inverted copies, {2 * train:,}. (The course's MNIST: 60,000 + 60,000 = "
        f"{2 * course_train:,}.)"
    )
    test_note = (
        f"Expected from the data the kernel was given: {test:,} test images and their "
        f"{test:,} inverted copies, {2 * test:,}; the grader keeps {kept:,} more test images to "
        f"measure the models. (The course's MNIST: 10,000 + 10,000 = {2 * course_test:,} test "
        f"images, less the {course_kept:,} the grader keeps: {course_test - course_kept:,} + "
        f"{course_test - course_kept:,} = {2 * (course_test - course_kept):,}.)"
    )
    return train_note, test_note


def hw6_q3() -> Question:
    part = AlphaPart(
        Item("q3_train_size", "Training images with inverted copies", 1.0, "an integer"),
        Item("q3_test_size", "Test images with inverted copies", 1.0, "an integer"),
        Item("q3_activation", "The activation with α", 3.0, "a function or a module class"),
        Item("q3_models", "One trained CNN per α", 8.0, "a list of five models"),
        Item("q3_accuracies", "Test accuracy per α", 1.0, "five numbers, 0..1"),
        Item("q3_best_alpha", "The best α", 1.0, "one of the five"),
        MNIST,
        HW6_Q3_BARS,
        ALPHAS,
        size_notes=size_notes,
    )
    return Question(
        id="hw6.q3",
        title="MNIST with inverted copies; an activation with a parameter",
        prompt=HW6_Q3_PROMPT,
        parts=(part,),
        answer_help="Sizes as integers; models as nn.Module objects; accuracies as fractions.",
    )
